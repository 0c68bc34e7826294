// Hand-written hostile webhooks, each with the answer it must get and what it may leave in the database. Whatever
// arrives, the answer is never a 5xx, nothing is stored for a request that is not correctly signed and fresh, a signed
// but unusable body is quarantined (202), Object.prototype is never polluted, and a retried event id changes nothing.
// The last cases go over a real socket to the server, for what only the HTTP parser sees (header sizes, lying lengths).
import { connect, type AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { afterEach, describe, expect, it } from 'vitest';
import { signWebhook } from '../../src/sources/coingecko/verify-signature.js';
import { NOW_MS, SECRET, fixture, testApp, type TestApp } from '../support/harness.js';
import {
  bytes,
  countRows,
  deep,
  expectHostileAnswer,
  expectLateReplayRefused,
  expectReusedIdDuplicate,
  streamToServer,
  withOverrides,
  type HostileCase,
} from './support/hostile.js';

const URL_PATH = '/webhooks/coingecko';
const NOW_S = String(NOW_MS / 1000);
const MAX_BODY = 256 * 1024;

let t: TestApp | undefined;
let server: ServerType | undefined;
afterEach(async () => {
  if (server) await new Promise<void>((resolve) => server!.close(() => resolve()));
  server = undefined;
  t?.cleanup();
  t = undefined;
});

interface Hostile extends HostileCase {
  /** The event id the signature is made over (default: the one sent). */
  eventId?: string;
}

const event = (data: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ event_type: 'cg.coin.info.updated', ...extra, data });
const change = (c: Record<string, unknown>) => event({ id: 'hostile-coin', symbol: 'hc', name: 'Hostile', changes: [c] });
const nameUpdate = { field: 'name', change_type: 'update', old_value: 'a', new_value: 'b' };
const padTo = (size: number) => {
  const base = event({ id: 'padded', symbol: 'pd', name: '', changes: [nameUpdate] });
  return base.replace('"name":""', `"name":"${'p'.repeat(size - base.length)}"`);
};

const CASES: Hostile[] = [
  // Size
  { name: 'a body over the limit, with its Content-Length', body: padTo(MAX_BODY + 1), headers: { 'content-length': String(MAX_BODY + 1) }, status: 413, stored: 'nothing' },
  { name: 'a body over the limit, streamed without a Content-Length', body: padTo(MAX_BODY + 1), status: 413, stored: 'nothing' },
  { name: 'a 2 MiB body', body: padTo(2 * 1024 * 1024), status: 413, stored: 'nothing' },
  { name: 'a Content-Length far over the limit', body: '{}', headers: { 'content-length': String(10 * 1024 * 1024 * 1024) }, status: 413, stored: 'nothing' },
  { name: 'a body of exactly the limit', body: padTo(MAX_BODY), status: 200, stored: 'event' },
  { name: 'a 100 KB signature header', body: fixture('name-update'), headers: { 'x-cg-signature': 'a'.repeat(100_000) }, status: 401, stored: 'nothing' },
  { name: 'a 10 KB event id', body: fixture('name-update'), eventId: 'e'.repeat(10_000), status: 400, stored: 'nothing' },
  { name: 'an event id of 200 characters (the most allowed)', body: fixture('name-update'), eventId: `evt-${'x'.repeat(196)}`, status: 200, stored: 'event' },
  // Structure
  { name: 'arrays nested 100,000 deep in a change value', body: change({ ...nameUpdate, new_value: JSON.parse('0') }).replace('"new_value":0', `"new_value":${deep(100_000, '[', ']')}`), status: 202, stored: 'quarantine' },
  { name: 'objects nested 40,000 deep in a change value', body: change({ ...nameUpdate, old_value: 0 }).replace('"old_value":0', `"old_value":${deep(40_000, '{"a":', '}')}`), status: 202, stored: 'quarantine' },
  { name: 'arrays nested 33 deep in a change value (one more than allowed)', body: change({ ...nameUpdate, new_value: 0 }).replace('"new_value":0', `"new_value":${deep(33, '[', ']')}`), status: 202, stored: 'quarantine' },
  { name: 'arrays nested 32 deep in a change value', body: change({ ...nameUpdate, new_value: 0 }).replace('"new_value":0', `"new_value":${deep(32, '[', ']')}`), status: 200, stored: 'event' },
  { name: 'arrays nested 100,000 deep as the whole body', body: deep(100_000, '[', ']'), status: 202, stored: 'quarantine' },
  { name: 'deep nesting under an unknown key of data', body: event({ id: 'deep-extra', changes: [nameUpdate], extra: 0 }).replace('"extra":0', `"extra":${deep(50_000, '[', ']')}`), status: 200, stored: 'event' },
  {
    name: '5,000 changes in one event',
    body: event({ id: 'many-changes', changes: Array.from({ length: 5000 }, () => ({ field: 'categories', change_type: 'addition' })) }),
    status: 200,
    stored: 'event',
  },
  {
    name: '4,000 changes to distinct fields',
    body: event({ id: 'many-fields', changes: Array.from({ length: 4000 }, (_, i) => ({ field: `f${i}.${i}`, change_type: 'update' })) }),
    status: 200,
    stored: 'event',
  },
  { name: 'an array of 30,000 numbers as a value', body: change({ ...nameUpdate, new_value: Array.from({ length: 30_000 }, (_, i) => i) }), status: 200, stored: 'event' },
  // Encoding
  { name: 'invalid UTF-8 inside a string value', body: bytes(change({ ...nameUpdate, new_value: 'X' }).split('"X"')[0]!, '"', [0xff, 0xfe, 0xc3], '"', change({ ...nameUpdate, new_value: 'X' }).split('"X"')[1]!), status: 200, stored: 'event' },
  { name: 'invalid UTF-8 outside strings', body: bytes('{"event_type":', [0xc0, 0x80], '}'), status: 202, stored: 'quarantine' },
  { name: 'a raw NUL byte in the body', body: bytes('{"event_type":"cg.coin.info.updated",', [0], '"data":{}}'), status: 202, stored: 'quarantine' },
  { name: 'an escaped NUL in the coin name', body: event({ id: 'nul-name', name: 'Bit\u0000coin', changes: [nameUpdate] }), status: 200, stored: 'event' },
  { name: 'a UTF-8 byte order mark before the JSON', body: `\uFEFF${fixture('name-update')}`, status: 202, stored: 'quarantine' },
  { name: 'an empty body', body: '', status: 202, stored: 'quarantine' },
  { name: 'JSON null', body: 'null', status: 202, stored: 'quarantine' },
  { name: 'a JSON array', body: '[]', status: 202, stored: 'quarantine' },
  { name: 'a JSON string', body: '"cg.coin.info.updated"', status: 202, stored: 'quarantine' },
  // Types
  { name: 'a number as the field name', body: change({ ...nameUpdate, field: 123 }), status: 202, stored: 'quarantine' },
  { name: 'an object as the field name', body: change({ ...nameUpdate, field: { $gt: '' } }), status: 202, stored: 'quarantine' },
  { name: 'null as the field name', body: change({ ...nameUpdate, field: null }), status: 202, stored: 'quarantine' },
  { name: 'a number as the coin id', body: event({ id: 123, changes: [nameUpdate] }), status: 202, stored: 'quarantine' },
  { name: 'a number as the symbol', body: event({ id: 'num-symbol', symbol: 42, changes: [nameUpdate] }), status: 202, stored: 'quarantine' },
  { name: 'a number as the event type', body: JSON.stringify({ event_type: 7, data: { id: 'x' } }), status: 202, stored: 'quarantine' },
  { name: 'an unknown change type', body: change({ ...nameUpdate, change_type: 'delete' }), status: 202, stored: 'quarantine' },
  { name: 'changes as an object', body: event({ id: 'obj-changes', changes: { 0: nameUpdate } }), status: 202, stored: 'quarantine' },
  { name: 'an empty field name', body: change({ ...nameUpdate, field: '' }), status: 202, stored: 'quarantine' },
  // Prototype pollution
  { name: '__proto__ at the top level', body: `{"__proto__":{"polluted":"yes"},${fixture('name-update').slice(1)}`, status: 200, stored: 'event' },
  { name: '__proto__ inside data', body: event({ id: 'proto-data', changes: [nameUpdate] }).replace('"data":{', '"data":{"__proto__":{"polluted":"yes","id":"evil"},'), status: 200, stored: 'event' },
  { name: '__proto__ inside a change', body: change(nameUpdate).replace('{"field"', '{"__proto__":{"polluted":"yes"},"field"'), status: 200, stored: 'event' },
  { name: 'constructor.prototype', body: event({ id: 'ctor', changes: [nameUpdate], constructor: { prototype: { polluted: 'yes' } } }), status: 200, stored: 'event' },
  { name: '__proto__ as the coin id', body: event({ id: '__proto__', changes: [nameUpdate] }), status: 200, stored: 'event' },
  { name: '__proto__ as a field name', body: change({ ...nameUpdate, field: '__proto__' }), status: 200, stored: 'event' },
  // Timestamps
  { name: 'a timestamp with a fraction', body: fixture('name-update'), headers: { 'x-cg-timestamp': `${NOW_S}.5` }, status: 400, stored: 'nothing' },
  { name: 'a negative timestamp', body: fixture('name-update'), headers: { 'x-cg-timestamp': `-${NOW_S}` }, status: 400, stored: 'nothing' },
  { name: 'a timestamp in milliseconds', body: fixture('name-update'), headers: { 'x-cg-timestamp': String(NOW_MS) }, status: 400, stored: 'nothing' },
  { name: 'a timestamp in exponent notation', body: fixture('name-update'), headers: { 'x-cg-timestamp': '1.776066e9' }, status: 400, stored: 'nothing' },
  { name: 'a hexadecimal timestamp', body: fixture('name-update'), headers: { 'x-cg-timestamp': '0x69DD6A50' }, status: 400, stored: 'nothing' },
  { name: 'a far-future timestamp', body: fixture('name-update'), headers: { 'x-cg-timestamp': '99999999999' }, status: 401, stored: 'nothing' },
  { name: 'the epoch as the timestamp', body: fixture('name-update'), headers: { 'x-cg-timestamp': '0' }, status: 401, stored: 'nothing' },
  { name: 'a timestamp just past the window', body: fixture('name-update'), headers: { 'x-cg-timestamp': String(NOW_MS / 1000 - 301) }, status: 401, stored: 'nothing' },
  // Event ids
  { name: 'SQL in the event id', body: fixture('name-update'), eventId: "evt'); drop table events; --", status: 200, stored: 'event' },
  { name: 'a path in the event id', body: fixture('name-update'), eventId: '../../../etc/passwd', status: 200, stored: 'event' },
  { name: 'percent and wildcard characters in the event id', body: fixture('name-update'), eventId: '%_*?%00%2e%2e', status: 200, stored: 'event' },
  { name: 'Latin-1 characters in the event id', body: fixture('name-update'), eventId: 'evt-Ã©Ã¼', status: 200, stored: 'event' },
  { name: 'SQL and markup in the coin id', body: event({ id: "x'); delete from chats; --<script>", changes: [nameUpdate] }), status: 200, stored: 'event' },
  // Signatures
  { name: 'a valid signature over a different body', body: fixture('name-update'), signedBody: fixture('category-addition'), status: 401, stored: 'nothing' },
  { name: 'a valid signature over a different event id', body: fixture('name-update'), headers: { 'x-cg-event-id': 'evt-swapped' }, eventId: 'evt-original', status: 401, stored: 'nothing' },
  { name: 'a signature with a sha256= prefix', body: fixture('name-update'), headers: { 'x-cg-signature': `sha256=${signWebhook(SECRET, NOW_S, 'evt-prefixed', fixture('name-update'))}` }, eventId: 'evt-prefixed', status: 401, stored: 'nothing' },
  { name: 'a base64 signature', body: fixture('name-update'), headers: { 'x-cg-signature': Buffer.from('x'.repeat(32)).toString('base64') }, status: 401, stored: 'nothing' },
  { name: 'two signatures in one header', body: fixture('name-update'), headers: { 'x-cg-signature': `${'0'.repeat(64)}, ${'1'.repeat(64)}` }, status: 401, stored: 'nothing' },
  { name: 'a signature of 64 non-hex characters', body: fixture('name-update'), headers: { 'x-cg-signature': 'z'.repeat(64) }, status: 401, stored: 'nothing' },
  { name: 'no signature header', body: fixture('name-update'), headers: { 'x-cg-signature': null }, status: 400, stored: 'nothing' },
  { name: 'no event id header', body: fixture('name-update'), headers: { 'x-cg-event-id': null }, status: 400, stored: 'nothing' },
  { name: 'no timestamp header', body: fixture('name-update'), headers: { 'x-cg-timestamp': null }, status: 400, stored: 'nothing' },
  { name: 'an unsigned body that would pollute prototypes', body: '{"__proto__":{"polluted":"yes"}}', headers: { 'x-cg-signature': '0'.repeat(64) }, status: 401, stored: 'nothing' },
];

function request(c: Hostile): RequestInit {
  const eventId = c.eventId ?? `evt-hostile-${CASES.indexOf(c)}`;
  const headers = withOverrides(
    {
      'content-type': 'application/json',
      'x-cg-timestamp': NOW_S,
      'x-cg-event-id': eventId,
      'x-cg-signature': signWebhook(SECRET, c.headers?.['x-cg-timestamp'] ?? NOW_S, eventId, c.signedBody ?? c.body),
    },
    c.headers,
  );
  return { method: 'POST', headers, body: c.body };
}

const count = (table: string) => countRows(t!, table);

describe('hostile webhooks', () => {
  it(`has at least 40 cases`, () => expect(CASES.length).toBeGreaterThanOrEqual(40));

  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    t = testApp();
    await expectHostileAnswer(t, await t.app.request(URL_PATH, request(c)), c);
    if (c.stored === 'event') {
      const row = t.db.$client.prepare('select event_id, coin_id from events').get() as { event_id: string; coin_id: string };
      expect(row.event_id).toBe(c.eventId ?? `evt-hostile-${CASES.indexOf(c)}`);
    }
  });

  it.each([
    [10_000, 200, 'event'],
    [10_001, 202, 'quarantine'],
  ] as const)('with WEBHOOK_MAX_BODY_BYTES at 16 MiB, %i changes to distinct fields: %i', async (n, status, stored) => {
    t = testApp({ env: { WEBHOOK_MAX_BODY_BYTES: String(16 * 1024 * 1024) } });
    const body = event({ id: 'very-many-fields', changes: Array.from({ length: n }, (_, i) => ({ field: `f${i}.${i}`, change_type: 'update' })) });
    const res = await t.app.request(URL_PATH, request({ name: 'many', body, eventId: `evt-many-${n}`, status, stored }));
    expect(res.status).toBe(status);
    expect(count(stored === 'event' ? 'events' : 'quarantine')).toBe(1);
  });

  it('a replay of an accepted request after the tolerance window is refused and changes nothing', async () => {
    await expectLateReplayRefused(URL_PATH, request({ name: 'replay', body: fixture('name-update'), eventId: 'evt-replayed', status: 200, stored: 'event' }));
  });

  it('the same event id with a different body is a duplicate: the first body stays, no new alert', async () => {
    const first = { name: 'first', body: fixture('name-update'), eventId: 'evt-same', status: 200, stored: 'event' as const };
    await expectReusedIdDuplicate(URL_PATH, { init: request(first), body: first.body }, request({ ...first, body: fixture('category-addition') }));
  });
});

describe('hostile requests over a real socket', () => {
  async function listen(): Promise<number> {
    t = testApp();
    const app = t.app;
    return new Promise((resolve) => {
      server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) => resolve(info.port));
    });
  }

  /** Writes raw bytes and returns the status line of the answer (or '' when the server just closes). */
  async function raw(port: number, text: string | Buffer): Promise<string> {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
    socket.on('error', () => undefined);
    socket.write(text);
    await new Promise<void>((resolve) => {
      socket.once('close', () => resolve());
      setTimeout(() => {
        socket.destroy();
        resolve();
      }, 1500);
    });
    return answer.split('\r\n')[0] ?? '';
  }

  const head = (lines: string[]) => `${['POST /webhooks/coingecko HTTP/1.1', 'host: 127.0.0.1', ...lines].join('\r\n')}\r\n\r\n`;

  it('answers 431 to 100 KB of headers and stores nothing', async () => {
    const port = await listen();
    const status = await raw(port, head([`x-cg-signature: ${'a'.repeat(100_000)}`, 'content-length: 2']) + '{}');
    expect(status).toMatch(/^HTTP\/1\.1 431/);
    expect(count('events') + count('quarantine')).toBe(0);
  });

  it.each([
    ['a non-numeric Content-Length', 'content-length: abc'],
    ['a negative Content-Length', 'content-length: -1'],
    ['two different Content-Lengths', 'content-length: 2\r\ncontent-length: 3'],
    ['Content-Length with chunked encoding', 'content-length: 2\r\ntransfer-encoding: chunked'],
  ])('answers 400 to %s', async (_name, line) => {
    const port = await listen();
    const status = await raw(port, head([line]) + '{}');
    expect(status).toMatch(/^HTTP\/1\.1 400/);
    expect(count('events') + count('quarantine')).toBe(0);
  });

  it('reads no more than Content-Length: the bytes after it are never taken as the signed body', async () => {
    const port = await listen();
    const body = fixture('name-update');
    const signature = signWebhook(SECRET, NOW_S, 'evt-short', body);
    await raw(port, head([`content-length: 10`, `x-cg-timestamp: ${NOW_S}`, 'x-cg-event-id: evt-short', `x-cg-signature: ${signature}`]) + body);
    // The first 10 bytes are the body (the signature does not match them); the rest is a malformed next request.
    expect(count('events') + count('quarantine')).toBe(0);
  });

  it('a chunked body over the limit is cut off with 413', async () => {
    const headers = { 'x-cg-timestamp': NOW_S, 'x-cg-event-id': 'evt-chunked', 'x-cg-signature': '0'.repeat(64) };
    expect(await streamToServer(URL_PATH, headers, 2 * MAX_BODY)).toEqual({ status: 413, stored: 0 });
  });
});
