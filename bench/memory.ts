// memory: resident set of the real server (dist/main.js in a child process, as `npm start` runs it) with 100,000
// subscriptions in its database and every platform main.ts wires connected to its fake from test/fakes (Telegram's
// Bot API always; Slack and Discord when wired): idle, then after an ingest run (bench/load.ts, the ingest
// benchmark's load generator: 10 s at full speed, 2 s with --quick; every event names a subscribed coin, ~5 chats
// each), whose alerts it keeps delivering to Telegram at the platform's rate while the outbox holds the backlog.
// Baseline, same run: the same server on an empty database, same load.
// Why: DESIGN.md §8 — a self-hosted bot should fit a small VPS (< 150 MB with every platform connected).
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openDatabase, type Db } from '../src/db/open-database.js';
import { makeTempDir, removeTempDir, residentSetMb, startMain } from './child-processes.js';
import { loadWebhooks } from './load.js';
import { startPlatformFakes } from './platform-fakes.js';
import type { BenchContext, BenchResult, Benchmark } from './report.js';
import { backgroundSubscriptions, bulkChats, insertChats, insertSubscriptions } from './seed.js';
import { BENCH_SECRET, coinUpdateBody } from './signed-webhooks.js';
import { median, round } from './stats.js';

const SUBSCRIPTIONS = 100_000;
const PER_CHAT = 50;
const LIMIT_MB = 150;
/** backgroundSubscriptions spreads coins over coin-0 … coin-20010. */
const COIN_SPACE = 20_011;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Sample {
  idleMb: number;
  afterMb: number;
  peakMb: number;
  reqPerSec: number;
  eventsRecorded: number;
  alertsQueued: number;
  alertsDelivered: number;
  connected: string[];
  notes: string[];
}

async function measure(ctx: BenchContext, label: string, seed: (db: Db) => void, seconds: number): Promise<Sample> {
  const dir = makeTempDir('memory');
  const fakes = await startPlatformFakes();
  const dbPath = join(dir, 'memory.db');
  const db = openDatabase(dbPath);
  seed(db);
  db.$client.close();
  const server = await startMain({
    COINGECKO_WEBHOOK_SECRET: BENCH_SECRET,
    DATABASE_PATH: dbPath,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    DOTENV_PATH: '/dev/null',
    ...fakes.env,
  });
  const reader = new Database(dbPath, { readonly: true });
  try {
    await sleep(1500);
    const idle = residentSetMb(server.pid).rss;
    const pool = Array.from({ length: 4_000 }, (_, n) => coinUpdateBody(`coin-${(n * 7919) % COIN_SPACE}`, n));
    const load = await loadWebhooks(server.port, seconds, pool);
    if (load.non2xx > 0 || load.errors > 0) throw new Error(`${load.non2xx} non-2xx answers and ${load.errors} errors during the load`);
    await sleep(2000);
    const samples: number[] = [];
    for (let s = 0; s < 3; s += 1) {
      samples.push(residentSetMb(server.pid).rss);
      await sleep(250);
    }
    const peak = residentSetMb(server.pid).peak;
    const count = (sql: string) => (reader.prepare(sql).get() as { n: number }).n;
    const loggedIn = fakes.loggedIn();
    const missing = fakes.connected.filter((p) => !loggedIn.includes(p));
    const sample: Sample = {
      idleMb: round(idle, 1),
      afterMb: round(median(samples), 1),
      peakMb: round(peak, 1),
      reqPerSec: round(load.reqPerSec, 0),
      eventsRecorded: count('select count(*) as n from events'),
      alertsQueued: count('select count(*) as n from deliveries'),
      alertsDelivered: count("select count(*) as n from deliveries where status = 'sent'"),
      connected: fakes.connected,
      notes: [...fakes.notes, ...missing.map((p) => `${p}: configured, but its fake never saw the bot log in`)],
    };
    ctx.say(
      `${label} (${fakes.connected.join(' + ')}): RSS idle ${sample.idleMb} MB; ${seconds} s of load at ${sample.reqPerSec} req/s ` +
        `(${sample.eventsRecorded.toLocaleString('en-US')} events, ${sample.alertsQueued.toLocaleString('en-US')} alerts queued, ` +
        `${sample.alertsDelivered} delivered so far): RSS after ${sample.afterMb} MB, peak ${sample.peakMb} MB`,
    );
    return sample;
  } finally {
    reader.close();
    await server.stop();
    await fakes.close();
    removeTempDir(dir);
  }
}

async function run(ctx: BenchContext): Promise<BenchResult> {
  const seconds = ctx.quick ? 2 : 10;
  const empty = await measure(ctx, 'empty database', () => {}, seconds);
  const loaded = await measure(
    ctx,
    `${SUBSCRIPTIONS.toLocaleString('en-US')} subscriptions`,
    (db) => {
      const ids = insertChats(db, bulkChats('telegram', SUBSCRIPTIONS / PER_CHAT));
      insertSubscriptions(db, backgroundSubscriptions(ids, PER_CHAT));
    },
    seconds,
  );
  const worst = Math.max(loaded.afterMb, loaded.peakMb);
  return {
    name: 'memory',
    title: `resident set with 100,000 subscriptions, ${loaded.connected.join(' + ')} connected`,
    runs: `1 server per case; "after" is the median of 3 samples 250 ms apart, 2 s after a ${seconds} s ingest run at full speed`,
    bars: [
      {
        label: `peak RSS, 100k subs, ${loaded.connected.length} platform${loaded.connected.length > 1 ? 's' : ''}`,
        measured: worst,
        unit: 'MB',
        baseline: { label: 'empty database', value: Math.max(empty.afterMb, empty.peakMb) },
        ratio: round(worst / Math.max(empty.afterMb, empty.peakMb), 2),
        target: `< ${LIMIT_MB} MB`,
        met: worst < LIMIT_MB,
      },
    ],
    figures: { emptyDatabase: empty, loaded, subscriptions: SUBSCRIPTIONS, chats: SUBSCRIPTIONS / PER_CHAT, loadSeconds: seconds },
    tables: [
      {
        title: 'Resident set (MB)',
        header: ['database', 'idle', 'after the ingest run', 'peak (VmHWM)', 'load', 'events', 'alerts queued / delivered'],
        rows: (
          [
            ['100,000 subscriptions (2,000 Telegram chats)', loaded],
            ['empty', empty],
          ] as const
        )
          .map(([name, x]) => [
            name,
            String(x.idleMb),
            String(x.afterMb),
            String(x.peakMb),
            `${x.reqPerSec.toLocaleString('en-US')} req/s`,
            x.eventsRecorded.toLocaleString('en-US'),
            `${x.alertsQueued.toLocaleString('en-US')} / ${x.alertsDelivered.toLocaleString('en-US')}`,
          ]),
      },
    ],
    notes: [
      `connected: ${loaded.connected.join(', ')} (fakes from test/fakes); the 100,000 subscriptions belong to Telegram chats`,
      ...loaded.notes,
    ],
  };
}

export const memory: Benchmark = { name: 'memory', title: 'resident set with 100,000 subscriptions', run };
