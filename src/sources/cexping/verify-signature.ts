// CEXPing's webhook signature: `X-CEXPing-Signature: sha256=<hex HMAC-SHA256(secret, raw body)>`, compared in constant
// time against every configured secret. CEXPing's own code examples read the header as `x-cexpingz-signature`; both
// spellings are accepted, the documented one first.
import { hmacHex, matchesAnySecret } from '../signature.js';
import type { HeaderReader } from '../source.js';

export const SIGNATURE_HEADER = 'x-cexping-signature';
const TYPO_HEADER = 'x-cexpingz-signature';

/** The header value CEXPing would send for this body when signing with `secret`. */
export function signCexping(secret: string, rawBody: Uint8Array | string): string {
  return `sha256=${hmacHex(secret, rawBody)}`;
}

/** The signature header's value, trimmed; '' when neither spelling is present. */
export function signatureOf(header: HeaderReader): string {
  return header(SIGNATURE_HEADER)?.trim() || header(TYPO_HEADER)?.trim() || '';
}

/** True when `signature` (`sha256=<hex>`, any letter case) was made over `rawBody` with one of `secrets`. */
export function verifyCexping(secrets: readonly string[], rawBody: Uint8Array, signature: string): boolean {
  return matchesAnySecret(secrets, signature.toLowerCase(), (secret) => signCexping(secret, rawBody));
}
