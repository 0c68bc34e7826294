// Wires the pipeline from parts the caller made: webhook → record + match → outbox → dispatcher → platform adapters,
// and platform commands → command service → subscriptions. Used by main.ts, the demo and the end-to-end tests.
import type { Hono } from 'hono';
import { createApp } from './app.js';
import type { Config } from './config.js';
import { createCommandService, type CommandHandler } from './core/command-service.js';
import { sqliteChatStore } from './db/chat-store.js';
import type { Db } from './db/open-database.js';
import { deadLetters, outboxDepth } from './db/outbox.js';
import { backoffDelay, type BackoffOptions } from './delivery/backoff.js';
import { createDispatcher, type Dispatcher, type DispatcherDeps } from './delivery/dispatcher.js';
import type { Logger } from './logger.js';
import { createMetrics, type Metrics } from './metrics.js';
import type { PlatformAdapter } from './platforms/port.js';

export interface BotDeps {
  db: Db;
  config: Pick<Config, 'webhook' | 'cexping' | 'subscriptionLimit' | 'delivery'>;
  log: Logger;
  adapters: readonly PlatformAdapter[];
  clock?: () => number;
  processMetrics?: boolean;
  /** Dispatcher tuning (tests use a short sweep and fast retries). */
  sweepMs?: number;
  backoff?: DispatcherDeps['backoff'];
  /** Spacing of the retries of an adapter that could not start (default 5 s doubling up to 5 min, with jitter). */
  startRetry?: BackoffOptions;
}

export interface Bot {
  app: Hono;
  commands: CommandHandler;
  dispatcher: Dispatcher;
  metrics: Metrics;
  /** Starts the dispatcher and every adapter's command intake. */
  start(): Promise<void>;
  /** Stops the dispatcher, then the adapters (the caller closes the HTTP server and the database). */
  stop(): Promise<void>;
}

export function createBot(deps: BotDeps): Bot {
  const { db, log, adapters } = deps;
  const metrics = createMetrics({
    outboxDepth: () => outboxDepth(db),
    deadLetters: () => deadLetters(db),
    processMetrics: deps.processMetrics,
  });
  const commands = createCommandService(sqliteChatStore(db), { subscriptionLimit: deps.config.subscriptionLimit, clock: deps.clock });
  const dispatcher = createDispatcher({
    db,
    adapters,
    log: log.child({ component: 'dispatcher' }),
    metrics,
    maxAttempts: deps.config.delivery.maxAttempts,
    digest: deps.config.delivery.digest,
    clock: deps.clock,
    sweepMs: deps.sweepMs,
    backoff: deps.backoff,
  });
  const app = createApp({
    db,
    config: deps.config,
    log,
    metrics,
    clock: deps.clock,
    onRecorded: (result) => dispatcher.wake(result.chatIds),
    routes: adapters.flatMap((adapter) => adapter.routes?.(commands) ?? []),
  });

  let stopped = false;
  const retries = new Set<NodeJS.Timeout>();

  async function startAdapter(adapter: PlatformAdapter, attempt: number): Promise<void> {
    if (stopped) return;
    try {
      await adapter.start?.(commands);
      log.info({ platform: adapter.platform, attempt }, 'platform connected');
    } catch (error) {
      const delay = backoffDelay(attempt, undefined, { baseMs: 5000, maxMs: 5 * 60_000, ...deps.startRetry });
      log.error(
        { platform: adapter.platform, err: error, attempt, retry_in_ms: delay },
        `${adapter.platform} could not start; its commands are not received until it connects (trying again)`,
      );
      const timer = setTimeout(() => {
        retries.delete(timer);
        void startAdapter(adapter, attempt + 1);
      }, delay);
      timer.unref();
      retries.add(timer);
    }
  }

  return {
    app,
    commands,
    dispatcher,
    metrics,
    async start() {
      dispatcher.start();
      // A platform that cannot start (outage, refused token) must not stop the others or the webhook intake: CoinGecko
      // events are still recorded, its alerts wait in the outbox (or go out over REST), and its command intake is tried
      // again in the background until it connects.
      await Promise.all(adapters.map((adapter) => startAdapter(adapter, 1)));
    },
    async stop() {
      stopped = true;
      for (const timer of retries) clearTimeout(timer);
      retries.clear();
      // The dispatcher first: sends in flight finish while the platform clients are still connected.
      await dispatcher.stop();
      await Promise.allSettled(adapters.map((adapter) => adapter.stop?.()));
    },
  };
}
