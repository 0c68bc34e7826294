// Exchanges as subscriptions name them: a slug of the exchange's name (`Gate.io` → `gate-io`), the sub-field of the
// exchange-event fields (`listings.binance`). The known slugs let `/watch listings binance` read `binance` as an
// exchange; any other slug is still watchable in the dotted form (`/watch listings.some-exchange`).

/** Fields whose sub-fields are exchanges: listings (spot, futures, previews), delistings, volume spikes. */
export const EXCHANGE_FIELDS = ['listings', 'delistings', 'volume_spikes'] as const;

/** Major centralised exchanges, by slug. A fixed list: adding one here lets `/watch listings <slug>` name it. */
export const KNOWN_EXCHANGES = [
  'binance',
  'binance-us',
  'bingx',
  'bitfinex',
  'bitget',
  'bithumb',
  'bitmart',
  'bitstamp',
  'bybit',
  'coinbase',
  'crypto-com',
  'gate-io',
  'gemini',
  'htx',
  'kraken',
  'kucoin',
  'lbank',
  'mexc',
  'okx',
  'poloniex',
  'upbit',
  'whitebit',
] as const;

const known = new Set<string>(KNOWN_EXCHANGES);
const exchangeFields = new Set<string>(EXCHANGE_FIELDS);

export const isKnownExchange = (word: string): boolean => known.has(word);
export const isExchangeField = (field: string): boolean => exchangeFields.has(field);

/** Longest slug kept: the grammar's limit for a sub-field. */
const MAX_SLUG = 100;

/** `Binance` → `binance`, `Gate.io` → `gate-io`, `Crypto.com Exchange` → `crypto-com-exchange`; never empty. */
export function exchangeSlug(name: string): string {
  const slug = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, MAX_SLUG)
    .replace(/-+$/, '');
  return slug || 'unknown';
}
