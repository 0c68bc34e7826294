// The admin CLI as an operator runs it: the real entry point in a child process, DATABASE_PATH from the environment
// or from the .env file, output on stdout/stderr and the exit code.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { claimChats, nextChat } from '../../src/db/outbox-queue.js';
import { writeRows } from '../../src/db/outbox-rows.js';
import { tempDb, type TempDb } from '../support/harness.js';
import { command, recordFixture, telegramGroup } from './seed.js';

const ROOT = resolve(import.meta.dirname, '../..');
let t: TempDb;
beforeEach(() => {
  t = tempDb();
});
afterEach(() => t.cleanup());

function cli(args: string[], env: Record<string, string> = { DATABASE_PATH: t.path }) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/admin.ts', ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', DOTENV_PATH: '/dev/null', ...env },
    encoding: 'utf8',
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('admin cli entry point', () => {
  it('prints stats, and reads DATABASE_PATH from the file DOTENV_PATH names', async () => {
    await command(t.db, telegramGroup('-100'), 'watch', 'wild-goat-coin-2');
    await recordFixture(t.db, 'name-update', 'evt-1');
    const dotenv = join(t.path, '..', 'bot.env');
    writeFileSync(dotenv, `COINGECKO_WEBHOOK_SECRET=whsec_x\nDATABASE_PATH=${t.path}\n`);
    const result = cli(['stats'], { DOTENV_PATH: dotenv });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('events: 1 total, 1 in the last 24 h, 0 quarantined');
    expect(result.stdout).toMatch(/^telegram\s+1\s+0\s+1$/m);
    expect(result.stdout).toMatch(/^pending\s+1$/m);
  });

  it('lists chats as JSON for scripts', async () => {
    await command(t.db, telegramGroup('-100', 'Listing desk'), 'watch', 'bitcoin ethereum');
    const result = cli(['chats', '--json', '--platform', 'telegram']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject([{ platform: 'telegram', platformChatId: '-100', title: 'Listing desk', active: true, subscriptions: 2 }]);
  });

  it('lists the outbox and dead letters, and requeues dead letters', async () => {
    await command(t.db, telegramGroup('-100'), 'watch', 'wild-goat-coin-2');
    await recordFixture(t.db, 'name-update', 'evt-1');
    expect(cli(['outbox']).stdout).toMatch(/^\s*1\s+pending\s+0\s+.*evt-1\s+wild-goat-coin-2\s+telegram:-100/m);
    const { claims } = claimChats(t.db, [nextChat(t.db, 0)!], { platforms: new Set(['telegram']), now: Date.now(), limit: 10 });
    const claimed = claims[0]?.alerts[0];
    writeRows(t.db, [{ id: claimed!.id, to: 'dead', error: '403: Forbidden: bot was blocked by the user' }]);

    const dead = cli(['dead-letters']);
    expect(dead.code).toBe(0);
    expect(dead.stdout).toMatch(/evt-1\s+wild-goat-coin-2\s+telegram:-100 \(group -100\)\s+403: Forbidden: bot was blocked by the user/);
    const retry = cli(['retry-dead-letters']);
    expect(retry.code).toBe(0);
    expect(retry.stdout).toContain('requeued 1 dead letter.');
    expect(cli(['dead-letters']).stdout.trim()).toBe('no dead letters');
  });

  it('replays an event for a chat that subscribed after it, and refuses an unknown id with exit code 2', async () => {
    await command(t.db, telegramGroup('-1'), 'watch', 'wild-goat-coin-2');
    await recordFixture(t.db, 'name-update', 'evt-1');
    await command(t.db, telegramGroup('-2'), 'watch', 'wild-goat-coin-2');
    const replay = cli(['replay', 'evt-1']);
    expect(replay.code).toBe(0);
    expect(replay.stdout).toContain('queued 1 new alert; 1 chat already had this event');
    const unknown = cli(['replay', 'evt-unknown']);
    expect(unknown.code).toBe(2);
    expect(unknown.stdout).toBe('');
    expect(unknown.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('imports a watchlist file into a chat', async () => {
    await command(t.db, telegramGroup('-100', 'Listing desk'), 'help', '');
    const file = join(t.path, '..', 'coins.txt');
    writeFileSync(file, Array.from({ length: 500 }, (_, i) => `token-${i}`).join('\n'));
    const result = cli(['import-watchlist', '--chat', 'telegram:-100', '--file', file]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('telegram:-100 (Listing desk): added 500, already watched 0, over the cap 0.');
    expect(t.db.$client.prepare('select count(*) as n from subscriptions').get()).toEqual({ n: 500 });
  });

  it('says so in one line when there is no database, and gives the usage for an unknown command', () => {
    const missing = join(t.path, '..', 'nope.db');
    expect(cli(['stats'], { DATABASE_PATH: missing })).toMatchObject({ code: 2, stderr: `no database at ${missing}: set DATABASE_PATH (environment or .env) to the server's database file\n` });
    const unknown = cli(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('usage: npm run cli -- <command>');
  });
});
