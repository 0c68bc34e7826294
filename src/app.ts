// The HTTP surface: CoinGecko webhooks, health, metrics, and whatever platform routes the composition root mounts.
// One error boundary: an unexpected exception is logged and answered with a bare 500, never a stack trace.
import { Hono } from 'hono';
import type { Config } from './config.js';
import { checkDatabase } from './db/database-health.js';
import type { Db } from './db/open-database.js';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';
import { coingeckoWebhook, type CoingeckoWebhookDeps } from './webhooks/coingecko-route.js';

export interface AppDeps {
  db: Db;
  config: Pick<Config, 'webhook'>;
  log: Logger;
  metrics: Metrics;
  clock?: () => number;
  onRecorded?: CoingeckoWebhookDeps['onRecorded'];
  /** Extra routes (Telegram webhook, Slack commands), mounted at their path. */
  routes?: ReadonlyArray<{ path: string; app: Hono }>;
}

export function createApp(deps: AppDeps): Hono {
  const { db, log, metrics } = deps;
  const app = new Hono();

  app.route(
    '/webhooks/coingecko',
    coingeckoWebhook({
      db,
      log,
      metrics,
      secrets: deps.config.webhook.secrets,
      toleranceSeconds: deps.config.webhook.toleranceSeconds,
      maxBodyBytes: deps.config.webhook.maxBodyBytes,
      clock: deps.clock ?? Date.now,
      onRecorded: deps.onRecorded,
    }),
  );
  for (const route of deps.routes ?? []) app.route(route.path, route.app);

  // Healthy means webhooks can be recorded: the database takes writes (not merely answers reads).
  app.get('/healthz', (c) => {
    const database = checkDatabase(db);
    if (database === 'ok') return c.json({ status: 'ok', database });
    return c.json({ status: 'unavailable', database }, 503);
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
