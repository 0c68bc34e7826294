// ingest: signed webhooks against five servers, each in its own child process, loaded by autocannon from this process
// (bench/load.ts: loopback, 10 connections, a unique event id and a fresh valid signature per request, fixed duration):
//  - coinsentry, the real server as `npm start` runs it (dist/main.js), each on its own database holding 10,000
//    subscriptions (1,000 Telegram chats × 10 coins) so that every event matches exactly 10 chats: verify, dedupe,
//    record, match, 10 outbox rows per event; the dispatcher is on and sends through the real Telegram adapter to a fake
//    Bot API (in this process) that answers at once. Three configurations: SQLite `synchronous=NORMAL` (the default) and
//    `FULL` (DATABASE_SYNCHRONOUS), both at Telegram's public 30 msg/s (the default), and NORMAL with the dispatcher
//    allowed 1,000 msg/s (TELEGRAM_RATE_PER_SECOND), to show what a dispatcher busy sending costs ingest;
//  - the reference receiver from CoinGecko's docs (bench/baselines/reference-express.ts);
//  - the ceiling: a bare Hono app on the same @hono/node-server adapter answering 200 (bench/baselines/ceiling-hono.ts).
// Runs alternate between the servers, in a different order each round; the servers not being measured are paused
// (SIGSTOP), so no server's background work (coinsentry's dispatcher working through its backlog) takes CPU from
// another's run. Why: DESIGN.md §8 asks for ≥ 1.5× the reference's throughput with no worse p99.
import type { ChildProcess } from 'node:child_process';
import { closeSync, fdatasyncSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openDatabase } from '../src/db/open-database.js';
import {
  forkTs,
  makeTempDir,
  pauseChild,
  removeTempDir,
  residentSetMb,
  resumeChild,
  startMain,
  telegramServerEnv,
} from './child-processes.js';
import type { BenchContext, BenchResult, Benchmark } from './report.js';
import { bulkChats, insertChats, insertSubscriptions, type SubscriptionTriple } from './seed.js';
import { loadWebhooks as load, type LoadResult } from './load.js';
import { BENCH_SECRET, coinUpdateBody } from './signed-webhooks.js';
import { median, round } from './stats.js';
import { TelegramApiFake } from './telegram-api-fake.js';

const CHATS = 1_000;
const COINS = 1_000;
const SUBSCRIPTIONS_PER_CHAT = 10;
/** Each coin is watched by this many chats: every event matches exactly this many. */
const WATCHERS_PER_COIN = (CHATS * SUBSCRIPTIONS_PER_CHAT) / COINS;
const CONNECTIONS = 10;
/**
 * The Telegram rate the server's dispatcher keeps to during the load (TELEGRAM_RATE_PER_SECOND): the public Bot API's
 * 30 msg/s, what `npm start` does with a token. At 10 alerts per webhook the backlog grows whatever the rate; the
 * dispatcher's own capacity is what the fan-out benchmark measures.
 */
const TELEGRAM_RATE = 30;

type TargetKey = 'normal' | 'full' | 'busy' | 'reference' | 'ceiling';
const TARGET_KEYS: readonly TargetKey[] = ['normal', 'full', 'busy', 'reference', 'ceiling'];
/** The busy-dispatcher variant's Telegram rate: the most TELEGRAM_RATE_PER_SECOND allows (1,000 chats cap it at ~920/s). */
const BUSY_TELEGRAM_RATE = 1000;

interface Target {
  key: TargetKey;
  label: string;
  child: ChildProcess;
  port: number;
  pid: number;
  dbPath?: string;
}

interface LoadRun extends LoadResult {
  target: TargetKey;
  round: number;
  /** coinsentry: alerts the fake Telegram received during the run (the dispatcher at work). */
  alertsSent?: number;
}

/** 10,000 subscriptions: chat i watches coins 10i … 10i+9 (mod 1,000), the last one for `platforms` only. */
function seed(path: string): void {
  const db = openDatabase(path);
  const chatIds = insertChats(db, bulkChats('telegram', CHATS, 'private', 2_000_000));
  function* rows(): Generator<SubscriptionTriple> {
    for (const [i, chatId] of chatIds.entries()) {
      for (let j = 0; j < SUBSCRIPTIONS_PER_CHAT; j += 1) {
        yield [chatId, `watched-${(i * SUBSCRIPTIONS_PER_CHAT + j) % COINS}`, j === SUBSCRIPTIONS_PER_CHAT - 1 ? 'platforms' : '*'];
      }
    }
  }
  insertSubscriptions(db, rows());
  db.$client.close();
}

/** Request bodies (a name change and a contract migration of a watched coin), prepared once. */
function bodies(): string[] {
  return Array.from({ length: 2 * COINS }, (_, n) => coinUpdateBody(`watched-${n % COINS}`, n));
}

/** Median time of an fdatasync after a 4 KiB write in `dir` (the temp directory the databases live in). */
function fsyncMs(dir: string): number {
  const fd = openSync(join(dir, 'fsync-probe'), 'w');
  const block = Buffer.alloc(4096, 1);
  const times: number[] = [];
  try {
    for (let i = 0; i < 200; i += 1) {
      writeSync(fd, block);
      const t0 = performance.now();
      fdatasyncSync(fd);
      times.push(performance.now() - t0);
    }
  } finally {
    closeSync(fd);
  }
  return round(median(times), 3);
}

/** Round r's order: ours and baselines alternate, and each round starts elsewhere, so drift hits every server alike. */
function order(r: number): TargetKey[] {
  const base: TargetKey[] = ['normal', 'reference', 'full', 'ceiling', 'busy'];
  const rotated = [...base.slice(r % base.length), ...base.slice(0, r % base.length)];
  return r % 2 === 1 ? rotated.reverse() : rotated;
}

async function run(ctx: BenchContext): Promise<BenchResult> {
  const seconds = ctx.quick ? 1 : 10;
  const warmupSeconds = ctx.quick ? 1 : 3;
  const rounds = 3;
  const dir = makeTempDir('ingest');
  const fake = await new TelegramApiFake().listen();
  const targets: Target[] = [];
  const stops: Array<() => Promise<void>> = [];
  try {
    const variants = [
      { key: 'normal', synchronous: 'normal', rate: TELEGRAM_RATE, label: 'coinsentry (synchronous=NORMAL)' },
      { key: 'full', synchronous: 'full', rate: TELEGRAM_RATE, label: 'coinsentry (synchronous=FULL)' },
      { key: 'busy', synchronous: 'normal', rate: BUSY_TELEGRAM_RATE, label: `coinsentry (NORMAL, Telegram ${BUSY_TELEGRAM_RATE.toLocaleString('en-US')} msg/s)` },
    ] as const;
    for (const variant of variants) {
      const dbPath = join(dir, `ingest-${variant.key}.db`);
      seed(dbPath);
      const server = await startMain({
        ...telegramServerEnv(dir, dbPath, fake),
        DATABASE_SYNCHRONOUS: variant.synchronous,
        TELEGRAM_RATE_PER_SECOND: String(variant.rate),
      });
      stops.push(server.stop);
      targets.push({ key: variant.key, label: variant.label, child: server.child, port: server.port, pid: server.pid, dbPath });
    }
    const reference = await forkTs<{ port: number }>('bench/baselines/reference-express.ts', [BENCH_SECRET], { stdoutFile: join(dir, 'reference.log') });
    stops.push(reference.stop);
    targets.push({ key: 'reference', label: 'reference (Express, CoinGecko docs)', child: reference.child, port: reference.ready.port, pid: reference.child.pid ?? -1 });
    const ceiling = await forkTs<{ port: number }>('bench/baselines/ceiling-hono.ts', []);
    stops.push(ceiling.stop);
    targets.push({ key: 'ceiling', label: 'ceiling (bare Hono, same adapter)', child: ceiling.child, port: ceiling.ready.port, pid: ceiling.child.pid ?? -1 });
    const byKey = (key: TargetKey) => targets.find((t) => t.key === key)!;
    const only = (target: Target) => {
      for (const t of targets) if (t !== target) pauseChild(t.child);
      resumeChild(target.child);
    };

    const pool = bodies();
    ctx.say(
      `${(CHATS * SUBSCRIPTIONS_PER_CHAT).toLocaleString('en-US')} subscriptions, every event matches ${WATCHERS_PER_COIN} chats; ` +
        `dispatcher on, Telegram at ${TELEGRAM_RATE} msg/s to a fake that answers at once; ${rounds} rounds of ${seconds} s per server`,
    );
    ctx.say(`warm-up: ${warmupSeconds} s each`);
    for (const target of targets) {
      only(target);
      await load(target.port, warmupSeconds, pool);
    }

    const runs: LoadRun[] = [];
    for (let r = 0; r < rounds; r += 1) {
      for (const key of order(r)) {
        const target = byKey(key);
        only(target);
        const sendsBefore = fake.sends.length;
        const measured: LoadRun = { target: key, round: r + 1, ...(await load(target.port, seconds, pool)) };
        if (target.dbPath) measured.alertsSent = fake.sends.length - sendsBefore;
        pauseChild(target.child);
        runs.push(measured);
        ctx.say(
          `round ${r + 1} ${target.label.padEnd(42)} ${String(round(measured.reqPerSec, 0)).padStart(6)} req/s, p50 ${round(measured.p50Ms, 2)} ms, ` +
            `p99 ${round(measured.p99Ms, 2)} ms, generator CPU ${measured.generatorCpuPercent} %` +
            `${measured.non2xx || measured.errors ? `, ${measured.non2xx} non-2xx, ${measured.errors} errors` : ''}` +
            `${measured.alertsSent !== undefined ? `, ${measured.alertsSent} alerts sent meanwhile` : ''}`,
        );
      }
    }

    const memory: Record<string, { rssMb: number; peakMb: number }> = {};
    const stored: Record<string, unknown> = {};
    for (const target of targets.filter((t) => t.dbPath)) {
      resumeChild(target.child);
      const rss = residentSetMb(target.pid);
      memory[target.key] = { rssMb: round(rss.rss, 1), peakMb: round(rss.peak, 1) };
      const reader = new Database(target.dbPath!, { readonly: true });
      const outbox = reader.prepare('select status, count(*) as n from deliveries group by status').all() as Array<{ status: string; n: number }>;
      const events = (reader.prepare('select count(*) as n from events').get() as { n: number }).n;
      reader.close();
      stored[target.key] = { events, outbox: Object.fromEntries(outbox.map((o) => [o.status, o.n])) };
      pauseChild(target.child);
    }

    const pick = (key: TargetKey, field: 'reqPerSec' | 'p50Ms' | 'p99Ms') => median(runs.filter((r) => r.target === key).map((r) => r[field]));
    const summary = Object.fromEntries(
      TARGET_KEYS.map((key) => [
        key,
        { reqPerSec: round(pick(key, 'reqPerSec'), 0), p50Ms: round(pick(key, 'p50Ms'), 2), p99Ms: round(pick(key, 'p99Ms'), 2) },
      ]),
    ) as Record<TargetKey, { reqPerSec: number; p50Ms: number; p99Ms: number }>;
    const ref = summary.reference;
    const ceil = summary.ceiling;
    const failures = runs.reduce((n, r) => n + r.non2xx + r.errors, 0);
    const notes: string[] = [];
    if (failures > 0) notes.push(`${failures} requests failed (non-2xx or connection errors): the figures are suspect`);
    for (const target of targets) {
      const generatorMax = Math.max(...runs.filter((r) => r.target === target.key).map((r) => r.generatorCpuPercent));
      if (generatorMax >= 90) {
        notes.push(`the load generator used up to ${generatorMax} % of a core against ${target.label}: that server may be faster than measured`);
      }
    }
    const fsync = fsyncMs(dir);
    notes.push(
      `an fsync of a 4 KiB write took ${fsync} ms (median of 200) on this machine: what synchronous=FULL adds to each group commit; ` +
        'on a disk with a slower fsync, FULL costs more',
    );
    notes.push(
      `coinsentry figures are for SQLite synchronous=NORMAL (the default, DATABASE_SYNCHRONOUS=normal) unless marked FULL; ` +
        `both in WAL mode with group commit. The bars use Telegram's public rate (${TELEGRAM_RATE} msg/s, the default); ` +
        `the ${BUSY_TELEGRAM_RATE.toLocaleString('en-US')} msg/s row shows what a dispatcher sending as fast as the platform lets it costs ingest ` +
        `(${summary.busy.reqPerSec.toLocaleString('en-US')} vs ${summary.normal.reqPerSec.toLocaleString('en-US')} req/s, ` +
        `${median(runs.filter((r) => r.target === 'busy').map((r) => r.alertsSent ?? 0)).toLocaleString('en-US')} alerts sent per run)`,
    );
    const bar = (key: 'normal' | 'full') => {
      const ours = summary[key];
      const setting = key.toUpperCase();
      return [
        {
          label: `throughput, synchronous=${setting}`,
          measured: ours.reqPerSec,
          unit: 'req/s',
          baseline: { label: 'reference', value: ref.reqPerSec },
          ratio: round(ours.reqPerSec / ref.reqPerSec, 2),
          target: '≥ 1.5× reference',
          met: ours.reqPerSec >= 1.5 * ref.reqPerSec,
        },
        {
          label: `p99 latency, synchronous=${setting}`,
          measured: ours.p99Ms,
          unit: 'ms',
          baseline: { label: 'reference', value: ref.p99Ms },
          ratio: round(ours.p99Ms / ref.p99Ms, 2),
          target: '≤ reference',
          met: ours.p99Ms <= ref.p99Ms,
        },
      ];
    };
    const rows = TARGET_KEYS.map((key) => {
      const s = summary[key];
      return [
        byKey(key).label,
        s.reqPerSec.toLocaleString('en-US'),
        String(s.p50Ms),
        String(s.p99Ms),
        `${round(s.reqPerSec / ref.reqPerSec, 2)}×`,
        `${round(s.reqPerSec / ceil.reqPerSec, 2)}×`,
        runs
          .filter((r) => r.target === key)
          .map((r) => round(r.reqPerSec, 0).toLocaleString('en-US'))
          .join(' / '),
      ];
    });
    return {
      name: 'ingest',
      title: 'signed webhooks: coinsentry (whole path) vs the reference receiver and the ceiling',
      runs: `median of ${rounds} alternating ${seconds} s runs per server, ${CONNECTIONS} connections, after a ${warmupSeconds} s warm-up each`,
      bars: [...bar('normal'), ...bar('full')],
      figures: {
        servers: summary,
        ratios: {
          normalVsReference: round(summary.normal.reqPerSec / ref.reqPerSec, 2),
          fullVsReference: round(summary.full.reqPerSec / ref.reqPerSec, 2),
          busyDispatcherVsReference: round(summary.busy.reqPerSec / ref.reqPerSec, 2),
          normalVsCeiling: round(summary.normal.reqPerSec / ceil.reqPerSec, 2),
          referenceVsCeiling: round(ref.reqPerSec / ceil.reqPerSec, 2),
        },
        runs: runs.map((r) => ({ ...r, reqPerSec: round(r.reqPerSec, 0), p50Ms: round(r.p50Ms, 2), p99Ms: round(r.p99Ms, 2) })),
        subscriptions: CHATS * SUBSCRIPTIONS_PER_CHAT,
        chats: CHATS,
        matchedChatsPerEvent: WATCHERS_PER_COIN,
        telegramRatePerSecond: { normal: TELEGRAM_RATE, full: TELEGRAM_RATE, busy: BUSY_TELEGRAM_RATE },
        stored,
        serverMemoryAfterMb: memory,
        fsyncMs: fsync,
        failedRequests: failures,
      },
      tables: [
        {
          title: 'Ingest, per server (medians; p50/p99 from every response time, in ms)',
          header: ['server', 'req/s', 'p50 ms', 'p99 ms', 'vs reference', 'vs ceiling', 'req/s per run'],
          rows,
        },
      ],
      notes,
    };
  } finally {
    await Promise.all(stops.map((stop) => stop()));
    await fake.close();
    removeTempDir(dir);
  }
}

export const ingest: Benchmark = { name: 'ingest', title: 'ingest throughput and latency vs the reference receiver and the ceiling', run };
