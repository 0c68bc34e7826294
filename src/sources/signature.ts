// The signature primitives every source shares: hex HMAC-SHA256 over raw bytes, compared in constant time against
// what each configured secret would give (several secrets: rotation, or several provider webhooks on one instance).
import { createHmac, timingSafeEqual } from 'node:crypto';

/** Lowercase hex HMAC-SHA256 of `parts`, one after the other, keyed with the whole `secret`. */
export function hmacHex(secret: string, ...parts: ReadonlyArray<string | Uint8Array>): string {
  const hmac = createHmac('sha256', secret);
  for (const part of parts) hmac.update(part);
  return hmac.digest('hex');
}

/**
 * True when `given` is `expected(secret)` for one of `secrets`. Every secret is tried (no early exit that would reveal
 * which one matched), and a value of the wrong length is compared against a same-length dummy instead of throwing.
 */
export function matchesAnySecret(secrets: readonly string[], given: string, expected: (secret: string) => string): boolean {
  const received = Buffer.from(given, 'utf8');
  let valid = false;
  for (const secret of secrets) {
    const wanted = Buffer.from(expected(secret), 'utf8');
    const comparable = received.length === wanted.length ? received : wanted;
    const same = timingSafeEqual(comparable, wanted);
    valid = (same && comparable === received) || valid;
  }
  return valid;
}
