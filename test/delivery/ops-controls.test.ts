// Ops controls end to end through the bot (real SQLite, real migrations, the command service and the dispatcher, a
// scripted platform): /mute with an injected clock, digests past the threshold, /recent, chain-scoped watching, and the
// rule that high severity is never muted or digested.
import { afterEach, describe, expect, it } from 'vitest';
import { createBot, type Bot } from '../../src/bot.js';
import { parseCommand } from '../../src/core/command-grammar.js';
import { ensureChat, applySubscriptionChanges } from '../../src/db/chats.js';
import type { ChatRef } from '../../src/platforms/port.js';
import { NOW_MS, cexpingBody, fixture, memoryLogger, signed, signedCexping, tempDb, testConfig, type TempDb } from '../support/harness.js';
import { ScriptedAdapter } from '../support/scripted-adapter.js';

let store: TempDb;
let bot: Bot;
let now = NOW_MS;
let adapter: ScriptedAdapter;

afterEach(async () => {
  await bot?.stop();
  store?.cleanup();
});

const GROUP: ChatRef = { platform: 'scripted', platformChatId: 'ops', kind: 'group', title: 'Ops' };

async function setUp(env: Record<string, string> = {}) {
  now = NOW_MS;
  store = tempDb();
  adapter = new ScriptedAdapter();
  const { log } = memoryLogger();
  bot = createBot({ db: store.db, config: testConfig(env), log, adapters: [adapter], clock: () => now, sweepMs: 60_000 });
  await bot.start();
}

const run = (text: string, admin = true) => {
  const [name = '', ...args] = text.replace(/^\//, '').split(' ');
  return bot.commands.run({ chat: GROUP, name, args: args.join(' '), canManage: () => admin });
};

/** Posts a fixture as a new event (fresh event id) stamped with the test clock, and waits for the dispatcher. */
async function post(name: string, body = fixture(name)) {
  const response = await bot.app.request('/webhooks/coingecko', signed(body, { timestamp: String(Math.floor(now / 1000)) }));
  expect(response.status).toBe(200);
  await bot.dispatcher.idle();
}

/** Posts a CEXPing fixture (a listing, a volume spike) as a new event, and waits for the dispatcher. */
async function postCexping(name: string) {
  const response = await bot.app.request('/webhooks/cexping', signedCexping(cexpingBody(name)));
  expect(response.status).toBe(200);
  await bot.dispatcher.idle();
}

const statuses = () => store.db.$client.prepare('select status, severity from deliveries order by id').all() as Array<{ status: string; severity: string }>;

/** category-addition.json for another coin, so many of them are distinct alerts (a mass re-categorisation). */
const categoryFor = (coin: string) => fixture('category-addition').replaceAll('genius-3', coin);

describe('the grammar of /mute, /unmute and /recent', () => {
  it('reads durations and targets, and answers bad input with the usage line', () => {
    expect(parseCommand('mute', '2h')).toEqual({ ok: true, command: { name: 'mute', durationMs: 7_200_000, coins: [], fields: [] } });
    expect(parseCommand('mute', '1d categories bitcoin')).toEqual({
      ok: true,
      command: { name: 'mute', durationMs: 86_400_000, coins: ['bitcoin'], fields: ['categories'] },
    });
    expect(parseCommand('mute', '90min')).toMatchObject({ ok: true, command: { durationMs: 5_400_000 } });
    expect(parseCommand('mute', '')).toMatchObject({ ok: false, reply: expect.stringContaining('Usage: /mute') });
    expect(parseCommand('mute', 'categories')).toMatchObject({ ok: false, reply: expect.stringMatching(/"categories" is not a duration[\s\S]*Usage: \/mute/) });
    expect(parseCommand('mute', '31d')).toMatchObject({ ok: false, reply: expect.stringContaining('1 minute to 30 days') });
    expect(parseCommand('mute', '0m')).toMatchObject({ ok: false });
    expect(parseCommand('mute', '2h NOT/A/COIN')).toMatchObject({ ok: false, reply: expect.stringContaining('Usage: /mute') });
    expect(parseCommand('unmute', '')).toEqual({ ok: true, command: { name: 'unmute', coins: [], fields: [] } });
    expect(parseCommand('recent', '')).toEqual({ ok: true, command: { name: 'recent', limit: 10 } });
    expect(parseCommand('recent', '20 platforms')).toEqual({ ok: true, command: { name: 'recent', limit: 20, target: { kind: 'field', value: 'platforms' } } });
    expect(parseCommand('recent', 'bitcoin')).toEqual({ ok: true, command: { name: 'recent', limit: 10, target: { kind: 'coin', value: 'bitcoin' } } });
    expect(parseCommand('recent', '0')).toMatchObject({ ok: false, reply: expect.stringContaining('Usage: /recent') });
    expect(parseCommand('recent', '51')).toMatchObject({ ok: false });
    expect(parseCommand('recent', 'bitcoin ethereum')).toMatchObject({ ok: false, reply: expect.stringContaining('Usage: /recent') });
    expect(parseCommand('recent', 'listings binance 5')).toEqual({ ok: true, command: { name: 'recent', limit: 5, target: { kind: 'field', value: 'listings.binance' } } });
    expect(parseCommand('recent', 'binance listings')).toMatchObject({ ok: false });
  });
});

describe('/mute', () => {
  it('silences low-severity alerts of a field until it expires, keeps them as muted, and never mutes a migration', async () => {
    await setUp({ DIGEST_THRESHOLD: '0' });
    await run('/watch categories platforms public_notices');
    expect(await run('/mute 1d categories')).toBe(
      'Muted categories for 1 d, until 2026-04-14 07:40 UTC. Contract migrations and notices still come through; ' +
        'muted alerts are kept and /recent shows them. /unmute ends it sooner.',
    );
    expect(await run('/list')).toContain('Muted (low-severity alerts only):\n• categories until 2026-04-14 07:40 UTC');

    await post('category-addition');
    await post('contract-migration-same-chain');
    expect(adapter.sends.map((s) => s.alert.headline)).toEqual(['Contract migration (+1 more)']);
    expect(statuses()).toEqual([
      { status: 'muted', severity: 'info' },
      { status: 'sent', severity: 'high' },
    ]);

    // A day later the mute has ended by itself: the next category change is sent, and /list no longer shows it.
    now += 86_400_000 + 1;
    await post('category-addition', categoryFor('other-coin'));
    expect(adapter.sends.map((s) => s.alert.coin.id)).toEqual(['example-bridge-token', 'other-coin']);
    expect(await run('/list')).not.toContain('Muted');
  });

  it('mutes the whole chat, one coin, and is ended by /unmute; only admins may change mutes in a group', async () => {
    await setUp({ DIGEST_THRESHOLD: '0' });
    await run('/watch categories');
    expect(await run('/mute 2h', false)).toContain('Only chat administrators');
    expect(await run('/mute 2h')).toContain('Muted every low-severity alert for 2 h');
    await post('category-addition');
    expect(adapter.sends).toHaveLength(0);

    expect(await run('/unmute genius-3')).toBe('genius-3 was not muted.');
    expect(await run('/unmute')).toBe('Unmuted every low-severity alert.');
    expect(await run('/unmute')).toBe('Nothing is muted in this chat.');
    expect(await run('/mute 30m genius-3')).toContain('Muted genius-3 for 30 min');
    await post('category-addition');
    await post('category-addition', categoryFor('other-coin'));
    expect(adapter.sends.map((s) => s.alert.coin.id)).toEqual(['other-coin']);
    expect(statuses().map((s) => s.status)).toEqual(['muted', 'muted', 'sent']);
  });
});

describe('digests', () => {
  it('sends the first alerts of a flood one by one, then one digest of the rest when the window ends', async () => {
    await setUp({ DIGEST_THRESHOLD: '2', DIGEST_WINDOW_SECONDS: '60' });
    await run('/watch categories platforms');
    for (const coin of ['coin-a', 'coin-b', 'coin-c', 'coin-d', 'coin-e']) await post('category-addition', categoryFor(coin));
    await post('contract-migration-same-chain');
    expect(adapter.sends.map((s) => s.alert.coin.id)).toEqual(['coin-a', 'coin-b', 'example-bridge-token']);
    expect(adapter.digests).toHaveLength(0);
    expect(statuses().map((s) => s.status)).toEqual(['sent', 'sent', 'held', 'held', 'held', 'sent']);
    expect(await run('/recent 3')).toContain('[in the next digest]');

    now += 60_000;
    bot.dispatcher.wake();
    await expect.poll(() => adapter.digests.length).toBe(1);
    await bot.dispatcher.idle();
    const { digest } = adapter.digests[0]!;
    expect(digest.count).toBe(3);
    expect(digest.entries.map((e) => `${e.coin.id}: ${e.summary}`)).toEqual([
      'coin-c: Category added: binance-hodler-airdrops',
      'coin-d: Category added: binance-hodler-airdrops',
      'coin-e: Category added: binance-hodler-airdrops',
    ]);
    expect(statuses().map((s) => s.status)).toEqual(['sent', 'sent', 'sent', 'sent', 'sent', 'sent']);

    // The digest counts as this window's low-severity messages: the flood goes on, so the next one is held again.
    await post('category-addition', categoryFor('coin-f'));
    expect(statuses().at(-1)?.status).toBe('held');
  });

  it('holds only info-severity alerts that are not listings: name changes, listings and volume spikes go at once', async () => {
    await setUp({ DIGEST_THRESHOLD: '1', DIGEST_WINDOW_SECONDS: '300' });
    await run('/watch categories name listings volume_spikes');
    await post('category-addition', categoryFor('coin-a')); // the chat's share of low-severity alerts for the window
    await post('category-addition', categoryFor('coin-b')); // info: held
    await post('name-update'); // medium
    for (const name of ['futures-listing', 'new-listing', 'listing-preview', 'volume-spike']) await postCexping(name);
    expect(adapter.digests).toHaveLength(0);
    expect(adapter.sends.map((s) => s.alert.headline)).toHaveLength(6);
    expect(statuses()).toEqual([
      { status: 'sent', severity: 'info' },
      { status: 'held', severity: 'info' },
      { status: 'sent', severity: 'medium' },
      { status: 'sent', severity: 'medium' },
      { status: 'sent', severity: 'medium' },
      { status: 'sent', severity: 'info' },
      { status: 'sent', severity: 'info' },
    ]);
  });

  it('is off with DIGEST_THRESHOLD=0', async () => {
    await setUp({ DIGEST_THRESHOLD: '0' });
    await run('/watch categories');
    for (const coin of ['coin-a', 'coin-b', 'coin-c', 'coin-d', 'coin-e', 'coin-f', 'coin-g']) await post('category-addition', categoryFor(coin));
    expect(adapter.sends).toHaveLength(7);
    expect(adapter.digests).toHaveLength(0);
  });
});

describe('/recent', () => {
  it("lists the chat's alerts, muted ones marked, and any coin's or field's recorded changes", async () => {
    await setUp({ DIGEST_THRESHOLD: '0' });
    expect(await run('/recent')).toBe('No alerts for this chat yet. /recent <coin-id|field> shows what was recorded for any coin or field.');
    await run('/watch categories platforms');
    await run('/mute 1h categories');
    await post('category-addition');
    await post('new-chain-deployment-solana');
    await post('name-update');
    const mine = await run('/recent');
    expect(mine).toMatch(/^The last 10 alerts of this chat \(newest first; muted and held ones too\):\n• /);
    const lines = mine!.split('\n').slice(1);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/New chain · solana: \w{8}…\w{6}$/);
    expect(lines[1]).toMatch(/Genius \(GENIUS\) \[genius-3\]: Category added: binance-hodler-airdrops \[muted\]$/);

    expect(await run('/recent wild-goat-coin-2')).toContain('Name changed: Wild Goat Coin → Wild Goat Coin [OLD]');
    expect(await run('/recent platforms 5')).toMatch(/^The last 5 recorded changes of platforms[^\n]*\n• [^\n]*New chain · solana/);
    expect(await run('/recent bitcoin')).toBe('Nothing recorded for bitcoin yet.');
  });
});

describe('chain-scoped watching', () => {
  it('alerts /watch platforms.ethereum on Ethereum contract changes of any coin, and on nothing else', async () => {
    await setUp();
    const chat = ensureChat(store.db, GROUP);
    applySubscriptionChanges(store.db, chat.id, [{ coinId: '*', field: 'platforms.ethereum' }], []);
    await post('new-chain-deployment-solana');
    await post('contract-migration-same-chain');
    await post('category-addition');
    // The migration's public notice rides along as context.
    expect(adapter.sends.map((s) => s.alert.items.map((i) => i.kind))).toEqual([['contract_migration', 'notice']]);
  });
});
