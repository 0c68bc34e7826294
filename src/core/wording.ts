// The words for each kind of change, declared once: its icon, its title, what it is about and its label/value rows.
// Alerts on every platform, digests and /recent all read them here, so Telegram, Discord and Slack cannot drift apart;
// the renderers only lay the words out and escape the payload. Pure. `subject`, row values and `prose` are payload
// (escape them); icons, titles and labels are ours.
import type { AlertItem, ChangeType } from './alert.js';
import type { ExplorerLink } from './explorers.js';
import { LISTING_ICON, LISTING_TITLE, listingFigures } from './listing.js';

export interface WordRow {
  /** Ours: `Was`, `Now`, `Address`, `Pair`… */
  label: string;
  /** Payload. */
  value: string;
  /** An address or id, shown as code where the platform has it. */
  code?: boolean;
  link?: ExplorerLink;
}

export interface ChangeWords {
  icon: string;
  /** Ours, e.g. `Contract migration`; ends with ` (context)` for an item shown as context. */
  title: string;
  /** Payload the change is about (a chain, an exchange, a site, a flag, a category), shown after the title. */
  subject?: string;
  /** How the subject joins the title: `on` (`New listing on Binance`), or `:` when absent. */
  preposition?: 'on';
  /** The subject's label where a platform shows it as a row (Slack fields). */
  subjectLabel?: string;
  rows: WordRow[];
  /** Payload prose (a public notice), shown as a quote. */
  prose?: string;
  /** The values of a one-line summary (digests, /recent), joined with → when two. */
  brief: WordRow[];
}

/** How an item shown only because it explains the alert (same event, not watched) is marked. */
export const CONTEXT_MARK = ' (context)';

const FIELD_LABEL: Record<string, string> = { name: 'Name', symbol: 'Symbol', web_slug: 'Web slug', id: 'Coin id' };
const VERB: Record<ChangeType, string> = { addition: 'added', update: 'changed', removal: 'removed' };

/** Was/Now for a change, Added or Removed when only one side exists. */
function beforeAfter(old: string | undefined, next: string | undefined): WordRow[] {
  if (old !== undefined && next !== undefined) return [{ label: 'Was', value: old }, { label: 'Now', value: next }];
  if (next !== undefined) return [{ label: 'Added', value: next }];
  return [{ label: 'Removed', value: old ?? 'none' }];
}
const briefOf = (rows: readonly WordRow[]) => [...rows];

/** The words for one alert item. */
export function describeChange(item: AlertItem): ChangeWords {
  const words = describe(item);
  return 'context' in item && item.context ? { ...words, title: `${words.title}${CONTEXT_MARK}` } : words;
}

function describe(item: AlertItem): ChangeWords {
  switch (item.kind) {
    case 'contract_migration': {
      const rows: WordRow[] = [
        { label: 'Was', value: item.oldAddress, code: true, ...(item.oldExplorer && { link: item.oldExplorer }) },
        { label: 'Now', value: item.newAddress, code: true, ...(item.newExplorer && { link: item.newExplorer }) },
      ];
      const same = item.fromChain === item.toChain;
      return { icon: '🔁', title: 'Contract migration', subject: same ? item.fromChain : `${item.fromChain} → ${item.toChain}`, ...(same && { preposition: 'on' as const }), subjectLabel: same ? 'Chain' : 'Chains', rows, brief: briefOf(rows) };
    }
    case 'new_chain': {
      const rows = [{ label: 'Address', value: item.address, code: true, ...(item.explorer && { link: item.explorer }) }];
      return { icon: '🆕', title: 'New chain', subject: item.chain, subjectLabel: 'Chain', rows, brief: briefOf(rows) };
    }
    case 'chain_removed': {
      const rows = [{ label: 'Address was', value: item.address, code: true, ...(item.explorer && { link: item.explorer }) }];
      return { icon: '➖', title: 'Chain removed', subject: item.chain, subjectLabel: 'Chain', rows, brief: briefOf(rows) };
    }
    case 'notice': {
      if (item.changeType === 'removal') {
        const text = item.old ?? 'none';
        return { icon: '✅', title: 'Notice lifted', rows: [], prose: text, brief: [{ label: 'Notice', value: text }] };
      }
      const text = item.new ?? 'none';
      const rows = item.changeType === 'update' && item.old !== undefined ? [{ label: 'Was', value: item.old }] : [];
      return { icon: '📢', title: item.changeType === 'update' ? 'Public notice changed' : 'Public notice', rows, prose: text, brief: [{ label: 'Notice', value: text }] };
    }
    case 'flag': {
      const rows = [{ label: 'Was', value: item.old }, { label: 'Now', value: item.new }];
      const title = item.warning ? 'Security flag raised' : 'Security flag cleared';
      return { icon: item.warning ? '⚠️' : '🛡', title, subject: item.label, subjectLabel: 'Flag', rows, brief: briefOf(rows) };
    }
    case 'identity': {
      const rows = beforeAfter(item.old, item.new);
      return { icon: '✏️', title: `${FIELD_LABEL[item.field] ?? item.field} changed`, rows, brief: briefOf(rows) };
    }
    case 'logo':
      return { icon: '🖼', title: 'Logo changed', rows: beforeAfter(item.old, item.new), brief: [] };
    case 'category_added':
      return { icon: '🏷', title: 'Category added', subject: item.category, subjectLabel: 'Category', rows: [], brief: [] };
    case 'category_removed':
      return { icon: '🏷', title: 'Category removed', subject: item.category, subjectLabel: 'Category', rows: [], brief: [] };
    case 'link': {
      const rows = beforeAfter(item.old, item.new);
      return { icon: '🔗', title: 'Link changed', subject: item.site, subjectLabel: 'Site', rows, brief: briefOf(rows) };
    }
    case 'listing': {
      const rows: WordRow[] = [{ label: 'Pair', value: item.pair, code: true }, ...listingFigures(item).map(([label, value]) => ({ label, value }))];
      const figures = rows.slice(1).map((row) => `${row.label}: ${row.value}`);
      const brief = [{ label: 'Pair', value: figures.length ? `${item.pair} (${figures.join(', ')})` : item.pair }];
      return { icon: LISTING_ICON[item.event], title: LISTING_TITLE[item.event], subject: item.exchange, preposition: 'on', subjectLabel: 'Exchange', rows, brief };
    }
    case 'other': {
      const rows = beforeAfter(item.old, item.new);
      return { icon: '•', title: `Field ${VERB[item.changeType]}`, subject: item.field, subjectLabel: 'Field', rows, brief: briefOf(rows) };
    }
  }
}

/** `Contract migration on ethereum`, `Security flag raised: Warning`: the title and subject as one plain line. */
export function titleLine(words: ChangeWords, subject = words.subject): string {
  if (subject === undefined) return words.title;
  return words.preposition ? `${words.title} ${words.preposition} ${subject}` : `${words.title}: ${subject}`;
}
