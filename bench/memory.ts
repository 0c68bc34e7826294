// memory: resident set of the real server (dist/main.js in a child process, as `npm start` runs it) with 100,000
// subscriptions in its database and every platform main.ts wires connected to its fake from test/fakes (Telegram's
// Bot API always; Slack and Discord when wired), before and after ingesting events whose alerts it delivers to
// Telegram. Baseline, same run: the same server on an empty database, same events.
// Why: DESIGN.md §8 — a self-hosted bot should fit a small VPS (< 150 MB with every platform connected).
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openDatabase, type Db } from '../src/db/open-database.js';
import { makeTempDir, removeTempDir, residentSetMb, startMain } from './child-processes.js';
import { startPlatformFakes } from './platform-fakes.js';
import type { BenchContext, BenchResult, Benchmark } from './report.js';
import { backgroundSubscriptions, bulkChats, insertChats, insertSubscriptions } from './seed.js';
import { BENCH_SECRET, coinUpdateBody, postWebhook } from './signed-webhooks.js';
import { median, round } from './stats.js';

const SUBSCRIPTIONS = 100_000;
const PER_CHAT = 50;
const LIMIT_MB = 150;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Sample {
  idleMb: number;
  afterMb: number;
  peakMb: number;
  delivered: number;
  connected: string[];
  notes: string[];
}

async function measure(ctx: BenchContext, label: string, seed: (db: Db) => void, events: number): Promise<Sample> {
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
    DOTENV_PATH: join(dir, 'none.env'),
    ...fakes.env,
  });
  const reader = new Database(dbPath, { readonly: true });
  try {
    await sleep(1000);
    const idle = residentSetMb(server.pid).rss;
    const baseUrl = `http://127.0.0.1:${server.port}`;
    for (let i = 0; i < events; i += 10) {
      await Promise.all(
        Array.from({ length: Math.min(10, events - i) }, async (_, k) => {
          const n = i + k;
          const coin = n % 10 === 0 ? `coin-${(n * 7) % 20_011}` : `unwatched-${n}`;
          const response = await postWebhook(baseUrl, `memory-${label}-${n}`, coinUpdateBody(coin, n));
          if (response.status !== 200) throw new Error(`webhook answered ${response.status}: ${response.text}`);
        }),
      );
    }
    const depth = reader.prepare("select count(*) as n from deliveries where status in ('pending', 'sending')");
    const deadline = performance.now() + 120_000;
    while ((depth.get() as { n: number }).n > 0 && performance.now() < deadline) await sleep(200);
    await sleep(1000);
    const samples: number[] = [];
    for (let s = 0; s < 3; s += 1) {
      samples.push(residentSetMb(server.pid).rss);
      await sleep(250);
    }
    const peak = residentSetMb(server.pid).peak;
    const delivered = (reader.prepare("select count(*) as n from deliveries where status = 'sent'").get() as { n: number }).n;
    const loggedIn = fakes.loggedIn();
    const missing = fakes.connected.filter((p) => !loggedIn.includes(p));
    const sample = {
      idleMb: round(idle, 1),
      afterMb: round(median(samples), 1),
      peakMb: round(peak, 1),
      delivered,
      connected: fakes.connected,
      notes: [...fakes.notes, ...missing.map((p) => `${p}: configured, but its fake never saw the bot log in`)],
    };
    ctx.say(`${label} (${fakes.connected.join(' + ')}): RSS idle ${sample.idleMb} MB, after ${events} events ${sample.afterMb} MB, peak ${sample.peakMb} MB, ${delivered} alerts delivered`);
    return sample;
  } finally {
    reader.close();
    await server.stop();
    await fakes.close();
    removeTempDir(dir);
  }
}

async function run(ctx: BenchContext): Promise<BenchResult> {
  const events = ctx.quick ? 100 : 1_000;
  const empty = await measure(ctx, 'empty database', () => {}, events);
  const loaded = await measure(
    ctx,
    `${SUBSCRIPTIONS.toLocaleString('en-US')} subscriptions`,
    (db) => {
      const ids = insertChats(db, bulkChats('telegram', SUBSCRIPTIONS / PER_CHAT));
      insertSubscriptions(db, backgroundSubscriptions(ids, PER_CHAT));
    },
    events,
  );
  const worst = Math.max(loaded.afterMb, loaded.peakMb);
  return {
    name: 'memory',
    title: `resident set with 100,000 subscriptions, ${loaded.connected.join(' + ')} connected`,
    runs: `1 server per case; "after" is the median of 3 samples 250 ms apart once ${events} events were ingested and their alerts sent`,
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
    figures: { emptyDatabase: empty, loaded, subscriptions: SUBSCRIPTIONS, chats: SUBSCRIPTIONS / PER_CHAT, events },
    notes: [
      `connected: ${loaded.connected.join(', ')} (fakes from test/fakes); the 100,000 subscriptions belong to Telegram chats`,
      ...loaded.notes,
    ],
  };
}

export const memory: Benchmark = { name: 'memory', title: 'resident set with 100,000 subscriptions', run };
