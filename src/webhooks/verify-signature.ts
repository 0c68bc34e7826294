// CoinGecko's webhook signature: lowercase hex HMAC-SHA256 of `{timestamp}:{event_id}:{raw_body}`, keyed with the whole
// signing secret (its `whsec_` prefix included). Compared in constant time against every configured secret.
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface SignedRequest {
  timestamp: string;
  eventId: string;
  rawBody: Uint8Array;
  signature: string;
}

/** The signature CoinGecko would send for this request when signing with `secret`. */
export function signWebhook(secret: string, timestamp: string, eventId: string, rawBody: Uint8Array | string): string {
  return createHmac('sha256', secret).update(`${timestamp}:${eventId}:`).update(rawBody).digest('hex');
}

/**
 * True when `signature` was made with one of `secrets`. Every secret is tried (no early exit that would reveal which
 * one matched), and a signature of the wrong length is compared against a same-length dummy instead of throwing.
 */
export function verifySignature(secrets: readonly string[], request: SignedRequest): boolean {
  const given = Buffer.from(request.signature.trim().toLowerCase(), 'utf8');
  let valid = false;
  for (const secret of secrets) {
    const expected = Buffer.from(signWebhook(secret, request.timestamp, request.eventId, request.rawBody), 'utf8');
    const comparable = given.length === expected.length ? given : expected;
    const same = timingSafeEqual(comparable, expected);
    valid = (same && comparable === given) || valid;
  }
  return valid;
}

export type TimestampCheck = { ok: true; seconds: number } | { ok: false; reason: 'malformed' | 'stale' | 'future' };

/** Checks `x-cg-timestamp` (UNIX seconds) against the clock, `toleranceSeconds` either way. */
export function checkTimestamp(header: string, nowMs: number, toleranceSeconds: number): TimestampCheck {
  if (!/^\d{1,12}$/.test(header)) return { ok: false, reason: 'malformed' };
  const seconds = Number(header);
  const skew = seconds - nowMs / 1000;
  if (skew > toleranceSeconds) return { ok: false, reason: 'future' };
  if (skew < -toleranceSeconds) return { ok: false, reason: 'stale' };
  return { ok: true, seconds };
}
