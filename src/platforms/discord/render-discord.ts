// Discord rendering: a neutral Alert → one message with one embed, within Discord's embed limits. Every payload value
// is escaped (discord-markdown), long values are shortened visibly, changes that do not fit are counted, and the
// message pings no one (`allowed_mentions: { parse: [] }`) except the chat's own ops mention on high severity.
// Pure: the output is the JSON body that is posted.
import type { MessageControls } from '../../core/alert-actions.js';
import { UNMATCHED, coingeckoLabel, reminderLine, type Alert, type AlertItem, type Severity } from '../../core/alert.js';
import type { ExplorerLink } from '../../core/explorers.js';
import { coinTitle, digestFooter, digestTitle, type Digest } from '../../core/compact.js';
import { packLines } from '../../core/text.js';
import { describeChange, titleLine } from '../../core/wording.js';
import { escapeMarkdown, escapeWithin, linkUrl } from './discord-markdown.js';
import { mentionPing, type MentionPing } from './discord-mention.js';

/** Discord's documented embed limits, in characters. */
export const EMBED_LIMITS = {
  title: 256,
  description: 4096,
  fields: 25,
  fieldName: 256,
  fieldValue: 1024,
  footer: 2048,
  total: 6000,
} as const;

export interface DiscordEmbedField {
  name: string;
  value: string;
}

export interface DiscordEmbed {
  title: string;
  url: string;
  description: string;
  color: number;
  fields: DiscordEmbedField[];
  footer: { text: string };
}

/** A message button (component type 2) with our payload as its custom_id. */
export interface DiscordButton {
  type: 2;
  /** 1 primary, 2 secondary, 4 danger. */
  style: 1 | 2 | 4;
  label: string;
  custom_id: string;
}

/** One action row (component type 1) of buttons; an empty list once no button is left, so an update removes them. */
export type DiscordComponents = Array<{ type: 1; components: DiscordButton[] }>;

/** The body of `POST /channels/{id}/messages`. */
export interface DiscordAlertMessage {
  /** Only the ops ping (`🔔 <@&role>`), on high-severity alerts of chats that set one with /mention. */
  content?: string;
  embeds: [DiscordEmbed];
  /** Nothing from `parse`; at most the one role or user of the ops ping, listed by id. */
  allowed_mentions: MentionPing['allowed_mentions'];
  /** The alert's buttons. */
  components?: DiscordComponents;
}

const STYLE = { primary: 1, danger: 4 } as const;

/** The buttons as one action row; undefined when the message has no controls at all. */
export function discordComponents(controls: MessageControls | undefined): DiscordComponents | undefined {
  if (!controls) return undefined;
  if (controls.buttons.length === 0) return [];
  const buttons = controls.buttons.map((b): DiscordButton => ({ type: 2, style: b.style ? STYLE[b.style] : 2, label: b.label, custom_id: b.payload }));
  return [{ type: 1, components: buttons }];
}

/** What was done from the buttons, as lines under the description (a name is payload: escaped). */
const statusText = (controls: MessageControls | undefined) => (controls?.status ?? []).map((line) => `\n${escapeWithin(line, 300)}`).join('');

export interface RenderOptions {
  /** The chat's ops mention (`<@&id>` or `<@id>`, as stored by /mention); pinged on high-severity alerts only. */
  mention?: string | null;
}

const COLOR: Record<Severity, number> = { high: 0xe5484d, medium: 0xf5a524, info: 0x3e8ed0 };
const BADGE: Record<Severity, string> = {
  high: '🚨 **HIGH SEVERITY**: act on this',
  medium: '⚠️ **Medium severity**',
  info: 'ℹ️ Info',
};

/** One change as label + payload values; escaping and shortening happen when it is laid out. */
interface Section {
  /** Raw text; may contain payload (chain names, field names). */
  name: string;
  parts: Part[];
}
interface Part {
  label: string;
  /** Raw payload text. */
  value: string;
  link?: ExplorerLink;
}

/** Renders `alert` as the message body for Discord's create-message route. */
export function renderDiscordAlert(alert: Alert, options: RenderOptions = {}): DiscordAlertMessage {
  const sections = alert.items.map(section);
  const head = header(alert);
  // Only high-severity alerts ping, and only the chat's own ops mention (checked again: it comes from the database).
  const ping = (alert.severity === 'high' && mentionPing(options.mention)) || { allowed_mentions: { parse: [] as [] } };
  const components = discordComponents(alert.controls);
  const message = (fields: DiscordEmbedField[]): DiscordAlertMessage => ({ ...ping, embeds: [embed(alert, head, fields)], ...(components && { components }) });
  // Shrink long values step by step until the whole embed fits 6000 characters; if even short values do not fit
  // (many changes with long explorer links), show fewer changes and count the rest.
  const caps = [EMBED_LIMITS.fieldValue, 512, 256, 128];
  for (const cap of caps) {
    const fields = layout(sections, sections.length, cap);
    if (fits(head, fields)) return message(fields);
  }
  const smallest = caps[caps.length - 1]!;
  for (let shown = Math.min(sections.length, EMBED_LIMITS.fields - 1) - 1; shown >= 0; shown -= 1) {
    const fields = layout(sections, shown, smallest);
    if (fits(head, fields)) return message(fields);
  }
  return message([]);
}

interface Head {
  title: string;
  description: string;
  footer: string;
}

function header(alert: Alert): Head {
  const { coin } = alert;
  const prefix = escapeMarkdown(`${alert.headline} · `);
  const title = prefix + escapeWithin(coin.name ?? coin.id ?? coinTitle(coin), EMBED_LIMITS.title - prefix.length);
  const name = [coin.name ? `**${escapeWithin(coin.name, 200)}**` : '', coin.symbol ? `\\(${escapeWithin(coin.symbol.toUpperCase(), 50)}\\)` : '']
    .filter(Boolean)
    .join(' ');
  const reminder = reminderLine(alert);
  const description = [
    ...(reminder === undefined ? [] : [`**${escapeWithin(reminder, 300)}**`]),
    BADGE[alert.severity],
    coin.id === null
      ? `Coin: **${escapeWithin(coinTitle(coin), 200)}** · ${escapeMarkdown(UNMATCHED)}`
      : `Coin: ${name ? `${name} · ` : ''}id ${escapeWithin(coin.id, 120)}`,
    `[${coingeckoLabel(alert)}](${linkUrl(alert.coingeckoUrl)})${statusText(alert.controls)}`,
  ].join('\n');
  // Footers render no markdown, so the event id is shown as it is, only stripped of invisible characters and capped.
  // eslint-disable-next-line no-control-regex
  const eventId = alert.eventId.replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069]/g, '?');
  const footer = `coinsentry · event ${eventId.length > 100 ? `${eventId.slice(0, 100)}…` : eventId}`;
  return { title, description, footer };
}

function embed(alert: Alert, head: Head, fields: DiscordEmbedField[]): DiscordEmbed {
  return {
    title: head.title,
    url: alert.coingeckoUrl,
    description: head.description,
    color: COLOR[alert.severity],
    fields,
    footer: { text: head.footer },
  };
}

function fits(head: Head, fields: readonly DiscordEmbedField[]): boolean {
  const total = fields.reduce((n, f) => n + f.name.length + f.value.length, head.title.length + head.description.length + head.footer.length);
  return total <= EMBED_LIMITS.total;
}

/** The first `shown` sections as fields, each at most `cap` characters, plus a field counting the rest. */
function layout(sections: readonly Section[], shown: number, cap: number): DiscordEmbedField[] {
  const visible = sections.length > EMBED_LIMITS.fields ? Math.min(shown, EMBED_LIMITS.fields - 1) : shown;
  const fields = sections.slice(0, visible).map((s) => field(s, cap));
  const hidden = sections.length - visible;
  if (hidden > 0) {
    fields.push({
      name: 'More changes',
      value: escapeMarkdown(`${hidden} more change${hidden === 1 ? '' : 's'} not shown here: see the coin on CoinGecko.`),
    });
  }
  return fields;
}

/** Shortest room a shortened value gets: enough for a few characters and the `… (N more characters)` marker. */
const MIN_PART = 40;

// Link texts are always ours (explorer names): inside a masked link Discord shows backslash escapes literally.
function field(s: Section, cap: number): DiscordEmbedField {
  const name = escapeWithin(s.name, Math.min(EMBED_LIMITS.fieldName, Math.max(cap, MIN_PART)));
  const line = (p: Part, value: string) => `**${p.label}:** ${value}${p.link ? ` · [${p.link.name}](${linkUrl(p.link.url)})` : ''}`;
  const skeleton = s.parts.map((p) => line(p, '')).join('\n').length;
  const room = Math.min(EMBED_LIMITS.fieldValue, Math.max(cap, skeleton + MIN_PART * s.parts.length)) - skeleton;
  const budgets = share(s.parts.map((p) => escapeMarkdown(p.value).length), room);
  const value = s.parts.map((p, i) => line(p, escapeWithin(p.value, budgets[i]!))).join('\n');
  return { name, value };
}

/** Splits `room` between values so short ones keep everything and long ones share what is left equally. */
function share(lengths: readonly number[], room: number): number[] {
  const budgets = lengths.map(() => 0);
  const order = lengths.map((length, index) => ({ length, index })).sort((a, b) => a.length - b.length);
  let left = room;
  order.forEach(({ length, index }, position) => {
    const fair = Math.floor(left / (order.length - position));
    budgets[index] = Math.min(length, fair);
    left -= budgets[index]!;
  });
  return budgets;
}

/** One change in the words of core/wording.ts: the title line as the field name, the notice and the rows as its value. */
function section(item: AlertItem): Section {
  const w = describeChange(item);
  const parts: Part[] = [
    ...(w.prose === undefined ? [] : [{ label: 'Notice', value: w.prose }]),
    ...w.rows.map((row) => ({ label: row.label, value: row.value, ...(row.link && { link: row.link }) })),
  ];
  // Discord refuses an empty field value: a change that is all subject (a category) shows it as its row.
  if (parts.length === 0) return { name: `${w.icon} ${w.title}`, parts: [{ label: w.subjectLabel ?? 'Change', value: w.subject ?? w.title }] };
  return { name: `${w.icon} ${titleLine(w)}`, parts };
}

/** The body of a digest: one embed listing the held alerts; it pings nobody. */
export interface DiscordDigestMessage {
  embeds: [Omit<DiscordEmbed, 'url' | 'fields'>];
  allowed_mentions: { parse: [] };
  components?: DiscordComponents;
}

const DIGEST_COLOR = 0x8b8d98;

export function renderDiscordDigest(digest: Digest): DiscordDigestMessage {
  const lines = digest.entries.map((entry) => {
    const coin = escapeWithin(coinTitle(entry.coin), 80);
    const label = entry.coingeckoUrl.length <= 300 ? `[${coin}](${linkUrl(entry.coingeckoUrl)})` : coin;
    return `• ${label}: ${escapeWithin(entry.summary, Math.min(400, EMBED_LIMITS.description - label.length - 4))}`;
  });
  const status = statusText(digest.controls);
  const [packed = ''] = packLines(lines, EMBED_LIMITS.description - status.length, 1, (hidden) => escapeMarkdown(`… ${hidden} more not shown`));
  const description = `${packed}${status}`;
  const components = discordComponents(digest.controls);
  return {
    ...(components && { components }),
    embeds: [
      {
        title: escapeWithin(digestTitle(digest), EMBED_LIMITS.title),
        description,
        color: DIGEST_COLOR,
        footer: { text: digestFooter(digest) },
      },
    ],
    allowed_mentions: { parse: [] },
  };
}
