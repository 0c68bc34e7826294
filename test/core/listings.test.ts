// Exchange events in the core: the /watch grammar for listings, exchange slugs, pairs, and listing alerts (severity,
// headline, links, compact lines), composed from CEXPing fixtures through the real parser.
import { describe, expect, it } from 'vitest';
import { composeAlert, type AlertCoin } from '../../src/core/alert.js';
import { parseCommandText } from '../../src/core/command-grammar.js';
import { compactSummary } from '../../src/core/compact.js';
import { KNOWN_EXCHANGES, exchangeSlug } from '../../src/core/exchanges.js';
import { helpText } from '../../src/core/help.js';
import { baseSymbol } from '../../src/sources/cexping/pair.js';
import { parseCexping } from '../../src/sources/cexping/parse-payload.js';
import { NOW_MS, cexpingBody } from '../support/harness.js';

const parsed = (text: string) => {
  const result = parseCommandText(text);
  if (!result?.ok) throw new Error(`expected ${text} to parse, got ${JSON.stringify(result)}`);
  return result.command;
};

describe('/watch for exchange events', () => {
  it.each([
    ['/watch listings', { coins: [], fields: ['listings'] }],
    ['/watch delistings', { coins: [], fields: ['delistings'] }],
    ['/watch volume_spikes', { coins: [], fields: ['volume_spikes'] }],
    ['/watch listings binance', { coins: [], fields: ['listings.binance'] }],
    ['/watch Binance listings', { coins: [], fields: ['listings.binance'] }],
    ['/watch listings.gate-io', { coins: [], fields: ['listings.gate-io'] }],
    ['/watch listings.some-new-exchange', { coins: [], fields: ['listings.some-new-exchange'] }],
    ['/watch listings delistings binance okx', { coins: [], fields: ['listings.binance', 'listings.okx', 'delistings.binance', 'delistings.okx'] }],
    ['/watch pepe listings binance', { coins: ['pepe'], fields: ['listings.binance'] }],
    ['/watch listings binance platforms', { coins: [], fields: ['platforms', 'listings.binance'] }],
    // Without an exchange-event field an exchange name is a coin id as ever; coin: always is one.
    ['/watch binance', { coins: ['binance'], fields: [] }],
    ['/watch binance platforms', { coins: ['binance'], fields: ['platforms'] }],
    ['/watch listings coin:binance', { coins: ['binance'], fields: ['listings'] }],
    ['/watch listings.binance okx', { coins: ['okx'], fields: ['listings.binance'] }],
  ])('%s', (text, targets) => {
    expect(parsed(text)).toEqual({ name: 'watch', ...targets });
  });

  it('reads exchanges the same way in /unwatch and /mute', () => {
    expect(parsed('/unwatch listings binance')).toEqual({ name: 'unwatch', coins: [], fields: ['listings.binance'] });
    expect(parsed('/mute 1d volume_spikes mexc')).toMatchObject({ name: 'mute', coins: [], fields: ['volume_spikes.mexc'] });
  });

  it('refuses a command that names more than 50 subscriptions once exchanges are applied', () => {
    const text = `/watch listings delistings volume_spikes ${KNOWN_EXCHANGES.slice(0, 17).join(' ')}`;
    expect(parseCommandText(text)).toMatchObject({ ok: false, reply: expect.stringMatching(/^Too many targets \(51\)/) });
  });

  it('refuses a sub-field that cannot be an exchange slug', () => {
    expect(parseCommandText('/watch listings.Gate.io')).toMatchObject({ ok: false });
    expect(parseCommandText('/watch listings.')).toMatchObject({ ok: false });
  });

  it('explains listings, the exchanges and an example in /help', () => {
    expect(helpText()).toContain('/watch listings binance');
    expect(helpText()).toContain('/watch delistings');
    expect(helpText()).toContain('listings.<exchange>');
  });
});

describe('exchange slugs and pairs', () => {
  it.each([
    ['Binance', 'binance'],
    ['Gate.io', 'gate-io'],
    ['Crypto.com Exchange', 'crypto-com-exchange'],
    ['  OKX  ', 'okx'],
    ['Binance.US', 'binance-us'],
    ['<b>Evil</b>', 'b-evil-b'],
    ['!!!', 'unknown'],
  ])('slugs %s as %s', (name, slug) => {
    expect(exchangeSlug(name)).toBe(slug);
  });

  it('keeps every known exchange a slug of itself', () => {
    for (const slug of KNOWN_EXCHANGES) expect(exchangeSlug(slug)).toBe(slug);
  });

  it.each([
    ['PEPE2USDT', 'PEPE2'],
    ['PEPE/USDT', 'PEPE'],
    ['pepe-usdt', 'PEPE'],
    ['PEPE_USDT', 'PEPE'],
    ['PEPE-USDT-SWAP', 'PEPE'],
    ['PEPEUSDT_PERP', 'PEPE'],
    ['BTCFDUSD', 'BTC'],
    ['ETHBTC', 'ETH'],
    ['1000PEPEUSDT', 'PEPE'],
    ['1INCHUSDT', '1INCH'],
    ['WGC', 'WGC'],
    ['USDT', 'USDT'],
    ['<b>x</b>', undefined],
    ['', undefined],
  ])('reads the base of %s as %s', (pair, base) => {
    expect(baseSymbol(pair)).toBe(base);
  });
});

/** The alert for a CEXPing fixture, as the dispatcher composes it. */
function listingAlert(name: string, coin: AlertCoin = { id: null, symbol: 'PEPE2', name: null }, overrides: Record<string, unknown> = {}) {
  const text = cexpingBody(name, overrides);
  const intake = parseCexping({ bytes: Buffer.from(text), text }, NOW_MS, 300);
  if (intake.kind !== 'event') throw new Error(`fixture ${name} does not parse: ${JSON.stringify(intake)}`);
  return composeAlert({ eventId: 'e', coin, changes: intake.event.changes });
}

describe('listing alerts', () => {
  it('shows a new listing with its exchange, pair, type, 24 h volume and score', () => {
    const alert = listingAlert('new-listing');
    expect(alert.headline).toBe('New listing');
    expect(alert.severity).toBe('medium');
    expect(alert.items).toEqual([
      { kind: 'listing', event: 'new_listing', exchange: 'Binance', pair: 'PEPE2USDT', listingType: 'spot', volume24h: 2847392.5, score: 87 },
    ]);
    expect(compactSummary(alert)).toBe('New listing on Binance: PEPE2USDT (Type: spot, 24 h volume: $2,847,393, AI score: 87/100)');
  });

  it.each([
    ['new-listing', 'New listing', 'medium'],
    ['futures-listing', 'Futures listing', 'medium'],
    ['listing-preview', 'Listing preview', 'info'],
    ['delisting', 'Delisting', 'high'],
    ['volume-spike', 'Volume spike', 'info'],
  ])('gives %s the headline "%s" and %s severity', (name, headline, severity) => {
    const alert = listingAlert(name);
    expect([alert.headline, alert.severity]).toEqual([headline, severity]);
  });

  it('leaves out the figures the event did not carry', () => {
    const alert = listingAlert('new-listing', undefined, { volume_24h: undefined, ai_score: null, listing_type: undefined });
    expect(alert.items[0]).toEqual({ kind: 'listing', event: 'new_listing', exchange: 'Binance', pair: 'PEPE2USDT' });
    expect(compactSummary(alert)).toBe('New listing on Binance: PEPE2USDT');
  });

  it('links a resolved coin to its page and an unresolved symbol to a CoinGecko search', () => {
    expect(listingAlert('new-listing', { id: 'pepe-two', symbol: 'pepe2', name: 'Pepe Two' }).coingeckoUrl).toBe('https://www.coingecko.com/en/coins/pepe-two');
    expect(listingAlert('new-listing').coingeckoUrl).toBe('https://www.coingecko.com/en/search?query=PEPE2');
    expect(listingAlert('new-listing', { id: null, symbol: null, name: null }).coingeckoUrl).toBe('https://www.coingecko.com/');
  });
});
