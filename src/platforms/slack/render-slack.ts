// Slack rendering: a neutral Alert → Block Kit (a header, a section per change with label/value fields, context links)
// plus a plain fallback `text` for notifications. Payload values only ever go into plain_text objects, so Slack applies
// neither mrkdwn formatting nor mention parsing to them; they are also escaped (&, <, >) and shortened visibly to fit
// Slack's limits. Changes that do not fit in one message are summarised with a link to CoinGecko, never dropped silently.
import { coinTitle, digestFooter, digestTitle, type Digest } from '../../core/compact.js';
import { packLines } from '../../core/text.js';
import type { MessageControls } from '../../core/alert-actions.js';
import { UNMATCHED, coingeckoLabel, reminderLine, type Alert, type AlertItem, type Severity } from '../../core/alert.js';
import { describeChange } from '../../core/wording.js';
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
/** An alert button: its payload rides in `value`; `action_id` names the action (unique within the block). */
export interface SlackButton {
  type: 'button';
  text: PlainText;
  action_id: string;
  value: string;
  style?: 'primary' | 'danger';
}
export type SlackBlock =
  | { type: 'header'; text: PlainText }
  | { type: 'section'; text?: TextObject; fields?: TextObject[] }
  | { type: 'context'; elements: TextObject[] }
  | { type: 'actions'; block_id: string; elements: SlackButton[] }
  | { type: 'divider' };

/** The block_id of the buttons' block, and the prefix of their action_ids: how an interaction is known as ours. */
export const ACTIONS_BLOCK = 'coinsentry_actions';

/** What was done from the buttons (names are payload: plain_text), then the buttons still to press. */
export function controlBlocks(controls: MessageControls | undefined): SlackBlock[] {
  if (!controls) return [];
  const status: SlackBlock[] = controls.status.length ? [{ type: 'context', elements: controls.status.slice(0, 10).map((line) => plain(line, 300)) }] : [];
  const buttons: SlackButton[] = controls.buttons.map((b) => ({
    type: 'button',
    text: { type: 'plain_text', text: b.label, emoji: false },
    action_id: `${ACTIONS_BLOCK}_${b.action}`,
    value: b.payload,
    ...(b.style && { style: b.style }),
  }));
  return [...status, ...(buttons.length ? [{ type: 'actions' as const, block_id: ACTIONS_BLOCK, elements: buttons }] : [])];
}

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
  const reminder = reminderLine(alert);
  const late: SlackBlock[] = reminder === undefined ? [] : [{ type: 'section', text: plain(reminder, 300) }];
  const controls = controlBlocks(alert.controls);
  const blocks: SlackBlock[] = [header, ...late, ...(ping ? [{ type: 'section' as const, text: ours(`🔔 ${ping}`) }] : []), coinSection];
  let used = textLength([header, ...late, coinSection, footer, ...controls]);
  let shownItems = 0;
  for (const [index, group] of groups.entries()) {
    const moreAfter = index < groups.length - 1 ? 1 : 0;
    const cost = textLength(group.blocks);
    // Keep one block (and some text) free for the "… and N more" line whenever something could still follow.
    const fits =
      blocks.length + group.blocks.length + moreAfter + 1 + controls.length <= BLOCK_KIT_LIMITS.blocks &&
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
  blocks.push(footer, ...controls);

  const count = alert.items.length;
  const text = [
    ping ? `${ping} ` : '',
    reminder === undefined ? '' : fitSlack(`${reminder} · `, 300),
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
    default: {
      // One change in the words of core/wording.ts: our title in mrkdwn, every payload value in a plain_text field.
      const w = describeChange(item);
      const rows: Array<[string, string]> = [
        ...(w.subject === undefined ? [] : [[w.subjectLabel ?? 'About', w.subject] as [string, string]]),
        ...w.rows.map((row): [string, string] => [row.label, row.value]),
      ];
      const prose = w.prose === undefined ? undefined : ({ type: 'section', text: plain(shortenForSlack(w.prose, NOTICE_MAX), BLOCK_KIT_LIMITS.sectionText) } as const);
      return one(
        section(`${w.icon} *${w.title}*`, rows),
        prose,
        // Links share one line: with several, each says which row it belongs to.
        links(w.rows.map((row, _i, all) => row.link && { ...row.link, name: all.filter((r) => r.link).length > 1 ? `${row.link.name} (${row.label.toLowerCase()})` : row.link.name })),
      );
    }
    case 'category_added':
    case 'category_removed':
      // Grouped above; kept for exhaustiveness.
      return renderGroup({ kind: 'categories', added: item.kind === 'category_added', categories: [item.category] });
  }
}


const one = (...blocks: Array<SlackBlock | undefined>): Group => ({ items: 1, blocks: blocks.filter((b) => b !== undefined) });

/** A change's title (our words, bold) with its label/value rows as fields. */
function section(title: string, rows: Array<[string, string]> = []): SlackBlock {
  return rows.length ? { type: 'section', text: ours(title), fields: table(rows) } : { type: 'section', text: ours(title) };
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
    ...controlBlocks(digest.controls),
  ];
  return { text: fitSlack(title, 300), blocks };
}
