// The PostgreSQL schema is the SQLite schema in PostgreSQL's types: the same tables, columns (name, null or not, a
// default or not), indexes (name, unique or not, partial or not) and foreign keys, so a store written for one finds
// the same shape in the other. Then its generated migrations, applied to a real PostgreSQL, as several instances
// starting at once apply them.
import { is } from 'drizzle-orm';
import { PgTable, getTableConfig as pgConfig } from 'drizzle-orm/pg-core';
import { SQLiteTable, getTableConfig as sqliteConfig } from 'drizzle-orm/sqlite-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgres, PostgresOpenError } from '../../src/db/open-postgres.js';
import * as pgSchema from '../../src/db/pg-schema.js';
import * as sqliteSchema from '../../src/db/schema.js';
import { startTestPostgres, type TestPostgres } from '../support/postgres.js';

type Config = ReturnType<typeof sqliteConfig> | ReturnType<typeof pgConfig>;

/** Columns only PostgreSQL has, each for a reason given in src/db/pg-schema.ts. */
const PG_ONLY = new Set(['deliveries.claimed_by']);

/** What both dialects must agree on, per table. */
function shape(config: Config) {
  return {
    columns: config.columns
      .filter((c) => !PG_ONLY.has(`${config.name}.${c.name}`))
      // An SQLite integer primary key is the rowid (numbered when not given) whether or not it says autoIncrement.
      .map((c) => ({ name: c.name, notNull: c.notNull, primary: c.primary, defaulted: !c.primary && (c.hasDefault || c.generated !== undefined) }))
      .sort((a, b) => a.name.localeCompare(b.name)),
    indexes: config.indexes.map((i) => ({ name: i.config.name ?? '', unique: i.config.unique, partial: i.config.where !== undefined })).sort((a, b) => a.name.localeCompare(b.name)),
    foreignKeys: config.foreignKeys
      .map((fk) => {
        const r = fk.reference();
        return `${r.columns.map((c) => c.name).join(',')} -> ${r.foreignColumns.map((c) => c.name).join(',')} on delete ${fk.onDelete}`;
      })
      .sort(),
  };
}

const sqliteTables = Object.fromEntries(Object.values(sqliteSchema).filter((v) => is(v, SQLiteTable)).map((t) => { const c = sqliteConfig(t as SQLiteTable); return [c.name, c]; }));
const pgTables = Object.fromEntries(Object.values(pgSchema).filter((v) => is(v, PgTable)).map((t) => { const c = pgConfig(t as PgTable); return [c.name, c]; }));

describe('the PostgreSQL schema', () => {
  it('has its own columns only where it says so', () => {
    const columns = Object.values(pgTables).flatMap((c) => c.columns.map((col) => `${c.name}.${col.name}`));
    expect(columns).toEqual(expect.arrayContaining([...PG_ONLY]));
  });

  it('has exactly the tables of the SQLite schema', () => {
    expect(Object.keys(pgTables).sort()).toEqual(Object.keys(sqliteTables).sort());
    expect(Object.keys(pgTables).length).toBeGreaterThan(10);
  });

  it.each(Object.keys(sqliteTables).sort())('%s has the same columns, indexes and foreign keys', (name) => {
    expect(shape(pgTables[name]!)).toEqual(shape(sqliteTables[name]!));
  });
});

describe('the PostgreSQL migrations', () => {
  let server: TestPostgres;
  beforeAll(async () => {
    server = await startTestPostgres();
  });
  afterAll(() => server.stop());

  it('create every table and index of the schema, when several instances start at once', async () => {
    const name = await server.createDatabase();
    const dbs = await Promise.all([1, 2, 3].map(() => openPostgres(server.url(name), { maxConnections: 2 })));
    await Promise.all(dbs.map((db) => db.$client.end()));
    const tables = await server.query<{ table_name: string }>(name, "select table_name from information_schema.tables where table_schema = 'public'");
    expect(tables.map((t) => t.table_name).sort()).toEqual(Object.keys(sqliteTables).sort());
    const indexes = await server.query<{ indexname: string }>(name, "select indexname from pg_indexes where schemaname = 'public' and indexname not like '%_pkey'");
    const declared = Object.values(pgTables).flatMap((c) => c.indexes.map((i) => i.config.name));
    expect(indexes.map((i) => i.indexname).sort()).toEqual(declared.sort());
    const applied = await server.query<{ n: string }>(name, 'select count(*) as n from drizzle.__drizzle_migrations');
    expect(Number(applied[0]!.n)).toBeGreaterThan(0);
  });

  it('computes the top-level field of a change as SQLite does', async () => {
    const db = await openPostgres(server.url(await server.createDatabase()), { maxConnections: 1 });
    try {
      const [event] = await db.insert(pgSchema.events).values({ source: 's', eventId: 'e', eventType: 't', occurredAt: 1, rawBody: '{}' }).returning();
      await db.insert(pgSchema.changes).values([
        { eventRowId: event!.id, position: 0, field: 'platforms.ethereum', changeType: 'updated' },
        { eventRowId: event!.id, position: 1, field: 'categories', changeType: 'added' },
      ]);
      expect((await db.select().from(pgSchema.changes)).map((c) => c.topField)).toEqual(['platforms', 'categories']);
      expect(event!.receivedAt).toBeGreaterThan(Date.UTC(2020, 0, 1));
    } finally {
      await db.$client.end();
    }
  });

  it('names the URL without its password, and the cause, when the server cannot be reached', async () => {
    const url = server.url('nowhere').replace(/:\d+\//, ':1/');
    const refused = openPostgres(url);
    await expect(refused).rejects.toBeInstanceOf(PostgresOpenError);
    await expect(refused).rejects.toThrow(/^PostgreSQL postgres:\/\/coinsentry:\*\*\*@127\.0\.0\.1:1\/nowhere: cannot open the database: .*ECONNREFUSED/);
  });
});
