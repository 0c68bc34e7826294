// One writer and online backup, with real processes: the server as `npm start` runs it, the admin CLI as admins run it.
// A second server on the same database is refused while the first keeps serving, and starts once the first is killed
// with kill -9; the CLI's read-only commands and `backup` work beside a running server, and a backup taken under
// webhook load is a sound database holding every event answered 200 before it began.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { REPO_ROOT, buildServer, startServer, type ServerProcess } from '../reliability/support/server-process.js';
import { SECRET, fixture, signed } from '../support/harness.js';

let dir: string;
let databasePath: string;
const servers: ServerProcess[] = [];

beforeAll(() => buildServer(), 120_000);
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'coinsentry-one-writer-'));
  databasePath = join(dir, 'data', 'coinsentry.db');
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.kill9()));
  rmSync(dir, { recursive: true, force: true });
});

const serverEnv = () => ({ COINGECKO_WEBHOOK_SECRET: SECRET, DATABASE_PATH: databasePath });

async function start(): Promise<ServerProcess> {
  const server = await startServer(serverEnv());
  servers.push(server);
  return server;
}

/** `npm run cli -- <args>` against the test's database; resolves with its exit code and output. */
function cli(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/admin.ts', ...args], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', DOTENV_PATH: '/dev/null', DATABASE_PATH: databasePath },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((done) => child.on('exit', (code) => done({ code, stdout, stderr })));
}

let sequence = 0;
async function postWebhook(server: ServerProcess): Promise<{ eventId: string; status: number }> {
  const eventId = `evt-load-${++sequence}`;
  const init = signed(fixture('name-update'), { timestamp: String(Math.floor(Date.now() / 1000)), eventId });
  const res = await fetch(`${server.url}/webhooks/coingecko`, init);
  await res.arrayBuffer();
  return { eventId, status: res.status };
}

describe('one writer', () => {
  it('refuses a second server on the same database while the first serves, and starts it after kill -9 of the first', async () => {
    const first = await start();

    const refused = await startServer(serverEnv()).then(
      (second) => {
        servers.push(second);
        return 'started';
      },
      (error: Error) => error.message,
    );
    const line = refused.split('\n').find((l) => l.startsWith('coinsentry: DATABASE_PATH'));
    expect(line).toBe(
      `coinsentry: DATABASE_PATH ${databasePath} is in use by another coinsentry server (pid ${first.child.pid} on ` +
        `${line?.match(/ on (\S+),/)?.[1]}, started ${line?.match(/started (\S+)\)/)?.[1]}); ` +
        'two servers on one database would send every alert twice: stop that one first',
    );

    // The first one never noticed.
    expect((await postWebhook(first)).status).toBe(200);
    expect((await fetch(`${first.url}/healthz`)).status).toBe(200);

    await first.kill9();
    const second = await start();
    expect((await postWebhook(second)).status).toBe(200);
  }, 60_000);
});

describe('admin CLI beside a running server', () => {
  it('runs stats and refuses vacuum while the server runs', async () => {
    const server = await start();
    expect((await postWebhook(server)).status).toBe(200);
    const stats = await cli('stats');
    expect(stats).toMatchObject({ code: 0, stderr: '' });
    expect(stats.stdout).toMatch(/^events: 1 total/m);
    expect(stats.stdout).toMatch(/^database: .* WAL$/m);
    const vacuum = await cli('vacuum');
    expect(vacuum.code).toBe(2);
    expect(vacuum.stderr).toContain(`in use by another coinsentry server (pid ${server.child.pid} `);
  }, 60_000);

  it('takes a backup under webhook load that passes integrity_check and holds every event answered 200 before it began', async () => {
    const server = await start();
    const answered: string[] = [];
    let loading = true;
    const load = Promise.all(
      Array.from({ length: 4 }, async () => {
        while (loading) {
          const answer = await postWebhook(server).catch(() => undefined);
          if (answer?.status === 200) answered.push(answer.eventId);
        }
      }),
    );
    while (answered.length < 50) await new Promise((r) => setTimeout(r, 10));

    const before = [...answered];
    const target = join(dir, 'backup.db');
    const backup = await cli('backup', target);
    const during = answered.length - before.length;
    loading = false;
    await load;

    expect(backup.code).toBe(0);
    expect(backup.stdout).toMatch(new RegExp(`^backup written to ${target}: [\\d.]+ [KM]?B, \\d+ events, newest event coingecko evt-load-\\d+, received `));
    expect(during).toBeGreaterThan(0);
    const copy = new Database(target, { readonly: true });
    try {
      expect(copy.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(copy.pragma('journal_mode', { simple: true })).toBe('delete');
      const held = new Set(copy.prepare('select event_id from events').pluck().all() as string[]);
      expect(before.filter((id) => !held.has(id))).toEqual([]);
    } finally {
      copy.close();
    }

    // An existing file is never overwritten without --force.
    const again = await cli('backup', target);
    expect(again).toMatchObject({ code: 2, stderr: `${target} exists; choose a new file name, or add --force to replace it\n` });
    expect((await cli('backup', target, '--force')).code).toBe(0);
  }, 60_000);
});
