// Exchange events (listings, delistings, volume spikes) as alert items: read back from the JSON new value a listing
// source recorded under `listings.<exchange>` (see src/sources/cexping/parse-payload.ts), with the words and number
// formats every platform shows. Pure; values stay raw text here, renderers escape them.

export type ListingEvent = 'new_listing' | 'futures_listing' | 'listing_preview' | 'delisting' | 'volume_spike';

export interface ListingItem {
  kind: 'listing';
  event: ListingEvent;
  /** The exchange's name as the source wrote it (`Gate.io`). Payload text. */
  exchange: string;
  /** The trading pair (`PEPE2USDT`). Payload text. */
  pair: string;
  /** `spot`, `futures`, `perp`… Payload text. */
  listingType?: string;
  /** 24 h volume in USD. */
  volume24h?: number;
  /** The source's score, 0–100. */
  score?: number;
}

/** The field's own event when the value does not name one. */
const BY_FIELD: Record<string, ListingEvent> = { listings: 'new_listing', delistings: 'delisting', volume_spikes: 'volume_spike' };
const EVENTS = new Set<string>(['new_listing', 'futures_listing', 'listing_preview', 'delisting', 'volume_spike']);

/** What each event is called, in alerts, digests and /recent. */
export const LISTING_TITLE: Record<ListingEvent, string> = {
  new_listing: 'New listing',
  futures_listing: 'Futures listing',
  listing_preview: 'Listing preview',
  delisting: 'Delisting',
  volume_spike: 'Volume spike',
};

/** The emoji each platform puts before the title. */
export const LISTING_ICON: Record<ListingEvent, string> = {
  new_listing: '🆕',
  futures_listing: '📈',
  listing_preview: '🔮',
  delisting: '⛔',
  volume_spike: '📊',
};

/** The item for a change of `listings.*`, `delistings.*` or `volume_spikes.*` whose new value is `value` (decoded). */
export function listingItem(top: string, sub: string, value: unknown): ListingItem {
  const details = typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  const text = (key: string) => (typeof details[key] === 'string' && details[key] !== '' ? (details[key] as string) : undefined);
  const number = (key: string) => (typeof details[key] === 'number' && Number.isFinite(details[key]) ? (details[key] as number) : undefined);
  const type = text('type');
  const listingType = text('listing_type');
  const volume24h = number('volume_24h');
  const score = number('ai_score');
  return {
    kind: 'listing',
    event: type !== undefined && EVENTS.has(type) ? (type as ListingEvent) : (BY_FIELD[top] ?? 'new_listing'),
    exchange: text('exchange') ?? (sub || 'unknown exchange'),
    pair: text('pair') ?? 'unknown pair',
    ...(listingType !== undefined && { listingType }),
    ...(volume24h !== undefined && { volume24h }),
    ...(score !== undefined && { score }),
  };
}

/** `$2,847,393` (cents only under $100). */
export function formatUsd(amount: number): string {
  return new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', maximumFractionDigits: Math.abs(amount) < 100 ? 2 : 0 }).format(amount);
}

/** `87/100` */
export const formatScore = (score: number): string => `${Number.isInteger(score) ? score : score.toFixed(1)}/100`;

/** The figures of a listing as label/value rows (present ones only): type, 24 h volume, score. */
export function listingFigures(item: ListingItem): Array<[string, string]> {
  return [
    ...(item.listingType !== undefined ? [['Type', item.listingType] as [string, string]] : []),
    ...(item.volume24h !== undefined ? [['24 h volume', formatUsd(item.volume24h)] as [string, string]] : []),
    ...(item.score !== undefined ? [['AI score', formatScore(item.score)] as [string, string]] : []),
  ];
}
