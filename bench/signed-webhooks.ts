// Signed CoinGecko webhook requests for the benchmarks: realistic bodies (a contract migration with its notice) and
// headers signed exactly as CoinGecko signs them, each with its own event id.
import { signWebhook } from '../src/sources/coingecko/verify-signature.js';

export const BENCH_SECRET = 'whsec_bench';
export const WEBHOOK_PATH = '/webhooks/coingecko';

/** A `cg.coin.info.updated` body for `coinId`: a name change and an Ethereum contract migration (two changes). */
export function coinUpdateBody(coinId: string, n = 0): string {
  const hex = (seed: number) => `0x${(seed >>> 0).toString(16).padStart(8, '0').repeat(5)}`;
  return JSON.stringify({
    event_type: 'cg.coin.info.updated',
    data: {
      id: coinId,
      symbol: 'bch',
      name: `Bench Coin ${n}`,
      changes: [
        { field: 'name', change_type: 'update', old_value: `Bench Coin ${n - 1}`, new_value: `Bench Coin ${n}` },
        { field: 'platforms.ethereum', change_type: 'update', old_value: hex(n), new_value: hex(n + 1) },
      ],
    },
  });
}

/** The `x-cg-*` headers CoinGecko would send for this body and event id, timestamped now. */
export function signedHeaders(eventId: string, body: string, secret = BENCH_SECRET, nowMs = Date.now()): Record<string, string> {
  const timestamp = String(Math.floor(nowMs / 1000));
  return {
    'content-type': 'application/json',
    'x-cg-timestamp': timestamp,
    'x-cg-event-id': eventId,
    'x-cg-signature': signWebhook(secret, timestamp, eventId, body),
  };
}

/** POSTs one signed webhook to `baseUrl` and returns the response (body read). */
export async function postWebhook(baseUrl: string, eventId: string, body: string): Promise<{ status: number; text: string }> {
  const response = await fetch(`${baseUrl}${WEBHOOK_PATH}`, { method: 'POST', headers: signedHeaders(eventId, body), body });
  return { status: response.status, text: await response.text() };
}
