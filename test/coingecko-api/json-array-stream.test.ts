// The streaming reader of GET /coins/list: every element comes out whole wherever the chunks are cut, and a body that
// is not one array is refused with a clear reason.
import { describe, expect, it } from 'vitest';
import { JsonStreamError, jsonArrayElements } from '../../src/coingecko-api/json-array-stream.js';

async function read(chunks: Array<string | Uint8Array>, max?: number): Promise<unknown[]> {
  const out: unknown[] = [];
  async function* source() {
    yield* chunks;
  }
  for await (const element of jsonArrayElements(source(), max)) out.push(element);
  return out;
}

const TRICKY = [
  { id: 'a', name: 'Quote " and \\ backslash', platforms: { ethereum: '0xabc' } },
  { id: 'b', name: 'Brackets ]}[{ and , commas', nested: [[1, { x: '}' }], []] },
  { id: 'c', name: 'Unicode ☃ 🦎 and \u2028', platforms: {} },
  'a string element, with a ] in it',
  42,
  null,
];

describe('jsonArrayElements', () => {
  it('yields every element whole, wherever the body is cut', async () => {
    const text = ` \n${JSON.stringify(TRICKY, null, 1)}\n `;
    for (let cut = 1; cut < text.length; cut += 1) {
      expect(await read([text.slice(0, cut), text.slice(cut)]), `cut at ${cut}`).toEqual(TRICKY);
    }
  });

  it('decodes UTF-8 split inside a character', async () => {
    const bytes = new TextEncoder().encode(JSON.stringify([{ name: '🦎 gecko' }]));
    expect(await read([bytes.slice(0, 12), bytes.slice(12, 13), bytes.slice(13)])).toEqual([{ name: '🦎 gecko' }]);
  });

  it('reads an empty array', async () => {
    expect(await read(['[', ' ]'])).toEqual([]);
  });

  it.each([
    ['an error object instead of the list', ['{"status":{"error_code":10002}}'], 'not a JSON array'],
    ['a body cut short', ['[{"id":"a"},{"id":'], 'ends before the array does'],
    ['an empty body', [''], 'empty'],
    ['a trailing comma', ['[{"id":"a"},', ']'], 'empty element'],
    ['text after the array', ['[1] x'], 'after the end'],
    ['an element that is not JSON', ['[{"id": nope}]'], 'not valid JSON'],
  ])('refuses %s', async (_label, chunks, reason) => {
    await expect(read(chunks)).rejects.toThrow(JsonStreamError);
    await expect(read(chunks)).rejects.toThrow(reason);
  });

  it('refuses an element larger than the limit instead of buffering it', async () => {
    const huge = `[{"id":"${'x'.repeat(5000)}"}]`;
    await expect(read([huge.slice(0, 3000), huge.slice(3000)], 1000)).rejects.toThrow('larger than 1000 characters');
  });

  it('holds one element at a time: 200,000 coins (26 MB of JSON, 75 MB of heap if parsed whole) read in under 40 MB', async () => {
    const total = 200_000;
    async function* lazyList() {
      yield '[';
      for (let i = 0; i < total; i += 1000) {
        const batch = Array.from({ length: 1000 }, (_, j) => JSON.stringify({ id: `coin-${i + j}`, symbol: `c${i + j}`, name: `Coin ${i + j}`, platforms: { ethereum: `0x${(i + j).toString(16).padStart(40, '0')}` } }));
        yield `${i ? ',' : ''}${batch.join(',')}`;
      }
      yield ']';
    }
    globalThis.gc?.();
    const before = process.memoryUsage().heapUsed;
    let peak = before;
    let read = 0;
    let inOrder = true;
    for await (const element of jsonArrayElements(lazyList())) {
      inOrder &&= (element as { id: string }).id === `coin-${read}`;
      read += 1;
      if (read % 10_000 === 0) peak = Math.max(peak, process.memoryUsage().heapUsed);
    }
    expect(read).toBe(total);
    expect(inOrder).toBe(true);
    // Parsed whole, the list would take well over 60 MB of heap; garbage between collections stays far below that.
    expect(peak - before).toBeLessThan(40 * 1024 * 1024);
  });
});
