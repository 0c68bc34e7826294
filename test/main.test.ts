// The composition root as a real process: starts from the environment alone, serves, and shuts down cleanly.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { CEXPING_SECRET, SECRET, cexpingBody, fixture, signed, signedCexping } from './support/harness.js';

const ROOT = resolve(import.meta.dirname, '..');
let dir: string;
let child: ChildProcessWithoutNullStreams | undefined;

afterEach(() => {
  child?.kill('SIGKILL');
  child = undefined;
  rmSync(dir, { recursive: true, force: true });
});

function start(env: Record<string, string>) {
  dir = mkdtempSync(join(tmpdir(), 'coinsentry-main-'));
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', DOTENV_PATH: join(dir, 'none.env'), PORT: '0', HOST: '127.0.0.1', DATABASE_PATH: join(dir, 'db', 'bot.db'), ...env },
  });
  child = proc;
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  proc.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((done) => proc.on('exit', (code) => done(code)));
  const listening = async (): Promise<number> => {
    for (let i = 0; i < 400; i++) {
      const line = stdout.split('\n').find((l) => l.includes('"msg":"listening"'));
      if (line) return (JSON.parse(line) as { port: number }).port;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`server did not start: ${stderr}`);
  };
  return { proc, exited, listening, output: () => ({ stdout, stderr }) };
}

describe('main', () => {
  it('starts with only COINGECKO_WEBHOOK_SECRET, records a webhook, and stops cleanly on SIGTERM', async () => {
    const run = start({ COINGECKO_WEBHOOK_SECRET: SECRET });
    const port = await run.listening();
    const init = signed(fixture('name-update'), { timestamp: String(Math.floor(Date.now() / 1000)), eventId: 'evt-main' });
    const res = await fetch(`http://127.0.0.1:${port}/webhooks/coingecko`, init);
    expect(res.status).toBe(200);
    run.proc.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    const { stdout } = run.output();
    expect(stdout).toContain('telegram is off');
    expect(stdout.split('cexping is off (CEXPING_WEBHOOK_SECRET is not set)')).toHaveLength(2);
    expect(stdout).toContain('"msg":"stopped"');
    expect(stdout).not.toContain(SECRET);
    const db = new Database(join(dir, 'db', 'bot.db'), { readonly: true });
    expect(db.prepare('select event_id from events').all()).toEqual([{ event_id: 'evt-main' }]);
    db.close();
  });

  it('runs CoinGecko and CEXPing side by side in one process and one database', async () => {
    const run = start({ COINGECKO_WEBHOOK_SECRET: SECRET, CEXPING_WEBHOOK_SECRET: CEXPING_SECRET });
    const port = await run.listening();
    const now = Math.floor(Date.now() / 1000);
    const coingecko = await fetch(`http://127.0.0.1:${port}/webhooks/coingecko`, signed(fixture('name-update'), { timestamp: String(now), eventId: 'evt-cg' }));
    const cexping = await fetch(`http://127.0.0.1:${port}/webhooks/cexping`, signedCexping(cexpingBody('new-listing', { event_id: 'evt-cxp', timestamp: now })));
    expect([coingecko.status, cexping.status]).toEqual([200, 200]);
    run.proc.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    const { stdout } = run.output();
    expect(stdout).not.toContain('cexping is off');
    expect(stdout).not.toContain(CEXPING_SECRET);
    const db = new Database(join(dir, 'db', 'bot.db'), { readonly: true });
    expect(db.prepare('select source, event_id from events order by id').all()).toEqual([
      { source: 'coingecko', event_id: 'evt-cg' },
      { source: 'cexping', event_id: 'evt-cxp' },
    ]);
    db.close();
  });

  it('serves webhooks even while Telegram cannot be reached, and never logs the bot token', async () => {
    const token = '123456:SECRET-TOKEN-VALUE';
    const run = start({ COINGECKO_WEBHOOK_SECRET: SECRET, TELEGRAM_BOT_TOKEN: token, TELEGRAM_API_ROOT: 'http://127.0.0.1:1', LOG_LEVEL: 'debug' });
    const port = await run.listening();
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    const init = signed(fixture('name-update'), { timestamp: String(Math.floor(Date.now() / 1000)) });
    expect((await fetch(`http://127.0.0.1:${port}/webhooks/coingecko`, init)).status).toBe(200);
    run.proc.kill('SIGTERM');
    await run.exited;
    expect(run.output().stdout).not.toContain('SECRET-TOKEN-VALUE');
  });

  it('says in one line when the port is taken', async () => {
    const first = start({ COINGECKO_WEBHOOK_SECRET: SECRET });
    const port = await first.listening();
    const firstDir = dir;
    const second = start({ COINGECKO_WEBHOOK_SECRET: SECRET, PORT: String(port) });
    expect(await second.exited).toBe(1);
    expect(second.output().stderr.trim()).toBe(`coinsentry: cannot listen on 127.0.0.1:${port}: EADDRINUSE`);
    first.proc.kill('SIGKILL');
    rmSync(firstDir, { recursive: true, force: true });
  });

  it('refuses to start without the secret, with one line naming it', async () => {
    const run = start({});
    expect(await run.exited).toBe(1);
    expect(run.output().stderr.trim()).toBe(
      'coinsentry: invalid configuration: COINGECKO_WEBHOOK_SECRET: required: set at least one signing secret',
    );
  });

  it('refuses a malformed value, naming the variable', async () => {
    const run = start({ COINGECKO_WEBHOOK_SECRET: SECRET, PORT: 'http' });
    expect(await run.exited).toBe(1);
    expect(run.output().stderr.trim()).toBe('coinsentry: invalid configuration: PORT: must be a whole number');
  });
});
