// Posts a body to a coinsentry webhook URL signed like CoinGecko would: the shared client of send-test-event and the demo.
import { signWebhook } from './verify-signature.js';

export interface PostSignedOptions {
  url: string;
  secret: string;
  eventId: string;
  body: Uint8Array | string;
  /** UNIX seconds; defaults to now. */
  timestamp?: string;
}

export async function postSignedWebhook(options: PostSignedOptions): Promise<Response> {
  const timestamp = options.timestamp ?? String(Math.floor(Date.now() / 1000));
  return fetch(options.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-cg-timestamp': timestamp,
      'x-cg-event-id': options.eventId,
      'x-cg-signature': signWebhook(options.secret, timestamp, options.eventId, options.body),
    },
    body: options.body,
  });
}
