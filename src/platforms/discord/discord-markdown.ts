// Discord markdown safety: untrusted text → text that Discord shows literally (no formatting, links, mentions, emoji
// or timestamps), and long plain-text replies → message-sized chunks. Used by the alert renderer and command replies.
import { packLines, shorten } from '../../core/text.js';

/** Characters Discord's markdown gives a meaning to anywhere in a line; a backslash before each makes it literal. */
const INLINE = new Set(['\\', '*', '_', '~', '`', '|', '>', '<', '[', ']', '(', ')', ':', '#']);
/** Invisible characters that could reorder or hide text (bidi overrides, control characters): shown as U+FFFD. */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
const ZERO_WIDTH_SPACE = '\u200b';

/**
 * Escapes `text` so that Discord renders it exactly as written. Works one code point at a time, so the result of
 * escaping a prefix is a prefix of the result (what visible shortening relies on). `@` gets a zero-width space after
 * it, so `@everyone` and `@here` show as text and never as a mention, whatever `allowed_mentions` says.
 * `:` is escaped to defeat autolinks (`https\://`) and `:emoji:` codes; `<` covers `<@id>`, `<#id>`, `<t:…>`.
 */
export function escapeMarkdown(text: string): string {
  let out = '';
  let lineStart = true;
  let leadingDigits = false;
  for (const ch of text.replace(/\r\n?/g, '\n')) {
    if (ch === '\n') {
      out += ch;
      lineStart = true;
      leadingDigits = false;
      continue;
    }
    if (UNSAFE.test(ch)) out += '\uFFFD';
    else if (ch === '@') out += `@${ZERO_WIDTH_SPACE}`;
    else if (INLINE.has(ch)) out += `\\${ch}`;
    // List markers count only at the start of a line: `- item`, `+ item`, `1. item`.
    else if (lineStart && (ch === '-' || ch === '+')) out += `\\${ch}`;
    else if (leadingDigits && ch === '.') out += '\\.';
    else out += ch;
    const blank = ch === ' ' || ch === '\t';
    const digit = ch >= '0' && ch <= '9';
    leadingDigits = digit && (lineStart || leadingDigits);
    lineStart = lineStart && blank;
  }
  return out;
}

/** `text`, shortened visibly (`… (N more characters)`) so its escaped form fits `max`, then escaped. */
export function escapeWithin(text: string, max: number): string {
  // shorten() prices each character on its own, but a few escapes here depend on the line (`1.`, `- ` at its start):
  // measure the real result and tighten until it fits.
  let room = max;
  for (;;) {
    const escaped = escapeMarkdown(shorten(text, room, escapeMarkdown));
    if (escaped.length <= max || room <= 1) return escaped;
    room -= escaped.length - max;
  }
}

/**
 * A URL made safe inside a masked link `[label](url)`: characters that would end the link or start formatting are
 * percent-encoded (`encodeURIComponent` leaves `(`, `)`, `*`, `'`, `!`, `~` alone, and a coin id is payload).
 */
export function linkUrl(url: string): string {
  return url.replace(/[\s()[\]<>*_~|`'!\\]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

export const MESSAGE_CONTENT_MAX = 2000;

/**
 * Splits a plain-text reply into escaped chunks of at most `max` characters, at line breaks, in at most `maxChunks`
 * messages. A line too long for one message is shortened visibly; lines beyond the last message are counted in a
 * closing `… N more lines not shown` line, so nothing disappears silently.
 */
export function replyChunks(text: string, options: { max?: number; maxChunks?: number } = {}): string[] {
  const max = options.max ?? MESSAGE_CONTENT_MAX;
  const lines = text.split('\n').map((line) => escapeWithin(line, max));
  return packLines(lines, max, options.maxChunks ?? 5, (hidden) => escapeMarkdown(`… ${hidden} more line${hidden === 1 ? '' : 's'} not shown`));
}
