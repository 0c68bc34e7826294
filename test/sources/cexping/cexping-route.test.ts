// POST /webhooks/cexping: CEXPing's listing webhooks beside CoinGecko's, with the same status table (DESIGN.md §2).
import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { createCommandService } from '../../../src/core/command-service.js';
import { sqliteChatStore } from '../../../src/db/chat-store.js';
import { signCexping } from '../../../src/sources/cexping/verify-signature.js';
import {
  CEXPING_SECRET,
  NOW_MS,
  cexpingBody,
  cexpingFixtureNames,
  fixture,
  signed,
  signedCexping,
  testApp,
  type TestApp,
} from '../../support/harness.js';

const URL = '/webhooks/cexping';
let t: TestApp;
afterEach(() => t?.cleanup());

const db = () => t.db.$client;
function count(table: string): number {
  return (db().prepare(`select count(*) as n from ${table}`).get() as { n: number }).n;
}
const nothingStored = () => ['events', 'changes', 'quarantine', 'deliveries'].every((table) => count(table) === 0);
const post = (body: string, options?: Parameters<typeof signedCexping>[1]) => t.app.request(URL, signedCexping(body, options));
/** A chat with subscriptions (coin, field), as /watch stores them. */
function chatWatching(...pairs: Array<[string, string]>): number {
  const chat = db().prepare("insert into chats (platform, platform_chat_id, kind) values ('console', ?, 'private') returning id").get(`c${count('chats')}`) as { id: number };
  for (const [coin, field] of pairs) db().prepare('insert into subscriptions (chat_id, coin_id, field) values (?, ?, ?)').run(chat.id, coin, field);
  return chat.id;
}
const deliveredTo = () => (db().prepare('select chat_id from deliveries order by chat_id').all() as Array<{ chat_id: number }>).map((r) => r.chat_id);

describe('POST /webhooks/cexping', () => {
  it('records a new listing as a change of listings.<exchange> and answers 200', async () => {
    t = testApp();
    const body = cexpingBody('new-listing', { event_id: 'cxp_evt_1' });
    const res = await post(body);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'recorded', event_id: 'cxp_evt_1', handled: true, deliveries: 0 });
    expect(db().prepare('select * from events').get()).toMatchObject({
      source: 'cexping',
      event_id: 'cxp_evt_1',
      event_type: 'new_listing',
      coin_id: null,
      coin_symbol: 'PEPE2',
      coin_name: null,
      occurred_at: NOW_MS / 1000,
      raw_body: body,
    });
    const change = db().prepare('select field, change_type, old_value, new_value from changes').get() as { new_value: string };
    expect(change).toMatchObject({ field: 'listings.binance', change_type: 'addition', old_value: null });
    expect(JSON.parse(change.new_value)).toEqual({
      type: 'new_listing',
      exchange: 'Binance',
      pair: 'PEPE2USDT',
      listing_type: 'spot',
      volume_24h: 2847392.5,
      ai_score: 87,
    });
  });

  it.each([
    ['new-listing', 'listings.binance', true],
    ['futures-listing', 'listings.bybit', true],
    ['listing-preview', 'listings.okx', true],
    ['delisting', 'delistings.binance', true],
    ['volume-spike', 'volume_spikes.gate-io', true],
    ['unknown-event-type', undefined, false],
  ])('records fixture %s as %s', async (name, field, handled) => {
    t = testApp();
    const res = await post(cexpingBody(name));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'recorded', handled });
    expect(db().prepare('select field from changes').all()).toEqual(field ? [{ field }] : []);
  });

  it('has a fixture for every event type CEXPing documents', () => {
    expect(cexpingFixtureNames()).toEqual(['delisting', 'futures-listing', 'listing-preview', 'new-listing', 'ping', 'unknown-event-type', 'volume-spike']);
  });

  it('answers a retry of the same event_id with 200 duplicate and records nothing new', async () => {
    t = testApp();
    chatWatching(['*', 'listings']);
    const body = cexpingBody('new-listing', { event_id: 'cxp_dup' });
    expect(await (await post(body)).json()).toMatchObject({ status: 'recorded', deliveries: 1 });
    const again = await post(body);
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ status: 'duplicate', event_id: 'cxp_dup' });
    expect([count('events'), count('changes'), count('deliveries')]).toEqual([1, 1, 1]);
  });

  it('answers a ping with 200, counts it, and stores nothing', async () => {
    t = testApp();
    const res = await post(cexpingBody('ping'));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
    expect(await post(JSON.stringify({ type: 'ping' }))).toHaveProperty('status', 200);
    expect(nothingStored()).toBe(true);
    expect(await (await t.app.request('/metrics')).text()).toContain('coinsentry_webhook_requests_total{source="cexping",outcome="ping",reason=""} 2');
  });

  it('records an unknown event type without alerting anyone', async () => {
    t = testApp();
    chatWatching(['*', '*']);
    const res = await post(cexpingBody('unknown-event-type'));
    expect(await res.json()).toMatchObject({ handled: false, deliveries: 0 });
    expect(db().prepare('select event_type, coin_id from events').get()).toEqual({ event_type: 'price_alert', coin_id: null });
  });

  it.each([
    ['missing', undefined],
    ['empty', ''],
    ['blank', '   '],
  ])('answers 400 when the signature header is %s', async (_name, value) => {
    t = testApp();
    const init = signedCexping(cexpingBody('new-listing'));
    const headers = init.headers as Record<string, string>;
    if (value === undefined) delete headers['x-cexping-signature'];
    else headers['x-cexping-signature'] = value;
    const res = await t.app.request(URL, init);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: 'missing header: x-cexping-signature' });
    expect(nothingStored()).toBe(true);
  });

  it('accepts the header as CEXPing\'s own examples spell it (x-cexpingz-signature), in any letter case', async () => {
    t = testApp();
    const body = cexpingBody('new-listing');
    const res = await t.app.request(URL, { method: 'POST', headers: { 'X-CEXPINGZ-SIGNATURE': signCexping(CEXPING_SECRET, body) }, body });
    expect(res.status).toBe(200);
  });

  it('answers 401 for a signature made with another secret, a tampered body, or without the sha256= prefix', async () => {
    t = testApp();
    const body = cexpingBody('new-listing');
    expect((await post(body, { secret: 'another-secret' })).status).toBe(401);
    expect((await t.app.request(URL, { ...signedCexping(body), body: body.replace('Binance', 'Binancf') })).status).toBe(401);
    const bare = signCexping(CEXPING_SECRET, body).slice('sha256='.length);
    expect((await post(body, { headers: { 'x-cexping-signature': bare } })).status).toBe(401);
    expect(nothingStored()).toBe(true);
  });

  it('accepts upper-case hex and a signature made with the second of several secrets', async () => {
    t = testApp({ env: { CEXPING_WEBHOOK_SECRET: `old-secret, ${CEXPING_SECRET}` } });
    const body = cexpingBody('new-listing');
    expect((await post(body, { headers: { 'x-cexping-signature': signCexping(CEXPING_SECRET, body).toUpperCase() } })).status).toBe(200);
  });

  it.each([
    ['stale', -301, 'stale_timestamp'],
    ['future', 301, 'future_timestamp'],
  ])('answers 401 for a %s timestamp, even when correctly signed', async (_name, offset, reason) => {
    t = testApp();
    const res = await post(cexpingBody('new-listing', { timestamp: NOW_MS / 1000 + offset }));
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: 'timestamp outside the allowed window; check the server clock' });
    expect(nothingStored()).toBe(true);
    expect(await (await t.app.request('/metrics')).text()).toContain(`source="cexping",outcome="rejected",reason="${reason}"`);
  });

  it('takes its window from WEBHOOK_TOLERANCE_SECONDS, or from CEXPING_TOLERANCE_SECONDS when set', async () => {
    const sixHoursAgo = NOW_MS / 1000 - 6 * 3600;
    t = testApp({ env: { WEBHOOK_TOLERANCE_SECONDS: '3600' } });
    expect((await post(cexpingBody('new-listing', { timestamp: NOW_MS / 1000 - 3000 }))).status).toBe(200);
    expect((await post(cexpingBody('new-listing', { timestamp: sixHoursAgo }))).status).toBe(401);
    t.cleanup();
    // CEXPing retries for ~8.5 h with the same body: a wide window takes every retry; CoinGecko's stays as it was.
    t = testApp({ env: { CEXPING_TOLERANCE_SECONDS: '32400' } });
    expect((await post(cexpingBody('new-listing', { timestamp: sixHoursAgo }))).status).toBe(200);
    const lateCoinGecko = await t.app.request('/webhooks/coingecko', signed(fixture('name-update'), { timestamp: String(sixHoursAgo) }));
    expect(lateCoinGecko.status).toBe(401);
  });

  it('quarantines a signed body that is not JSON under the hash of its bytes, once', async () => {
    t = testApp();
    const body = 'not json {';
    const res = await post(body);
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ status: 'quarantined', reason: 'body is not JSON' });
    expect(await (await post(body)).json()).toEqual({ status: 'duplicate', reason: 'body is not JSON' });
    const key = `sha256:${createHash('sha256').update(body).digest('hex')}`;
    expect(db().prepare('select source, event_id, occurred_at, raw_body from quarantine').all()).toEqual([
      { source: 'cexping', event_id: key, occurred_at: NOW_MS / 1000, raw_body: body },
    ]);
    expect(count('events')).toBe(0);
  });

  it.each([
    ['without an event_id', { event_id: undefined }, 'event_id'],
    ['without a timestamp', { timestamp: undefined }, 'timestamp: must be UNIX seconds'],
    ['with a timestamp in fractional seconds', { timestamp: NOW_MS / 1000 + 0.5 }, 'timestamp: must be UNIX seconds'],
    ['without an exchange', { exchange: undefined }, 'exchange'],
    ['with a number as the symbol', { symbol: 42 }, 'symbol'],
    ['with the volume as text', { volume_24h: 'lots' }, 'volume_24h'],
  ])('quarantines a signed listing %s (202)', async (_name, overrides, reason) => {
    t = testApp();
    const res = await post(cexpingBody('new-listing', overrides));
    expect(res.status).toBe(202);
    expect(((await res.json()) as { reason: string }).reason).toContain(reason);
    expect([count('quarantine'), count('events')]).toEqual([1, 0]);
  });

  it('answers 413 for a body over 64 KB without reading it, and takes one of exactly 64 KiB', async () => {
    t = testApp();
    const padded = (size: number) => {
      const base = cexpingBody('new-listing', { note: '' });
      return base.replace('"note":""', `"note":"${'p'.repeat(size - base.length)}"`);
    };
    const over = await post(padded(64 * 1024 + 1));
    expect(over.status).toBe(413);
    expect(await over.json()).toEqual({ error: 'body larger than 65536 bytes' });
    expect(nothingStored()).toBe(true);
    expect((await post(padded(64 * 1024))).status).toBe(200);
  });

  it('answers 503 when the database cannot commit, and stores nothing', async () => {
    t = testApp();
    db().pragma('busy_timeout = 50');
    const blocker = new Database(t.path);
    blocker.exec('begin immediate');
    try {
      expect((await post(cexpingBody('delisting'))).status).toBe(503);
    } finally {
      blocker.exec('rollback');
      blocker.close();
    }
    expect(nothingStored()).toBe(true);
  });

  it('is off (404) without CEXPING_WEBHOOK_SECRET, while CoinGecko\'s route works', async () => {
    t = testApp({ env: { CEXPING_WEBHOOK_SECRET: '' } });
    const res = await post(cexpingBody('new-listing'));
    expect(res.status).toBe(404);
    expect((await t.app.request('/webhooks/coingecko', signed(fixture('name-update')))).status).toBe(200);
  });

  it('logs one line per request with the source, never the secret or the signature', async () => {
    t = testApp();
    const body = cexpingBody('new-listing', { event_id: 'cxp_logged' });
    const init = signedCexping(body);
    await t.app.request(URL, init);
    await post(body, { secret: 'another-secret' });
    expect(t.lines.map((l) => JSON.parse(l) as Record<string, unknown>)).toEqual([
      expect.objectContaining({ source: 'cexping', event_id: 'cxp_logged', outcome: 'accepted', status: 200 }),
      expect.objectContaining({ source: 'cexping', outcome: 'rejected', reason: 'bad_signature', status: 401 }),
    ]);
    const all = t.lines.join('\n');
    expect(all).not.toContain(CEXPING_SECRET);
    expect(all).not.toContain((init.headers as Record<string, string>)['x-cexping-signature']);
  });
});

describe('CEXPing events and coins', () => {
  /** Records coins through CoinGecko's route, as a deployment learns them. */
  async function knownCoin(id: string, symbol: string) {
    const body = JSON.stringify({ event_type: 'cg.coin.info.updated', data: { id, symbol, name: id, changes: [] } });
    expect((await t.app.request('/webhooks/coingecko', signed(body))).status).toBe(200);
  }

  it('resolves the pair\'s base symbol to the one known coin with that symbol, whatever its case', async () => {
    t = testApp();
    await knownCoin('pepe-two', 'pepe2');
    const coinWatcher = chatWatching(['pepe-two', '*']);
    const listingsOfCoin = chatWatching(['pepe-two', 'listings']);
    const otherCoin = chatWatching(['bitcoin', '*']);
    const binance = chatWatching(['*', 'listings.binance']);
    const okx = chatWatching(['*', 'listings.okx']);
    const delistings = chatWatching(['*', 'delistings']);
    expect(await (await post(cexpingBody('new-listing'))).json()).toMatchObject({ deliveries: 3 });
    expect(db().prepare("select coin_id, coin_symbol, coin_name from events where source = 'cexping'").get()).toEqual({
      coin_id: 'pepe-two',
      coin_symbol: 'pepe2',
      coin_name: 'pepe-two',
    });
    expect(deliveredTo()).toEqual([coinWatcher, listingsOfCoin, binance]);
    expect(deliveredTo()).not.toContain(otherCoin);
    expect(deliveredTo()).not.toContain(okx);
    expect(deliveredTo()).not.toContain(delistings);
  });

  it.each([
    ['PEPE2/USDT'],
    ['PEPE2-USDT'],
    ['PEPE2_USDT'],
    ['pepe2usdt'],
    ['PEPE2-USDT-SWAP'],
    ['1000PEPE2USDT'],
  ])('reads the base symbol of the pair %s', async (pair) => {
    t = testApp();
    await knownCoin('pepe-two', 'PEPE2');
    await post(cexpingBody('new-listing', { symbol: pair }));
    expect(db().prepare("select coin_id from events where source = 'cexping'").get()).toEqual({ coin_id: 'pepe-two' });
  });

  it('leaves the coin unresolved when several known coins share the symbol: only field watchers get it', async () => {
    t = testApp();
    await knownCoin('pepe-two', 'pepe2');
    await knownCoin('pepe-two-classic', 'PEPE2');
    const coinWatcher = chatWatching(['pepe-two', '*']);
    const listings = chatWatching(['*', 'listings']);
    expect(await (await post(cexpingBody('new-listing'))).json()).toMatchObject({ deliveries: 1 });
    expect(db().prepare("select coin_id, coin_symbol from events where source = 'cexping'").get()).toEqual({ coin_id: null, coin_symbol: 'PEPE2' });
    expect(deliveredTo()).toEqual([listings]);
    expect(deliveredTo()).not.toContain(coinWatcher);
  });

  it('lists recorded listings in /recent, resolved or not', async () => {
    t = testApp();
    await knownCoin('example-bridge-token', 'ebt');
    await post(cexpingBody('new-listing'));
    await post(cexpingBody('delisting'));
    const service = createCommandService(sqliteChatStore(t.db), { subscriptionLimit: 500 });
    const chat = { platform: 'console', platformChatId: 'desk', kind: 'private' as const };
    const reply = await service.run({ chat, name: 'recent', args: 'listings', canManage: () => true });
    expect(reply).toContain('PEPE2: New listing on Binance: PEPE2USDT (Type: spot, 24 h volume: $2,847,393, AI score: 87/100)');
    const delistings = await service.run({ chat, name: 'recent', args: 'example-bridge-token', canManage: () => true });
    expect(delistings).toContain('‼ ');
    expect(delistings).toContain('example-bridge-token (EBT) [example-bridge-token]: Delisting on Binance: EBTUSDT');
  });

  it('never adds a coin from a listing: coins come from CoinGecko events only', async () => {
    t = testApp();
    await post(cexpingBody('new-listing'));
    expect(count('coins')).toBe(0);
  });

  it('runs both sources side by side on one database, each event under its own source and id', async () => {
    t = testApp();
    expect((await t.app.request('/webhooks/coingecko', signed(fixture('name-update'), { eventId: 'same-id' }))).status).toBe(200);
    expect((await post(cexpingBody('delisting', { event_id: 'same-id' }))).status).toBe(200);
    expect(db().prepare('select source, event_id, event_type from events order by id').all()).toEqual([
      { source: 'coingecko', event_id: 'same-id', event_type: 'cg.coin.info.updated' },
      { source: 'cexping', event_id: 'same-id', event_type: 'delisting' },
    ]);
    const metrics = await (await t.app.request('/metrics')).text();
    expect(metrics).toContain('coinsentry_webhook_requests_total{source="coingecko",outcome="accepted",reason=""} 1');
    expect(metrics).toContain('coinsentry_webhook_requests_total{source="cexping",outcome="accepted",reason=""} 1');
  });
});
