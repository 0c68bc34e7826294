// matching: the cost of recording one event (createEventRecorder(db).record: the event, its changes, the coin,
// matching and the outbox rows; awaited one at a time, so one SQLite transaction per event, as an idle server commits
// it) with a fixed 10 matched chats while the total number of subscriptions grows
// 1,000 → 1,000,000. All four databases are seeded first, then measured round-robin (each round visits every size), so
// JIT warm-up and machine drift hit every size alike. Then the cost per matched chat: at the smallest size, events
// matched by 0, 100 and 10,000 chats (one outbox row each). Why: DESIGN.md §8 wants the cost to follow the matched
// chats, not the table size (an indexed lookup, not a scan), so a popular instance does not slow every webhook down.
import { join } from 'node:path';
import { openDatabase, type Db } from '../src/db/open-database.js';
import { createEventRecorder } from '../src/db/record-event.js';
import { parsePayload, type ParsedEvent } from '../src/sources/coingecko/parse-payload.js';
import { makeTempDir, removeTempDir } from './child-processes.js';
import type { BenchContext, BenchResult, Benchmark } from './report.js';
import { backgroundSubscriptions, bulkChats, insertChats, insertSubscriptions } from './seed.js';
import { coinUpdateBody } from './signed-webhooks.js';
import { median, round } from './stats.js';

const SIZES = [1_000, 10_000, 100_000, 1_000_000];
const MATCHED = 10;
const PER_CHAT = 50;
const TARGET = 'bench-target';
/** The wide fan-out: one event watched by this many chats. */
const WIDE = 10_000;

function parsed(body: string): ParsedEvent {
  const result = parsePayload(body);
  if (!result.ok) throw new Error(`benchmark body does not parse: ${result.reason}`);
  return result.event;
}

/** Records `count` events for `coinId` and returns µs per event; checks each reaches `expected` chats. */
async function recordMany(db: Db, label: string, coinId: string, count: number, expected: number): Promise<number> {
  const body = coinUpdateBody(coinId, 1);
  const event = parsed(body);
  const occurredAt = Math.floor(Date.now() / 1000);
  const recorder = createEventRecorder(db);
  const started = performance.now();
  for (let i = 0; i < count; i += 1) {
    const result = await recorder.record({ source: 'coingecko', eventId: `${label}-${i}`, occurredAt, rawBody: body }, event);
    if (result.kind !== 'recorded' || result.deliveries !== expected) {
      throw new Error(`expected ${expected} deliveries, got ${JSON.stringify(result)}`);
    }
  }
  return ((performance.now() - started) * 1000) / count;
}

function watchers(db: Db, coinId: string, count: number, start: number): void {
  const ids = insertChats(db, bulkChats('console', count, 'private', start));
  insertSubscriptions(
    db,
    ids.map((id) => [id, coinId, '*'] as const),
  );
}

interface Size {
  subscriptions: number;
  seedSeconds: number;
  db: Db;
  runsUs: number[];
}

async function run(ctx: BenchContext): Promise<BenchResult> {
  const eventsPerRun = ctx.quick ? 300 : 2_000;
  const warmup = ctx.quick ? 150 : 300;
  const rounds = 3;
  const dir = makeTempDir('matching');
  const sizes: Size[] = [];
  try {
    for (const size of SIZES) {
      const t0 = performance.now();
      const db = openDatabase(join(dir, `matching-${size}.db`));
      const chatIds = insertChats(db, bulkChats('console', size / PER_CHAT));
      insertSubscriptions(db, backgroundSubscriptions(chatIds, PER_CHAT));
      watchers(db, TARGET, MATCHED, 9_000_000);
      const subscriptions = (db.$client.prepare('select count(*) as n from subscriptions').get() as { n: number }).n;
      sizes.push({ subscriptions, seedSeconds: round((performance.now() - t0) / 1000, 1), db, runsUs: [] });
      await recordMany(db, 'warm-up', TARGET, warmup, MATCHED);
    }
    ctx.say(`seeded ${sizes.map((s) => `${s.subscriptions.toLocaleString('en-US')} (${s.seedSeconds} s)`).join(', ')} subscriptions`);

    for (let r = 0; r < rounds; r += 1) {
      for (const size of sizes) size.runsUs.push(await recordMany(size.db, `run-${r}`, TARGET, eventsPerRun, MATCHED));
    }
    for (const size of sizes) {
      ctx.say(
        `${size.subscriptions.toLocaleString('en-US').padStart(9)} subscriptions: ${round(median(size.runsUs), 1)} µs/event ` +
          `(runs ${size.runsUs.map((u) => round(u, 1)).join(', ')})`,
      );
    }

    // How the cost moves with what does matter: the number of matched chats (0, 100, 10,000), at the smallest size.
    const smallestDb = sizes[0]!.db;
    watchers(smallestDb, `${TARGET}-100`, 100, 9_100_000);
    watchers(smallestDb, `${TARGET}-10000`, WIDE, 9_200_000);
    await recordMany(smallestDb, 'warm-none', 'nobody-watches-this', warmup, 0);
    await recordMany(smallestDb, 'warm-100', `${TARGET}-100`, warmup, 100);
    const noneRuns: number[] = [];
    for (let r = 0; r < rounds; r += 1) noneRuns.push(await recordMany(smallestDb, `none-${r}`, 'nobody-watches-this', eventsPerRun, 0));
    const noneUs = median(noneRuns);
    const hundredRuns: number[] = [];
    for (let r = 0; r < rounds; r += 1) hundredRuns.push(await recordMany(smallestDb, `hundred-${r}`, `${TARGET}-100`, eventsPerRun, 100));
    const hundredUs = median(hundredRuns);
    const wideEvents = ctx.quick ? 3 : 10;
    await recordMany(smallestDb, 'warm-wide', `${TARGET}-10000`, 1, WIDE);
    const wideRuns: number[] = [];
    for (let r = 0; r < rounds; r += 1) wideRuns.push(await recordMany(smallestDb, `wide-${r}`, `${TARGET}-10000`, wideEvents, WIDE));
    const wideUs = median(wideRuns);
    const perChatUs = (wideUs - noneUs) / WIDE;
    ctx.say(
      `at ${sizes[0]!.subscriptions.toLocaleString('en-US')} subscriptions: 0 matched ${round(noneUs, 1)} µs/event, 100 matched ${round(hundredUs, 1)} µs/event, ` +
        `${WIDE.toLocaleString('en-US')} matched ${round(wideUs / 1000, 1)} ms/event = ${round(perChatUs, 2)} µs per matched chat`,
    );

    const smallest = sizes[0]!;
    const largest = sizes[sizes.length - 1]!;
    const smallUs = median(smallest.runsUs);
    const largeUs = median(largest.runsUs);
    const ratio = largeUs / smallUs;
    return {
      name: 'matching',
      title: 'cost of recording one event vs total subscriptions, 10 matched chats',
      runs: `median of ${rounds} round-robin runs of ${eventsPerRun} events per size, after ${warmup} warm-up events each`,
      bars: [
        {
          label: `cost at ${largest.subscriptions.toLocaleString('en-US')} subs`,
          measured: round(largeUs, 1),
          unit: 'µs/event',
          baseline: { label: `${smallest.subscriptions.toLocaleString('en-US')} subs`, value: round(smallUs, 1) },
          ratio: round(ratio, 2),
          target: '≤ 2× (flat)',
          met: ratio <= 2,
        },
      ],
      figures: {
        sizes: sizes.map((s) => ({
          subscriptions: s.subscriptions,
          seedSeconds: s.seedSeconds,
          usPerEvent: round(median(s.runsUs), 1),
          runsUsPerEvent: s.runsUs.map((u) => round(u, 1)),
        })),
        matchedChats: MATCHED,
        atSmallestSize: {
          usPerEvent0Matched: round(noneUs, 1),
          usPerEvent10Matched: round(smallUs, 1),
          usPerEvent100Matched: round(hundredUs, 1),
          usPerEvent10000Matched: round(wideUs, 0),
          usPerMatchedChat: round(perChatUs, 2),
          runsUsPerEvent10000Matched: wideRuns.map((u) => round(u, 0)),
        },
      },
      tables: [
        {
          title: 'Cost of recording one event with 10 matched chats, by total subscriptions (µs, median of the runs)',
          header: ['subscriptions', 'µs/event', 'runs', 'vs smallest'],
          rows: sizes.map((s) => [
            s.subscriptions.toLocaleString('en-US'),
            String(round(median(s.runsUs), 1)),
            s.runsUs.map((u) => round(u, 1)).join(' / '),
            `${round(median(s.runsUs) / smallUs, 2)}×`,
          ]),
        },
        {
          title: `Cost by matched chats, at ${smallest.subscriptions.toLocaleString('en-US')} subscriptions`,
          header: ['matched chats', 'µs/event', 'µs per matched chat (over 0 matched)'],
          rows: [
            ['0', String(round(noneUs, 1)), '—'],
            ['10', String(round(smallUs, 1)), String(round((smallUs - noneUs) / MATCHED, 2))],
            ['100', String(round(hundredUs, 1)), String(round((hundredUs - noneUs) / 100, 2))],
            [WIDE.toLocaleString('en-US'), String(round(wideUs, 0)), String(round(perChatUs, 2))],
          ],
        },
      ],
      notes: [`one event watched by ${WIDE.toLocaleString('en-US')} chats: ${round(wideUs / 1000, 1)} ms to record (${round(perChatUs, 2)} µs per matched chat)`],
    };
  } finally {
    for (const size of sizes) size.db.$client.close();
    removeTempDir(dir);
  }
}

export const matching: Benchmark = { name: 'matching', title: 'cost of one event as subscriptions grow 1k → 1M', run };
