// POST /webhooks/<source>: size limit → the source's header checks → signature → parse → record, with the statuses of
// DESIGN.md §2 for every source. The 2xx is sent only after the transaction commits; nothing slow (no platform call)
// runs before the answer. One log line and one metric per request.
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { EventRecorder, RecordResult } from '../db/record-event.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { WebhookSource } from './source.js';

export interface WebhookRouteDeps {
  recorder: EventRecorder;
  clock: () => number;
  log: Logger;
  metrics: Metrics;
  /** Called after an event with deliveries has committed (wakes the dispatcher). */
  onRecorded?: (result: Extract<RecordResult, { kind: 'recorded' }>) => void;
}

type Outcome = 'accepted' | 'duplicate' | 'quarantined' | 'unhandled' | 'ping' | 'rejected';

export function webhookRoute(source: WebhookSource, deps: WebhookRouteDeps): Hono {
  const { log, metrics, recorder } = deps;
  const app = new Hono();

  const finish = (
    c: Context,
    started: number,
    status: ContentfulStatusCode,
    outcome: Outcome,
    details: { reason?: string; eventId?: string; coin?: string | null; body: Record<string, unknown> },
  ) => {
    metrics.webhookRequests.inc({ source: source.name, outcome, reason: details.reason ?? '' });
    const line = {
      source: source.name,
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
      eventId: source.eventIdHeader ? c.req.header(source.eventIdHeader) : undefined,
      body: { error: `body larger than ${source.maxBodyBytes} bytes` },
    });
  const streamingLimit = bodyLimit({ maxSize: source.maxBodyBytes, onError: tooLarge });

  app.post(
    '/',
    // With a Content-Length (providers send one) the size is known up front and the body is read on the server's fast
    // path; a chunked body goes through Hono's streaming limit, which counts bytes as they arrive.
    async (c, next) => {
      const length = c.req.header('content-length');
      if (length === undefined) return streamingLimit(c, next);
      if (Number(length) > source.maxBodyBytes) return tooLarge(c);
      return next();
    },
    async (c) => {
      const started = performance.now();
      const reject = (status: ContentfulStatusCode, reason: string, error: string, eventId?: string) =>
        finish(c, started, status, 'rejected', { reason, eventId, body: { error } });

      const opened = source.open((name) => c.req.header(name), deps.clock());
      if ('kind' in opened) return reject(opened.status, opened.reason, opened.error, opened.eventId);

      const bytes = new Uint8Array(await c.req.arrayBuffer());
      if (!opened.verify(bytes)) return reject(401, 'bad_signature', 'invalid signature', opened.eventId);

      const rawBody = Buffer.from(bytes).toString('utf8');
      const intake = opened.parse({ bytes, text: rawBody }, deps.clock());
      if (intake.kind === 'refused') return reject(intake.status, intake.reason, intake.error, intake.eventId);
      if (intake.kind === 'ping') return finish(c, started, 200, 'ping', { body: { status: 'ok' } });

      const { eventId } = intake;
      const envelope = { source: source.name, eventId, occurredAt: intake.occurredAt, rawBody };
      const stopTimer = metrics.dbWriteSeconds.startTimer();
      try {
        if (intake.kind === 'malformed') {
          const isNew = recorder.quarantine(envelope, intake.reason);
          stopTimer();
          return finish(c, started, 202, 'quarantined', {
            reason: 'malformed_payload',
            eventId,
            body: { status: isNew ? 'quarantined' : 'duplicate', reason: intake.reason },
          });
        }
        const { event } = intake;
        const result = await recorder.record(envelope, event);
        stopTimer();
        const coin = event.coin?.id ?? null;
        if (result.kind === 'duplicate') {
          return finish(c, started, 200, 'duplicate', { eventId, coin, body: { status: 'duplicate', event_id: eventId } });
        }
        if (result.deliveries > 0) deps.onRecorded?.(result);
        return finish(c, started, 200, event.handled ? 'accepted' : 'unhandled', {
          eventId,
          coin,
          body: { status: 'recorded', event_id: eventId, handled: event.handled, deliveries: result.deliveries },
        });
      } catch (error) {
        log.error({ err: error, event_id: eventId }, 'database write failed');
        return reject(503, 'db_unavailable', 'storage unavailable, retry later', eventId);
      }
    },
  );
  return app;
}
