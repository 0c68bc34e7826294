// The coin directory loaded from the fake CoinGecko API (17,000 coins, streamed) into a fresh database: what it holds,
// how it is looked up, when it is refreshed (injected clock), what /metrics shows, and a refused key turning it off
// with one log line naming the variable.
import { afterEach, describe, expect, it } from 'vitest';
import { createCoinGeckoDirectory } from '../../src/coingecko-api/coingecko-directory.js';
import { parseConfig } from '../../src/config.js';
import { createMetrics } from '../../src/metrics.js';
import { CoinGeckoFake, USDC_SOLANA, USDT_ETHEREUM } from '../fakes/coingecko-fake.js';
import { SECRET, memoryLogger, tempDb, type TempDb } from '../support/harness.js';

let fake: CoinGeckoFake;
let store: TempDb;
afterEach(async () => {
  await fake?.close();
  store?.cleanup();
});

async function setUp(count = 17_000) {
  fake = await new CoinGeckoFake(count).listen();
  store = tempDb();
  const { log, lines } = memoryLogger();
  let now = 1_776_066_000_000;
  const config = parseConfig({ COINGECKO_WEBHOOK_SECRET: SECRET, COINGECKO_API_KEY: fake.key, COINGECKO_API_ROOT: fake.root });
  const directory = createCoinGeckoDirectory({
    db: store.db,
    api: config.coingeckoApi!,
    log,
    clock: () => now,
    tickMs: 0,
    client: { sleep: async () => undefined, backoff: { random: () => 0 } },
  });
  return { directory, lines, advance: (ms: number) => (now += ms) };
}

const count = (directory: TempDb, table: string) => (directory.db.$client.prepare(`select count(*) as n from ${table}`).get() as { n: number }).n;

describe('coin directory', () => {
  it('loads 17,000 coins with their contracts and the chains at start, and looks them up', async () => {
    const { directory, lines } = await setUp();
    await directory.start();
    expect(directory.ready()).toBe(true);
    expect(count(store, 'directory_coins')).toBe(17_000);
    expect(count(store, 'directory_coins_next')).toBe(0);
    expect(count(store, 'asset_platforms')).toBe(6);
    expect(fake.calls('/coins/list')[0]!.query.get('include_platform')).toBe('true');
    expect(lines.some((l) => l.includes('coin directory loaded from CoinGecko') && l.includes('"coins":17000'))).toBe(true);

    const { lookup } = directory;
    expect(lookup.coin('bitcoin')).toEqual({ id: 'bitcoin', symbol: 'btc', name: 'Bitcoin' });
    expect(lookup.coinsBySymbol('BTC').map((c) => c.id)).toEqual(['bitcoin', 'bitcoin-bep2', 'wrapped-bitcoin-wormhole']);
    // EVM addresses match whatever their case; base58 ones only exactly.
    expect(lookup.contracts(USDT_ETHEREUM.toUpperCase().replace('0X', '0x'))).toEqual([{ coin: { id: 'tether', symbol: 'usdt', name: 'Tether' }, chain: 'ethereum', address: USDT_ETHEREUM }]);
    expect(lookup.contracts(USDC_SOLANA).map((m) => [m.coin.id, m.chain])).toEqual([['usd-coin', 'solana']]);
    expect(lookup.contracts(USDC_SOLANA.toLowerCase())).toEqual([]);
    expect(lookup.isPlatform('ethereum')).toBe(true);
    expect(lookup.isPlatform('etherium')).toBe(false);
    expect(lookup.coin('odd-name-coin')?.name).toBe('Odd "[{Coin}]" \\ Name, ]');
    expect(lookup.search('teth', 5).map((c) => c.id)).toEqual(['tether']);
    expect(lookup.search('btc', 25).map((c) => c.id).slice(0, 3)).toEqual(['bitcoin', 'bitcoin-bep2', 'wrapped-bitcoin-wormhole']);
  });

  it('refreshes once a day, not before, and keeps the old copy when a refresh fails', async () => {
    const { directory, advance } = await setUp(50);
    await directory.start();
    await directory.tick();
    expect(fake.calls('/coins/list')).toHaveLength(1);
    advance(23 * 3600_000);
    await directory.tick();
    expect(fake.calls('/coins/list')).toHaveLength(1);
    advance(3600_000);
    fake.failNext('/coins/list', { kind: 'http', status: 500 }, { kind: 'http', status: 500 }, { kind: 'http', status: 500 }, { kind: 'http', status: 500 });
    await directory.tick();
    expect(fake.calls('/coins/list')).toHaveLength(5);
    expect(count(store, 'directory_coins')).toBe(50);
    advance(15 * 60_000);
    await directory.tick();
    expect(fake.calls('/coins/list')).toHaveLength(6);
    // The key is checked hourly (credits for /metrics), the list daily.
    expect(fake.calls('/key').length).toBeGreaterThanOrEqual(3);
  });

  it('does not load again at start when the stored copy is less than a day old', async () => {
    const first = await setUp(30);
    await first.directory.refresh();
    const again = createCoinGeckoDirectory({
      db: store.db,
      api: parseConfig({ COINGECKO_WEBHOOK_SECRET: SECRET, COINGECKO_API_KEY: fake.key, COINGECKO_API_ROOT: fake.root }).coingeckoApi!,
      log: memoryLogger().log,
      clock: () => 1_776_066_000_000 + 3600_000,
      tickMs: 0,
    });
    await again.start();
    expect(fake.calls('/coins/list')).toHaveLength(1);
    expect(again.ready()).toBe(true);
  });

  it('shows calls by endpoint and outcome, the directory size and age, and the credits left in /metrics', async () => {
    const { directory, advance } = await setUp(100);
    const metrics = createMetrics();
    directory.registerMetrics(metrics.registry);
    await directory.start();
    advance(90_000);
    const text = await metrics.registry.metrics();
    expect(text).toContain('coinsentry_coingecko_api_calls_total{endpoint="/coins/list",outcome="ok"} 1');
    expect(text).toContain('coinsentry_coingecko_api_calls_total{endpoint="/key",outcome="ok"} 1');
    expect(text).toContain('coinsentry_coin_directory_coins 100');
    expect(text).toContain('coinsentry_coin_directory_age_seconds 90');
    expect(text).toContain('coinsentry_coingecko_credits_remaining 987650');
  });

  it.each([
    ['401', { status: 401 }],
    ['error code 10011', { status: 400, errorCode: 10011 }],
  ])('turns itself off on a refused key (%s), with one log line naming COINGECKO_API_KEY', async (_label, refusal) => {
    const { directory, lines, advance } = await setUp(10);
    fake.refuseAll({ kind: 'refused', ...refusal });
    await directory.start();
    expect(directory.ready()).toBe(false);
    expect(directory.unavailable()).toMatch(/refused the API key/);
    const refusals = lines.filter((l) => l.includes('COINGECKO_API_KEY'));
    expect(refusals).toHaveLength(1);
    expect(JSON.parse(refusals[0]!)).toMatchObject({ level: 50 });
    expect(refusals[0]).not.toContain(fake.key);
    advance(2 * 24 * 3600_000);
    await directory.tick();
    expect(fake.requests).toHaveLength(1);
  });
});
