// Retention: what RETENTION_DAYS removes, and how, so that the database stops growing. Older than the cutoff go: sent,
// cancelled and muted deliveries; events no delivery refers to any more (their changes with them); quarantined bodies.
// Kept whatever their age: pending, sending and held deliveries, dead letters (until an admin clears them), the events
// those refer to, and coins, chats, subscriptions and mutes.
// A prune is a sequence of small transactions walking each table by id (ids grow with time, so the walk stops at the
// first window holding nothing old enough); `pruneSteps` yields between them, so the server's job can let webhooks
// through while it runs and the CLI can run it to the end at once. After the deletions, `incremental_vacuum` gives
// the freed pages back to the file system, in steps too.
import { desc } from 'drizzle-orm';
import type { Db } from './open-database.js';
import { pruneRuns, type PruneRunRow } from './schema.js';
import { vacuumSteps } from './vacuum.js';

/** Delivery statuses that are history once old: the alert went out, or was not meant to. */
export const PRUNABLE_DELIVERY_STATUSES = ['sent', 'cancelled', 'muted'] as const;

export const DAY_MS = 24 * 3600_000;

export interface PruneCounts {
  deliveries: number;
  events: number;
  changes: number;
  quarantine: number;
}

export interface PruneReport extends PruneCounts {
  /** Rows received before this (milliseconds since the epoch) were eligible. */
  cutoff: number;
  /** Bytes handed back to the file system by incremental_vacuum (0 before the database has auto_vacuum). */
  freedBytes: number;
  /** False when the prune was stopped before the end (the server shutting down); what it removed is still recorded. */
  complete: boolean;
}

export interface PruneOptions {
  /** Milliseconds since the epoch (the injected clock). */
  now: number;
  retentionDays: number;
  /** Rows examined per transaction. */
  batchSize?: number;
  /** Pages freed per incremental_vacuum step. */
  vacuumPages?: number;
}

const STATUSES = PRUNABLE_DELIVERY_STATUSES.map((s) => `'${s}'`).join(', ');
// The unary `+` keeps SQLite walking the id window (the primary key): on the status index it would visit every sent
// row of the table for each window.
const DELIVERY_IS_OLD = `+status in (${STATUSES}) and +created_at < @cutoff`;
/** An old event that no delivery will still need once the old deliveries are gone. */
const EVENT_IS_OLD = `received_at < @cutoff and not exists (
  select 1 from deliveries d where d.event_row_id = events.id and not (d.status in (${STATUSES}) and d.created_at < @cutoff))`;
const QUARANTINE_IS_OLD = 'received_at < @cutoff';

/** Rows received before this are eligible; with retention 0 (keep everything) none are. */
export const cutoffOf = (options: Pick<PruneOptions, 'now' | 'retentionDays'>) =>
  options.retentionDays > 0 ? options.now - options.retentionDays * DAY_MS : Number.MIN_SAFE_INTEGER;

/** What a prune would remove now, without removing it (`prune --dry-run`). */
export function countPrunable(db: Db, options: PruneOptions): PruneCounts {
  const cutoff = cutoffOf(options);
  const count = (sql: string) => (db.$client.prepare(sql).pluck().get({ cutoff }) as number | undefined) ?? 0;
  return {
    deliveries: count(`select count(*) from deliveries where ${DELIVERY_IS_OLD}`),
    events: count(`select count(*) from events where ${EVENT_IS_OLD}`),
    changes: count(`select count(*) from changes where event_row_id in (select id from events where ${EVENT_IS_OLD})`),
    quarantine: count(`select count(*) from quarantine where ${QUARANTINE_IS_OLD}`),
  };
}

/**
 * The prune as a generator: each step is one committed transaction; the generator's return value is the report, also
 * recorded in prune_runs. Stop early by calling `return()` on it: the rows removed so far stay removed and recorded.
 */
export function* pruneSteps(db: Db, options: PruneOptions): Generator<void, PruneReport, void> {
  const sqlite = db.$client;
  const cutoff = cutoffOf(options);
  const batch = options.batchSize ?? 500;
  const counts: PruneCounts = { deliveries: 0, events: 0, changes: 0, quarantine: 0 };
  const started = performance.now();
  let complete = false;
  let freedBytes = 0;

  /** Walks `table` by id in windows of `batch` rows, running `remove(after, upto)` in one transaction per window. */
  function* walk(table: string, timeColumn: string, remove: (range: { after: number; upto: number; cutoff: number }) => void) {
    const window = sqlite.prepare<[number, number], { upto: number | null; oldest: number | null }>(
      `select max(id) as upto, min(${timeColumn}) as oldest from (select id, ${timeColumn} from ${table} where id > ? order by id limit ?)`,
    );
    let after = 0;
    for (;;) {
      const { upto, oldest } = window.get(after, batch) ?? { upto: null, oldest: null };
      if (upto === null || oldest === null || oldest >= cutoff) return;
      sqlite.transaction(() => remove({ after, upto, cutoff }))();
      after = upto;
      yield;
    }
  }

  const inRange = 'id > @after and id <= @upto';
  const deleteDeliveries = sqlite.prepare(`delete from deliveries where ${inRange} and ${DELIVERY_IS_OLD}`);
  const deleteChanges = sqlite.prepare(`delete from changes where event_row_id in (select id from events where ${inRange} and ${EVENT_IS_OLD})`);
  const deleteEvents = sqlite.prepare(`delete from events where ${inRange} and ${EVENT_IS_OLD}`);
  const deleteQuarantine = sqlite.prepare(`delete from quarantine where ${inRange} and ${QUARANTINE_IS_OLD}`);

  try {
    yield* walk('deliveries', 'created_at', (range) => {
      counts.deliveries += deleteDeliveries.run(range).changes;
    });
    yield* walk('events', 'received_at', (range) => {
      counts.changes += deleteChanges.run(range).changes;
      counts.events += deleteEvents.run(range).changes;
    });
    yield* walk('quarantine', 'received_at', (range) => {
      counts.quarantine += deleteQuarantine.run(range).changes;
    });
    freedBytes = yield* vacuumSteps(db, options.vacuumPages ?? 1000);
    complete = true;
  } finally {
    db.insert(pruneRuns)
      .values({ ranAt: options.now, cutoff, ...counts, durationMs: Math.round(performance.now() - started) })
      .run();
    sqlite.prepare('delete from prune_runs where ran_at < ?').run(cutoff);
  }
  return { cutoff, ...counts, freedBytes, complete };
}

/** Runs a whole prune now (the CLI, tests). */
export function pruneNow(db: Db, options: PruneOptions): PruneReport {
  const steps = pruneSteps(db, options);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/** The newest prune recorded (by the server's job or the CLI), if any. */
export function lastPrune(db: Db): PruneRunRow | undefined {
  return db.select().from(pruneRuns).orderBy(desc(pruneRuns.id)).limit(1).get();
}

/**
 * Deletes dead letters (all of them, or those of `ids`): retention keeps them until an admin has seen to them. Their
 * events then go at the next prune once old. Returns how many were deleted.
 */
export function clearDeadLetters(db: Db, ids?: readonly number[]): number {
  if (ids) {
    const statement = db.$client.prepare("delete from deliveries where status = 'dead' and id in (select value from json_each(?))");
    return statement.run(JSON.stringify(ids)).changes;
  }
  return db.$client.prepare("delete from deliveries where status = 'dead'").run().changes;
}
