// `npm run send-test-event`: signs fixtures as each provider would and posts them to a running server.
import { spawn } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import { afterEach, describe, expect, it } from 'vitest';
import { CEXPING_SECRET, SECRET, cexpingFixtureNames, testApp, type TestApp } from '../support/harness.js';

const ROOT = resolve(import.meta.dirname, '../..');
let t: TestApp | undefined;
let server: ServerType | undefined;
afterEach(async () => {
  if (server) await new Promise<void>((done) => server!.close(() => done()));
  server = undefined;
  t?.cleanup();
});

/** A server on 127.0.0.1 with both sources, on the real clock (the CLI signs with the current time). */
async function listen(): Promise<number> {
  t = testApp({ clock: Date.now });
  const app = t.app;
  return new Promise((ready) => {
    server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) => ready(info.port));
  });
}

function sendTestEvent(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/send-test-event.ts', ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', COINGECKO_WEBHOOK_SECRET: SECRET, CEXPING_WEBHOOK_SECRET: CEXPING_SECRET },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((done) => child.on('exit', (code) => done({ code, stdout, stderr })));
}

describe('send-test-event', () => {
  it('posts every CEXPing fixture with a fresh event id and timestamp, signed as CEXPing signs', async () => {
    const port = await listen();
    const run = await sendTestEvent(['--source', 'cexping', '--url', `http://127.0.0.1:${port}/webhooks/cexping`, '--all']);
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines.map((line) => line.split(' ')[0])).toEqual(cexpingFixtureNames().map((name) => `${name}.json`));
    for (const line of lines) expect(line).toMatch(/ → 200 /);
    expect(t!.db.$client.prepare("select count(*) as n from events where source = 'cexping'").get()).toEqual({ n: cexpingFixtureNames().length - 1 });
  }, 30_000);

  it('still posts CoinGecko fixtures by default, and refuses an unknown source', async () => {
    const port = await listen();
    const run = await sendTestEvent(['--url', `http://127.0.0.1:${port}/webhooks/coingecko`, '--fixture', 'name-update', '--event-id', 'evt-cli']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^name-update\.json evt-cli → 200 /);
    const unknown = await sendTestEvent(['--source', 'nowhere']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown source: nowhere');
  }, 30_000);
});
