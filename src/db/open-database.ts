// Opens the SQLite file (creating its directory), sets WAL and a busy timeout, and applies the generated migrations.
// A database that cannot be opened is named with its variable, its path and the cause, in one line.
import { accessSync, constants, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import * as schema from './schema.js';

export type Db = BetterSQLite3Database<typeof schema> & { $client: Database.Database };

/** The committed migrations, found relative to this file so the bot works from any working directory. */
export const MIGRATIONS_FOLDER = resolve(dirname(fileURLToPath(import.meta.url)), '../../migrations');

export interface OpenDatabaseOptions {
  /** How long a writer waits for a lock before the write fails (and the webhook answers 503). */
  busyTimeoutMs?: number;
  /**
   * SQLite `synchronous` in WAL mode. `normal` (the default): a commit survives the process being killed, but an
   * operating-system crash or power loss can lose the last few. `full`: every commit is on disk (an fsync of the WAL
   * per commit) before the webhook is answered. Group commit shares that cost between webhooks arriving together.
   */
  synchronous?: 'normal' | 'full';
}

/** The database could not be opened: `message` names DATABASE_PATH, the path and the cause. */
export class DatabaseOpenError extends Error {
  override name = 'DatabaseOpenError';
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`DATABASE_PATH=${path}: cannot open the database: ${reason}`);
  }
}

/**
 * Opens (or creates) the database at `path` (`:memory:` works too) and brings its schema up to date. Throws a
 * DatabaseOpenError when the file cannot be opened or written.
 */
export function openDatabase(path: string, options: OpenDatabaseOptions = {}): Db {
  if (path !== ':memory:') prepareDirectory(path);
  let sqlite: Database.Database | undefined;
  try {
    sqlite = new Database(path);
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
    sqlite.pragma(`synchronous = ${options.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
    sqlite.pragma('foreign_keys = ON');
    const db = drizzle(sqlite, { schema });
    migrate(db, { migrationsFolder: MIGRATIONS_FOLDER });
    return db;
  } catch (error) {
    sqlite?.close();
    throw new DatabaseOpenError(path, causeOf(path, error));
  }
}

/** Creates the database's directory, or throws a DatabaseOpenError saying why it cannot be (shared with the writer lock). */
export function prepareDirectory(path: string): void {
  const directory = dirname(resolve(path));
  if (isDirectory(path)) {
    throw new DatabaseOpenError(path, 'it is a directory; DATABASE_PATH names the database file, e.g. ./data/coinsentry.db');
  }
  try {
    mkdirSync(directory, { recursive: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why: Record<string, string> = { EACCES: 'no permission', EPERM: 'no permission', EROFS: 'read-only file system', ENOTDIR: 'a file is in the way', EEXIST: 'a file is in the way' };
    throw new DatabaseOpenError(path, `cannot create its directory ${directory} (${(code && why[code]) ?? String(error)})`);
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path, { throwIfNoEntry: false })?.isDirectory() ?? false;
  } catch {
    return false; // ENOTDIR: a file is in the way; creating the directory says so
  }
}

/** Why SQLite refused, in words an operator can act on. */
export function causeOf(path: string, error: unknown): string {
  const code = String((error as { code?: unknown }).code ?? '');
  const directory = dirname(resolve(path));
  if (code.startsWith('SQLITE_READONLY') || !writable(path)) return 'the file is read-only (no permission to write it, or a read-only file system)';
  if (!writable(directory)) return `no permission to write in its directory ${directory} (SQLite also keeps -wal and -shm files there)`;
  if (code === 'SQLITE_NOTADB') return 'the file is not an SQLite database';
  return error instanceof Error ? error.message : String(error);
}

/** Whether this process may write `path` (true when it does not exist yet: the directory check covers that). */
function writable(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT';
  }
}
