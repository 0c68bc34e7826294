// Text helpers shared by the renderers: visible shortening that never splits a character or an escape sequence.

const marker = (rest: number) => `… (${rest} more characters)`;

/**
 * Shortens `text` so that `escape(result)` is at most `max` characters, ending with a visible marker
 * (`… (N more characters)`). Walks whole code points, adding each one's escaped width, so no surrogate pair or entity
 * is split. `escape` must work character by character (HTML entities, mrkdwn, markdown backslashes all do).
 */
export function shorten(text: string, max: number, escape: (s: string) => string = (s) => s): string {
  if (escape(text).length <= max) return text;
  const chars = Array.from(text);
  const budget = max - escape(marker(chars.length)).length;
  let used = 0;
  let keep = 0;
  while (keep < chars.length) {
    const width = escape(chars[keep]!).length;
    if (used + width > budget) break;
    used += width;
    keep += 1;
  }
  return chars.slice(0, keep).join('') + marker(chars.length - keep);
}
