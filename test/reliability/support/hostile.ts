// What the hostile-webhook tables of every source share: building hostile bodies, and the checks every answer must
// pass whatever arrived (the status expected, never a stack trace, nothing stored unless signed and fresh, a signed
// but unusable body quarantined, Object.prototype never polluted).
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { expect } from 'vitest';
import { NOW_MS, testApp, type TestApp } from '../../support/harness.js';

export type Stored = 'nothing' | 'event' | 'quarantine';

/** One row of a table: what is sent, and the answer and database rows it must get. */
export interface HostileCase {
  name: string;
  body: string | Uint8Array;
  /** Header overrides; `null` removes the header. By default every header is correct for the body. */
  headers?: Record<string, string | null>;
  /** Signs this body instead of the one sent (a valid signature over a different body). */
  signedBody?: string;
  status: number;
  stored: Stored;
}

/** The correct headers of a request with a case's overrides applied. */
export function withOverrides(headers: Record<string, string>, overrides: HostileCase['headers'] = {}): Record<string, string> {
  const result = { ...headers };
  for (const [name, value] of Object.entries(overrides)) {
    if (value === null) delete result[name];
    else result[name] = value;
  }
  return result;
}

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

/** Streams `total` bytes in chunks (no Content-Length) to a real server; resolves with the status (-1: connection error). */
function postChunked(port: number, path: string, headers: Record<string, string>, total: number): Promise<number> {
  return new Promise<number>((resolve) => {
    const req = httpRequest({ host: '127.0.0.1', port, method: 'POST', path, headers }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', () => resolve(-1));
    const chunk = 'x'.repeat(16 * 1024);
    for (let sent = 0; sent < total; sent += chunk.length) req.write(chunk);
    req.end();
  });
}

/** `init` (signed and fresh at NOW_MS) is accepted; the same request 301 s later is refused (401) and stores nothing. */
export async function expectLateReplayRefused(path: string, init: RequestInit): Promise<void> {
  let now = NOW_MS;
  const t = testApp({ clock: () => now });
  try {
    expect((await t.app.request(path, init)).status).toBe(200);
    now += 301_000;
    const replay = await t.app.request(path, init);
    expect(replay.status).toBe(401);
    expect(await replay.json()).toEqual({ error: 'timestamp outside the allowed window; check the server clock' });
    expect(countRows(t, 'events')).toBe(1);
  } finally {
    t.cleanup();
  }
}

/** Two signed requests with one event id and different bodies: the second is a duplicate, the first body stays, one alert. */
export async function expectReusedIdDuplicate(path: string, first: { init: RequestInit; body: string }, second: RequestInit): Promise<void> {
  const t = testApp();
  try {
    t.db.$client.exec("insert into chats (platform, platform_chat_id, kind) values ('console', 'c1', 'private')");
    t.db.$client.exec("insert into subscriptions (chat_id, coin_id, field) values (1, '*', '*')");
    expect(await (await t.app.request(path, first.init)).json()).toMatchObject({ status: 'recorded', deliveries: 1 });
    const again = await t.app.request(path, second);
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ status: 'duplicate' });
    expect(t.db.$client.prepare('select raw_body from events').all()).toEqual([{ raw_body: first.body }]);
    expect(countRows(t, 'deliveries')).toBe(1);
  } finally {
    t.cleanup();
  }
}

/** `total` bytes streamed without a Content-Length to a real server on 127.0.0.1: the status, and what was stored. */
export async function streamToServer(path: string, headers: Record<string, string>, total: number): Promise<{ status: number; stored: number }> {
  const t = testApp();
  const server = await new Promise<ReturnType<typeof serve>>((ready) => {
    const started = serve({ fetch: t.app.fetch, port: 0, hostname: '127.0.0.1' }, () => ready(started));
  });
  try {
    const status = await postChunked((server.address() as AddressInfo).port, path, headers, total);
    return { status, stored: countRows(t, 'events') + countRows(t, 'quarantine') };
  } finally {
    await new Promise<void>((done) => server.close(() => done()));
    t.cleanup();
  }
}
