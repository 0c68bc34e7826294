// CEXPing's exchange-listing webhooks (seeds/004): one signature header over the raw body; event id and timestamp
// inside the signed JSON. So: 400 without the header, 401 for a wrong signature, then the body is parsed and its
// timestamp checked (401 outside the window), with the same statuses as CoinGecko's route. On when
// CEXPING_WEBHOOK_SECRET is set; CEXPing's body limit is 64 KB.
import type { Config } from '../../config.js';
import type { SourceModule, WebhookSource } from '../source.js';
import { parseCexping } from './parse-payload.js';
import { SIGNATURE_HEADER, signCexping, signatureOf, verifyCexping } from './verify-signature.js';

export const CEXPING = 'cexping';

/** CEXPing's documented payload limit is 64 KB; anything larger is not theirs. */
export const CEXPING_MAX_BODY_BYTES = 64 * 1024;

export function cexpingSource(config: NonNullable<Config['cexping']>): WebhookSource {
  return {
    name: CEXPING,
    maxBodyBytes: CEXPING_MAX_BODY_BYTES,
    open(header) {
      const signature = signatureOf(header);
      if (!signature) return { kind: 'refused', status: 400, reason: 'missing_header', error: `missing header: ${SIGNATURE_HEADER}` };
      return {
        verify: (rawBody) => verifyCexping(config.secrets, rawBody, signature),
        parse: (body, nowMs) => parseCexping(body, nowMs, config.toleranceSeconds),
      };
    },
  };
}

export const cexping: SourceModule = {
  name: CEXPING,
  create: (config) => (config.cexping ? cexpingSource(config.cexping) : { off: 'cexping is off (CEXPING_WEBHOOK_SECRET is not set)' }),
  client: {
    secretVariable: 'CEXPING_WEBHOOK_SECRET',
    fixtures: 'cexping',
    defaultFixture: 'new-listing',
    // CEXPing's event id and timestamp are part of the signed body: a test event gets fresh ones, as a real one would.
    request({ secret, body, eventId, nowMs }) {
      const stamped = stamp(body, eventId, Math.floor(nowMs / 1000));
      return { headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signCexping(secret, stamped) }, body: stamped };
    },
  },
};

function stamp(body: Uint8Array | string, eventId: string, timestamp: number): Uint8Array | string {
  try {
    const json: unknown = JSON.parse(typeof body === 'string' ? body : Buffer.from(body).toString('utf8'));
    if (typeof json !== 'object' || json === null || Array.isArray(json)) return body;
    return JSON.stringify({ ...json, event_id: eventId, timestamp });
  } catch {
    return body;
  }
}
