// Slack request signing: `X-Slack-Signature` is `v0=` + hex HMAC-SHA256 of `v0:{X-Slack-Request-Timestamp}:{raw body}`
// keyed with the app's signing secret. Checked against an injected clock (a window both ways, against replays) and
// compared in constant time, never throwing on a signature of the wrong length.
import { createHmac, timingSafeEqual } from 'node:crypto';

/** Slack's advice: refuse requests whose timestamp is more than five minutes away from the local clock. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

export interface SlackSignedRequest {
  timestamp: string | undefined;
  signature: string | undefined;
  rawBody: Uint8Array | string;
}

export type SlackVerdict =
  | { ok: true }
  | { ok: false; reason: 'missing_headers' | 'bad_timestamp' | 'stale_timestamp' | 'future_timestamp' | 'bad_signature' };

/** The `X-Slack-Signature` Slack would send for this body and timestamp. */
export function signSlackRequest(signingSecret: string, timestamp: string, rawBody: Uint8Array | string): string {
  return `v0=${createHmac('sha256', signingSecret).update(`v0:${timestamp}:`).update(rawBody).digest('hex')}`;
}

/** Whether a request really comes from Slack, now (`nowMs`), within `toleranceSeconds` either way. */
export function verifySlackRequest(
  signingSecret: string,
  request: SlackSignedRequest,
  nowMs: number,
  toleranceSeconds = SIGNATURE_TOLERANCE_SECONDS,
): SlackVerdict {
  const timestamp = request.timestamp?.trim() ?? '';
  const signature = request.signature?.trim() ?? '';
  if (!timestamp || !signature) return { ok: false, reason: 'missing_headers' };
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'bad_timestamp' };
  const skew = Number(timestamp) - nowMs / 1000;
  if (skew > toleranceSeconds) return { ok: false, reason: 'future_timestamp' };
  if (skew < -toleranceSeconds) return { ok: false, reason: 'stale_timestamp' };

  const expected = Buffer.from(signSlackRequest(signingSecret, timestamp, request.rawBody), 'utf8');
  const given = Buffer.from(signature.toLowerCase(), 'utf8');
  // timingSafeEqual throws on unequal lengths: compare the expected value with itself instead, and still say no.
  const sameLength = given.length === expected.length;
  const equal = timingSafeEqual(sameLength ? given : expected, expected);
  return equal && sameLength ? { ok: true } : { ok: false, reason: 'bad_signature' };
}
