// ingest: signed webhooks through coinsentry's whole path (verify, dedupe, record, match against 10,000 subscriptions,
// outbox, dispatcher) versus the Express receiver from CoinGecko's docs (verify, JSON.parse, in-memory dedupe, no
// persistence). Each server runs in its own child process; autocannon loads it from this process with a unique event
// id and a valid signature per request. Runs alternate (ours, reference, reference, ours, …) so drift hits both.
// Why: DESIGN.md §8 asks for ≥ 1.5× the reference's throughput with no worse p99, so durability is not paid in speed.
import { join } from 'node:path';
import autocannon, { type RequestParams } from 'autocannon';
import Database from 'better-sqlite3';
import { openDatabase } from '../src/db/open-database.js';
import { forkTs, makeTempDir, removeTempDir, type ForkedChild } from './child-processes.js';
import type { BenchContext, BenchResult, Benchmark } from './report.js';
import { bulkChats, insertChats, insertSubscriptions, type SubscriptionTriple } from './seed.js';
import { BENCH_SECRET, WEBHOOK_PATH, coinUpdateBody, signedHeaders } from './signed-webhooks.js';
import { median, round } from './stats.js';

const CHATS = 2_500;
const SUBSCRIPTIONS_PER_CHAT = 4;
const WATCHED_COINS = 2_000;
/** One event in MATCH_EVERY names a watched coin (5 chats each); the rest name coins nobody watches. */
const MATCH_EVERY = 20;
const CONNECTIONS = 10;

interface Ready {
  port: number;
}

interface LoadRun {
  server: 'coinsentry' | 'reference';
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
  /** CPU this process (autocannon + signing) used, as % of one core: near 100 % means the generator was the limit. */
  generatorCpuPercent: number;
}

/** 10,000 subscriptions over 2,500 console chats: chat i watches 4 of 2,000 coins, so each coin has 5 watchers. */
function seed(path: string): void {
  const db = openDatabase(path);
  const chatIds = insertChats(db, bulkChats('console', CHATS));
  function* rows(): Generator<SubscriptionTriple> {
    for (const [i, chatId] of chatIds.entries()) {
      for (let j = 0; j < SUBSCRIPTIONS_PER_CHAT; j += 1) {
        yield [chatId, `watched-${(i * SUBSCRIPTIONS_PER_CHAT + j) % WATCHED_COINS}`, j === 3 ? 'platforms' : '*'];
      }
    }
  }
  insertSubscriptions(db, rows());
  db.$client.close();
}

/** Request bodies, prepared once so the load generator spends its time sending. */
function bodies(): string[] {
  return Array.from({ length: WATCHED_COINS }, (_, n) =>
    coinUpdateBody(n % MATCH_EVERY === 0 ? `watched-${(n / MATCH_EVERY) % WATCHED_COINS}` : `unwatched-${n}`, n),
  );
}

let sequence = 0;

async function load(port: number, seconds: number, pool: readonly string[]): Promise<Omit<LoadRun, 'server'>> {
  const runId = `${process.pid}-${Date.now()}`;
  const setupRequest = (request: RequestParams): RequestParams => {
    sequence += 1;
    const body = pool[sequence % pool.length]!;
    const eventId = `ingest-${runId}-${sequence}`;
    return { ...request, headers: signedHeaders(eventId, body), body };
  };
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  const result = await autocannon({
    url: `http://127.0.0.1:${port}`,
    connections: CONNECTIONS,
    duration: seconds,
    requests: [{ method: 'POST', path: WEBHOOK_PATH, setupRequest }],
  });
  const cpu = process.cpuUsage(cpu0);
  return {
    generatorCpuPercent: Math.round(((cpu.user + cpu.system) / 1000 / (performance.now() - wall0)) * 100),
    reqPerSec: result['2xx'] / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
  };
}

/** Waits until the dispatcher has sent everything the last run queued, so it does not eat the next run's CPU. */
async function drained(reader: Database.Database, timeoutMs = 120_000): Promise<number> {
  const started = performance.now();
  const depth = reader.prepare("select count(*) as n from deliveries where status in ('pending', 'sending')");
  while (performance.now() - started < timeoutMs) {
    if ((depth.get() as { n: number }).n === 0) return performance.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the outbox did not drain within 2 minutes');
}

async function run(ctx: BenchContext): Promise<BenchResult> {
  const seconds = ctx.quick ? 1 : 10;
  const warmupSeconds = ctx.quick ? 1 : 3;
  const rounds = 3;
  const dir = makeTempDir('ingest');
  const children: Array<ForkedChild<Ready>> = [];
  try {
    const dbPath = join(dir, 'ingest.db');
    seed(dbPath);
    const ours = await forkTs<Ready>('bench/coinsentry-server.ts', [dbPath, BENCH_SECRET, 'info']);
    children.push(ours);
    const reference = await forkTs<Ready>('bench/reference-receiver.ts', [BENCH_SECRET]);
    children.push(reference);
    const reader = new Database(dbPath, { readonly: true });
    const pool = bodies();

    ctx.say(`warm-up: ${warmupSeconds} s each`);
    await load(ours.ready.port, warmupSeconds, pool);
    await drained(reader);
    await load(reference.ready.port, warmupSeconds, pool);

    const runs: LoadRun[] = [];
    for (let r = 0; r < rounds; r += 1) {
      const order = r % 2 === 0 ? (['coinsentry', 'reference'] as const) : (['reference', 'coinsentry'] as const);
      for (const server of order) {
        const port = server === 'coinsentry' ? ours.ready.port : reference.ready.port;
        const measured = { server, ...(await load(port, seconds, pool)) };
        runs.push(measured);
        const drainMs = server === 'coinsentry' ? await drained(reader) : 0;
        ctx.say(
          `round ${r + 1} ${server.padEnd(10)} ${round(measured.reqPerSec, 0)} req/s, p50 ${measured.p50Ms} ms, p99 ${measured.p99Ms} ms, generator CPU ${measured.generatorCpuPercent} %` +
            `${measured.non2xx || measured.errors ? `, ${measured.non2xx} non-2xx, ${measured.errors} errors` : ''}` +
            `${server === 'coinsentry' ? `, outbox drained ${round(drainMs, 0)} ms after` : ''}`,
        );
      }
    }

    const outbox = reader
      .prepare('select status, count(*) as n from deliveries group by status')
      .all() as Array<{ status: string; n: number }>;
    const events = (reader.prepare('select count(*) as n from events').get() as { n: number }).n;
    reader.close();

    const pick = (server: LoadRun['server'], key: 'reqPerSec' | 'p99Ms' | 'p50Ms') =>
      median(runs.filter((r) => r.server === server).map((r) => r[key]));
    const oursRps = pick('coinsentry', 'reqPerSec');
    const refRps = pick('reference', 'reqPerSec');
    const oursP99 = pick('coinsentry', 'p99Ms');
    const refP99 = pick('reference', 'p99Ms');
    const failures = runs.reduce((n, r) => n + r.non2xx + r.errors, 0);
    const generatorOnReference = median(runs.filter((r) => r.server === 'reference').map((r) => r.generatorCpuPercent));
    const notes: string[] = [];
    if (failures > 0) notes.push(`${failures} requests failed (non-2xx or connection errors): the figures are suspect`);
    if (generatorOnReference >= 90) {
      notes.push(
        `the load generator used ${generatorOnReference} % of a core during the reference runs: the reference may be ` +
          'faster than measured, so the throughput ratio is an upper bound',
      );
    }
    return {
      name: 'ingest',
      title: 'signed webhooks, whole path vs the reference receiver',
      runs: `median of ${rounds} alternating ${seconds} s runs per server, ${CONNECTIONS} connections, after a ${warmupSeconds} s warm-up`,
      bars: [
        {
          label: 'throughput',
          measured: round(oursRps, 0),
          unit: 'req/s',
          baseline: { label: 'reference', value: round(refRps, 0) },
          ratio: round(oursRps / refRps, 2),
          target: '≥ 1.5× reference',
          met: oursRps >= 1.5 * refRps,
        },
        {
          label: 'p99 latency',
          measured: oursP99,
          unit: 'ms',
          baseline: { label: 'reference', value: refP99 },
          ratio: round(oursP99 / refP99, 2),
          target: '≤ reference',
          met: oursP99 <= refP99,
        },
      ],
      figures: {
        runs: runs.map((r) => ({ ...r, reqPerSec: round(r.reqPerSec, 0) })),
        p50Ms: { coinsentry: pick('coinsentry', 'p50Ms'), reference: pick('reference', 'p50Ms') },
        subscriptions: CHATS * SUBSCRIPTIONS_PER_CHAT,
        chats: CHATS,
        matchedShare: `1 in ${MATCH_EVERY} events, 5 chats each`,
        eventsRecorded: events,
        outbox: Object.fromEntries(outbox.map((o) => [o.status, o.n])),
        failedRequests: failures,
      },
      notes,
    };
  } finally {
    await Promise.all(children.map((c) => c.stop()));
    removeTempDir(dir);
  }
}

export const ingest: Benchmark = { name: 'ingest', title: 'ingest throughput and p99 vs the reference receiver', run };
