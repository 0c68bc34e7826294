// The dispatcher drains the outbox. It is woken by the commit that wrote the rows (no polling delay), claims due rows,
// sends each through its platform's adapter within the platform's rate limits, and records the outcome: sent,
// retried later with backoff, dead-lettered, or the chat deactivated / moved. A slow sweep catches anything missed.
import { composeAlert, type Alert } from '../core/alert.js';
import { deactivateChat, moveChat } from '../db/chats.js';
import type { Db } from '../db/open-database.js';
import {
  claimDue,
  loadEvent,
  markFailed,
  markSent,
  nextDueAt,
  release,
  resumeInFlight,
  stillInFlight,
  type ClaimedDelivery,
} from '../db/outbox.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { PlatformAdapter, SendOutcome } from '../platforms/port.js';
import { backoffDelay, type BackoffOptions } from './backoff.js';
import { createPlatformLimiter, type PlatformLimiter } from './rate-limiter.js';

export interface DispatcherDeps {
  db: Db;
  adapters: readonly PlatformAdapter[];
  log: Logger;
  metrics: Metrics;
  maxAttempts: number;
  clock?: () => number;
  /** Retry spacing (base, cap, jitter source); defaults: 2 s doubling up to 1 h. */
  backoff?: BackoffOptions;
  /** The safety sweep: the longest the dispatcher sleeps without looking at the outbox. */
  sweepMs?: number;
  /** Most rows held in memory (claimed, queued behind rate limits) at once. */
  maxInMemory?: number;
}

export interface Dispatcher {
  /** Resumes rows left in flight, then starts sending. */
  start(): void;
  /**
   * Something was committed: look at the outbox now. While the dispatcher is busy (many alerts in memory), new rows are
   * picked up at the next refill instead, so a burst of webhooks does not cost a claim query each.
   */
  wake(): void;
  /** Stops claiming; waits for sends already started, puts queued rows back. */
  stop(): Promise<void>;
  /** Resolves once nothing is due and nothing is in flight (tests, the demo). */
  idle(): Promise<void>;
}

interface Lane {
  adapter: PlatformAdapter;
  limiter: PlatformLimiter;
  /** Set when the platform refused us altogether (bad token); nothing is sent there until restart. */
  down?: string;
}

export function createDispatcher(deps: DispatcherDeps): Dispatcher {
  const { db, log, metrics } = deps;
  const clock = deps.clock ?? Date.now;
  const sweepMs = deps.sweepMs ?? 30_000;
  const maxInMemory = deps.maxInMemory ?? 2000;
  const lanes = new Map<string, Lane>(
    deps.adapters.map((adapter) => [adapter.platform, { adapter, limiter: createPlatformLimiter(adapter.limits) }]),
  );
  /** Chats the platform told us to leave alone until a time (retry-after on one chat). */
  const pausedUntil = new Map<string, number>();
  /** Composed alerts per (event, matched positions): a fan-out composes each distinct alert once. */
  const alerts = new Map<string, Alert | null>();

  let running = false;
  let pumping = false;
  let again = false;
  let inMemory = 0;
  let timer: NodeJS.Timeout | undefined;
  const idleWaiters: Array<() => void> = [];

  const livePlatforms = () => [...lanes].filter(([, lane]) => !lane.down).map(([platform]) => platform);

  /** Below this many alerts in memory a commit is claimed at once (latency); above it, at the next refill. */
  const lowWater = Math.min(64, maxInMemory);

  function onCommit(): void {
    if (inMemory < lowWater) wake();
  }

  function wake(): void {
    if (!running) return;
    if (pumping) {
      again = true;
      return;
    }
    pumping = true;
    setImmediate(pump);
  }

  function pump(): void {
    try {
      do {
        again = false;
        while (running && inMemory < maxInMemory) {
          const rows = claimDue(db, livePlatforms(), clock(), Math.min(500, maxInMemory - inMemory));
          if (rows.length === 0) break;
          for (const row of rows) dispatch(row);
        }
      } while (again && running);
      scheduleSweep();
    } catch (error) {
      log.error({ err: error }, 'dispatcher could not read the outbox; retrying at the next sweep');
      scheduleSweep(1000);
    } finally {
      pumping = false;
      notifyIdle();
    }
  }

  function scheduleSweep(cap = sweepMs): void {
    if (timer) clearTimeout(timer);
    if (!running) return;
    const due = inMemory < maxInMemory ? nextDueAt(db, livePlatforms()) : undefined;
    const delay = due === undefined ? cap : Math.max(0, Math.min(cap, due - clock()));
    timer = setTimeout(wake, delay);
    timer.unref();
  }

  function dispatch(row: ClaimedDelivery): void {
    const lane = lanes.get(row.chat.platform);
    if (!lane) return;
    inMemory += 1;
    const chatKey = `${row.chat.platform}:${row.chatId}`;
    lane.limiter
      .schedule(chatKey, row.chat.kind, () => deliver(lane, row, chatKey))
      .catch((error: unknown) => {
        if (!running) {
          // Bottleneck dropped the job (stopping): the row goes back to pending for the next start.
          safely(() => release(db, row.id, clock()));
          return;
        }
        // A bug or a row we cannot handle: it counts as an attempt, so it ends as a dead letter instead of looping.
        log.error({ err: error, delivery: row.id }, 'delivery failed unexpectedly');
        safely(() => apply(lane, row, chatKey, { kind: 'retry', error: `internal error: ${error instanceof Error ? error.message : String(error)}` }));
      })
      .finally(() => {
        inMemory -= 1;
        if (inMemory < maxInMemory / 2) wake();
        notifyIdle();
      });
  }

  async function deliver(lane: Lane, row: ClaimedDelivery, chatKey: string): Promise<void> {
    let paused = pausedUntil.get(chatKey);
    if (paused !== undefined && paused <= clock()) {
      pausedUntil.delete(chatKey);
      paused = undefined;
    }
    if (lane.down || !running || paused !== undefined) {
      release(db, row.id, paused ?? clock());
      return;
    }
    if (!stillInFlight(db, row.id)) return;
    const alert = alertFor(row);
    if (!alert) {
      markFailed(db, row.id, 'event has no coin or changes to show', { dead: true });
      return;
    }
    const stop = metrics.sendSeconds.startTimer({ platform: row.chat.platform });
    let outcome: SendOutcome;
    try {
      outcome = await lane.adapter.send(row.chat, alert);
    } catch (error) {
      outcome = { kind: 'retry', error: error instanceof Error ? error.message : String(error) };
    }
    stop();
    apply(lane, row, chatKey, outcome);
  }

  function apply(lane: Lane, row: ClaimedDelivery, chatKey: string, outcome: SendOutcome): void {
    const platform = row.chat.platform;
    const context = { delivery: row.id, platform, chat: row.chatId, attempt: row.attempts + 1 };
    switch (outcome.kind) {
      case 'sent':
        markSent(db, row.id, clock());
        metrics.deliveries.inc({ platform, result: 'sent' });
        log.debug(context, 'alert sent');
        return;
      case 'retry': {
        if (outcome.afterMs !== undefined) {
          // The platform's own pacing (429 + retry-after), not a failure: wait as told, without spending an attempt.
          const at = clock() + backoffDelay(row.attempts + 1, outcome.afterMs, deps.backoff);
          pausedUntil.set(chatKey, at);
          release(db, row.id, at);
          metrics.deliveries.inc({ platform, result: 'rate_limited' });
          log.info({ ...context, error: outcome.error, retry_in_ms: at - clock() }, 'rate limited; will send again');
          return;
        }
        const attempt = row.attempts + 1;
        if (attempt >= deps.maxAttempts) {
          markFailed(db, row.id, outcome.error, { dead: true });
          metrics.deliveries.inc({ platform, result: 'dead' });
          log.warn({ ...context, error: outcome.error }, 'alert dead-lettered after its last attempt');
          return;
        }
        const at = clock() + backoffDelay(attempt, outcome.afterMs, deps.backoff);
        markFailed(db, row.id, outcome.error, { dead: false, at });
        metrics.deliveries.inc({ platform, result: 'retry' });
        log.info({ ...context, error: outcome.error, retry_in_ms: at - clock() }, 'alert send failed; will retry');
        return;
      }
      case 'chat_gone':
        deactivateChat(db, row.chatId, outcome.reason);
        metrics.deliveries.inc({ platform, result: 'chat_gone' });
        log.warn({ ...context, reason: outcome.reason }, 'chat deactivated');
        return;
      case 'chat_moved':
        moveChat(db, row.chatId, outcome.newPlatformChatId);
        release(db, row.id, clock());
        metrics.deliveries.inc({ platform, result: 'moved' });
        log.info({ ...context, moved_to: outcome.newPlatformChatId }, 'chat moved; sending again');
        wake();
        return;
      case 'rejected':
        markFailed(db, row.id, outcome.error, { dead: true });
        metrics.deliveries.inc({ platform, result: 'dead' });
        log.warn({ ...context, error: outcome.error }, 'platform refused the alert; dead-lettered');
        return;
      case 'platform_down':
        release(db, row.id, clock());
        if (!lane.down) {
          lane.down = outcome.error;
          log.error({ platform, error: outcome.error }, `${platform} refused our credentials; sending there is stopped until restart`);
        }
        metrics.deliveries.inc({ platform, result: 'platform_down' });
        return;
    }
  }

  function alertFor(row: ClaimedDelivery): Alert | null {
    const key = `${row.eventRowId}:${row.positions.join(',')}`;
    const cached = alerts.get(key);
    if (cached !== undefined) return cached;
    const event = loadEvent(db, row.eventRowId);
    const wanted = new Set(row.positions);
    const alert = event
      ? composeAlert({ ...event, changes: event.changes.filter((_c, i) => wanted.has(event.positions[i]!)) })
      : null;
    if (alerts.size >= 256) alerts.delete(alerts.keys().next().value!);
    alerts.set(key, alert && alert.items.length > 0 ? alert : null);
    return alerts.get(key) ?? null;
  }

  function notifyIdle(): void {
    if (pumping || inMemory > 0 || idleWaiters.length === 0) return;
    const due = nextDueAt(db, livePlatforms());
    if (due !== undefined && due <= clock()) {
      wake();
      return;
    }
    for (const resolve of idleWaiters.splice(0)) resolve();
  }

  function safely(fn: () => void): void {
    try {
      fn();
    } catch (error) {
      log.error({ err: error }, 'outbox update failed');
    }
  }

  return {
    start() {
      if (running) return;
      running = true;
      const resumed = resumeInFlight(db);
      if (resumed > 0) log.info({ resumed }, 'resuming alerts that were in flight when the last process stopped');
      wake();
    },
    wake: onCommit,
    async stop() {
      running = false;
      if (timer) clearTimeout(timer);
      await Promise.all([...lanes.values()].map((lane) => lane.limiter.stop()));
    },
    idle() {
      return new Promise<void>((resolve) => {
        idleWaiters.push(resolve);
        notifyIdle();
      });
    },
  };
}
