// Posts a body to a coinsentry webhook URL signed as its provider would sign it: the shared client of send-test-event
// and the demo.
import type { SourceClient } from './source.js';

export interface PostSignedOptions {
  url: string;
  /** How the provider signs (a source module's `client`). */
  client: SourceClient;
  secret: string;
  eventId: string;
  body: Uint8Array | string;
  /** Milliseconds since the epoch; defaults to now. */
  nowMs?: number;
}

export async function postSignedWebhook(options: PostSignedOptions): Promise<Response> {
  const { headers, body } = options.client.request({
    secret: options.secret,
    body: options.body,
    eventId: options.eventId,
    nowMs: options.nowMs ?? Date.now(),
  });
  return fetch(options.url, { method: 'POST', headers, body });
}
