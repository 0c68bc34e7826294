// Giving freed space back to the file system. With `auto_vacuum = incremental` (migration 0009) the pages a prune
// frees can be returned in small steps while the server runs; without it the file never shrinks. SQLite applies that
// setting to a database that already has tables only at its next VACUUM, a rewrite of the whole file that holds the
// write lock throughout and needs as much free disk again: the server does it at start for a small file, and
// `npm run cli -- vacuum` does it for a large one, with the server stopped.
import { statSync } from 'node:fs';
import type { Db } from './open-database.js';

/** `PRAGMA auto_vacuum` value of incremental mode. */
const AUTO_VACUUM_INCREMENTAL = 2;

/** Files up to this size are converted at server start (a VACUUM of 64 MB takes about a second). */
const VACUUM_AT_START_MAX_BYTES = 64 * 2 ** 20;

export const hasIncrementalVacuum = (db: Db) => db.$client.pragma('auto_vacuum', { simple: true }) === AUTO_VACUUM_INCREMENTAL;

/** Turns incremental auto_vacuum on with a full VACUUM (the file is rewritten, compact). Returns the sizes around it. */
export function enableIncrementalVacuum(db: Db, path: string): { beforeBytes: number; afterBytes: number } {
  const sqlite = db.$client;
  const beforeBytes = fileBytes(path);
  sqlite.pragma('auto_vacuum = INCREMENTAL');
  sqlite.exec('VACUUM');
  sqlite.pragma('wal_checkpoint(TRUNCATE)');
  return { beforeBytes, afterBytes: fileBytes(path) };
}

/**
 * At server start: turns incremental auto_vacuum on when the file is small enough to rewrite now (`vacuumed`), or says
 * that it is too large to do unasked (`too_large`: the admin runs `npm run cli -- vacuum` with the server stopped).
 */
export function vacuumAtStart(
  db: Db,
  path: string,
): { kind: 'ready' } | { kind: 'too_large'; bytes: number } | { kind: 'vacuumed'; beforeBytes: number; afterBytes: number } {
  if (path === ':memory:' || hasIncrementalVacuum(db)) return { kind: 'ready' };
  const bytes = fileBytes(path);
  if (bytes > VACUUM_AT_START_MAX_BYTES) return { kind: 'too_large', bytes };
  return { kind: 'vacuumed', ...enableIncrementalVacuum(db, path) };
}

/** Hands free pages back to the file system, `pages` per step; returns the bytes freed. No-op without auto_vacuum. */
export function* vacuumSteps(db: Db, pages: number): Generator<void, number, void> {
  const sqlite = db.$client;
  if (!hasIncrementalVacuum(db)) return 0;
  const pageSize = sqlite.pragma('page_size', { simple: true }) as number;
  let freed = 0;
  for (;;) {
    const free = sqlite.pragma('freelist_count', { simple: true }) as number;
    if (free === 0) break;
    const step = Math.min(free, pages);
    sqlite.pragma(`incremental_vacuum(${step})`);
    freed += step;
    yield;
  }
  if (freed > 0) checkpointWithoutWaiting(db);
  return freed * pageSize;
}

/**
 * In WAL mode the file is truncated when the WAL is written back: try that now, so the file shrinks with the prune.
 * A TRUNCATE checkpoint waits for readers (a backup in progress, Litestream) through the busy timeout, which would
 * hold the server's event loop: so it does not wait, and when a reader is there the next checkpoint does the work.
 */
function checkpointWithoutWaiting(db: Db): void {
  const sqlite = db.$client;
  const previous = sqlite.pragma('busy_timeout', { simple: true }) as number;
  try {
    sqlite.pragma('busy_timeout = 0');
    sqlite.pragma('wal_checkpoint(TRUNCATE)');
  } catch {
    // busy: left to SQLite's own checkpoints
  } finally {
    sqlite.pragma(`busy_timeout = ${previous}`);
  }
}

/** Size of a file in bytes, 0 when it does not exist (`:memory:`, no WAL yet). */
export function fileBytes(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}
