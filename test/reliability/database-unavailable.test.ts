// The database stops taking writes — another connection holds the write lock for a long time, or the database turns
// read-only — and comes back. Webhooks get 503 meanwhile (so CoinGecko retries them), /healthz says what is wrong,
// nothing half-written is left behind, and the service recovers by itself: retried webhooks are recorded, and every
// alert, including the ones whose outcome could not be written at the time, is delivered with the chat unblocked.
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { chatId, nameChange, outboxCounts, startWorld, until, type World } from './support/world.js';

let world: World | undefined;
let locker: Database.Database | undefined;
afterEach(async () => {
  locker?.close();
  locker = undefined;
  await world?.close();
  world = undefined;
});

/** Another connection to the same file takes the write lock and keeps it until `release`. */
function holdWriteLock(path: string): { release: () => void } {
  locker = new Database(path);
  locker.exec('begin immediate');
  return {
    release: () => {
      locker?.exec('rollback');
    },
  };
}

const healthz = async (w: World) => {
  const res = await w.bot.app.request('/healthz');
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};
const count = (w: World, table: string) => (w.db.$client.prepare(`select count(*) as n from ${table}`).get() as { n: number }).n;

describe('the database stops taking writes', () => {
  it('a long write lock held by another connection: 503 and an unhealthy /healthz until it ends, then the retry is recorded and delivered', async () => {
    world = await startWorld({ platforms: ['telegram'], busyTimeoutMs: 100 });
    const w = world;
    const chats = [0, 1, 2].map((i) => chatId('telegram', i));
    for (const id of chats) w.watch('telegram', id, 'lock-coin');
    expect((await w.post(nameChange('lock-coin', 'Before'))).status).toBe(200);
    await until(() => chats.every((id) => w.delivered('telegram', id) === 1), 'the first alert');
    await w.bot.dispatcher.idle();
    expect(await healthz(w)).toMatchObject({ status: 200, body: { status: 'ok', database: 'ok' } });

    const lock = holdWriteLock(w.path);
    const during = await w.post(nameChange('lock-coin', 'During'), 'evt-during-lock');
    expect(during.status).toBe(503);
    expect(await during.json()).toEqual({ error: 'storage unavailable, retry later' });
    const unhealthy = await healthz(w);
    expect(unhealthy.status).toBe(503);
    expect(unhealthy.body).toMatchObject({ status: 'unavailable', database: 'locked' });
    const metrics = await (await w.bot.app.request('/metrics')).text();
    expect(metrics).toContain('coinsentry_webhook_requests_total{source="coingecko",outcome="rejected",reason="db_unavailable"} 1');

    lock.release();
    expect(await healthz(w)).toMatchObject({ status: 200, body: { status: 'ok', database: 'ok' } });
    expect(count(w, 'events')).toBe(1);
    // CoinGecko retries the same event: now it is recorded, once, and delivered.
    const retry = await w.post(nameChange('lock-coin', 'During'), 'evt-during-lock');
    expect(await retry.json()).toMatchObject({ status: 'recorded', deliveries: 3 });
    await until(() => chats.every((id) => w.delivered('telegram', id) === 2), 'the retried event is delivered');
    await w.bot.dispatcher.idle();
    expect(outboxCounts(w.db)).toEqual({ sent: 6 });
  });

  it('a lock that catches sends in flight: their outcome is written once the database is back, and the chats are not blocked', async () => {
    world = await startWorld({ platforms: ['telegram'], busyTimeoutMs: 100 });
    const w = world;
    const slow = chatId('telegram', 0);
    const quick = chatId('telegram', 1);
    w.watch('telegram', slow, 'inflight-coin');
    w.watch('telegram', quick, 'inflight-coin');
    w.proxy('telegram').fail(slow, { kind: 'delay', ms: 600 });

    expect((await w.post(nameChange('inflight-coin', 'First'))).status).toBe(200);
    await until(() => w.proxy('telegram').requestsFor(slow).length === 1, 'the slow send is in flight');
    await until(() => w.delivered('telegram', quick) === 1, 'the quick chat has its alert');
    const lock = holdWriteLock(w.path);
    // The platform accepts the slow send while nothing can be written; the dispatcher cannot record it yet.
    await until(() => w.delivered('telegram', slow) === 1, 'the platform accepted the slow send');
    await new Promise((resolve) => setTimeout(resolve, 400));
    lock.release();
    expect(w.lines.some((l) => l.includes('could not record a delivery outcome'))).toBe(true);

    // The service carries on by itself: the next alert reaches both chats, and no row stays in flight.
    expect(await (await w.post(nameChange('inflight-coin', 'Second'))).json()).toMatchObject({ deliveries: 2 });
    await until(() => w.delivered('telegram', quick) === 2 && w.delivered('telegram', slow) >= 2, 'the second alert reaches both chats');
    await w.bot.dispatcher.idle();
    await until(() => (outboxCounts(w.db).pending ?? 0) + (outboxCounts(w.db).sending ?? 0) === 0, 'the outbox drains', 5000);
    expect(outboxCounts(w.db)).toEqual({ sent: 4 });
    // Sent once: the outcome written late is the send that happened, not a second send.
    expect(w.delivered('telegram', slow)).toBe(2);
  });

  it('a read-only database: 503 and an unhealthy /healthz, nothing stored, and recovery when it is writable again', async () => {
    world = await startWorld({ platforms: ['telegram'], busyTimeoutMs: 100 });
    const w = world;
    const id = chatId('telegram', 0);
    w.watch('telegram', id, 'ro-coin');
    // The connection can no longer write (as when the file or its volume turns read-only): SQLITE_READONLY on write.
    w.db.$client.pragma('query_only = ON');
    const during = await w.post(nameChange('ro-coin', 'Read only'), 'evt-read-only');
    expect(during.status).toBe(503);
    expect(await healthz(w)).toMatchObject({ status: 503, body: { status: 'unavailable', database: 'read_only' } });
    expect(count(w, 'events')).toBe(0);
    const quarantined = await w.post('not json', 'evt-read-only-bad');
    expect(quarantined.status).toBe(503);

    w.db.$client.pragma('query_only = OFF');
    expect(await healthz(w)).toMatchObject({ status: 200, body: { status: 'ok', database: 'ok' } });
    expect(await (await w.post(nameChange('ro-coin', 'Read only'), 'evt-read-only')).json()).toMatchObject({ status: 'recorded', deliveries: 1 });
    await until(() => w.delivered('telegram', id) === 1, 'the retried event is delivered');
    await w.bot.dispatcher.idle();
    expect(outboxCounts(w.db)).toEqual({ sent: 1 });
  });
});
