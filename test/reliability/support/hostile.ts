// What the hostile-webhook tables of every source share: building hostile bodies, and the checks every answer must
// pass whatever arrived (the status expected, never a stack trace, nothing stored unless signed and fresh, a signed
// but unusable body quarantined, Object.prototype never polluted).
import { expect } from 'vitest';
import type { TestApp } from '../../support/harness.js';

export type Stored = 'nothing' | 'event' | 'quarantine';

/** `depth` openers, `core`, then `depth` closers: `[[[1]]]`, `{"a":{"a":1}}`. */
export const deep = (depth: number, open: string, close: string, core = '1') => open.repeat(depth) + core + close.repeat(depth);

/** Text and raw bytes (invalid UTF-8, NUL) joined into one body. */
export const bytes = (...parts: Array<string | number[]>) =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p))));

export const countRows = (t: TestApp, table: string) => (t.db.$client.prepare(`select count(*) as n from ${table}`).get() as { n: number }).n;

/** The answer to one hostile request, and what it left in the database. */
export async function expectHostileAnswer(t: TestApp, res: Response, expected: { status: number; stored: Stored }): Promise<void> {
  const text = await res.text();
  expect(res.status, text).toBe(expected.status);
  expect(text).not.toMatch(/at .*\.(ts|js):\d+/); // never a stack trace
  const stored = { events: countRows(t, 'events'), quarantine: countRows(t, 'quarantine') };
  expect(stored).toEqual({ events: expected.stored === 'event' ? 1 : 0, quarantine: expected.stored === 'quarantine' ? 1 : 0 });
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect(Object.prototype).not.toHaveProperty('polluted');
}
