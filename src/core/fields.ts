// The tracked fields and how a change's field (`platforms.ethereum`) relates to what a chat can watch: CoinGecko's
// metadata fields, and the exchange-event fields of listing sources (`listings.binance`, see exchanges.ts).
import { EXCHANGE_FIELDS } from './exchanges.js';

/** The wildcard stored in a subscription's coin or field for "any": a real value, so the unique index covers it. */
export const ANY = '*';

/** Top-level fields a chat can watch; each also covers its sub-fields (`platforms` covers `platforms.ethereum`). */
export const WATCHABLE_FIELDS = [
  'name',
  'symbol',
  'web_slug',
  'image',
  'categories',
  'platforms',
  'public_notices',
  'additional_notices',
  'links',
  ...EXCHANGE_FIELDS,
] as const;

export type WatchableField = (typeof WATCHABLE_FIELDS)[number];

const watchable = new Set<string>(WATCHABLE_FIELDS);

/** True for `platforms` and for `platforms.ethereum`, false for anything whose first segment is not a tracked field. */
export function isFieldTarget(target: string): boolean {
  return watchable.has(topLevel(target));
}

export function topLevel(field: string): string {
  const dot = field.indexOf('.');
  return dot === -1 ? field : field.slice(0, dot);
}

/**
 * The subscription fields that cover a change of `field`: the field itself and its top-level parent.
 * `platforms.ethereum` → [`platforms`, `platforms.ethereum`]; `name` → [`name`].
 */
export function coveringFields(field: string): string[] {
  const top = topLevel(field);
  return top === field ? [field] : [top, field];
}
