// Compact, one-line forms of alerts: the entries of a digest and the lines of /recent. Pure plain text; every platform
// escapes it its own way. Addresses are shortened here (a digest is a summary; the full alert shows them whole).
import type { MessageControls } from './alert-actions.js';
import type { Alert, AlertItem } from './alert.js';
import { shorten } from './text.js';
import { describeChange, titleLine } from './wording.js';

/** Longest compact summary of one alert, in characters. */
export const COMPACT_MAX = 300;

/** `Wild Goat Coin (WGC)`, the coin id when the event did not name it, or the bare symbol when there is no known coin. */
export function coinTitle(coin: Alert['coin']): string {
  const label = coin.name || coin.id;
  if (!label) return coin.symbol?.toUpperCase() || 'unknown coin';
  const symbol = coin.symbol ? ` (${coin.symbol.toUpperCase()})` : '';
  return `${label}${symbol}`;
}

/** `Contract migration ethereum 0x2170…f933 → 0x7ceb…9f619; Name: Old → New` */
export function compactSummary(alert: Alert): string {
  const text = alert.items.map(compactItem).join('; ');
  return text.length > COMPACT_MAX ? `${text.slice(0, COMPACT_MAX - 1)}…` : text;
}

/** `0x2170ed08…f933` style: both ends of an address stay recognisable. Whole code points, so nothing is split. */
function addr(text: string): string {
  const points = Array.from(text);
  return points.length <= 18 ? text : `${points.slice(0, 8).join('')}…${points.slice(-6).join('')}`;
}
const value = (text: string | undefined) => shorten(text ?? 'none', 120);

/** `Contract migration on ethereum: 0x2170…f933 → 0x7ceb…9f619`, in the words every platform uses. */
function compactItem(item: AlertItem): string {
  const words = describeChange(item);
  const subject = words.subject === undefined ? undefined : value(words.subject);
  const values = words.brief.map((row) => (row.code ? addr(row.value) : value(row.value)));
  if (!values.length) return titleLine(words, subject);
  // `New chain · solana: 0x…` rather than two colons in a row.
  const head = subject === undefined ? words.title : words.preposition ? titleLine(words, subject) : `${words.title} · ${subject}`;
  return `${head}: ${values.join(' → ')}`;
}

/** A chat's held low-severity alerts, sent as one message instead of many (a mass re-categorisation). */
export interface Digest {
  /** How many alerts the digest stands for. */
  count: number;
  /** The ones listed, oldest first (at most DIGEST_SHOWN); the rest are counted in `omitted`. */
  entries: DigestEntry[];
  omitted: number;
  /** Its Mute 1d button (every coin listed) and what was done from it; set per chat when it is sent. */
  controls?: MessageControls;
}

export interface DigestEntry {
  coin: Alert['coin'];
  coingeckoUrl: string;
  summary: string;
}

/** Most entries one digest lists; platforms' message limits shorten further, visibly. */
export const DIGEST_SHOWN = 50;

export function composeDigest(alerts: readonly Alert[]): Digest {
  const shown = alerts.slice(0, DIGEST_SHOWN);
  return {
    count: alerts.length,
    entries: shown.map((alert) => ({ coin: alert.coin, coingeckoUrl: alert.coingeckoUrl, summary: compactSummary(alert) })),
    omitted: alerts.length - shown.length,
  };
}

/** The digest's headline, the same on every platform. */
export function digestTitle(digest: Digest): string {
  return `Digest: ${digest.count} low-severity alert${digest.count === 1 ? '' : 's'} held back to keep this chat readable`;
}

/** The line under the entries: what was left out and where to see everything. */
export function digestFooter(digest: Digest): string {
  const more = digest.omitted > 0 ? `…and ${digest.omitted} more. ` : '';
  return `${more}/recent shows the latest changes; high-severity alerts (migrations, notices) are never held.`;
}
