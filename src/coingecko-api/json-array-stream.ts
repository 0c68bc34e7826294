// Reads a JSON array from a byte stream one element at a time: GET /coins/list?include_platform=true is an array of
// ~17,000 objects (several megabytes), and the directory is loaded from it without ever holding the whole text. The
// scanner only tracks nesting, strings and escapes to find where each element ends; JSON.parse reads the element.

/** The body is not a JSON array of the expected shape (or an element is larger than allowed). */
export class JsonStreamError extends Error {
  override name = 'JsonStreamError';
}

const OPEN = new Set(['[', '{']);
const CLOSE = new Set([']', '}']);
const WHITESPACE = new Set([' ', '\t', '\n', '\r']);

/**
 * Yields each element of the top-level JSON array in `chunks`, parsed, holding at most one element's text (and one
 * chunk) at a time. Throws a JsonStreamError when the body is not an array, is cut short, or an element exceeds
 * `maxElementChars`.
 */
export async function* jsonArrayElements(chunks: AsyncIterable<Uint8Array | string>, maxElementChars = 1 << 20): AsyncGenerator<unknown> {
  const decoder = new TextDecoder();
  let state = 'before' as 'before' | 'inside' | 'after';
  let depth = 0;
  let inString = false;
  let escaped = false;
  let element = '';
  let count = 0;
  const finish = (): unknown => {
    const text = element.trim();
    element = '';
    count += 1;
    if (!text) throw new JsonStreamError('an empty element in the array');
    try {
      return JSON.parse(text);
    } catch {
      throw new JsonStreamError('an element of the array is not valid JSON');
    }
  };
  for await (const chunk of chunks) {
    const text = typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    let start = 0;
    const ready: unknown[] = [];
    for (let i = 0; i < text.length; i += 1) {
      const ch = text[i]!;
      if (state === 'before') {
        if (ch === '[') {
          state = 'inside';
          depth = 1;
          start = i + 1;
        } else if (!WHITESPACE.has(ch)) throw new JsonStreamError('the body is not a JSON array');
        continue;
      }
      if (state === 'after') {
        if (!WHITESPACE.has(ch)) throw new JsonStreamError('text after the end of the array');
        continue;
      }
      if (inString) {
        if (escaped) escaped = false;
        else if (ch === '\\') escaped = true;
        else if (ch === '"') inString = false;
        continue;
      }
      if (ch === '"') inString = true;
      else if (OPEN.has(ch)) depth += 1;
      else if (CLOSE.has(ch)) {
        depth -= 1;
        if (depth === 0) {
          element += text.slice(start, i);
          if (element.trim() || count > 0) ready.push(finish());
          state = 'after';
        }
      } else if (ch === ',' && depth === 1) {
        element += text.slice(start, i);
        ready.push(finish());
        start = i + 1;
      }
    }
    if (state === 'inside') {
      element += text.slice(start);
      if (element.length > maxElementChars) throw new JsonStreamError(`an element of the array is larger than ${maxElementChars} characters`);
    }
    yield* ready;
  }
  if (state !== 'after') throw new JsonStreamError(state === 'before' ? 'the body is empty' : 'the body ends before the array does');
}
