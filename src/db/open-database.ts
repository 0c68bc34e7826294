// Opens the SQLite file (creating its directory), sets WAL and a busy timeout, and applies the generated migrations.
import { mkdirSync } from 'node:fs';
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

/** Opens (or creates) the database at `path` (`:memory:` works too) and brings its schema up to date. */
export function openDatabase(path: string, options: OpenDatabaseOptions = {}): Db {
  if (path !== ':memory:') mkdirSync(dirname(resolve(path)), { recursive: true });
  const sqlite = new Database(path);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
  sqlite.pragma(`synchronous = ${options.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
  sqlite.pragma('foreign_keys = ON');
  const db = drizzle(sqlite, { schema });
  migrate(db, { migrationsFolder: MIGRATIONS_FOLDER });
  return db;
}
