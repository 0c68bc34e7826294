// Text helpers shared by the renderers: visible shortening that never splits a character or an escape sequence.

/**
 * Shortens `text` so that `escape(result)` is at most `max` characters, ending with a visible marker
 * (`… (N more characters)`). Cuts between code points, before escaping, so no surrogate pair or entity is split.
 */
export function shorten(text: string, max: number, escape: (s: string) => string = (s) => s): string {
  if (escape(text).length <= max) return text;
  const chars = Array.from(text);
  let keep = Math.min(chars.length, max);
  for (;;) {
    const marker = `… (${chars.length - keep} more characters)`;
    const candidate = chars.slice(0, keep).join('') + marker;
    if (escape(candidate).length <= max || keep === 0) return candidate;
    // Shrink in proportion to the overshoot, at least one character at a time.
    const over = escape(candidate).length - max;
    keep = Math.max(0, keep - Math.max(1, Math.ceil(over / 2)));
  }
}
