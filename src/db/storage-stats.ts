// How big the database is and how far back it goes, for `npm run cli -- stats`, /metrics and /recent: the file and
// its WAL, the oldest and newest events kept, and the last prune. Each reading is a stat or one indexed row.
import type Database from 'better-sqlite3';
import type { Db } from './open-database.js';
import { lastPrune } from './retention.js';
import type { StorageReadings } from '../metrics.js';
import { fileBytes, hasIncrementalVacuum } from './vacuum.js';
import type { PruneRunRow } from './schema.js';

export interface EventMark {
  source: string;
  eventId: string;
  /** Milliseconds since the epoch. */
  receivedAt: number;
}

export interface StorageStats {
  databaseBytes: number;
  walBytes: number;
  /** Whether pruned pages go back to the file system (see src/db/vacuum.ts). */
  autoVacuum: boolean;
  oldestEvent: EventMark | null;
  newestEvent: EventMark | null;
  lastPrune: PruneRunRow | null;
}

export const databaseFileSizes = (path: string) => ({ databaseBytes: fileBytes(path), walBytes: fileBytes(`${path}-wal`) });

/** The first or last event kept (ids grow with time, so the ends of the primary key are the oldest and newest). */
export function eventAtEnd(sqlite: Database.Database, end: 'oldest' | 'newest'): EventMark | null {
  const row = sqlite
    .prepare<[], EventMark>(
      `select source, event_id as eventId, received_at as receivedAt from events order by id ${end === 'oldest' ? 'asc' : 'desc'} limit 1`,
    )
    .get();
  return row ?? null;
}

export function storageStats(db: Db, path: string): StorageStats {
  return {
    ...databaseFileSizes(path),
    autoVacuum: hasIncrementalVacuum(db),
    oldestEvent: eventAtEnd(db.$client, 'oldest'),
    newestEvent: eventAtEnd(db.$client, 'newest'),
    lastPrune: lastPrune(db) ?? null,
  };
}

/** The /metrics storage gauges' readings for the database at `path`. */
export function storageReadings(db: Db, path: string): StorageReadings {
  return {
    fileSizes: () => databaseFileSizes(path),
    lastPrune: () => lastPrune(db),
    oldestEventAt: () => eventAtEnd(db.$client, 'oldest')?.receivedAt,
  };
}
