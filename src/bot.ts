// Wires the pipeline from parts the caller made: webhook → record + match → outbox → dispatcher → platform adapters,
// and platform commands → command service → subscriptions. Used by main.ts, the demo and the end-to-end tests.
import type { Hono } from 'hono';
import { createApp } from './app.js';
import type { CoinGeckoDirectory } from './coingecko-api/coingecko-directory.js';
import type { Config } from './config.js';
import type { CoinDirectory } from './core/coin-directory.js';
import { createCommandService, type CommandHandler } from './core/command-service.js';
import { sqliteChatStore } from './db/chat-store.js';
import type { Db } from './db/open-database.js';
import { createOutboxGauges } from './db/outbox-gauges.js';
import { backoffDelay, type BackoffOptions } from './delivery/backoff.js';
import { createChatNotices } from './delivery/chat-notices.js';
import { createAlertControls, sqliteButtonStore } from './delivery/alert-controls.js';
import { createDispatcher, type Dispatcher, type DispatcherDeps } from './delivery/dispatcher.js';
import { createEscalationJob, type EscalationJob } from './delivery/escalation.js';
import type { Logger } from './logger.js';
import { createMetrics, type Metrics } from './metrics.js';
import { PlatformUnauthorizedError, trackPlatformState, type PlatformState, type PlatformStateTracker } from './platforms/platform-state.js';
import type { Intake, PlatformAdapter } from './platforms/port.js';

export interface BotDeps {
  db: Db;
  config: Pick<Config, 'webhook' | 'cexping' | 'subscriptionLimit' | 'muteLimit' | 'access' | 'commandRate' | 'delivery'>;
  log: Logger;
  adapters: readonly PlatformAdapter[];
  clock?: () => number;
  processMetrics?: boolean;
  /** Dispatcher tuning (tests use a short sweep and fast retries). */
  sweepMs?: number;
  /** How often the outbox gauges of /metrics are counted (default 15 s; tests use less). */
  gaugeRefreshMs?: number;
  /** How often notices owed to chats (an admin's approve or revoke) are looked for (default 30 s). */
  noticeSweepMs?: number;
  backoff?: DispatcherDeps['backoff'];
  /** Spacing of the retries of an adapter that could not start (default 5 s doubling up to 5 min, with jitter). */
  startRetry?: BackoffOptions;
  /** Wait before trying again a platform that refused its credentials (default 10 min: a fixed token needs a restart anyway). */
  unauthorizedRetryMs?: number;
  /** Configured secrets, kept out of the error texts /healthz shows. */
  secrets?: readonly string[];
  /**
   * CoinGecko's coin directory (COINGECKO_API_KEY): loaded by `start()`, read by the commands, shown in /metrics; or
   * one loaded from a file (the demo), which has nothing to start.
   */
  directory?: CoinDirectory & Partial<Pick<CoinGeckoDirectory, 'start' | 'stop' | 'registerMetrics'>>;
  /** How often the escalation job looks for unacknowledged alerts (default one minute). */
  escalationIntervalMs?: number;
  /** Makes alert button tokens (tests make them predictable). */
  newButtonToken?: () => string;
}

export interface Bot {
  app: Hono;
  commands: CommandHandler;
  dispatcher: Dispatcher;
  metrics: Metrics;
  /** Reminders of unacknowledged high-severity alerts (ESCALATE_AFTER_MINUTES; runs only when that is set). */
  escalation: EscalationJob;
  /** Starts the dispatcher and every adapter's command intake. */
  start(): Promise<void>;
  /** Stops the dispatcher, then the adapters (the caller closes the HTTP server and the database). */
  stop(): Promise<void>;
  /** Each platform's connection state, by platform name. */
  platformStates(): Record<string, PlatformState>;
}

export function createBot(deps: BotDeps): Bot {
  const { db, log, adapters } = deps;
  const hidden = (deps.secrets ?? []).filter((secret) => secret.length >= 6);
  const scrub = (text: string) => hidden.reduce((out, secret) => out.split(secret).join('[redacted]'), text);
  const trackers = new Map<PlatformAdapter, PlatformStateTracker>(
    adapters.map((adapter) => [adapter, trackPlatformState({ platform: adapter.platform, log, clock: deps.clock, scrub })]),
  );
  const platformStates = () => Object.fromEntries(adapters.map((adapter) => [adapter.platform, trackerOf(adapter).get()]));
  const trackerOf = (adapter: PlatformAdapter) => trackers.get(adapter) as PlatformStateTracker;
  const gauges = createOutboxGauges(db, deps.gaugeRefreshMs);
  const metrics = createMetrics({
    outboxDepth: gauges.depth,
    deadLetters: gauges.dead,
    platformUp: () => Object.entries(platformStates()).map(([platform, state]) => ({ platform, up: state.status === 'connected' })),
    processMetrics: deps.processMetrics,
  });
  const clock = deps.clock ?? Date.now;
  const escalateAfterMinutes = deps.config.delivery.escalateAfterMinutes;
  const controls = createAlertControls(db, { clock, escalateAfterMinutes, newToken: deps.newButtonToken });
  const commands = createCommandService(sqliteChatStore(db), {
    subscriptionLimit: deps.config.subscriptionLimit,
    muteLimit: deps.config.muteLimit,
    access: { mode: deps.config.access.mode, admins: new Set(deps.config.access.admins) },
    rate: deps.config.commandRate,
    clock: deps.clock,
    log: log.child({ component: 'commands' }),
    directory: deps.directory,
    buttons: sqliteButtonStore(db, controls),
    observe: {
      press: (action, outcome) => metrics.buttonPresses.inc({ action, outcome }),
      acknowledged: (platform, seconds) => metrics.timeToAcknowledge.observe({ platform }, seconds),
    },
  });
  deps.directory?.registerMetrics?.(metrics.registry);
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
    escalateAfterMinutes,
    newButtonToken: deps.newButtonToken,
  });
  const escalation = createEscalationJob({
    db,
    afterMinutes: escalateAfterMinutes,
    clock,
    intervalMs: deps.escalationIntervalMs,
    log: log.child({ component: 'escalation' }),
    onQueued: (chatIds) => dispatcher.wake(chatIds),
  });
  const notices = createChatNotices({ db, adapters, replies: dispatcher.replies, log: log.child({ component: 'notices' }), sweepMs: deps.noticeSweepMs });
  const intake = (adapter: PlatformAdapter): Intake => ({ commands, replies: dispatcher.replies(adapter.platform) });
  const app = createApp({
    db,
    config: deps.config,
    log,
    metrics,
    clock: deps.clock,
    onRecorded: (result) => dispatcher.wake(result.chatIds),
    platformStates,
    routes: adapters.flatMap((adapter) => adapter.routes?.(intake(adapter)) ?? []),
  });

  let stopped = false;
  const retries = new Set<NodeJS.Timeout>();

  async function startAdapter(adapter: PlatformAdapter, attempt: number): Promise<void> {
    if (stopped) return;
    const tracker = trackerOf(adapter);
    try {
      await adapter.start?.({
        ...intake(adapter),
        report: (status, error) => {
          if (!stopped) tracker.report(status, error);
        },
      });
      if (!stopped) tracker.report('connected');
    } catch (error) {
      if (stopped) return;
      // The state tracker logs a line when the state changes; each retry is a debug line only.
      let delay: number;
      if (error instanceof PlatformUnauthorizedError) {
        delay = deps.unauthorizedRetryMs ?? 10 * 60_000;
        tracker.report('unauthorized', `${error.message}; next try in ${Math.max(1, Math.round(delay / 60_000))} min`);
      } else {
        delay = backoffDelay(attempt, undefined, { baseMs: 5000, maxMs: 5 * 60_000, ...deps.startRetry });
        tracker.report('connecting', error instanceof Error ? error.message : String(error));
      }
      log.debug({ platform: adapter.platform, err: error, attempt, retry_in_ms: delay }, `${adapter.platform} could not start; trying again`);
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
    escalation,
    platformStates,
    async start() {
      dispatcher.start();
      escalation.start();
      gauges.start();
      notices.start();
      // The directory loads in the background: until it has, commands take CoinGecko ids as without a key.
      deps.directory?.start?.().catch((error: unknown) => log.error({ err: error }, 'the coin directory could not start'));
      // A platform that cannot start (outage, refused token) must not stop the others or the webhook intake: CoinGecko
      // events are still recorded, its alerts wait in the outbox (or go out over REST), and its command intake is tried
      // again in the background until it connects.
      await Promise.all(adapters.map((adapter) => startAdapter(adapter, 1)));
    },
    async stop() {
      stopped = true;
      gauges.stop();
      deps.directory?.stop?.();
      escalation.stop();
      for (const timer of retries) clearTimeout(timer);
      retries.clear();
      // The dispatcher first: sends in flight finish while the platform clients are still connected.
      notices.stop();
      await dispatcher.stop();
      await Promise.allSettled(adapters.map((adapter) => adapter.stop?.()));
    },
  };
}
