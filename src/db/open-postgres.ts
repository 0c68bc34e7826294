// Connects to PostgreSQL (a pool of node-postgres connections) and applies the generated migrations of
// migrations/postgres/. Several instances may start at once against one database: the migrations run under a
// PostgreSQL advisory lock, so one applies them and the others find them applied.
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import * as schema from './pg-schema.js';

export type PgDb = NodePgDatabase<typeof schema> & { $client: pg.Pool };

/** The committed PostgreSQL migrations, found relative to this file so the bot works from any working directory. */
export const PG_MIGRATIONS_FOLDER = resolve(dirname(fileURLToPath(import.meta.url)), '../../migrations/postgres');

/** The advisory lock key instances take while migrating (any fixed bigint; this one spells "coinsent"). */
const MIGRATION_LOCK = 0x636f696e73656e74n;

/** The database could not be reached or migrated: `message` names the URL (without its password) and the cause. */
export class PostgresOpenError extends Error {
  override name = 'PostgresOpenError';
  constructor(
    readonly url: string,
    readonly reason: string,
  ) {
    super(`PostgreSQL ${url}: cannot open the database: ${reason}`);
  }
}

export interface OpenPostgresOptions {
  /** Most connections this process holds open (node-postgres' pool `max`). */
  maxConnections?: number;
}

/** Connects, migrates under the advisory lock and returns the database; throws a PostgresOpenError when it cannot. */
export async function openPostgres(url: string, options: OpenPostgresOptions = {}): Promise<PgDb> {
  const pool = new pg.Pool({ connectionString: url, max: options.maxConnections ?? 10, types: { getTypeParser } });
  // An idle connection the server drops (a restart, a failover) is replaced on the next query: not a crash.
  pool.on('error', () => undefined);
  try {
    const client = await pool.connect();
    try {
      await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK]);
      try {
        await migrate(drizzle(client), { migrationsFolder: PG_MIGRATIONS_FOLDER });
      } finally {
        await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK]);
      }
    } finally {
      client.release();
    }
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw new PostgresOpenError(redact(url), error instanceof Error ? error.message : String(error));
  }
  return drizzle(pool, { schema }) as PgDb;
}

/** bigint columns (times in milliseconds) as numbers, as SQLite gives them: they stay below 2^53. */
const getTypeParser: typeof pg.types.getTypeParser = ((oid: number, format?: 'text' | 'binary') =>
  oid === pg.types.builtins.INT8 && format !== 'binary' ? Number : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser;

/** The URL as it may be logged: the password replaced by `***`. */
export function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(not a URL)';
  }
}
