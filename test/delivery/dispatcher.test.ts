// The dispatcher against a scripted adapter (a real PlatformAdapter implementation, no module mocks): wake-up on
// commit, one send per (event, chat), retries to a dead letter, immediate dead letters, platform down, rate spacing.
import { afterEach, describe, expect, it } from 'vitest';
import { createBot, type Bot } from '../../src/bot.js';
import { applySubscriptionChanges, ensureChat } from '../../src/db/chats.js';
import { requeueDead } from '../../src/db/outbox.js';
import { insertBacklog } from '../../bench/seed.js';
import type { PlatformAdapter } from '../../src/platforms/port.js';
import { fixture, memoryLogger, signed, tempDb, testConfig, type TempDb } from '../support/harness.js';
import { ScriptedAdapter } from '../support/scripted-adapter.js';

let store: TempDb;
let bot: Bot;
afterEach(async () => {
  await bot?.stop();
  store?.cleanup();
});

async function setUp(adapter: PlatformAdapter, options: { maxAttempts?: number; sweepMs?: number; start?: boolean } = {}) {
  store = tempDb();
  const { log } = memoryLogger();
  const config = testConfig({ DELIVERY_MAX_ATTEMPTS: String(options.maxAttempts ?? 10) });
  bot = createBot({
    db: store.db,
    config,
    log,
    adapters: [adapter],
    sweepMs: options.sweepMs ?? 60_000,
    backoff: { baseMs: 5, maxMs: 20 },
    gaugeRefreshMs: 20,
  });
  if (options.start !== false) await bot.start();
}

function watch(chatId: string, coinId: string, field = '*'): void {
  const chat = ensureChat(store.db, { platform: 'scripted', platformChatId: chatId, kind: 'private' });
  applySubscriptionChanges(store.db, chat.id, [{ coinId, field }], []);
}

const post = (name: string) =>
  bot.app.request('/webhooks/coingecko', signed(fixture(name), { timestamp: String(Math.floor(Date.now() / 1000)) }));
const statuses = () => store.db.$client.prepare('select status, attempts, last_error from deliveries order by id').all();

describe('dispatcher', () => {
  it('is woken by the commit, not by the sweep, and sends once per chat', async () => {
    const adapter = new ScriptedAdapter();
    await setUp(adapter, { sweepMs: 60_000 });
    watch('a', 'example-bridge-token');
    watch('a', '*', 'public_notices');
    watch('b', '*', 'platforms');
    await post('contract-migration-same-chain');
    await bot.dispatcher.idle();
    expect(adapter.sends.map((s) => s.chat).sort()).toEqual(['a', 'b']);
    // b watches only the contract: the event's public notice comes along as context.
    expect(adapter.sends.find((s) => s.chat === 'b')?.alert.items.map((i) => i.kind)).toEqual(['contract_migration', 'notice']);
    expect(adapter.sends.find((s) => s.chat === 'a')?.alert.items.map((i) => i.kind)).toEqual(['contract_migration', 'notice']);
    expect(statuses()).toEqual([
      { status: 'sent', attempts: 1, last_error: null },
      { status: 'sent', attempts: 1, last_error: null },
    ]);
  });

  it('retries with backoff, then keeps the row as a visible dead letter, which can be requeued', async () => {
    const adapter = new ScriptedAdapter();
    adapter.script = [1, 2, 3].map((n) => ({ kind: 'retry' as const, error: `HTTP 502 #${n}` }));
    await setUp(adapter, { maxAttempts: 3, sweepMs: 50 });
    watch('a', 'wild-goat-coin-2');
    await post('name-update');
    await expect.poll(() => statuses(), { timeout: 5000 }).toEqual([{ status: 'dead', attempts: 3, last_error: 'HTTP 502 #3' }]);
    // The gauge is counted in the background (every 20 ms here, 15 s by default), never by the scrape itself.
    await expect.poll(async () => (await bot.app.request('/metrics')).text(), { timeout: 2000 }).toContain('coinsentry_dead_letters 1');
    const metrics = await (await bot.app.request('/metrics')).text();
    expect(metrics).toContain('coinsentry_deliveries_total{platform="scripted",result="dead"} 1');
    expect(requeueDead(store.db)).toBe(1);
    bot.dispatcher.wake();
    await expect.poll(() => statuses(), { timeout: 5000 }).toEqual([{ status: 'sent', attempts: 1, last_error: null }]);
    expect(adapter.sends).toHaveLength(4);
  });

  it('dead-letters at once what the platform refuses as content', async () => {
    const adapter = new ScriptedAdapter();
    adapter.script = [{ kind: 'rejected', error: "400: can't parse entities" }];
    await setUp(adapter);
    watch('a', 'wild-goat-coin-2');
    await post('name-update');
    await bot.dispatcher.idle();
    expect(statuses()).toEqual([{ status: 'dead', attempts: 1, last_error: "400: can't parse entities" }]);
    expect(store.db.$client.prepare('select active from chats').get()).toEqual({ active: 1 });
  });

  it('stops sending on a platform that refuses our credentials, keeping rows pending', async () => {
    // One send a second: the 401 is back long before the second chat's slot, so the second send never starts (at
    // 1,000 a second it could already be in flight when the refusal arrives, and that one send is allowed to happen).
    const adapter = new ScriptedAdapter({ perSecond: 1, perChatIntervalMs: 0 });
    adapter.script = [{ kind: 'platform_down', error: '401: Unauthorized' }];
    await setUp(adapter);
    watch('a', 'wild-goat-coin-2');
    watch('b', 'wild-goat-coin-2');
    await post('name-update');
    await bot.dispatcher.idle();
    await post('rebrand-multi-change');
    expect(adapter.sends).toHaveLength(1);
    expect(statuses()).toEqual([
      { status: 'pending', attempts: 0, last_error: null },
      { status: 'pending', attempts: 0, last_error: null },
    ]);
  });

  it('follows a moved chat for every alert queued for it, and keeps it active', async () => {
    const adapter = new ScriptedAdapter();
    adapter.answer = (chat) => (chat.platformChatId === 'old' ? { kind: 'chat_moved', newPlatformChatId: 'new' } : undefined);
    await setUp(adapter, { start: false }); // both alerts are queued before anything is sent
    watch('old', '*', 'name');
    await post('name-update');
    await post('rebrand-multi-change');
    await bot.start();
    await expect.poll(() => adapter.sends.filter((s) => s.chat === 'new').length, { timeout: 5000 }).toBe(2);
    expect(store.db.$client.prepare('select platform_chat_id, active from chats').all()).toEqual([{ platform_chat_id: 'new', active: 1 }]);
    expect(statuses()).toEqual([
      { status: 'sent', attempts: 1, last_error: null },
      { status: 'sent', attempts: 1, last_error: null },
    ]);
  });

  it('pauses only the rate-limited chat, for the time the platform asked, without spending an attempt', async () => {
    const adapter = new ScriptedAdapter();
    let limited = false;
    adapter.answer = (chat) => {
      if (chat.platformChatId !== 'a' || limited) return undefined;
      limited = true;
      return { kind: 'retry', error: '429: Too Many Requests', afterMs: 300 };
    };
    await setUp(adapter, { sweepMs: 50 });
    watch('a', '*', 'name');
    watch('b', '*', 'name');
    const started = performance.now();
    await post('name-update');
    await expect.poll(() => adapter.sends.filter((s) => s.chat === 'b').length).toBe(1);
    expect(adapter.sends.find((s) => s.chat === 'b')!.at - started).toBeLessThan(250);
    await expect.poll(() => adapter.sends.filter((s) => s.chat === 'a').length, { timeout: 5000 }).toBe(2);
    const [first, second] = adapter.sends.filter((s) => s.chat === 'a');
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(295);
    expect(statuses()).toEqual([
      { status: 'sent', attempts: 1, last_error: null },
      { status: 'sent', attempts: 1, last_error: null },
    ]);
  });

  it("sends a quiet chat's first alert at once, whatever another chat has queued (a turn each, round-robin)", async () => {
    const adapter = new ScriptedAdapter({ perSecond: 1000, perChatIntervalMs: 1000 });
    await setUp(adapter, { start: false });
    const busy = ensureChat(store.db, { platform: 'scripted', platformChatId: 'busy', kind: 'group' });
    insertBacklog(store.db, [busy.id], 5_000);
    watch('quiet', 'example-bridge-token');
    await bot.start();
    await expect.poll(() => adapter.sends.length).toBe(1);
    await post('contract-migration-same-chain');
    await expect.poll(() => adapter.sends.some((s) => s.chat === 'quiet'), { timeout: 2000 }).toBe(true);
    // The busy chat sends once a second: the quiet chat's alert went out within its first few slots, not after 5,000.
    expect(adapter.sends.findIndex((s) => s.chat === 'quiet')).toBeLessThanOrEqual(3);
  });

  it('spaces messages to one chat by the per-chat interval', async () => {
    const adapter = new ScriptedAdapter({ perSecond: 1000, perChatIntervalMs: 100 });
    await setUp(adapter);
    watch('a', '*', 'name');
    watch('a', '*', 'categories');
    watch('a', '*', 'links');
    await post('name-update');
    await post('category-addition');
    await post('links-homepage-update');
    await expect.poll(() => adapter.sends.length, { timeout: 5000 }).toBe(3);
    const gaps = adapter.sends.slice(1).map((s, i) => s.at - adapter.sends[i]!.at);
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(95);
  });
});
