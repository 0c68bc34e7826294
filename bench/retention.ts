// retention: what RETENTION_DAYS costs and saves. (1) The database size a realistic year settles at: 200 events a day,
// 10 matched chats each, every alert sent, pruned as the server does (here once per simulated day), with retention 30
// and 180 days, on a file with incremental auto_vacuum. (2) The cost of a prune, per 10,000 rows removed. (3) Ingest
// p99 while the server's own job prunes about 1,000,000 rows, against the same server idle, side by side: the forked
// server (bench/retention-server.ts) is loaded by autocannon before the prune and while it runs.
// Rows are written at chosen times with test/db/history-rows.ts (real fixture bodies and their changes); the clock of
// (1) and (2) is simulated, so a year takes seconds.
import { join } from 'node:path';
import { openDatabase, type Db } from '../src/db/open-database.js';
import { DAY_MS, pruneNow } from '../src/db/retention.js';
import { databaseFileSizes } from '../src/db/storage-stats.js';
import { enableIncrementalVacuum } from '../src/db/vacuum.js';
import { addChats, historyWriter } from '../test/db/history-rows.js';
import { forkTs, makeTempDir, removeTempDir } from './child-processes.js';
import { loadWebhooks } from './load.js';
import type { BenchContext, BenchResult, Benchmark } from './report.js';
import { coinUpdateBody } from './signed-webhooks.js';
import { round } from './stats.js';

const CHATS = 10;
const MB = 1e6;

/** Writes `perDay` events of day `day` (each with a sent alert to every chat), spread over the day. */
function writeDay(db: Db, add: ReturnType<typeof historyWriter>, chats: readonly number[], start: number, day: number, perDay: number) {
  db.$client.transaction(() => {
    for (let i = 0; i < perDay; i += 1) {
      const at = start + day * DAY_MS + Math.floor((i * DAY_MS) / perDay);
      add({ eventId: `d${day}-${i}`, at, deliveries: chats.map((chatId) => ({ chatId, status: 'sent' })) });
    }
  })();
}

/** A simulated year at `perDay` events a day with retention `days`: the size at the end and the largest seen. */
function steadyState(dir: string, days: number, perDay: number, yearDays: number) {
  const path = join(dir, `year-${days}.db`);
  const db = openDatabase(path);
  enableIncrementalVacuum(db, path);
  const add = historyWriter(db);
  const chats = addChats(db, CHATS);
  const start = Date.UTC(2025, 0, 1);
  let peak = 0;
  for (let day = 0; day < yearDays; day += 1) {
    writeDay(db, add, chats, start, day, perDay);
    pruneNow(db, { now: start + (day + 1) * DAY_MS, retentionDays: days });
    const { databaseBytes, walBytes } = databaseFileSizes(path);
    peak = Math.max(peak, databaseBytes + walBytes);
  }
  db.$client.pragma('wal_checkpoint(TRUNCATE)');
  const end = databaseFileSizes(path).databaseBytes;
  const events = db.$client.prepare('select count(*) from events').pluck().get() as number;
  db.$client.close();
  return { endMb: round(end / MB, 1), peakMb: round(peak / MB, 1), eventsKept: events };
}

/** Seeds `events` old events with 10 sent alerts each (everything prunable with retention 30) into a new file. */
function seedOld(path: string, events: number): number {
  const db = openDatabase(path);
  enableIncrementalVacuum(db, path);
  const add = historyWriter(db);
  const chats = addChats(db, CHATS);
  // All of it older than the 30 days kept, however many days it spans.
  const start = Date.now() - (Math.ceil(events / 1000) + 31) * DAY_MS;
  for (let day = 0; day * 1000 < events; day += 1) writeDay(db, add, chats, start, day, Math.min(1000, events - day * 1000));
  const rows = db.$client.prepare('select (select count(*) from events) + (select count(*) from changes) + (select count(*) from deliveries)').pluck().get() as number;
  db.$client.close();
  return rows;
}

async function run(ctx: BenchContext): Promise<BenchResult> {
  const dir = makeTempDir('retention');
  try {
    const perDay = ctx.quick ? 20 : 200;
    const sizes = Object.fromEntries(
      [30, 180].map((days) => {
        const s = steadyState(dir, days, perDay, 365);
        ctx.say(`retention ${days} days: ${s.endMb} MB after a year (peak ${s.peakMb} MB), ${s.eventsKept} events kept`);
        return [days, s];
      }),
    ) as Record<number, ReturnType<typeof steadyState>>;

    // (2) A prune's cost, run to the end at once as `npm run cli -- prune` does.
    const costPath = join(dir, 'cost.db');
    const costRows = seedOld(costPath, ctx.quick ? 2_000 : 20_000);
    const costDb = openDatabase(costPath);
    const t0 = performance.now();
    const report = pruneNow(costDb, { now: Date.now(), retentionDays: 30 });
    const costMs = performance.now() - t0;
    costDb.$client.close();
    const removed = report.deliveries + report.events + report.changes;
    const per10k = round((costMs / removed) * 10_000, 1);
    ctx.say(`prune of ${removed.toLocaleString('en-US')} rows (of ${costRows.toLocaleString('en-US')}): ${round(costMs, 0)} ms, ${per10k} ms per 10,000 rows`);

    // (3) Ingest p99 while the server's job prunes ~1,000,000 rows, against the same server idle.
    const loadPath = join(dir, 'load.db');
    const loadRows = seedOld(loadPath, ctx.quick ? 10_000 : 70_000);
    ctx.say(`seeded ${loadRows.toLocaleString('en-US')} prunable rows for the load run`);
    const server = await forkTs<{ port: number }>('bench/retention-server.ts', [loadPath, '30']);
    try {
      const pool = Array.from({ length: 1000 }, (_, n) => coinUpdateBody(`load-coin-${n % 100}`, n));
      const seconds = ctx.quick ? 2 : 8;
      await loadWebhooks(server.ready.port, 1, pool);
      const idle = await loadWebhooks(server.ready.port, seconds, pool);
      let pruneDone = false;
      const pruned = new Promise<{ report: { deliveries: number; events: number; changes: number }; ms: number }>((done) =>
        server.child.once('message', (m) => {
          pruneDone = true;
          done(m as never);
        }),
      );
      server.child.send('prune');
      const during = await loadWebhooks(server.ready.port, seconds, pool);
      const finishedDuringLoad = pruneDone;
      const final = await pruned;
      const prunedRows = final.report.deliveries + final.report.events + final.report.changes;
      const ratio = round(during.p99Ms / idle.p99Ms, 2);
      ctx.say(
        `ingest idle ${round(idle.reqPerSec, 0)} req/s p99 ${idle.p99Ms} ms; during the prune ${round(during.reqPerSec, 0)} req/s ` +
          `p99 ${during.p99Ms} ms (${ratio}×); the prune removed ${prunedRows.toLocaleString('en-US')} rows in ${round(final.ms / 1000, 1)} s`,
      );
      return {
        name: 'retention',
        title: 'database size over a year with retention, prune cost, ingest during a prune',
        runs: `one simulated year per retention setting; one prune of ${removed.toLocaleString('en-US')} rows; ${seconds} s of load idle, then ${seconds} s during the prune`,
        bars: [
          {
            label: 'ingest p99 during a prune',
            measured: during.p99Ms,
            unit: 'ms',
            baseline: { label: 'same server idle', value: idle.p99Ms },
            ratio,
            target: '≤ 2× idle',
            met: ratio <= 2 && !finishedDuringLoad,
          },
        ],
        figures: {
          eventsPerDay: perDay,
          matchedChatsPerEvent: CHATS,
          steadyState30DaysMb: sizes[30]!.endMb,
          steadyState30DaysPeakMb: sizes[30]!.peakMb,
          steadyState180DaysMb: sizes[180]!.endMb,
          steadyState180DaysPeakMb: sizes[180]!.peakMb,
          pruneMsPer10kRows: per10k,
          pruneRowsMeasured: removed,
          loadPruneRows: prunedRows,
          loadPruneSeconds: round(final.ms / 1000, 1),
          pruneFinishedBeforeLoadEnded: finishedDuringLoad,
          idle,
          during,
        },
        notes: [
          'Steady-state sizes: file size after 365 simulated days, pruned once a day (the server prunes hourly, so its peak is lower by most of a day of history).',
          'The ingest bar is only met if the prune was still running when the load ended (else the load measured partly an idle server).',
        ],
      };
    } finally {
      await server.stop();
    }
  } finally {
    removeTempDir(dir);
  }
}

export const retention: Benchmark = { name: 'retention', title: 'retention: size over a year, prune cost, ingest during a prune', run };
