// Crashes and restarts of the real server process (dist/main.js, as npm start runs it) on a real database file, with
// the three platforms faked on 127.0.0.1: kill -9 in the middle of a fan-out, kill -9 after a webhook committed but
// before its 200 reached the sender, SIGTERM during a fan-out. After each, a restart delivers every alert: nothing is
// lost, duplicates are at most the sends that were in flight, and the outbox ends with nothing pending.
import { createServer, request, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { applySubscriptionChanges, ensureChat } from '../../src/db/chats.js';
import { openDatabase } from '../../src/db/open-database.js';
import { signed } from '../support/harness.js';
import { startFakePlatforms, type FakePlatforms } from './support/fake-platforms.js';
import { buildServer, startServer, type ServerProcess } from './support/server-process.js';
import { CREDENTIALS, PLATFORMS, chatId, nameChange, until, type Platform } from './support/world.js';

let dir: string;
let fakes: FakePlatforms;
const servers: ServerProcess[] = [];

beforeAll(() => buildServer(), 120_000);
afterEach(async () => {
  for (const server of servers.splice(0)) await server.kill9();
  await fakes?.close();
  rmSync(dir, { recursive: true, force: true });
});
afterAll(async () => {
  for (const server of servers.splice(0)) await server.kill9();
});

/** A database with `counts[platform]` chats on each platform watching `coin`. */
function seed(counts: Partial<Record<Platform, number>>, coin: string): { path: string; chats: Array<{ platform: Platform; id: string }> } {
  dir = mkdtempSync(join(tmpdir(), 'coinsentry-crash-'));
  const path = join(dir, 'coinsentry.db');
  const db = openDatabase(path);
  const chats: Array<{ platform: Platform; id: string }> = [];
  db.$client.transaction(() => {
    for (const platform of PLATFORMS) {
      for (let i = 0; i < (counts[platform] ?? 0); i += 1) {
        const id = chatId(platform, i);
        const chat = ensureChat(db, { platform, platformChatId: id, kind: platform === 'telegram' ? 'private' : 'group' });
        applySubscriptionChanges(db, chat.id, [{ coinId: coin, field: '*' }], []);
        chats.push({ platform, id });
      }
    }
  })();
  db.$client.close();
  return { path, chats };
}

async function start(path: string): Promise<ServerProcess> {
  const server = await startServer({ ...fakes.env, DATABASE_PATH: path, DOTENV_PATH: '/dev/null' });
  servers.push(server);
  return server;
}

/** Signed like CoinGecko would, with the crash servers' secret and the current time. */
const signedInit = (body: string, eventId: string): RequestInit =>
  signed(body, { secret: CREDENTIALS.webhookSecret, timestamp: String(Math.floor(Date.now() / 1000)), eventId });

/** Outbox rows by status, and the chats whose row is `sent`, read with a connection of our own. */
function outbox(path: string): { byStatus: Record<string, number>; sent: Set<string> } {
  const db = new Database(path, { readonly: true });
  try {
    const byStatus = Object.fromEntries(
      (db.prepare('select status, count(*) as n from deliveries group by status').all() as Array<{ status: string; n: number }>).map((r) => [r.status, r.n]),
    );
    const sent = db
      .prepare("select c.platform || ':' || c.platform_chat_id as chat from deliveries d join chats c on c.id = d.chat_id where d.status = 'sent'")
      .all() as Array<{ chat: string }>;
    return { byStatus, sent: new Set(sent.map((r) => r.chat)) };
  } finally {
    db.close();
  }
}

/** Alerts received per `platform:chatId`, over every platform. */
function received(): Map<string, number> {
  const all = new Map<string, number>();
  for (const platform of PLATFORMS) for (const [id, n] of fakes.received(platform)) all.set(`${platform}:${id}`, n);
  return all;
}

const pending = (path: string) => {
  const { byStatus } = outbox(path);
  return (byStatus.pending ?? 0) + (byStatus.sending ?? 0);
};

/** Checks the end state: every chat alerted, duplicates within `allowed`, nothing pending. Returns the duplicates. */
function expectAllDelivered(path: string, chats: ReadonlyArray<{ platform: Platform; id: string }>, allowed: number): number {
  const counts = received();
  const missing = chats.filter((c) => !counts.has(`${c.platform}:${c.id}`));
  expect(missing, 'chats that never got their alert').toEqual([]);
  const duplicates = [...counts.values()].reduce((n, c) => n + c - 1, 0);
  expect(duplicates).toBeLessThanOrEqual(allowed);
  expect(outbox(path).byStatus).toEqual({ sent: chats.length });
  return duplicates;
}

function expectNoSecrets(...runs: ServerProcess[]): void {
  for (const run of runs) for (const secret of Object.values(CREDENTIALS)) expect(run.output()).not.toContain(secret);
}

describe('kill -9 during a fan-out', () => {
  // 1,000 chats over the three platforms, each at its own rate: the fan-out takes about 11 s at full speed.
  const COUNTS = { telegram: 300, discord: 500, slack: 200 };

  it('delivers to every one of 1,000 chats after a restart; duplicates at most the sends in flight; the outbox ends empty', async () => {
    fakes = await startFakePlatforms();
    // Every send takes 150 ms to reach the platform, so some are on the wire when the process dies.
    for (const platform of PLATFORMS) fakes.proxy[platform].failAll({ kind: 'delay', ms: 150 });
    const { path, chats } = seed(COUNTS, 'crash-coin');
    const first = await start(path);
    const res = await fetch(`${first.url}/webhooks/coingecko`, signedInit(nameChange('crash-coin'), 'evt-crash-fanout'));
    expect(await res.json()).toMatchObject({ status: 'recorded', deliveries: 1000 });

    await until(() => [...received().values()].length >= 350, 'a third of the fan-out has reached the platforms', 60_000);
    await first.kill9();
    await new Promise((resolve) => setTimeout(resolve, 400)); // whatever was on the wire lands
    const atKill = received();
    const { sent } = outbox(path);
    // Reached a platform but not recorded as sent: the sends in flight when the process died.
    const inFlight = [...atKill.keys()].filter((chat) => !sent.has(chat)).length;
    expect(atKill.size).toBeLessThan(chats.length);
    for (const platform of PLATFORMS) fakes.proxy[platform].failAll(undefined);

    const second = await start(path);
    await until(() => pending(path) === 0 && received().size === chats.length, 'the restarted server drains the outbox', 90_000);
    await new Promise((resolve) => setTimeout(resolve, 500)); // a late duplicate would show up here
    const duplicates = expectAllDelivered(path, chats, inFlight);
    expect(second.output()).toContain('resuming alerts that were in flight');
    expectNoSecrets(first, second);
    console.log(`kill -9 after ${atKill.size}/1000 alerts (${inFlight} in flight): 0 lost, ${duplicates} duplicates`);
  }, 150_000);
});

describe('kill -9 between the commit and the 200', () => {
  /**
   * A proxy in front of the server for one webhook: it forwards the request, and as soon as the server starts to
   * answer (so the event has committed) it kills the server with SIGKILL and cuts the sender off, so the sender never
   * sees the 200 and will retry.
   */
  function killOnAnswer(server: ServerProcess): Promise<{ url: string; closed: Promise<void>; proxy: Server }> {
    const proxy = createServer((req, res) => {
      const upstream = request({ host: '127.0.0.1', port: server.port, method: req.method, path: req.url, headers: req.headers }, () => {
        server.child.kill('SIGKILL');
        res.socket?.destroy();
      });
      upstream.on('error', () => res.socket?.destroy());
      req.pipe(upstream);
    });
    return new Promise((resolve) =>
      proxy.listen(0, '127.0.0.1', () =>
        resolve({
          url: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
          proxy,
          closed: new Promise<void>((done) => proxy.once('close', () => done())),
        }),
      ),
    );
  }

  it('the retry is a duplicate: one event, one alert per chat', async () => {
    fakes = await startFakePlatforms();
    const { path, chats } = seed({ telegram: 10, discord: 10, slack: 10 }, 'commit-coin');
    const first = await start(path);
    const body = nameChange('commit-coin');
    const cut = await killOnAnswer(first);
    await expect(fetch(`${cut.url}/webhooks/coingecko`, signedInit(body, 'evt-commit-kill'))).rejects.toThrow();
    await first.exited;
    cut.proxy.close();

    // The event committed with all its alerts before the process died.
    const afterKill = outbox(path);
    expect(Object.values(afterKill.byStatus).reduce((a, b) => a + b, 0)).toBe(chats.length);
    const inFlight = [...received().keys()].filter((chat) => !afterKill.sent.has(chat)).length;

    // CoinGecko retries the same event (signed anew): it is a duplicate, and the alerts are delivered once.
    const second = await start(path);
    const retry = await fetch(`${second.url}/webhooks/coingecko`, signedInit(body, 'evt-commit-kill'));
    expect(retry.status).toBe(200);
    expect(await retry.json()).toMatchObject({ status: 'duplicate' });
    await until(() => pending(path) === 0 && received().size === chats.length, 'the alerts are delivered after the restart');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expectAllDelivered(path, chats, inFlight);
    expectNoSecrets(first, second);
    const db = new Database(path, { readonly: true });
    expect(db.prepare('select count(*) as n from events').get()).toEqual({ n: 1 });
    db.close();
  }, 60_000);

  it('a kill while the body is still arriving stores nothing, and the retry is recorded once', async () => {
    fakes = await startFakePlatforms();
    const { path, chats } = seed({ telegram: 5, discord: 5, slack: 5 }, 'upload-coin');
    const first = await start(path);
    const body = nameChange('upload-coin');
    const init = signedInit(body, 'evt-upload-kill');
    const headers = Object.entries(init.headers as Record<string, string>).map(([k, v]) => `${k}: ${v}`);
    const socket = connect(first.port, '127.0.0.1');
    socket.on('error', () => undefined);
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write(
      [`POST /webhooks/coingecko HTTP/1.1`, 'host: 127.0.0.1', `content-length: ${Buffer.byteLength(body)}`, ...headers, '', body.slice(0, 20)].join('\r\n'),
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    await first.kill9();
    socket.destroy();
    expect(outbox(path).byStatus).toEqual({});

    const second = await start(path);
    const retry = await fetch(`${second.url}/webhooks/coingecko`, signedInit(body, 'evt-upload-kill'));
    expect(await retry.json()).toMatchObject({ status: 'recorded', deliveries: chats.length });
    await until(() => pending(path) === 0 && received().size === chats.length, 'the alerts are delivered');
    expectAllDelivered(path, chats, 0);
  }, 60_000);
});

describe('SIGTERM during a fan-out', () => {
  it('lets the sends in flight finish and be recorded, marks nothing sent that was not, and exits 0; a restart sends the rest once', async () => {
    fakes = await startFakePlatforms();
    const { path, chats } = seed({ telegram: 40, discord: 40, slack: 40 }, 'term-coin');
    // A slow platform: every send takes 300 ms, so several are in flight at any moment.
    for (const platform of PLATFORMS) fakes.proxy[platform].failAll({ kind: 'delay', ms: 300 });
    const first = await start(path);
    const res = await fetch(`${first.url}/webhooks/coingecko`, signedInit(nameChange('term-coin'), 'evt-term'));
    expect(await res.json()).toMatchObject({ deliveries: chats.length });
    await until(() => received().size >= 30, 'part of the fan-out is done', 30_000);
    const openAtTerm = PLATFORMS.reduce((n, p) => n + fakes.proxy[p].requests.filter((r) => r.chat && r.answeredAt === undefined).length, 0);
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(first.output()).toContain('"msg":"stopped"');
    await new Promise((resolve) => setTimeout(resolve, 400));

    const { byStatus, sent } = outbox(path);
    const atStop = received();
    // Nothing marked sent that the platform did not get, and every send that reached the platform is recorded.
    for (const chat of sent) expect(atStop.has(chat), `${chat} is marked sent`).toBe(true);
    for (const chat of atStop.keys()) expect(sent.has(chat), `${chat} got its alert`).toBe(true);
    // The rest stays pending, nothing is left claimed.
    expect(byStatus.sending ?? 0).toBe(0);
    expect((byStatus.sent ?? 0) + (byStatus.pending ?? 0)).toBe(chats.length);
    expect(byStatus.pending ?? 0).toBeGreaterThan(0);
    expect(openAtTerm).toBeGreaterThan(0);

    for (const platform of PLATFORMS) fakes.proxy[platform].failAll(undefined);
    const second = await start(path);
    await until(() => pending(path) === 0 && received().size === chats.length, 'the restarted server sends the rest');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expectAllDelivered(path, chats, 0);
    expectNoSecrets(first, second);
  }, 60_000);
});
