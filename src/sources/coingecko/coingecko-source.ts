// CoinGecko's `cg.coin.info.updated` webhooks (DESIGN.md §2): `x-cg-timestamp`, `x-cg-event-id` and `x-cg-signature`
// headers, checked before the body is read (400 for a missing or malformed one, 401 outside the time window); the
// signature covers `{timestamp}:{event_id}:{raw body}`; the event id is the dedupe key.
import { OUTSIDE_WINDOW, checkTimestamp } from '../freshness.js';
import type { HeaderReader, OpenedRequest, Refusal, SourceModule, SourcesConfig, WebhookSource } from '../source.js';
import { parsePayload } from './parse-payload.js';
import { signWebhook, verifySignature } from './verify-signature.js';

export const SOURCE_COINGECKO = 'coingecko';

/** Longest `x-cg-event-id` accepted (CoinGecko's are short ids). */
const MAX_EVENT_ID = 200;

const refuse = (status: 400 | 401, reason: string, error: string, eventId?: string): Refusal => ({
  kind: 'refused',
  status,
  reason,
  error,
  ...(eventId && { eventId }),
});

export function coingeckoSource(config: SourcesConfig['webhook']): WebhookSource {
  const { secrets, toleranceSeconds } = config;
  return {
    name: SOURCE_COINGECKO,
    maxBodyBytes: config.maxBodyBytes,
    eventIdHeader: 'x-cg-event-id',
    open(header: HeaderReader, nowMs: number): OpenedRequest | Refusal {
      const timestamp = header('x-cg-timestamp')?.trim() ?? '';
      const eventId = header('x-cg-event-id')?.trim() ?? '';
      const signature = header('x-cg-signature')?.trim() ?? '';
      const missing = [
        ['x-cg-timestamp', timestamp],
        ['x-cg-event-id', eventId],
        ['x-cg-signature', signature],
      ].filter(([, value]) => !value).map(([name]) => name);
      if (missing.length > 0) return refuse(400, 'missing_header', `missing header: ${missing.join(', ')}`, eventId);
      if (eventId.length > MAX_EVENT_ID) return refuse(400, 'bad_event_id', 'x-cg-event-id is longer than 200 characters', eventId);

      const fresh = checkTimestamp(timestamp, nowMs, toleranceSeconds);
      if (!fresh.ok) {
        if (fresh.reason === 'malformed') return refuse(400, 'bad_timestamp', 'x-cg-timestamp must be UNIX seconds', eventId);
        return refuse(401, `${fresh.reason}_timestamp`, OUTSIDE_WINDOW, eventId);
      }
      return {
        eventId,
        verify: (rawBody) => verifySignature(secrets, { timestamp, eventId, rawBody, signature }),
        parse(body) {
          const parsed = parsePayload(body.text);
          if (!parsed.ok) return { kind: 'malformed', eventId, occurredAt: fresh.seconds, reason: parsed.reason };
          return { kind: 'event', eventId, occurredAt: fresh.seconds, event: parsed.event };
        },
      };
    },
  };
}

export const coingecko: SourceModule = {
  name: SOURCE_COINGECKO,
  create: (config) => coingeckoSource(config.webhook),
  client: {
    secretVariable: 'COINGECKO_WEBHOOK_SECRET',
    fixtures: '',
    defaultFixture: 'name-update',
    request({ secret, body, eventId, nowMs }) {
      const timestamp = String(Math.floor(nowMs / 1000));
      return {
        headers: {
          'content-type': 'application/json',
          'x-cg-timestamp': timestamp,
          'x-cg-event-id': eventId,
          'x-cg-signature': signWebhook(secret, timestamp, eventId, body),
        },
        body,
      };
    },
  },
};
