import { describe, expect, it } from 'vitest';
import { checkTimestamp } from '../../../src/sources/freshness.js';
import { signWebhook, verifySignature } from '../../../src/sources/coingecko/verify-signature.js';

const body = '{"event_type":"cg.coin.info.updated","data":{"id":"bitcoin"}}';
const KNOWN = '3785971e6e8a1c23e98d071d78a3ea1c9aaed8be255bd06090969c8af4ef2ff9';
const request = (signature: string, rawBody: string = body) => ({
  timestamp: '1776066000',
  eventId: 'evt-1',
  rawBody: Buffer.from(rawBody),
  signature,
});

describe('verifySignature', () => {
  it('reproduces the known vector from DESIGN.md', () => {
    expect(signWebhook('whsec_test', '1776066000', 'evt-1', body)).toBe(KNOWN);
    expect(verifySignature(['whsec_test'], request(KNOWN))).toBe(true);
  });

  it('accepts a signature made with any of several secrets', () => {
    expect(verifySignature(['whsec_other', 'whsec_test'], request(KNOWN))).toBe(true);
  });

  it('rejects a signature made with another secret', () => {
    expect(verifySignature(['whsec_other'], request(KNOWN))).toBe(false);
  });

  it('rejects a body changed by one byte', () => {
    expect(verifySignature(['whsec_test'], request(KNOWN, body.replace('bitcoin', 'bitcoim')))).toBe(false);
  });

  it('rejects signatures of the wrong length without throwing', () => {
    for (const signature of ['', 'ab', KNOWN.slice(0, 63), `${KNOWN}00`, 'é'.repeat(32), KNOWN.repeat(10)]) {
      expect(verifySignature(['whsec_test'], request(signature))).toBe(false);
    }
  });

  it('accepts the hex in upper case', () => {
    expect(verifySignature(['whsec_test'], request(KNOWN.toUpperCase()))).toBe(true);
  });
});

describe('checkTimestamp', () => {
  const now = 1_776_066_000_000;
  it('accepts the edges of the window', () => {
    expect(checkTimestamp('1776065700', now, 300)).toEqual({ ok: true, seconds: 1776065700 });
    expect(checkTimestamp('1776066300', now, 300)).toEqual({ ok: true, seconds: 1776066300 });
  });
  it('refuses stale, future and malformed timestamps', () => {
    expect(checkTimestamp('1776065699', now, 300)).toEqual({ ok: false, reason: 'stale' });
    expect(checkTimestamp('1776066301', now, 300)).toEqual({ ok: false, reason: 'future' });
    for (const bad of ['-1', '1776066000.5', 'abc', '1e9', '1776066000000000']) {
      expect(checkTimestamp(bad, now, 300)).toEqual({ ok: false, reason: 'malformed' });
    }
  });
});
