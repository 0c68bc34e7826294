// CoinGecko's webhook signature: lowercase hex HMAC-SHA256 of `{timestamp}:{event_id}:{raw_body}`, keyed with the whole
// signing secret (its `whsec_` prefix included). Compared in constant time against every configured secret.
import { hmacHex, matchesAnySecret } from '../signature.js';

export interface SignedRequest {
  timestamp: string;
  eventId: string;
  rawBody: Uint8Array;
  signature: string;
}

/** The signature CoinGecko would send for this request when signing with `secret`. */
export function signWebhook(secret: string, timestamp: string, eventId: string, rawBody: Uint8Array | string): string {
  return hmacHex(secret, `${timestamp}:${eventId}:`, rawBody);
}

/** True when `signature` was made with one of `secrets` (see matchesAnySecret: constant time, never throws). */
export function verifySignature(secrets: readonly string[], request: SignedRequest): boolean {
  return matchesAnySecret(secrets, request.signature.trim().toLowerCase(), (secret) =>
    signWebhook(secret, request.timestamp, request.eventId, request.rawBody),
  );
}
