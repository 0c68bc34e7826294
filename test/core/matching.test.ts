// Matching through the real recorder: subscriptions in SQLite, a signed webhook in, outbox rows out.
import { afterEach, describe, expect, it } from 'vitest';
import { applySubscriptionChanges, ensureChat } from '../../src/db/chats.js';
import { fixture, signed, testApp, type TestApp } from '../support/harness.js';

let t: TestApp;
afterEach(() => t?.cleanup());

function chat(id: string, subs: Array<[string, string]>): number {
  const row = ensureChat(t.db, { platform: 'telegram', platformChatId: id, kind: 'private' });
  applySubscriptionChanges(t.db, row.id, subs.map(([coinId, field]) => ({ coinId, field })), []);
  return row.id;
}

async function deliver(name: string): Promise<Array<{ chat: string; positions: number[] }>> {
  const res = await t.app.request('/webhooks/coingecko', signed(fixture(name)));
  expect(res.status).toBe(200);
  const rows = t.db.$client
    .prepare('select c.platform_chat_id as chat, d.matched_positions as positions from deliveries d join chats c on c.id = d.chat_id order by chat')
    .all() as Array<{ chat: string; positions: string }>;
  return rows.map((r) => ({ chat: r.chat, positions: JSON.parse(r.positions) as number[] }));
}

describe('matching', () => {
  it('matches a coin subscription to every change of that coin', async () => {
    t = testApp();
    chat('a', [['example-rebrand', '*']]);
    chat('b', [['bitcoin', '*']]);
    expect(await deliver('rebrand-multi-change')).toEqual([{ chat: 'a', positions: [0, 1, 2, 3] }]);
  });

  it('matches a field subscription for every coin, and only that field', async () => {
    t = testApp();
    chat('a', [['*', 'public_notices']]);
    expect(await deliver('contract-migration-same-chain')).toEqual([{ chat: 'a', positions: [1] }]);
  });

  it('matches coin × field', async () => {
    t = testApp();
    chat('a', [['example-bridge-token', 'platforms']]);
    chat('b', [['other-coin', 'platforms']]);
    expect(await deliver('contract-migration-same-chain')).toEqual([{ chat: 'a', positions: [0] }]);
  });

  it('matches a sub-field, and a top-level field covers its sub-fields', async () => {
    t = testApp();
    chat('a', [['*', 'platforms.ethereum']]);
    chat('b', [['*', 'platforms.solana']]);
    chat('c', [['*', 'platforms']]);
    expect(await deliver('chain-move-removal-addition')).toEqual([
      { chat: 'a', positions: [1] },
      { chat: 'c', positions: [0, 1] },
    ]);
  });

  it('matches events with many distinct fields the same way (the lookup passes long field lists as one JSON array)', async () => {
    t = testApp();
    chat('a', [['*', 'links.site37']]);
    chat('b', [['*', 'links']]);
    chat('c', [['*', 'links.unrelated']]);
    const changes = Array.from({ length: 40 }, (_, i) => ({ field: `links.site${i}`, change_type: 'update', old_value: 'a', new_value: 'b' }));
    const body = JSON.stringify({ event_type: 'cg.coin.info.updated', data: { id: 'many-links', symbol: 'ml', name: 'Many Links', changes } });
    const res = await t.app.request('/webhooks/coingecko', signed(body));
    expect(res.status).toBe(200);
    const rows = t.db.$client
      .prepare('select c.platform_chat_id as chat, d.matched_positions as positions from deliveries d join chats c on c.id = d.chat_id order by chat')
      .all();
    expect(rows).toEqual([
      { chat: 'a', positions: '[37]' },
      { chat: 'b', positions: JSON.stringify(changes.map((_, i) => i)) },
    ]);
  });

  it('gives one delivery per chat however many of its subscriptions match', async () => {
    t = testApp();
    chat('a', [
      ['example-bridge-token', '*'],
      ['*', 'platforms'],
      ['*', 'public_notices'],
      ['example-bridge-token', 'platforms.ethereum'],
    ]);
    expect(await deliver('contract-migration-same-chain')).toEqual([{ chat: 'a', positions: [0, 1] }]);
  });

  it('writes no outbox rows for an event that matches nobody', async () => {
    t = testApp();
    chat('a', [['bitcoin', '*']]);
    chat('b', [['*', 'categories']]);
    expect(await deliver('name-update')).toEqual([]);
  });

  it('skips inactive chats', async () => {
    t = testApp();
    chat('a', [['*', 'name']]);
    t.db.$client.prepare('update chats set active = 0').run();
    expect(await deliver('name-update')).toEqual([]);
  });

  it('remembers coins from events for names in replies', async () => {
    t = testApp();
    await deliver('name-update');
    expect(t.db.$client.prepare('select id, symbol, name from coins').all()).toEqual([
      { id: 'wild-goat-coin-2', symbol: 'WGC', name: 'Wild Goat Coin [OLD]' },
    ]);
  });
});
