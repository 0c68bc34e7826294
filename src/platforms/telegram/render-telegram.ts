// Telegram rendering: a neutral Alert → one HTML-parse-mode message of at most 4096 characters. Every payload value is
// escaped; long values are shortened visibly, and changes that do not fit are summarised, never cut mid-entity.
import type { InlineKeyboardMarkup } from 'grammy/types';
import type { MessageControls } from '../../core/alert-actions.js';
import { UNMATCHED, coingeckoLabel, reminderLine, type Alert, type AlertItem, type Severity } from '../../core/alert.js';
import { coinTitle, digestFooter, digestTitle, type Digest } from '../../core/compact.js';
import { packLines, shorten, withoutBidiControls } from '../../core/text.js';
import { describeChange } from '../../core/wording.js';

export const MAX_MESSAGE_LENGTH = 4096;
const VALUE_MAX = 700;

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/**
 * Payload text for a message: HTML-escaped, and every `@` followed by a word joiner (U+2060, invisible), so a value
 * such as `@some_admin` shows as written but is never a Telegram mention that notifies that person. The only mention
 * in an alert is the chat's own /mention. Direction overrides show as U+FFFD (see withoutBidiControls).
 */
export function escapePayload(text: string): string {
  return escapeHtml(withoutBidiControls(text)).replace(/@/g, '@\u2060');
}

/** A payload value, shortened and escaped. */
const v = (text: string, max = VALUE_MAX) => escapePayload(shorten(text, max, escapePayload));
const code = (text: string) => `<code>${v(text)}</code>`;
const link = (url: string, label: string) => `<a href="${escapeHtml(url)}">${label}</a>`;

const ICON: Record<Severity, string> = { high: '🚨', medium: '⚠️', info: 'ℹ️' };

export interface TelegramRenderOptions {
  /** The chat's ops mention (`@oncall_team`), shown on high-severity alerts so Telegram notifies them. */
  mention?: string | null;
}

export function renderTelegramAlert(alert: Alert, options: TelegramRenderOptions = {}): string {
  const { coin } = alert;
  const title =
    coin.id === null
      ? `<b>${v(coinTitle(coin), 200)}</b> · ${escapeHtml(UNMATCHED)}`
      : [coin.name ? `<b>${v(coin.name, 200)}</b>` : undefined, coin.symbol ? `(${v(coin.symbol.toUpperCase(), 50)})` : undefined, code(coin.id)]
          .filter(Boolean)
          .join(' ');
  const ping = alert.severity === 'high' && options.mention ? `🔔 ${escapeHtml(options.mention)}\n` : '';
  const reminder = reminderLine(alert);
  const late = reminder === undefined ? '' : `<b>${v(reminder, 300)}</b>\n`;
  const head = `${ping}${late}${ICON[alert.severity]} <b>${escapeHtml(alert.headline)}</b>${alert.severity === 'high' ? ' · HIGH SEVERITY' : ''}\n${title}`;
  const foot = link(alert.coingeckoUrl, coingeckoLabel(alert)) + statusLines(alert.controls);

  const blocks = alert.items.map(renderItem);
  const more = (omitted: number) => (omitted > 0 ? [`… and ${omitted} more change${omitted === 1 ? '' : 's'}: see CoinGecko`] : []);
  // Take changes while they fit, keeping room for the "… and N more" line (linear: each block is measured once).
  const room = MAX_MESSAGE_LENGTH - head.length - foot.length - 2 * 2;
  let used = 0;
  let shown = 0;
  while (shown < blocks.length) {
    const next = used + blocks[shown]!.length + 2;
    const tail = shown + 1 < blocks.length ? more(blocks.length - shown - 1)[0]!.length + 2 : 0;
    if (next + tail > room) break;
    used = next;
    shown += 1;
  }
  return [head, ...blocks.slice(0, shown), ...more(blocks.length - shown), foot].join('\n\n');
}

function explorer(ref: { name: string; url: string } | undefined): string {
  return ref ? ` · ${link(ref.url, escapeHtml(ref.name))}` : '';
}

/** One change in the words of core/wording.ts: a bold title line, the notice as a quote, then its label/value rows. */
function renderItem(item: AlertItem): string {
  const w = describeChange(item);
  const subject = w.subject === undefined ? '' : w.preposition ? ` ${w.preposition} <b>${v(w.subject, 200)}</b>` : `: ${v(w.subject)}`;
  return [
    `${w.icon} <b>${escapeHtml(w.title)}</b>${subject}`,
    ...(w.prose === undefined ? [] : [`<blockquote>${v(w.prose)}</blockquote>`]),
    ...w.rows.map((row) => `${escapeHtml(row.label)}: ${row.code ? code(row.value) : v(row.value)}${explorer(row.link)}`),
  ].join('\n');
}

/** What was done from the message's buttons (`✅ Acknowledged by Ada at 14:32 UTC`), below it; names are payload. */
function statusLines(controls: MessageControls | undefined): string {
  return (controls?.status ?? []).map((line) => `\n${v(line, 300)}`).join('');
}

/** The message's buttons as an inline keyboard (one row); an empty keyboard once none is left, so an edit removes them. */
export function telegramKeyboard(controls: MessageControls | undefined): InlineKeyboardMarkup | undefined {
  if (!controls) return undefined;
  return { inline_keyboard: controls.buttons.length ? [controls.buttons.map((b) => ({ text: b.label, callback_data: b.payload }))] : [] };
}

/** A digest as one HTML message: the title, one line per held alert (linked coin, compact summary), the footer. */
export function renderTelegramDigest(digest: Digest): string {
  const head = `🗂 <b>${escapeHtml(digestTitle(digest))}</b>`;
  const foot = escapeHtml(digestFooter(digest)) + statusLines(digest.controls);
  const room = MAX_MESSAGE_LENGTH - head.length - foot.length - 2 * 2;
  const lines = digest.entries.map((entry) => {
    const coin = v(coinTitle(entry.coin), 80);
    const label = entry.coingeckoUrl.length <= 300 ? link(entry.coingeckoUrl, coin) : coin;
    return `• ${label}: ${v(entry.summary, Math.min(400, room - label.length - 4))}`;
  });
  const [body = ''] = packLines(lines, room, 1, (hidden) => `… ${hidden} more not shown`);
  return [head, body, foot].join('\n\n');
}
