// POST /webhooks/coingecko: size limit → headers → freshness → signature → parse → record, with the statuses of
// DESIGN.md §2. The 2xx is sent only after the transaction commits; one log line and one metric per request.
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Db } from '../db/open-database.js';
import { createEventRecorder, type Envelope, type RecordResult } from '../db/record-event.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import { parsePayload } from './parse-payload.js';
import { checkTimestamp, verifySignature } from './verify-signature.js';

export const SOURCE = 'coingecko';

export interface CoingeckoWebhookDeps {
  db: Db;
  secrets: readonly string[];
  toleranceSeconds: number;
  maxBodyBytes: number;
  clock: () => number;
  log: Logger;
  metrics: Metrics;
  /** Called after an event with deliveries has committed (wakes the dispatcher). */
  onRecorded?: (result: Extract<RecordResult, { kind: 'recorded' }>) => void;
}

type Outcome = 'accepted' | 'duplicate' | 'quarantined' | 'unhandled' | 'rejected';

export function coingeckoWebhook(deps: CoingeckoWebhookDeps): Hono {
  const { log, metrics } = deps;
  const recorder = createEventRecorder(deps.db);
  const app = new Hono();

  const finish = (
    c: Context,
    started: number,
    status: ContentfulStatusCode,
    outcome: Outcome,
    details: { reason?: string; eventId?: string; coin?: string | null; body: Record<string, unknown> },
  ) => {
    metrics.webhookRequests.inc({ source: SOURCE, outcome, reason: details.reason ?? '' });
    const line = {
      source: SOURCE,
      event_id: details.eventId,
      coin: details.coin ?? undefined,
      outcome,
      reason: details.reason,
      status,
      latency_ms: Math.round((performance.now() - started) * 100) / 100,
    };
    if (outcome === 'rejected' && status >= 500) log.error(line, 'webhook');
    else if (outcome === 'rejected' || outcome === 'quarantined') log.warn(line, 'webhook');
    else log.info(line, 'webhook');
    return c.json(details.body, status);
  };

  const tooLarge = (c: Context) =>
    finish(c, performance.now(), 413, 'rejected', {
      reason: 'too_large',
      eventId: c.req.header('x-cg-event-id'),
      body: { error: `body larger than ${deps.maxBodyBytes} bytes` },
    });
  const streamingLimit = bodyLimit({ maxSize: deps.maxBodyBytes, onError: tooLarge });

  app.post(
    '/',
    // With a Content-Length (CoinGecko always sends one) the size is known up front and the body is read on the server's
    // fast path; a chunked body goes through Hono's streaming limit, which counts bytes as they arrive.
    async (c, next) => {
      const length = c.req.header('content-length');
      if (length === undefined) return streamingLimit(c, next);
      if (Number(length) > deps.maxBodyBytes) return tooLarge(c);
      return next();
    },
    async (c) => {
      const started = performance.now();
      const timestamp = c.req.header('x-cg-timestamp')?.trim() ?? '';
      const eventId = c.req.header('x-cg-event-id')?.trim() ?? '';
      const signature = c.req.header('x-cg-signature')?.trim() ?? '';
      const reject = (status: ContentfulStatusCode, reason: string, error: string) =>
        finish(c, started, status, 'rejected', { reason, eventId: eventId || undefined, body: { error } });

      const missing = [
        ['x-cg-timestamp', timestamp],
        ['x-cg-event-id', eventId],
        ['x-cg-signature', signature],
      ].filter(([, value]) => !value).map(([name]) => name);
      if (missing.length > 0) return reject(400, 'missing_header', `missing header: ${missing.join(', ')}`);
      if (eventId.length > 200) return reject(400, 'bad_event_id', 'x-cg-event-id is longer than 200 characters');

      const fresh = checkTimestamp(timestamp, deps.clock(), deps.toleranceSeconds);
      if (!fresh.ok) {
        if (fresh.reason === 'malformed') return reject(400, 'bad_timestamp', 'x-cg-timestamp must be UNIX seconds');
        return reject(401, `${fresh.reason}_timestamp`, 'timestamp outside the allowed window; check the server clock');
      }

      const rawBytes = new Uint8Array(await c.req.arrayBuffer());
      if (!verifySignature(deps.secrets, { timestamp, eventId, rawBody: rawBytes, signature })) {
        return reject(401, 'bad_signature', 'invalid signature');
      }

      const envelope: Envelope = {
        source: SOURCE,
        eventId,
        occurredAt: fresh.seconds,
        rawBody: Buffer.from(rawBytes).toString('utf8'),
      };
      const parsed = parsePayload(envelope.rawBody);
      const stopTimer = metrics.dbWriteSeconds.startTimer();
      try {
        if (!parsed.ok) {
          const isNew = recorder.quarantine(envelope, parsed.reason);
          stopTimer();
          return finish(c, started, 202, 'quarantined', {
            reason: 'malformed_payload',
            eventId,
            body: { status: isNew ? 'quarantined' : 'duplicate', reason: parsed.reason },
          });
        }
        const result = await recorder.record(envelope, parsed.event);
        stopTimer();
        const coin = parsed.event.coin?.id ?? null;
        if (result.kind === 'duplicate') {
          return finish(c, started, 200, 'duplicate', { eventId, coin, body: { status: 'duplicate', event_id: eventId } });
        }
        if (result.deliveries > 0) deps.onRecorded?.(result);
        return finish(c, started, 200, parsed.event.handled ? 'accepted' : 'unhandled', {
          eventId,
          coin,
          body: { status: 'recorded', event_id: eventId, handled: parsed.event.handled, deliveries: result.deliveries },
        });
      } catch (error) {
        log.error({ err: error, event_id: eventId }, 'database write failed');
        return reject(503, 'db_unavailable', 'storage unavailable, retry later');
      }
    },
  );
  return app;
}
