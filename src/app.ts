// The HTTP surface: one webhook route per enabled source, health, metrics, and whatever platform routes the
// composition root mounts. One error boundary: an unexpected exception is logged and answered with a bare 500, never a
// stack trace.
import { Hono } from 'hono';
import { checkDatabase } from './db/database-health.js';
import type { Db } from './db/open-database.js';
import { createEventRecorder } from './db/record-event.js';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';
import type { PlatformState } from './platforms/platform-state.js';
import { webhookSources } from './sources/index.js';
import type { SourcesConfig } from './sources/source.js';
import { webhookRoute, type WebhookRouteDeps } from './sources/webhook-route.js';

export interface AppDeps {
  db: Db;
  config: SourcesConfig;
  log: Logger;
  metrics: Metrics;
  clock?: () => number;
  onRecorded?: WebhookRouteDeps['onRecorded'];
  /** Each chat platform's connection state, shown by /healthz (which stays 200 while only a platform is down). */
  platformStates?: () => Record<string, PlatformState>;
  /** Extra routes (Telegram webhook, Slack commands), mounted at their path. */
  routes?: ReadonlyArray<{ path: string; app: Hono }>;
}

export function createApp(deps: AppDeps): Hono {
  const { db, log, metrics } = deps;
  const app = new Hono();

  // One recorder for every source: webhooks of both providers arriving together share a commit.
  const route = { recorder: createEventRecorder(db), clock: deps.clock ?? Date.now, log, metrics, onRecorded: deps.onRecorded };
  for (const source of webhookSources(deps.config).enabled) app.route(`/webhooks/${source.name}`, webhookRoute(source, route));
  for (const extra of deps.routes ?? []) app.route(extra.path, extra.app);

  // Healthy means webhooks can be recorded: the database takes writes (not merely answers reads). A platform being down
  // shows in the body but not in the status code, so a load balancer keeps sending webhooks (their alerts wait).
  app.get('/healthz', (c) => {
    const database = checkDatabase(db);
    const platforms = Object.fromEntries(
      Object.entries(deps.platformStates?.() ?? {}).map(([name, state]) => [name, { ...state, since: new Date(state.since).toISOString() }]),
    );
    if (database === 'ok') return c.json({ status: 'ok', database, platforms });
    return c.json({ status: 'unavailable', database, platforms }, 503);
  });

  app.get('/metrics', async (c) => {
    const body = await metrics.registry.metrics();
    return c.body(body, 200, { 'content-type': metrics.registry.contentType });
  });

  app.notFound((c) => c.json({ error: 'not found' }, 404));
  app.onError((error, c) => {
    log.error({ err: error, path: c.req.path }, 'unhandled error');
    return c.json({ error: 'internal error' }, 500);
  });
  return app;
}
