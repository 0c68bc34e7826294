// The hostile-webhook table of hostile-webhooks.test.ts, for CEXPing's route: the same kinds of attack (sizes,
// nesting, encodings, wrong types, `__proto__`, odd timestamps, SQL and paths in ids, forged and replayed signatures)
// shaped for CEXPing, whose event id and timestamp are inside the signed body. Whatever arrives, the answer is never a
// 5xx or a stack trace, nothing is stored unless signed and fresh, and a signed but unusable body is quarantined (202).
import { afterEach, describe, expect, it } from 'vitest';
import { signCexping } from '../../src/sources/cexping/verify-signature.js';
import { CEXPING_SECRET, NOW_MS, testApp, type TestApp } from '../support/harness.js';
import {
  bytes,
  deep,
  expectHostileAnswer,
  expectLateReplayRefused,
  expectReusedIdDuplicate,
  streamToServer,
  withOverrides,
  type HostileCase,
} from './support/hostile.js';

const URL_PATH = '/webhooks/cexping';
const NOW_S = NOW_MS / 1000;
const MAX_BODY = 64 * 1024;

let t: TestApp | undefined;
afterEach(() => t?.cleanup());

interface Hostile extends HostileCase {
  /** The dedupe key an accepted event is stored under (default: `cxp_hostile`). */
  eventId?: string;
}

/** A signed-looking new listing, fresh, with `extra` fields replaced (undefined leaves one out). */
const listing = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    event_id: 'cxp_hostile',
    type: 'new_listing',
    timestamp: NOW_S,
    exchange: 'Binance',
    symbol: 'PEPEUSDT',
    listing_type: 'spot',
    volume_24h: 1000,
    ai_score: 50,
    latency_ms: 300,
    ...extra,
  });
/** A listing whose `key` holds `raw` JSON text as written (deep nesting that JSON.stringify could not build). */
const withRaw = (key: string, raw: string) => listing({ [key]: 0 }).replace(`"${key}":0`, `"${key}":${raw}`);
const padTo = (size: number) => {
  const base = listing({ note: '' });
  return base.replace('"note":""', `"note":"${'p'.repeat(size - base.length)}"`);
};
const sign = (body: string | Uint8Array) => signCexping(CEXPING_SECRET, body);

const CASES: Hostile[] = [
  // Size (CEXPing's limit is 64 KB)
  { name: 'a body over the limit, with its Content-Length', body: padTo(MAX_BODY + 1), headers: { 'content-length': String(MAX_BODY + 1) }, status: 413, stored: 'nothing' },
  { name: 'a body over the limit, streamed without a Content-Length', body: padTo(MAX_BODY + 1), status: 413, stored: 'nothing' },
  { name: 'a 2 MiB body', body: padTo(2 * 1024 * 1024), status: 413, stored: 'nothing' },
  { name: 'a Content-Length far over the limit', body: '{}', headers: { 'content-length': String(10 * 1024 * 1024 * 1024) }, status: 413, stored: 'nothing' },
  { name: 'a body of exactly the limit', body: padTo(MAX_BODY), status: 200, stored: 'event' },
  { name: 'a 100 KB signature header', body: listing(), headers: { 'x-cexping-signature': `sha256=${'a'.repeat(100_000)}` }, status: 401, stored: 'nothing' },
  { name: 'a 10 KB event id (quarantined under the hash of the body)', body: listing({ event_id: 'e'.repeat(10_000) }), status: 202, stored: 'quarantine' },
  { name: 'an event id of 200 characters (the most allowed)', body: listing({ event_id: `cxp-${'x'.repeat(196)}` }), eventId: `cxp-${'x'.repeat(196)}`, status: 200, stored: 'event' },
  // Structure
  // (as deep and as long as 64 KB allows)
  { name: 'arrays nested 30,000 deep as the volume', body: withRaw('volume_24h', deep(30_000, '[', ']')), status: 202, stored: 'quarantine' },
  { name: 'objects nested 10,000 deep as the exchange', body: withRaw('exchange', deep(10_000, '{"a":', '}')), status: 202, stored: 'quarantine' },
  { name: 'arrays nested 32,000 deep as the whole body', body: deep(32_000, '[', ']'), status: 202, stored: 'quarantine' },
  { name: 'deep nesting under an unknown key', body: withRaw('extra', deep(30_000, '[', ']')), status: 200, stored: 'event' },
  { name: 'an array of 10,000 numbers under an unknown key', body: listing({ extra: Array.from({ length: 10_000 }, (_, i) => i) }), status: 200, stored: 'event' },
  // Encoding
  { name: 'invalid UTF-8 inside the exchange name', body: bytes(listing({ exchange: 'X' }).split('"X"')[0]!, '"', [0xff, 0xfe, 0xc3], '"', listing({ exchange: 'X' }).split('"X"')[1]!), status: 200, stored: 'event' },
  { name: 'invalid UTF-8 outside strings', body: bytes('{"type":', [0xc0, 0x80], '}'), status: 202, stored: 'quarantine' },
  { name: 'a raw NUL byte in the body', body: bytes('{"type":"new_listing",', [0], '"event_id":"x"}'), status: 202, stored: 'quarantine' },
  { name: 'an escaped NUL in the exchange name', body: listing({ exchange: 'Bin\u0000ance' }), status: 200, stored: 'event' },
  { name: 'a UTF-8 byte order mark before the JSON', body: `\uFEFF${listing()}`, status: 202, stored: 'quarantine' },
  { name: 'an empty body', body: '', status: 202, stored: 'quarantine' },
  { name: 'JSON null', body: 'null', status: 202, stored: 'quarantine' },
  { name: 'a JSON array', body: '[]', status: 202, stored: 'quarantine' },
  { name: 'a JSON string', body: '"new_listing"', status: 202, stored: 'quarantine' },
  // Types
  { name: 'a number as the event id', body: listing({ event_id: 123 }), status: 202, stored: 'quarantine' },
  { name: 'an object as the event id', body: listing({ event_id: { $gt: '' } }), status: 202, stored: 'quarantine' },
  { name: 'a blank event id', body: listing({ event_id: '   ' }), status: 202, stored: 'quarantine' },
  { name: 'a number as the type', body: listing({ type: 7 }), status: 202, stored: 'quarantine' },
  { name: 'a number as the exchange', body: listing({ exchange: 42 }), status: 202, stored: 'quarantine' },
  { name: 'an empty exchange', body: listing({ exchange: '' }), status: 202, stored: 'quarantine' },
  { name: 'an object as the symbol', body: listing({ symbol: { base: 'PEPE' } }), status: 202, stored: 'quarantine' },
  { name: 'the volume as text', body: listing({ volume_24h: '1000' }), status: 202, stored: 'quarantine' },
  { name: 'an array as the timestamp', body: listing({ timestamp: [NOW_S] }), status: 202, stored: 'quarantine' },
  // Prototype pollution
  { name: '__proto__ at the top level', body: `{"__proto__":{"polluted":"yes"},${listing().slice(1)}`, status: 200, stored: 'event' },
  { name: '__proto__ as the exchange name', body: listing({ exchange: '__proto__' }), status: 200, stored: 'event' },
  { name: '__proto__ as the event type', body: listing({ type: '__proto__' }), status: 200, stored: 'event' },
  { name: 'constructor as the event type', body: listing({ type: 'constructor' }), status: 200, stored: 'event' },
  { name: 'constructor.prototype under an unknown key', body: listing({ constructor: { prototype: { polluted: 'yes' } } }), status: 200, stored: 'event' },
  { name: '__proto__ as the event id', body: listing({ event_id: '__proto__' }), eventId: '__proto__', status: 200, stored: 'event' },
  // Timestamps (inside the signed body)
  { name: 'a timestamp with a fraction', body: listing({ timestamp: NOW_S + 0.5 }), status: 202, stored: 'quarantine' },
  { name: 'a negative timestamp', body: listing({ timestamp: -NOW_S }), status: 202, stored: 'quarantine' },
  { name: 'a timestamp in milliseconds (not UNIX seconds)', body: listing({ timestamp: NOW_MS }), status: 202, stored: 'quarantine' },
  { name: 'a timestamp in exponent notation', body: listing({ timestamp: '1.776066e9' }), status: 202, stored: 'quarantine' },
  { name: 'a hexadecimal timestamp', body: listing({ timestamp: '0x69DD6A50' }), status: 202, stored: 'quarantine' },
  { name: 'a far-future timestamp', body: listing({ timestamp: 99_999_999_999 }), status: 401, stored: 'nothing' },
  { name: 'the epoch as the timestamp', body: listing({ timestamp: 0 }), status: 401, stored: 'nothing' },
  { name: 'a timestamp just past the window', body: listing({ timestamp: NOW_S - 301 }), status: 401, stored: 'nothing' },
  { name: 'a stale timestamp on a body that is otherwise unusable', body: listing({ timestamp: NOW_S - 3600, exchange: 42 }), status: 401, stored: 'nothing' },
  { name: 'the timestamp as a string of digits', body: listing({ timestamp: String(NOW_S) }), status: 200, stored: 'event' },
  // Event ids and names
  { name: 'SQL in the event id', body: listing({ event_id: "cxp'); drop table events; --" }), eventId: "cxp'); drop table events; --", status: 200, stored: 'event' },
  { name: 'a path in the event id', body: listing({ event_id: '../../../etc/passwd' }), eventId: '../../../etc/passwd', status: 200, stored: 'event' },
  { name: 'percent and wildcard characters in the event id', body: listing({ event_id: '%_*?%00%2e%2e' }), eventId: '%_*?%00%2e%2e', status: 200, stored: 'event' },
  { name: 'SQL and markup in the exchange and the pair', body: listing({ exchange: "x'); delete from chats; --<script>", symbol: '<b>PEPE</b>@everyone' }), status: 200, stored: 'event' },
  // Signatures
  { name: 'a valid signature over a different body', body: listing(), signedBody: listing({ exchange: 'OKX' }), status: 401, stored: 'nothing' },
  { name: 'a signature without the sha256= prefix', body: listing(), headers: { 'x-cexping-signature': sign(listing()).slice('sha256='.length) }, status: 401, stored: 'nothing' },
  { name: 'a signature under another algorithm name', body: listing(), headers: { 'x-cexping-signature': sign(listing()).replace('sha256=', 'sha1=') }, status: 401, stored: 'nothing' },
  { name: 'a base64 signature', body: listing(), headers: { 'x-cexping-signature': `sha256=${Buffer.from('x'.repeat(32)).toString('base64')}` }, status: 401, stored: 'nothing' },
  { name: 'two signatures in one header', body: listing(), headers: { 'x-cexping-signature': `sha256=${'0'.repeat(64)}, ${sign(listing())}` }, status: 401, stored: 'nothing' },
  { name: 'a signature of 64 non-hex characters', body: listing(), headers: { 'x-cexping-signature': `sha256=${'z'.repeat(64)}` }, status: 401, stored: 'nothing' },
  { name: 'no signature header', body: listing(), headers: { 'x-cexping-signature': null }, status: 400, stored: 'nothing' },
  { name: 'the signature under the spelling of CEXPing\'s examples', body: listing(), headers: { 'x-cexping-signature': null, 'x-cexpingz-signature': sign(listing()) }, status: 200, stored: 'event' },
  { name: 'a wrong documented header beside a right misspelt one (the documented one counts)', body: listing(), headers: { 'x-cexping-signature': `sha256=${'0'.repeat(64)}`, 'x-cexpingz-signature': sign(listing()) }, status: 401, stored: 'nothing' },
  { name: 'an unsigned body that would pollute prototypes', body: '{"__proto__":{"polluted":"yes"}}', headers: { 'x-cexping-signature': `sha256=${'0'.repeat(64)}` }, status: 401, stored: 'nothing' },
  { name: 'a ping with a forged signature', body: JSON.stringify({ type: 'ping', timestamp: NOW_S }), headers: { 'x-cexping-signature': `sha256=${'0'.repeat(64)}` }, status: 401, stored: 'nothing' },
  { name: 'a replayed ping from an hour ago', body: JSON.stringify({ type: 'ping', timestamp: NOW_S - 3600 }), status: 401, stored: 'nothing' },
];

function request(c: Hostile): RequestInit {
  const headers = withOverrides({ 'content-type': 'application/json', 'x-cexping-signature': sign(c.signedBody ?? c.body) }, c.headers);
  return { method: 'POST', headers, body: c.body };
}

describe('hostile CEXPing webhooks', () => {
  it('has at least 40 cases', () => expect(CASES.length).toBeGreaterThanOrEqual(40));

  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    t = testApp();
    await expectHostileAnswer(t, await t.app.request(URL_PATH, request(c)), c);
    if (c.stored === 'event') {
      const row = t.db.$client.prepare('select source, event_id from events').get();
      expect(row).toEqual({ source: 'cexping', event_id: c.eventId ?? 'cxp_hostile' });
    }
  });

  it('a replay of an accepted request after the tolerance window is refused and changes nothing', async () => {
    await expectLateReplayRefused(URL_PATH, request({ name: 'replay', body: listing(), status: 200, stored: 'event' }));
  });

  it('the same event id with a different body is a duplicate: the first body stays, no new alert', async () => {
    const first = { name: 'first', body: listing(), status: 200, stored: 'event' as const };
    await expectReusedIdDuplicate(URL_PATH, { init: request(first), body: first.body }, request({ ...first, body: listing({ exchange: 'OKX', type: 'delisting' }) }));
  });

  it('a chunked body over the limit is cut off with 413 over a real socket', async () => {
    expect(await streamToServer(URL_PATH, { 'x-cexping-signature': `sha256=${'0'.repeat(64)}` }, 2 * MAX_BODY)).toEqual({ status: 413, stored: 0 });
  });
});
