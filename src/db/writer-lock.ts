// One server per database. Two servers on one file would both send every alert, so the server takes an operating-system
// lock before it opens the database for writing: an exclusive SQLite lock on `<database>.lock`, held by a connection
// of its own in exclusive locking mode. The kernel drops that lock with the process however it ends (`kill -9`
// included), so no stale lock is ever left to clear by hand. Who holds it is written beside it in
// `<database>.lock-holder`, a plain text line read only for the refusal message.
// The database itself stays open to other connections: the admin CLI's read-only commands and `backup` still work.
import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import Database from 'better-sqlite3';
import { DatabaseOpenError, causeOf, prepareDirectory } from './open-database.js';

export interface WriterLock {
  /** Lets the next server start (also happens by itself when the process ends, however it ends). */
  release(): void;
}

export type LockResult =
  | { kind: 'acquired'; lock: WriterLock }
  /** `holder`: the line the holding process wrote (pid, host, start time), when it could be read. */
  | { kind: 'held'; path: string; holder: string | undefined };

export interface LockOptions {
  pid?: number;
  /** Milliseconds since the epoch, for the holder line. */
  now?: number;
}

const lockFileOf = (databasePath: string) => `${resolve(databasePath)}.lock`;
const holderFileOf = (databasePath: string) => `${lockFileOf(databasePath)}-holder`;

/** Takes the writer lock of the database at `databasePath` without waiting; `:memory:` databases need none. */
export function acquireWriterLock(databasePath: string, options: LockOptions = {}): LockResult {
  if (databasePath === ':memory:') return { kind: 'acquired', lock: { release: () => {} } };
  const lockFile = lockFileOf(databasePath);
  // The lock file sits beside the database: the same directory problems are named the same way, DATABASE_PATH first.
  prepareDirectory(databasePath);
  let connection: Database.Database;
  try {
    connection = new Database(lockFile, { timeout: 0 });
  } catch (error) {
    throw new DatabaseOpenError(databasePath, causeOf(databasePath, error));
  }
  try {
    connection.pragma('locking_mode = EXCLUSIVE');
    // In exclusive locking mode the lock a write transaction takes is kept after it commits, until the connection closes.
    connection.exec('begin exclusive; commit');
  } catch (error) {
    connection.close();
    if ((error as { code?: unknown }).code !== 'SQLITE_BUSY') throw error;
    return { kind: 'held', path: resolve(databasePath), holder: readHolder(databasePath) };
  }
  const holderFile = holderFileOf(databasePath);
  const pid = options.pid ?? process.pid;
  writeFileSync(holderFile, `pid ${pid} on ${hostname()}, started ${new Date(options.now ?? Date.now()).toISOString()}\n`);
  return {
    kind: 'acquired',
    lock: {
      release() {
        if (!connection.open) return;
        // The holder line first: once the lock is free, it may already be the next server's.
        if (readHolder(databasePath)?.startsWith(`pid ${pid} `)) unlinkSync(holderFile);
        connection.close();
      },
    },
  };
}

/** The one line a refused server prints. */
export function describeHeldLock(held: { path: string; holder: string | undefined }): string {
  return (
    `DATABASE_PATH ${held.path} is in use by another coinsentry server (${held.holder ?? 'holder unknown'}); ` +
    'two servers on one database would send every alert twice: stop that one first'
  );
}

function readHolder(databasePath: string): string | undefined {
  try {
    return readFileSync(holderFileOf(databasePath), 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}
