// What people type, resolved against CoinGecko's directory, on every platform through its real intake: with a key
// pointed at the fake CoinGecko API (17,000 coins), /watch takes a symbol, a $SYMBOL, a contract address and a
// coingecko.com URL, refuses a typo and an unknown chain with a did-you-mean, lists the candidates of an ambiguous
// symbol, /coin shows a coin's contracts and notices, and an alert for the resolved coin reaches the chat. Without a key
// nothing is fetched and commands behave as before.
import { afterEach, describe, expect, it } from 'vitest';
import { createBot, type Bot } from '../../src/bot.js';
import { createCoinGeckoDirectory, type CoinGeckoDirectory } from '../../src/coingecko-api/coingecko-directory.js';
import { createCommandService } from '../../src/core/command-service.js';
import { sqliteChatStore } from '../../src/db/chat-store.js';
import { createDiscordAdapter } from '../../src/platforms/discord/discord-adapter.js';
import { CoinGeckoFake, USDT_ETHEREUM } from '../fakes/coingecko-fake.js';
import { FAKE, startDiscordFake } from '../fakes/discord-fake.js';
import { directIntake, memoryLogger, signed, tempDb, testConfig, type TempDb } from '../support/harness.js';
import type { ContractHarness, HarnessFactory, IntakeContext } from './adapter-contract.js';
import { discordHarness } from './discord-harness.js';
import { slackHarness } from './slack-harness.js';
import { telegramHarness } from './telegram-harness.js';

const PLATFORMS: Array<[string, HarnessFactory]> = [
  ['Telegram', telegramHarness],
  ['Discord', discordHarness],
  ['Slack', slackHarness],
];

let fake: CoinGeckoFake | undefined;
let harness: ContractHarness | undefined;
let bot: Bot | undefined;
let store: TempDb | undefined;

afterEach(async () => {
  await bot?.stop();
  await harness?.close();
  await fake?.close();
  store?.cleanup();
  bot = harness = fake = store = undefined;
});

async function setUp(factory: HarnessFactory, withKey: boolean) {
  fake = await new CoinGeckoFake().listen();
  store = tempDb();
  const { log, lines } = memoryLogger();
  harness = await factory({ log });
  const config = testConfig(withKey ? { COINGECKO_API_KEY: fake.key, COINGECKO_API_ROOT: fake.root } : {});
  let directory: CoinGeckoDirectory | undefined;
  if (config.coingeckoApi) directory = createCoinGeckoDirectory({ db: store.db, api: config.coingeckoApi, log, tickMs: 0 });
  bot = createBot({ db: store.db, config, log, adapters: [harness.adapter], sweepMs: 200, directory });
  await bot.start();
  await directory?.start();
  const chat = harness.chat.platformChatId;
  const context = harness.contexts.find((c) => c.manages && c.platformChatId === chat) as IntakeContext;
  const say = async (name: string, args: string) => (await context.say(name, args, bot!)) ?? '';
  const subscriptions = () => store!.db.$client.prepare("select coin_id || ':' || field from subscriptions order by 1").pluck().all();
  return { say, subscriptions, lines, chat };
}

/** A signed CoinGecko webhook: tether gets a new chain. */
function tetherEvent(): RequestInit {
  const body = JSON.stringify({
    event_type: 'cg.coin.info.updated',
    data: { id: 'tether', symbol: 'usdt', name: 'Tether', changes: [{ field: 'platforms.base', change_type: 'addition', new_value: '0xfde4c96c8593536e31f229ea8f37b2ada2699bb2' }] },
  });
  return signed(body, { timestamp: String(Math.floor(Date.now() / 1000)) });
}

async function waitFor(check: () => boolean, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe.each(PLATFORMS)('%s: coins resolved through the CoinGecko API', (_platform, factory) => {
  it('watches what people type, refuses typos and ambiguity with suggestions, shows /coin, and alerts on the resolved coin', async () => {
    const { say, subscriptions, chat } = await setUp(factory, true);

    expect(await say('watch', 'https://www.coingecko.com/en/coins/bitcoin')).toMatch(/^Watching bitcoin \(Bitcoin, BTC\): all changes$/);
    expect(await say('watch', 'btc')).toMatch(/Already watching bitcoin \(Bitcoin, BTC\): all changes — the largest coin with symbol BTC \(#1\)/);
    expect(await say('watch', USDT_ETHEREUM)).toContain('Watching tether (Tether, USDT): all changes — 0xdac17f… is its contract on ethereum');
    expect(await say('watch', '$USDT')).toContain('Already watching tether (Tether, USDT): all changes — the largest coin with symbol USDT (#3)');
    expect(subscriptions()).toEqual(['bitcoin:*', 'tether:*']);

    const typo = await say('watch', 'bitconi');
    expect(typo).toContain('No CoinGecko coin with id, symbol or contract bitconi — did you mean bitcoin (Bitcoin)?');
    expect(typo).toContain('Nothing changed.');
    expect(await say('watch', 'platforms.etherium')).toContain('etherium is not one of CoinGecko\'s chains — did you mean platforms.ethereum?');
    const usage = await say('watch', 'bitcoin!');
    expect(usage).toContain('"bitcoin!" is not a CoinGecko coin id');
    expect(usage).toContain('Close matches: bitcoin (Bitcoin).');
    const ambiguous = await say('watch', 'gm');
    expect(ambiguous).toMatch(/GM is the symbol of several coins: gm-token \(GM Token, #2100\), gm-wagmi \(GM Wagmi, #2500\) — .*watch one by its id/);
    expect(subscriptions()).toEqual(['bitcoin:*', 'tether:*']);

    const card = await say('coin', 'tether');
    for (const shown of [
      'Tether (USDT) · id tether · #3 by market cap',
      `ethereum: ${USDT_ETHEREUM} — Etherscan: https://etherscan.io/token/${USDT_ETHEREUM}`,
      'tron: TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t — Tronscan: https://tronscan.org/#/token20/TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t',
      'Public notice: USDT on Omni is no longer supported & redeemable.',
      'Security flag: Tether froze addresses linked to an exploit.',
    ]) {
      expect(card).toContain(shown);
    }
    expect(fake!.calls('/coins/{id}')).toHaveLength(1);
    await say('coin', 'tether');
    expect(fake!.calls('/coins/{id}'), 'cached for a minute').toHaveLength(1);

    expect(await say('recent', 'usdt 5')).toBe('usdt → tether (Tether): the largest coin with symbol USDT (#3).\nNothing recorded for tether yet.');
    const res = await bot!.app.request('/webhooks/coingecko', tetherEvent());
    expect(await res.json()).toMatchObject({ deliveries: 1 });
    await waitFor(() => harness!.alerts(chat).length === 1);
    expect(JSON.stringify(harness!.alerts(chat)[0])).toContain('Tether');

    expect(await say('mute', `1d ${USDT_ETHEREUM.toUpperCase().replace('0X', '0x')}`)).toMatch(/0xdac17f… is its contract on ethereum\.\nMuted tether/);
    expect(await say('unmute', 'tether')).toContain('Unmuted tether');
    expect(await say('unwatch', 'btc')).toContain('Stopped watching bitcoin (Bitcoin, BTC): all changes');
    expect(subscriptions()).toEqual(['tether:*']);
  });
});

describe('Discord autocomplete with the coin directory', () => {
  it('suggests coins by id, symbol and name prefix (25 at most, exact symbol first), and no fields for /coin', async () => {
    fake = await new CoinGeckoFake().listen();
    store = tempDb();
    const { log } = memoryLogger();
    const config = testConfig({ COINGECKO_API_KEY: fake.key, COINGECKO_API_ROOT: fake.root });
    const directory = createCoinGeckoDirectory({ db: store.db, api: config.coingeckoApi!, log, tickMs: 0 });
    await directory.start();
    const discord = await startDiscordFake();
    const adapter = createDiscordAdapter({ token: discord.token, apiBase: discord.apiBase, guildId: FAKE.guildId, log });
    try {
      await adapter.start!(directIntake(createCommandService(sqliteChatStore(store.db), { subscriptionLimit: 500, directory })));
      const choices = async (request: Parameters<typeof discord.interact>[0]) => (await discord.interact({ ...request, autocomplete: true })).callback.data?.choices ?? [];
      expect((await choices({ command: 'watch', targets: 'bitcoin teth' }))[0]).toEqual({ name: 'bitcoin tether (Tether, USDT)', value: 'bitcoin tether' });
      expect((await choices({ command: 'watch', targets: 'usdt' })).slice(0, 2)).toEqual([
        { name: 'bridged-tether-kava (Bridged Tether (Kava), USDT)', value: 'bridged-tether-kava' },
        { name: 'tether (Tether, USDT)', value: 'tether' },
      ]);
      expect(await choices({ command: 'watch', targets: 'filler' })).toHaveLength(25);
      const forCoin = await choices({ command: 'coin', options: { coin: 'pla' }, focus: 'coin' });
      expect(forCoin).toEqual([]);
      const usd = (await choices({ command: 'coin', options: { coin: 'usd' }, focus: 'coin' })).map((c) => c.value);
      expect(usd[0]).toBe('usd-coin');
      expect([...usd].sort()).toEqual(['bridged-tether-kava', 'tether', 'usd-coin']);
    } finally {
      await adapter.stop?.();
      await discord.close();
    }
  });
});

describe.each(PLATFORMS)('%s without COINGECKO_API_KEY', (_platform, factory) => {
  it('fetches nothing and takes commands as before', async () => {
    const { say, subscriptions } = await setUp(factory, false);
    expect(await say('watch', 'bitcoin')).toContain('Watching bitcoin: all changes\nNot seen in any CoinGecko event yet: bitcoin');
    expect(await say('watch', 'https://www.coingecko.com/en/coins/ethereum')).toContain('Watching ethereum: all changes');
    expect(await say('watch', '$USDT')).toContain('"$USDT" is not a CoinGecko coin id');
    expect(await say('coin', 'tether')).toMatch(/coin needs the CoinGecko API: the admin sets COINGECKO_API_KEY/);
    expect(subscriptions()).toEqual(['bitcoin:*', 'ethereum:*']);
    expect(fake!.requests).toEqual([]);
  });
});
