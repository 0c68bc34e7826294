// The composition root as a real process: starts from the environment alone, serves, and shuts down cleanly.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { TelegramFake } from './fakes/telegram-fake.js';
import { CEXPING_SECRET, SECRET, cexpingBody, fixture, signed, signedCexping } from './support/harness.js';

const ROOT = resolve(import.meta.dirname, '..');
let dir: string;
let child: ChildProcessWithoutNullStreams | undefined;
let telegram: TelegramFake | undefined;

afterEach(async () => {
  child?.kill('SIGKILL');
  child = undefined;
  await telegram?.close();
  telegram = undefined;
  rmSync(dir, { recursive: true, force: true });
});

/** `uid`: run as that user (to meet permissions root would bypass). */
function start(env: Record<string, string>, uid?: number) {
  dir = mkdtempSync(join(tmpdir(), 'coinsentry-main-'));
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    ...(uid !== undefined && { uid, gid: uid }),
    env: { PATH: process.env.PATH ?? '', DOTENV_PATH: '/dev/null', PORT: '0', HOST: '127.0.0.1', DATABASE_PATH: join(dir, 'db', 'bot.db'), ...env },
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

  it('refuses the placeholder secret of .env.example, naming the variable', async () => {
    const run = start({ DOTENV_PATH: join(ROOT, '.env.example') });
    expect(await run.exited).toBe(1);
    expect(run.output().stderr.trim()).toBe(
      'coinsentry: invalid configuration: COINGECKO_WEBHOOK_SECRET: still holds the placeholder from .env.example: set the real value',
    );
  });

  it('refuses a DOTENV_PATH naming no file', async () => {
    const run = start({ COINGECKO_WEBHOOK_SECRET: SECRET, DOTENV_PATH: '/nonexistent/coinsentry.env' });
    expect(await run.exited).toBe(1);
    expect(run.output().stderr.trim()).toBe('coinsentry: invalid configuration: DOTENV_PATH: no file at /nonexistent/coinsentry.env');
  });

  it('names DATABASE_PATH, the path and the cause when the database cannot be opened', async () => {
    const run = start({ COINGECKO_WEBHOOK_SECRET: SECRET, DATABASE_PATH: tmpdir() });
    expect(await run.exited).toBe(1);
    expect(run.output().stderr.trim()).toBe(
      `coinsentry: failed to start: DATABASE_PATH=${tmpdir()}: cannot open the database: it is a directory; DATABASE_PATH names the database file, e.g. ./data/coinsentry.db`,
    );
    const file = join(dir, 'a-file');
    writeFileSync(file, '');
    const blocked = start({ COINGECKO_WEBHOOK_SECRET: SECRET, DATABASE_PATH: join(file, 'bot.db') });
    expect(await blocked.exited).toBe(1);
    expect(blocked.output().stderr).toContain(`DATABASE_PATH=${join(file, 'bot.db')}: cannot open the database: cannot create its directory ${file}`);
  });

  it('says when the database directory cannot be written', async () => {
    // Root writes anywhere: the server then runs as nobody; anyone else meets a read-only directory as it is.
    const asRoot = process.getuid?.() === 0;
    const locked = mkdtempSync(join(tmpdir(), 'coinsentry-locked-'));
    chmodSync(locked, asRoot ? 0o755 : 0o555);
    const run = start({ COINGECKO_WEBHOOK_SECRET: SECRET, DATABASE_PATH: join(locked, 'bot.db') }, asRoot ? 65534 : undefined);
    expect(await run.exited).toBe(1);
    expect(run.output().stderr.trim()).toBe(
      `coinsentry: failed to start: DATABASE_PATH=${join(locked, 'bot.db')}: cannot open the database: no permission to write in its directory ${locked} (SQLite also keeps -wal and -shm files there)`,
    );
    chmodSync(locked, 0o755);
    rmSync(locked, { recursive: true, force: true });
  });

  it('warns about misspelt variables with a did-you-mean, and once that no platform is configured', async () => {
    const run = start({ COINGECKO_WEBHOOK_SECRET: SECRET, TELEGRAM_TOKEN: '1:x', DATABSE_PATH: '/tmp/x.db', HOME: '/root' });
    await run.listening();
    run.proc.kill('SIGTERM');
    await run.exited;
    const warnings = run.output().stdout.split('\n').filter((line) => line.includes('"level":40'));
    expect(warnings.map((line) => (JSON.parse(line) as { msg: string }).msg)).toEqual([
      'DATABSE_PATH is not a coinsentry setting and is ignored; did you mean DATABASE_PATH?',
      'TELEGRAM_TOKEN is not a coinsentry setting and is ignored; did you mean TELEGRAM_BOT_TOKEN?',
      'no chat platform is configured: webhooks are recorded but alerts go nowhere (set TELEGRAM_BOT_TOKEN, DISCORD_BOT_TOKEN or SLACK_BOT_TOKEN)',
    ]);
  });

  it('shows an unreachable Telegram in /healthz and /metrics (status still 200) with one log line, not one per retry', async () => {
    const run = start({ COINGECKO_WEBHOOK_SECRET: SECRET, TELEGRAM_BOT_TOKEN: '123456:SECRET-TOKEN-VALUE', TELEGRAM_API_ROOT: 'http://127.0.0.1:1' });
    const port = await run.listening();
    const health = async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).json() as Promise<{ platforms: Record<string, { status: string; error?: string }> }>;
    await expect.poll(async () => (await health()).platforms.telegram?.error, { timeout: 10_000 }).toMatch(/^cannot reach Telegram at http:\/\/127\.0\.0\.1:1: /);
    const res = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok', database: 'ok', platforms: { telegram: { status: 'connecting' } } });
    expect(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()).toContain('coinsentry_platform_up{platform="telegram"} 0');
    run.proc.kill('SIGTERM');
    await run.exited;
    const { stdout } = run.output();
    expect(stdout.split('\n').filter((line) => line.includes('telegram is not reachable'))).toHaveLength(1);
    expect(stdout).not.toContain('SECRET-TOKEN-VALUE');
  });

  it('says once that Telegram refused the token, naming TELEGRAM_BOT_TOKEN, and connects with the right one', async () => {
    telegram = await new TelegramFake().listen();
    const refused = start({ COINGECKO_WEBHOOK_SECRET: SECRET, TELEGRAM_BOT_TOKEN: '999:WRONG-TOKEN', TELEGRAM_API_ROOT: telegram.apiRoot });
    const port = await refused.listening();
    const state = async () => ((await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()) as { platforms: { telegram: { status: string; error?: string } } }).platforms.telegram;
    await expect.poll(async () => (await state()).status, { timeout: 10_000 }).toBe('unauthorized');
    expect((await state()).error).toBe('Telegram refused the bot token (404: Not Found); check TELEGRAM_BOT_TOKEN; next try in 10 min');
    refused.proc.kill('SIGTERM');
    await refused.exited;
    const lines = refused.output().stdout.split('\n').filter((line) => line.includes('refused'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('"level":50');
    expect(refused.output().stdout).not.toContain('WRONG-TOKEN');
    rmSync(dir, { recursive: true, force: true });

    const good = start({ COINGECKO_WEBHOOK_SECRET: SECRET, TELEGRAM_BOT_TOKEN: telegram.token, TELEGRAM_API_ROOT: telegram.apiRoot });
    const goodPort = await good.listening();
    await expect
      .poll(async () => ((await (await fetch(`http://127.0.0.1:${goodPort}/healthz`)).json()) as { platforms: unknown }).platforms, { timeout: 10_000 })
      .toMatchObject({ telegram: { status: 'connected' } });
    expect(await (await fetch(`http://127.0.0.1:${goodPort}/metrics`)).text()).toContain('coinsentry_platform_up{platform="telegram"} 1');
  });
});
