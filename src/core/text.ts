// Text helpers shared by the renderers: visible shortening that never splits a character or an escape sequence.

/**
 * Bidirectional overrides and isolates (U+202A-U+202E, U+2066-U+2069). In a payload value one would reorder the text
 * after it (our own words, an address), so renderers show each as U+FFFD, one character for one: lengths hold.
 */
const BIDI_CONTROLS = /[\u202a-\u202e\u2066-\u2069]/g;
export const withoutBidiControls = (text: string): string => text.replace(BIDI_CONTROLS, '\uFFFD');

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
const marker = (rest: number) => `… (${rest} more character${rest === 1 ? '' : 's'})`;
/** Characters as a person counts them (code points), cheaply. */
const codePoints = (s: string) => s.length - (s.match(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g)?.length ?? 0);

/**
 * Shortens `text` so that `escape(result)` is at most `max` characters, ending with a visible marker
 * (`… (N more characters)`). Keeps whole graphemes, adding each one's escaped width, so no surrogate pair, emoji or
 * entity is split. `escape` must work character by character (HTML entities, mrkdwn, markdown backslashes all do).
 * Returns raw text: escape it once, where it is used.
 */
export function shorten(text: string, max: number, escape: (s: string) => string = (s) => s): string {
  if (text.length <= max && escape(text).length <= max) return text;
  const total = codePoints(text);
  // The marker only gets shorter as more is kept, so reserving the longest one is always enough.
  const reserve = escape(marker(total)).length;
  const room = reserve < max ? max - reserve : max - 1;
  let kept = '';
  let used = 0;
  // Every grapheme costs at least one character, so nothing beyond `max` can be kept: segment only that far (a payload
  // value may be hundreds of kilobytes, and this runs for every chat an alert goes to).
  for (const { segment } of graphemes.segment(text.slice(0, max + 1))) {
    const cost = escape(segment).length;
    if (used + cost > room) break;
    used += cost;
    kept += segment;
  }
  return reserve < max ? kept + marker(total - codePoints(kept)) : `${kept}…`;
}

/**
 * Packs lines (already escaped and each at most `max` long) into at most `maxChunks` messages of at most `max`
 * characters, breaking only between lines. What does not fit ends the last message with `note(hiddenLineCount)`.
 */
export function packLines(lines: readonly string[], max: number, maxChunks: number, note: (hidden: number) => string): string[] {
  const chunks: string[][] = [[]];
  const sizes = [0];
  let index = 0;
  for (; index < lines.length; index += 1) {
    const line = lines[index]!;
    const last = chunks.length - 1;
    const grown = chunks[last]!.length === 0 ? line.length : sizes[last]! + 1 + line.length;
    if (grown <= max) {
      chunks[last]!.push(line);
      sizes[last] = grown;
    } else if (chunks.length < maxChunks) {
      chunks.push([line]);
      sizes.push(line.length);
    } else break;
  }
  if (index < lines.length) {
    const last = chunks[chunks.length - 1]!;
    let size = sizes[sizes.length - 1]!;
    while (last.length > 0 && size + 1 + note(lines.length - index).length > max) {
      size -= last.pop()!.length + (last.length > 0 ? 1 : 0);
      index -= 1;
    }
    last.push(note(lines.length - index));
  }
  return chunks.map((chunk) => chunk.join('\n'));
}
