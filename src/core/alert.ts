// Alert composition: an event's matched changes → a neutral Alert that every platform renders its own way.
// Pure. Values stay as data here; escaping and length limits belong to the renderers.
import type { MessageControls } from './alert-actions.js';
import { isExchangeField } from './exchanges.js';
import { explorerLink, type ExplorerLink } from './explorers.js';
import { topLevel } from './fields.js';
import { listingItem, type ListingItem } from './listing.js';
import { describeChange } from './wording.js';

export type Severity = 'high' | 'medium' | 'info';

/** A change value made readable: strings as they are, booleans as yes/no, null as none, arrays joined. */
export type Shown = string;

export type AlertItem =
  | { kind: 'identity'; field: string; old?: Shown; new?: Shown }
  | { kind: 'logo'; old?: Shown; new?: Shown }
  | { kind: 'category_added' | 'category_removed'; category: Shown }
  | {
      kind: 'contract_migration';
      fromChain: string;
      toChain: string;
      oldAddress: Shown;
      newAddress: Shown;
      oldExplorer?: ExplorerLink;
      newExplorer?: ExplorerLink;
    }
  | { kind: 'new_chain' | 'chain_removed'; chain: string; address: Shown; explorer?: ExplorerLink }
  | { kind: 'notice'; changeType: ChangeType; old?: Shown; new?: Shown; context?: boolean }
  | { kind: 'flag'; status: string; label: string; old: Shown; new: Shown; warning: boolean; context?: boolean }
  | { kind: 'link'; site: string; old?: Shown; new?: Shown }
  | ListingItem
  | { kind: 'other'; field: string; changeType: ChangeType; old?: Shown; new?: Shown };

export type ChangeType = 'addition' | 'update' | 'removal';

/**
 * The coin an alert is about. `id` is null for an event that names a coin only by a symbol no single known coin has
 * (a listing of a token CoinGecko has not told us about): the alert then shows the symbol and links to a search.
 */
export interface AlertCoin {
  id: string | null;
  symbol: string | null;
  name: string | null;
}

/** How every platform says that an alert's symbol names no coin we know (see AlertCoin). */
export const UNMATCHED = 'not matched to a CoinGecko coin';

export interface Alert {
  eventId: string;
  coin: AlertCoin;
  severity: Severity;
  /** A short headline naming the most important kind of change. */
  headline: string;
  items: AlertItem[];
  /** The coin's CoinGecko page, or a CoinGecko search for its symbol when the coin is not known. */
  coingeckoUrl: string;
  /** The buttons under the alert and what was done from them; set per chat when it is sent (none in /recent). */
  controls?: MessageControls;
  /** The alert sent again because nobody acknowledged it (ESCALATE_AFTER_MINUTES) this many minutes after it went out. */
  reminder?: { minutes: number };
}

/** `⏰ Not acknowledged for 15 min: Contract migration · Example Bridge Token`: the first line of a reminder. */
export function reminderLine(alert: Alert): string | undefined {
  if (!alert.reminder) return undefined;
  const coin = alert.coin.name || alert.coin.id || alert.coin.symbol?.toUpperCase() || 'unknown coin';
  return `⏰ Not acknowledged for ${alert.reminder.minutes} min: ${alert.headline} · ${coin}`;
}

export interface AlertChange {
  field: string;
  changeType: string;
  /** JSON text as stored, or null when the key was absent. */
  oldValue: string | null;
  newValue: string | null;
}

export interface AlertSource {
  eventId: string;
  coin: AlertCoin;
  /** The changes the chat watches. */
  changes: readonly AlertChange[];
  /**
   * Every change of the event. A migration, new-chain or chain-removed alert shows the event's public notices and
   * security flags among them as context (marked so, severity unchanged): they usually explain the move.
   */
  eventChanges?: readonly AlertChange[];
}

/** The kinds of change whose alerts carry the event's notices and flags as context. */
const NEEDS_CONTEXT = new Set<AlertItem['kind']>(['contract_migration', 'new_chain', 'chain_removed']);
const CONTEXT_FIELDS = new Set(['public_notices', 'additional_notices']);

/** Builds the alert for the given (already matched) changes of one event. */
export function composeAlert(source: AlertSource): Alert {
  const items: AlertItem[] = [];
  const removedChains: Array<{ chain: string; address: string }> = [];
  const addedChains: Array<{ chain: string; address: string }> = [];

  for (const change of source.changes) {
    const type = asChangeType(change.changeType);
    const oldValue = decode(change.oldValue);
    const newValue = decode(change.newValue);
    const top = topLevel(change.field);
    const sub = change.field.slice(top.length + 1);
    if (top === 'platforms') {
      const chain = sub || '(native)';
      if (type === 'update') {
        items.push(migration(chain, chain, show(oldValue), show(newValue)));
      } else if (type === 'addition') addedChains.push({ chain, address: show(newValue) });
      else removedChains.push({ chain, address: show(oldValue) });
      continue;
    }
    items.push(classify(change.field, top, sub, type, oldValue, newValue));
  }

  // A chain key change arrives as a removal plus an addition in the same event: show each pair as one migration.
  while (removedChains.length > 0 && addedChains.length > 0) {
    const from = removedChains.shift()!;
    const to = addedChains.shift()!;
    items.push(migration(from.chain, to.chain, from.address, to.address));
  }
  for (const { chain, address } of addedChains) items.push(chainItem('new_chain', chain, address));
  for (const { chain, address } of removedChains) items.push(chainItem('chain_removed', chain, address));

  const severity = items.reduce<Severity>((worst, item) => maxSeverity(worst, severityOf(item)), 'info');
  if (items.some((item) => NEEDS_CONTEXT.has(item.kind))) items.push(...contextItems(source));
  items.sort((a, b) => rank(a) - rank(b));
  return {
    eventId: source.eventId,
    coin: source.coin,
    severity,
    headline: headline(items),
    items,
    coingeckoUrl: coinPage(source.coin),
  };
}

/** The event's notices and flags the chat did not watch, marked as context. */
function contextItems(source: AlertSource): AlertItem[] {
  const watched = new Set(source.changes.map((c) => `${c.field}\u0000${c.changeType}`));
  return (source.eventChanges ?? [])
    .filter((c) => CONTEXT_FIELDS.has(topLevel(c.field)) && !watched.has(`${c.field}\u0000${c.changeType}`))
    .map((c) => {
      const top = topLevel(c.field);
      const item = classify(c.field, top, c.field.slice(top.length + 1), asChangeType(c.changeType), decode(c.oldValue), decode(c.newValue));
      return { ...item, context: true } as AlertItem;
    });
}

/** Longer than any CoinGecko page URL: a platform may refuse a link this long (Slack: 3,000 characters a block). */
const MAX_COIN_URL = 500;

/**
 * The coin's CoinGecko page, or a search for its symbol when there is no coin id; an id or symbol that makes an absurdly
 * long URL (not CoinGecko's own) links to CoinGecko's home.
 */
function coinPage(coin: AlertCoin): string {
  const url =
    coin.id !== null
      ? `https://www.coingecko.com/en/coins/${encodeURIComponent(coin.id)}`
      : coin.symbol
        ? `https://www.coingecko.com/en/search?query=${encodeURIComponent(coin.symbol)}`
        : HOME;
  return url.length <= MAX_COIN_URL ? url : HOME;
}

const HOME = 'https://www.coingecko.com/';

/** The label of the alert's CoinGecko link: the coin's page, or a search when the coin is not known (a listing's symbol). */
export function coingeckoLabel(alert: Pick<Alert, 'coin'>): string {
  return alert.coin.id === null ? 'Search on CoinGecko' : 'View on CoinGecko';
}

function classify(field: string, top: string, sub: string, type: ChangeType, oldValue: unknown, newValue: unknown): AlertItem {
  if (isExchangeField(top)) return listingItem(top, sub, newValue);
  const old = type === 'addition' ? undefined : show(oldValue);
  const next = type === 'removal' ? undefined : show(newValue);
  switch (top) {
    case 'name':
    case 'symbol':
    case 'web_slug':
    case 'id':
      return { kind: 'identity', field: top, old, new: next };
    case 'image':
      return { kind: 'logo', old, new: next };
    case 'categories':
      return type === 'removal'
        ? { kind: 'category_removed', category: show(oldValue) }
        : { kind: 'category_added', category: show(newValue) };
    case 'public_notices':
      return { kind: 'notice', changeType: type, old, new: next };
    case 'additional_notices': {
      const status = sub || 'notice';
      return {
        kind: 'flag',
        status,
        label: humanize(status),
        old: show(type === 'addition' ? null : oldValue),
        new: show(type === 'removal' ? null : newValue),
        warning: newValue === true,
      };
    }
    case 'links':
      return { kind: 'link', site: sub || 'links', old, new: next };
    default:
      return { kind: 'other', field, changeType: type, old, new: next };
  }
}

function migration(fromChain: string, toChain: string, oldAddress: string, newAddress: string): AlertItem {
  const oldExplorer = explorerLink(fromChain, oldAddress);
  const newExplorer = explorerLink(toChain, newAddress);
  return {
    kind: 'contract_migration',
    fromChain,
    toChain,
    oldAddress,
    newAddress,
    ...(oldExplorer && { oldExplorer }),
    ...(newExplorer && { newExplorer }),
  };
}

function chainItem(kind: 'new_chain' | 'chain_removed', chain: string, address: string): AlertItem {
  const explorer = explorerLink(chain, address);
  return { kind, chain, address, ...(explorer && { explorer }) };
}

const RANK: Record<AlertItem['kind'], number> = {
  contract_migration: 0,
  flag: 1,
  notice: 2,
  chain_removed: 3,
  new_chain: 4,
  identity: 5,
  logo: 6,
  category_added: 7,
  category_removed: 7,
  link: 8,
  listing: 2,
  other: 9,
};
/** Context after the changes themselves. */
const rank = (item: AlertItem) => RANK[item.kind] + ('context' in item && item.context ? 100 : 0);

function severityOf(item: AlertItem): Severity {
  switch (item.kind) {
    case 'notice':
      // A notice lifted is usually good news: worth knowing, never worth paging anyone.
      return item.changeType === 'removal' ? 'medium' : 'high';
    case 'contract_migration':
    case 'flag':
      return 'high';
    case 'new_chain':
    case 'chain_removed':
    case 'identity':
      return 'medium';
    case 'listing':
      return LISTING_SEVERITY[item.event];
    default:
      return 'info';
  }
}

/** A delisting is acted on (withdraw, close positions); a listing is news; a preview or a volume spike is a hint. */
const LISTING_SEVERITY: Record<ListingItem['event'], Severity> = {
  delisting: 'high',
  new_listing: 'medium',
  futures_listing: 'medium',
  listing_preview: 'info',
  volume_spike: 'info',
};

const ORDER: Severity[] = ['info', 'medium', 'high'];
const maxSeverity = (a: Severity, b: Severity): Severity => (ORDER.indexOf(a) >= ORDER.indexOf(b) ? a : b);

/** The title of the most important change, counting the others (context not counted). */
function headline(items: readonly AlertItem[]): string {
  const own = items.filter((item) => !('context' in item && item.context));
  const first = own[0];
  if (!first) return 'Coin updated';
  const extra = own.length > 1 ? ` (+${own.length - 1} more)` : '';
  return `${describeChange(first).title}${extra}`;
}

function asChangeType(value: string): ChangeType {
  return value === 'addition' || value === 'removal' ? value : 'update';
}

function decode(json: string | null): unknown {
  if (json === null) return null;
  try {
    return JSON.parse(json) as unknown;
  } catch {
    return json;
  }
}

/** A value as a person reads it. Never JSON for the common shapes; objects fall back to compact JSON. */
export function show(value: unknown): Shown {
  if (value === null || value === undefined || value === '') return 'none';
  if (value === true) return 'yes';
  if (value === false) return 'no';
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  if (Array.isArray(value)) {
    const parts = value.filter((v) => v !== '' && v !== null && v !== undefined).map(show);
    return parts.length ? parts.join(', ') : 'none';
  }
  return JSON.stringify(value);
}

function humanize(status: string): string {
  const words = status.replace(/[_-]+/g, ' ').trim();
  return words ? words[0]!.toUpperCase() + words.slice(1) : status;
}
