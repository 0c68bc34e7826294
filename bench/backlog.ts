// backlog: what a backlog concentrated in a few chats costs, as a real deployment sees it. 200 Telegram chats with 50
// targets each (10,000 subscriptions); 10 of them are ops groups watching the same 50 busy coins, so every webhook of
// the load matches those 10 chats and their alerts queue behind Telegram's per-chat limits (the normal state of a few
// busy channels during a burst). The real server (dist/main.js, a child process) sends to a fake Bot API in this
// process that answers at once; the dispatcher keeps to Telegram's public rates (30 msg/s, 1 msg/s and 20/min a group).
// - concentrated backlog: the same load against the same server started on an empty outbox, and started with 100,000
//   alerts pending in those 10 chats; each run on a fresh copy of its database, alternating, after a warm-up with
//   webhooks that match nobody (so the empty outbox is empty when the run starts); then one 60 s run from the 100,000
//   backlog, in 10 s slices, to show whether ingest holds up as the backlog grows;
// - priority: while that backlog drains, a high-severity alert (a contract migration) to an idle chat, one at a time:
//   webhook sent → the fake receiving its sendMessage, both stamped by this process's clock.
// Why: DESIGN.md §8 (backlog) and issue 13: the dispatcher's cost must not grow with its backlog, and a quiet chat's
// alert must not wait behind someone else's.
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { openDatabase } from '../src/db/open-database.js';
import { makeTempDir, removeTempDir, residentSetMb, startMain, telegramServerEnv, type MainProcess } from './child-processes.js';
import { loadWebhooks, type LoadResult } from './load.js';
import { relativeBar, type BenchContext, type BenchResult, type Benchmark } from './report.js';
import { insertBacklog, insertChats, insertSubscriptions, type SubscriptionTriple } from './seed.js';
import { coinUpdateBody, postWebhook } from './signed-webhooks.js';
import { median, percentile, round } from './stats.js';
import { nextSend } from './latency.js';
import { TelegramApiFake } from './telegram-api-fake.js';

const CHATS = 200;
const OPS_CHATS = 10;
const TARGETS_PER_CHAT = 50;
const BACKLOG = 100_000;
const FIRST_CHAT = -1_000_900_000;

type Variant = 'empty' | 'backlog';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Chat i's Telegram id (groups have negative ids). */
const chatIdOf = (i: number) => String(FIRST_CHAT - i);

/** The seeded database: ops chats 0-9 watch busy-0…49; chat i ≥ 10 watches quiet-i-0…49 (only it does). */
export function seedBacklogDatabase(path: string, backlog: boolean): void {
  const db = openDatabase(path);
  const ids = insertChats(
    db,
    Array.from({ length: CHATS }, (_, i) => ({ platform: 'telegram', platformChatId: chatIdOf(i), kind: 'group' as const })),
  );
  function* rows(): Generator<SubscriptionTriple> {
    for (const [i, chatId] of ids.entries()) {
      for (let j = 0; j < TARGETS_PER_CHAT; j += 1) yield [chatId, i < OPS_CHATS ? `busy-${j}` : `quiet-${i}-${j}`, '*'];
    }
  }
  insertSubscriptions(db, rows());
  if (backlog) insertBacklog(db, ids.slice(0, OPS_CHATS), BACKLOG / OPS_CHATS);
  db.$client.close();
}

/** The load: a name change and a contract migration of a busy coin, matching the 10 ops groups. */
export const busyBodies = (): string[] => Array.from({ length: 2 * TARGETS_PER_CHAT }, (_, n) => coinUpdateBody(`busy-${n % TARGETS_PER_CHAT}`, n));

interface Run extends LoadResult {
  variant: Variant;
  round: number;
  rssMb: number;
}

async function run(ctx: BenchContext): Promise<BenchResult> {
  const seconds = ctx.quick ? 2 : 10;
  const rounds = ctx.quick ? 1 : 3;
  const flatSlices = 6;
  const flatSliceSeconds = ctx.quick ? 1 : 10;
  const warmupSeconds = ctx.quick ? 1 : 3;
  const probes = ctx.quick ? 20 : 200;
  const dir = makeTempDir('backlog');
  const fake = await new TelegramApiFake().listen();
  const templates: Record<Variant, string> = { empty: join(dir, 'empty.db'), backlog: join(dir, 'backlog.db') };
  seedBacklogDatabase(templates.empty, false);
  seedBacklogDatabase(templates.backlog, true);
  const matching = busyBodies();
  const unmatched = Array.from({ length: 100 }, (_, n) => coinUpdateBody(`nobody-${n}`, n));
  let copies = 0;
  let server: MainProcess | undefined;

  /** A server on a fresh copy of the variant's database, warmed up with webhooks that match nobody. */
  async function start(variant: Variant): Promise<MainProcess> {
    copies += 1;
    const path = join(dir, `${variant}-${copies}.db`);
    copyFileSync(templates[variant], path);
    server = await startMain(telegramServerEnv(dir, path, fake));
    await loadWebhooks(server.port, warmupSeconds, unmatched);
    return server;
  }
  async function stop(): Promise<void> {
    await server?.stop();
    server = undefined;
  }

  /** One migration at a time to an idle chat (each its own coin): webhook sent → its sendMessage at the fake. */
  async function probe(s: MainProcess): Promise<{ latencies: number[]; missed: number; rssMb: number }> {
    const base = `http://127.0.0.1:${s.port}`;
    const latencies: number[] = [];
    let missed = 0;
    for (let n = 0; n < probes; n += 1) {
      const chat = OPS_CHATS + (n % (CHATS - OPS_CHATS));
      const arrived = nextSend(fake, chatIdOf(chat), 5000);
      const sentAt = performance.now();
      const response = await postWebhook(base, `probe-${process.pid}-${copies}-${n}`, coinUpdateBody(`quiet-${chat}-0`, n));
      if (response.status !== 200) throw new Error(`probe webhook answered ${response.status}: ${response.text}`);
      const at = await arrived.catch(() => undefined);
      if (at === undefined) missed += 1;
      else latencies.push(at - sentAt);
      await sleep(50);
    }
    return { latencies, missed, rssMb: round(residentSetMb(s.pid).peak, 1) };
  }

  try {
    ctx.say(
      `${CHATS} chats × ${TARGETS_PER_CHAT} targets; every webhook matches the same ${OPS_CHATS} ops groups; ` +
        `${BACKLOG.toLocaleString('en-US')} alerts pending in them for the backlog runs; ${rounds} rounds of ${seconds} s per start`,
    );
    const runs: Run[] = [];
    for (let r = 0; r < rounds; r += 1) {
      const variants: Variant[] = r % 2 === 0 ? ['empty', 'backlog'] : ['backlog', 'empty'];
      for (const variant of variants) {
        const s = await start(variant);
        const result = await loadWebhooks(s.port, seconds, matching);
        const measured: Run = { variant, round: r + 1, ...result, rssMb: round(residentSetMb(s.pid).peak, 1) };
        runs.push(measured);
        ctx.say(
          `round ${r + 1} ${variant.padEnd(8)} ${String(round(result.reqPerSec, 0)).padStart(6)} req/s, p50 ${round(result.p50Ms, 2)} ms, ` +
            `p99 ${round(result.p99Ms, 2)} ms, peak RSS ${measured.rssMb} MB${result.non2xx || result.errors ? `, ${result.non2xx} non-2xx, ${result.errors} errors` : ''}`,
        );
        await stop();
      }
    }

    // Flat over a minute: one server from the 100,000 backlog, loaded for six slices back to back.
    const flatServer = await start('backlog');
    const slices: LoadResult[] = [];
    for (let i = 0; i < flatSlices; i += 1) slices.push(await loadWebhooks(flatServer.port, flatSliceSeconds, matching));
    const flatRss = round(residentSetMb(flatServer.pid).peak, 1);
    ctx.say(`${flatSlices * flatSliceSeconds} s from the backlog, req/s per ${flatSliceSeconds} s: ${slices.map((s) => round(s.reqPerSec, 0)).join(' / ')}; peak RSS ${flatRss} MB`);
    await stop();

    // Priority: a fresh server with the 100,000 backlog draining; one high-severity alert at a time to an idle chat. The
    // same probes against a server with an empty outbox, for the machine's own floor in this run.
    const sendsBefore = fake.sends.length;
    const priority = await probe(await start('backlog'));
    const drained = fake.sends.slice(sendsBefore).filter((s) => Number(s.chatId) > FIRST_CHAT - OPS_CHATS).length;
    await stop();
    const floor = await probe(await start('empty'));
    await stop();
    for (const [label, p] of [['backlog', priority], ['empty outbox', floor]] as const) {
      ctx.say(
        `priority, ${label}: ${probes} migrations to idle chats: p50 ${round(percentile(p.latencies, 50), 2)} ms, ` +
          `p99 ${round(percentile(p.latencies, 99), 2)} ms, max ${round(Math.max(...p.latencies), 2)} ms, ${p.missed} missed; peak RSS ${p.rssMb} MB`,
      );
    }
    const { latencies, missed, rssMb: probeRss } = priority;

    const pick = (variant: Variant, field: 'reqPerSec' | 'p99Ms' | 'p50Ms') => median(runs.filter((r) => r.variant === variant).map((r) => r[field]));
    const empty = { reqPerSec: round(pick('empty', 'reqPerSec'), 0), p50Ms: round(pick('empty', 'p50Ms'), 2), p99Ms: round(pick('empty', 'p99Ms'), 2) };
    const backlog = { reqPerSec: round(pick('backlog', 'reqPerSec'), 0), p50Ms: round(pick('backlog', 'p50Ms'), 2), p99Ms: round(pick('backlog', 'p99Ms'), 2) };
    const first = slices[0]!.reqPerSec;
    const last = slices[slices.length - 1]!.reqPerSec;
    const peakRss = Math.max(...runs.map((r) => r.rssMb), flatRss, probeRss, floor.rssMb);
    const p99Probe = round(percentile(latencies, 99), 2);
    const failures = [...runs, ...slices].reduce((n, r) => n + r.non2xx + r.errors, 0);
    const notes: string[] = [
      `${drained.toLocaleString('en-US')} backlog alerts of the 10 busy chats reached the fake while the probes ran (Telegram's per-group limits pace them)`,
    ];
    if (failures > 0) notes.push(`${failures} requests failed (non-2xx or connection errors): the figures are suspect`);
    if (missed > 0) notes.push(`${missed} probe alerts did not arrive within 5 s`);
    return {
      name: 'backlog',
      title: 'a backlog concentrated in 10 chats: ingest vs an empty outbox, and a quiet chat’s alert',
      runs: `median of ${rounds} alternating ${seconds} s runs per start, each on a fresh database after a ${warmupSeconds} s warm-up; a ${flatSlices * flatSliceSeconds} s run in ${flatSliceSeconds} s slices; ${probes} probes`,
      bars: [
        relativeBar('throughput from a 100,000 backlog', 'req/s', backlog.reqPerSec, { label: 'empty', value: empty.reqPerSec }, { atLeast: 0.9 }),
        relativeBar('p99 latency from a 100,000 backlog', 'ms', backlog.p99Ms, { label: 'empty', value: empty.p99Ms }, { atMost: 2 }),
        relativeBar(`flat: last ${flatSliceSeconds} s`, 'req/s', round(last, 0), { label: `first ${flatSliceSeconds} s`, value: round(first, 0) }, { atLeast: 0.9 }),
        {
          label: 'priority: webhook → idle chat’s alert, p99',
          measured: p99Probe,
          unit: 'ms',
          baseline: { label: 'same probe, empty outbox', value: round(percentile(floor.latencies, 99), 2) },
          ratio: round(p99Probe / percentile(floor.latencies, 99), 2),
          target: '≤ 50 ms',
          met: missed === 0 && p99Probe <= 50,
        },
        { label: 'peak RSS through both', measured: peakRss, unit: 'MB', target: '< 150 MB', met: peakRss < 150 },
      ],
      figures: {
        empty,
        backlog,
        runs: runs.map((r) => ({ ...r, reqPerSec: round(r.reqPerSec, 0), p50Ms: round(r.p50Ms, 2), p99Ms: round(r.p99Ms, 2) })),
        flatSlicesReqPerSec: slices.map((s) => round(s.reqPerSec, 0)),
        flatSlicesP99Ms: slices.map((s) => round(s.p99Ms, 2)),
        priorityMs: {
          p50: round(percentile(latencies, 50), 2),
          p90: round(percentile(latencies, 90), 2),
          p99: p99Probe,
          max: round(Math.max(...latencies), 2),
          missed,
        },
        priorityEmptyOutboxMs: {
          p50: round(percentile(floor.latencies, 50), 2),
          p99: round(percentile(floor.latencies, 99), 2),
          max: round(Math.max(...floor.latencies), 2),
          missed: floor.missed,
        },
        peakRssMb: { runs: Math.max(...runs.map((r) => r.rssMb)), flat: flatRss, priority: probeRss },
        backlogAlerts: BACKLOG,
        subscriptions: CHATS * TARGETS_PER_CHAT,
        matchedChatsPerEvent: OPS_CHATS,
      },
      tables: [
        {
          title: 'Concentrated backlog, per start (medians)',
          header: ['start', 'req/s', 'p50 ms', 'p99 ms', 'req/s per run'],
          rows: (['empty', 'backlog'] as const).map((variant) => {
            const s = variant === 'empty' ? empty : backlog;
            return [
              variant === 'empty' ? 'empty outbox' : `${BACKLOG.toLocaleString('en-US')} pending in ${OPS_CHATS} chats`,
              s.reqPerSec.toLocaleString('en-US'),
              String(s.p50Ms),
              String(s.p99Ms),
              runs
                .filter((r) => r.variant === variant)
                .map((r) => round(r.reqPerSec, 0).toLocaleString('en-US'))
                .join(' / '),
            ];
          }),
        },
      ],
      notes,
    };
  } finally {
    await stop();
    await fake.close();
    removeTempDir(dir);
  }
}

export const backlog: Benchmark = { name: 'backlog', title: 'ingest with a backlog concentrated in 10 chats, and a quiet chat’s alert meanwhile', run };
