// Slack rendering: a neutral Alert → Block Kit (a header, a section per change with label/value fields, context links)
// plus a plain fallback `text` for notifications. Payload values only ever go into plain_text objects, so Slack applies
// neither mrkdwn formatting nor mention parsing to them; they are also escaped (&, <, >) and shortened visibly to fit
// Slack's limits. Changes that do not fit in one message are summarised with a link to CoinGecko, never dropped silently.
import { coinTitle, digestFooter, digestTitle, type Digest } from '../../core/compact.js';
import { LISTING_ICON, LISTING_TITLE, listingFigures } from '../../core/listing.js';
import { packLines } from '../../core/text.js';
import { UNMATCHED, coingeckoLabel, type Alert, type AlertItem, type ChangeType, type Severity } from '../../core/alert.js';
import type { ExplorerLink } from '../../core/explorers.js';
import { fitSlack, shortenForSlack, slackLink } from './slack-text.js';

/** Slack's Block Kit limits, and our own budget for the text of all blocks together. */
export const BLOCK_KIT_LIMITS = {
  blocks: 50,
  headerText: 150,
  sectionText: 3000,
  fields: 10,
  fieldText: 2000,
  contextElements: 10,
  /** Slack refuses messages whose blocks hold more than about 12,000 characters (`msg_blocks_too_long`). */
  totalText: 11_000,
  fallbackText: 3000,
} as const;

/** A single value (an address, a name) in a field. Well under fieldText, so a message holds several. */
const VALUE_MAX = 600;
/** A public notice, which is prose: it gets a section of its own. */
const NOTICE_MAX = 1400;

export interface PlainText {
  type: 'plain_text';
  text: string;
  /** Off: a payload's `:shortcode:` stays text. */
  emoji: false;
}
/** Only ever holds our own words and links. `verbatim` stops Slack from turning bare names or URLs into links. */
export interface Mrkdwn {
  type: 'mrkdwn';
  text: string;
  verbatim: true;
}
export type TextObject = PlainText | Mrkdwn;
export type SlackBlock =
  | { type: 'header'; text: PlainText }
  | { type: 'section'; text?: TextObject; fields?: TextObject[] }
  | { type: 'context'; elements: TextObject[] }
  | { type: 'divider' };

export interface SlackMessage {
  /** Notification and fallback text (escaped). */
  text: string;
  blocks: SlackBlock[];
}

const plain = (text: string, max = VALUE_MAX): PlainText => ({ type: 'plain_text', text: fitSlack(blankSafe(text), max), emoji: false });
const ours = (text: string): Mrkdwn => ({ type: 'mrkdwn', text, verbatim: true });
/** Slack refuses empty and whitespace-only text objects. */
const blankSafe = (text: string) => (text.trim() === '' ? '(blank)' : text);

const ICON: Record<Severity, string> = { high: '🚨', medium: '⚠️', info: 'ℹ️' };
const SEVERITY: Record<Severity, string> = { high: 'High', medium: 'Medium', info: 'Info' };

export interface SlackRenderOptions {
  /** The channel's ops mention (`<!subteam^S123>`, `<@U123>`, `<!here>`), validated when it was set; pinged on high severity. */
  mention?: string | null;
}

export function renderSlackAlert(alert: Alert, options: SlackRenderOptions = {}): SlackMessage {
  const { coin } = alert;
  const symbol = coin.symbol ? coin.symbol.toUpperCase() : undefined;
  const label = coin.name || coin.id || coinTitle(coin);
  const high = alert.severity === 'high' ? ' · HIGH SEVERITY' : '';

  const prefix = `${ICON[alert.severity]} ${alert.headline}: `;
  const header: SlackBlock = {
    type: 'header',
    text: { type: 'plain_text', text: fitSlack(`${prefix}${label}`, BLOCK_KIT_LIMITS.headerText), emoji: false },
  };
  const coinSection: SlackBlock = {
    type: 'section',
    fields: table([
      ['Coin', label],
      ['Symbol', symbol ?? 'none'],
      ['CoinGecko id', coin.id ?? UNMATCHED],
      ['Severity', SEVERITY[alert.severity]],
    ]),
  };
  const footer: SlackBlock = {
    type: 'context',
    elements: [ours(slackLink(alert.coingeckoUrl, coingeckoLabel(alert))), plain(`Event ${alert.eventId}`, 300)],
  };

  const groups = groupItems(alert.items).map(renderGroup);
  const ping = alert.severity === 'high' && options.mention ? options.mention : undefined;
  const blocks: SlackBlock[] = [header, ...(ping ? [{ type: 'section' as const, text: ours(`🔔 ${ping}`) }] : []), coinSection];
  let used = textLength([header, coinSection, footer]);
  let shownItems = 0;
  for (const [index, group] of groups.entries()) {
    const moreAfter = index < groups.length - 1 ? 1 : 0;
    const cost = textLength(group.blocks);
    // Keep one block (and some text) free for the "… and N more" line whenever something could still follow.
    const fits =
      blocks.length + group.blocks.length + moreAfter + 1 <= BLOCK_KIT_LIMITS.blocks &&
      used + cost + (moreAfter ? 200 : 0) <= BLOCK_KIT_LIMITS.totalText;
    if (!fits) break;
    blocks.push(...group.blocks);
    used += cost;
    shownItems += group.items;
  }
  const omitted = alert.items.length - shownItems;
  if (omitted > 0) {
    blocks.push({
      type: 'section',
      text: ours(`… and ${omitted} more change${omitted === 1 ? '' : 's'} not shown here: ${slackLink(alert.coingeckoUrl, 'see CoinGecko')}`),
    });
  }
  blocks.push(footer);

  const count = alert.items.length;
  const text = [
    ping ? `${ping} ` : '',
    fitSlack(`${ICON[alert.severity]} ${alert.headline}${high}: `, 200),
    fitSlack(coinTitle(coin), 300),
    fitSlack(` · ${count} change${count === 1 ? '' : 's'} · ${alert.coingeckoUrl}`, 400),
  ].join('');
  return { text, blocks };
}

interface Group {
  items: number;
  blocks: SlackBlock[];
}

type Grouped = AlertItem | { kind: 'categories'; added: boolean; categories: string[] };

/** Categories arrive one change each; a rebrand can carry dozens, so they are listed together. */
function groupItems(items: readonly AlertItem[]): Grouped[] {
  const out: Grouped[] = [];
  const lists = new Map<boolean, { kind: 'categories'; added: boolean; categories: string[] }>();
  for (const item of items) {
    if (item.kind !== 'category_added' && item.kind !== 'category_removed') {
      out.push(item);
      continue;
    }
    const added = item.kind === 'category_added';
    let list = lists.get(added);
    if (!list) {
      list = { kind: 'categories', added, categories: [] };
      lists.set(added, list);
      out.push(list);
    }
    list.categories.push(item.category);
  }
  return out;
}

function renderGroup(item: Grouped): Group {
  switch (item.kind) {
    case 'categories': {
      const n = item.categories.length;
      return {
        items: n,
        blocks: [
          section(`🏷 *${n === 1 ? 'Category' : 'Categories'} ${item.added ? 'added' : 'removed'}*`),
          { type: 'section', text: plain(item.categories.join(', '), BLOCK_KIT_LIMITS.sectionText) },
        ],
      };
    }
    case 'contract_migration': {
      const chain = item.fromChain === item.toChain ? item.fromChain : `${item.fromChain} → ${item.toChain}`;
      return one(
        section('🔁 *Contract migration*', [
          [item.fromChain === item.toChain ? 'Chain' : 'Chains', chain],
          ['Old address', item.oldAddress],
          ['New address', item.newAddress],
        ]),
        links([
          item.oldExplorer && { ...item.oldExplorer, name: `${item.oldExplorer.name}: old contract` },
          item.newExplorer && { ...item.newExplorer, name: `${item.newExplorer.name}: new contract` },
        ]),
      );
    }
    case 'new_chain':
      return one(section('➕ *New chain deployment*', [['Chain', item.chain], ['Address', item.address]]), links([item.explorer]));
    case 'chain_removed':
      return one(section('➖ *Chain removed*', [['Chain', item.chain], ['Address was', item.address]]), links([item.explorer]));
    case 'notice': {
      const body =
        item.changeType === 'removal'
          ? `Removed: ${shortenForSlack(item.old ?? 'none', NOTICE_MAX)}`
          : item.changeType === 'update' && item.old !== undefined
            ? `${shortenForSlack(item.new ?? 'none', NOTICE_MAX)}\n\nPreviously: ${shortenForSlack(item.old, NOTICE_MAX)}`
            : shortenForSlack(item.new ?? 'none', NOTICE_MAX);
      return one(section(`📢 *Public notice ${VERB[item.changeType]}*`), { type: 'section', text: plain(body, BLOCK_KIT_LIMITS.sectionText) });
    }
    case 'flag':
      return one(
        section(item.warning ? '⚠️ *Security flag raised*' : '🛡 *Security flag changed*', [
          ['Flag', item.label],
          ['Now', item.new],
          ['Was', item.old],
        ]),
      );
    case 'identity':
      return one(section(`✏️ *${IDENTITY[item.field] ?? 'Identity'} changed*`, beforeAfter(item.old, item.new)));
    case 'logo':
      return one(section('🖼 *Logo changed*', beforeAfter(item.old, item.new)));
    case 'link':
      return one(section('🔗 *Link changed*', [['Site', item.site], ...beforeAfter(item.old, item.new)]));
    case 'listing':
      return one(section(`${LISTING_ICON[item.event]} *${LISTING_TITLE[item.event]}*`, [['Exchange', item.exchange], ['Pair', item.pair], ...listingFigures(item)]));
    case 'other':
      return one(section('• *Other change*', [['Field', item.field], ['Change', VERB[item.changeType]], ...beforeAfter(item.old, item.new)]));
    case 'category_added':
    case 'category_removed':
      // Grouped above; kept for exhaustiveness.
      return renderGroup({ kind: 'categories', added: item.kind === 'category_added', categories: [item.category] });
  }
}

const VERB: Record<ChangeType, string> = { addition: 'added', update: 'updated', removal: 'removed' };
const IDENTITY: Record<string, string> = { name: 'Name', symbol: 'Symbol', web_slug: 'Web slug', id: 'Coin id' };

const one = (...blocks: Array<SlackBlock | undefined>): Group => ({ items: 1, blocks: blocks.filter((b) => b !== undefined) });

/** A change's title (our words, bold) with its label/value rows as fields. */
function section(title: string, rows: Array<[string, string]> = []): SlackBlock {
  return rows.length ? { type: 'section', text: ours(title), fields: table(rows) } : { type: 'section', text: ours(title) };
}

function beforeAfter(old: string | undefined, next: string | undefined): Array<[string, string]> {
  if (old !== undefined && next !== undefined) return [['Was', old], ['Now', next]];
  if (next !== undefined) return [['Added', next]];
  return [['Removed', old ?? 'none']];
}

/**
 * Label/value rows as section fields. Slack lays fields out in two columns, so each row reads as a bold label beside
 * its plain value. At most five rows (Slack's ten fields).
 */
function table(rows: ReadonlyArray<readonly [string, string]>): TextObject[] {
  return rows.slice(0, BLOCK_KIT_LIMITS.fields / 2).flatMap(([label, value]) => [ours(`*${label}*`), plain(value)]);
}

function links(refs: ReadonlyArray<ExplorerLink | undefined>): SlackBlock | undefined {
  const present = refs.filter((r): r is ExplorerLink => r !== undefined);
  if (!present.length) return undefined;
  return { type: 'context', elements: [ours(present.map((r) => slackLink(r.url, r.name)).join(' · '))] };
}

/** The characters Slack counts against its cumulative limit. */
function textLength(blocks: readonly SlackBlock[]): number {
  let n = 0;
  for (const block of blocks) {
    if (block.type === 'header') n += block.text.text.length;
    else if (block.type === 'section') n += (block.text?.text.length ?? 0) + (block.fields ?? []).reduce((s, f) => s + f.text.length, 0);
    else if (block.type === 'context') n += block.elements.reduce((s, e) => s + e.text.length, 0);
  }
  return n;
}

/**
 * A digest: a header, the held alerts one line each in plain_text sections (payload never meets mrkdwn, as in alerts),
 * and a footer.
 */
export function renderSlackDigest(digest: Digest): SlackMessage {
  const title = digestTitle(digest);
  const lines = digest.entries.map((entry) => `• ${shortenForSlack(coinTitle(entry.coin), 80)} [${shortenForSlack(entry.coin.id ?? UNMATCHED, 80)}]: ${shortenForSlack(entry.summary, 400)}`);
  // plain() escapes once more; pack on the escaped length so no section is cut by it.
  const sections = packLines(lines, BLOCK_KIT_LIMITS.sectionText / 2, 3, (hidden) => `… ${hidden} more not shown`);
  const blocks: SlackBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: fitSlack(`🗂 ${title}`, BLOCK_KIT_LIMITS.headerText), emoji: false } },
    ...sections.filter((text) => text !== '').map((text): SlackBlock => ({ type: 'section', text: plain(text, BLOCK_KIT_LIMITS.sectionText) })),
    { type: 'context', elements: [plain(digestFooter(digest), 600)] },
  ];
  return { text: fitSlack(title, 300), blocks };
}
