// Online backup: a consistent copy of the database while the server keeps writing, through SQLite's backup API
// (better-sqlite3's `backup()`). The copy is made in one step, one read transaction: in WAL mode the server's writes
// go on meanwhile, and the copy is the database as it was when the step began (a copy made in many small steps would
// start over at every write of another connection, and might never finish under load). It is written beside the
// target and renamed into place only once complete and checked, so a target name never holds half a backup; and it
// is a single self-contained file (rollback journal, no -wal to carry along), ready to be copied back.
import { existsSync, renameSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import Database from 'better-sqlite3';
import type { Db } from './open-database.js';
import { eventAtEnd, type EventMark } from './storage-stats.js';
import { fileBytes } from './vacuum.js';

export type BackupResult =
  | { kind: 'written'; path: string; bytes: number; events: number; newestEvent: EventMark | null }
  | { kind: 'exists'; path: string }
  /** The target is the live database (or one of its side files): replacing it would lose the server's data. */
  | { kind: 'is_database'; path: string }
  | { kind: 'failed'; path: string; reason: string };

/** Pages per backup step: all of them, so the copy is one snapshot. */
const ALL_PAGES = 0x7fffffff;

/** Copies the database `db` to `target`; an existing `target` is replaced only with `force`. */
export async function backupDatabase(db: Db, target: string, options: { force?: boolean } = {}): Promise<BackupResult> {
  const live = resolve(db.$client.name);
  if ([live, `${live}-wal`, `${live}-shm`, `${live}.lock`].includes(resolve(target))) return { kind: 'is_database', path: target };
  if (existsSync(target) && !options.force) return { kind: 'exists', path: target };
  const partial = `${target}.partial-${process.pid}`;
  try {
    await db.$client.backup(partial, { progress: () => ALL_PAGES });
    const copy = new Database(partial);
    let summary: { events: number; newestEvent: EventMark | null };
    try {
      copy.pragma('journal_mode = DELETE');
      const check = copy.pragma('quick_check', { simple: true });
      if (check !== 'ok') throw new Error(`the copy failed its check: ${String(check)}`);
      summary = { events: copy.prepare('select count(*) from events').pluck().get() as number, newestEvent: eventAtEnd(copy, 'newest') };
    } finally {
      copy.close();
    }
    renameSync(partial, target);
    return { kind: 'written', path: target, bytes: fileBytes(target), ...summary };
  } catch (error) {
    rmSync(partial, { force: true });
    const reason = (error as NodeJS.ErrnoException).code ?? (error instanceof Error ? error.message : String(error));
    return { kind: 'failed', path: target, reason };
  }
}
