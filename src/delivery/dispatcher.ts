// The dispatcher drains the outbox. It is woken by the commit that wrote the rows (no polling delay), claims due rows,
// sends each through its platform's adapter within the platform's rate limits, and records the outcome: sent,
// retried later with backoff, dead-lettered, or the chat deactivated / moved. A slow sweep catches anything missed.
// Before a low-severity alert is queued it passes the chat's gate: muted (kept, not sent), or held for the chat's
// digest when the chat already got its share of low-severity alerts in the digest window. High severity always goes.
import { composeAlert, type Alert } from '../core/alert.js';
import { composeDigest, type Digest } from '../core/compact.js';
import { isMuted, type Mute } from '../core/mutes.js';
import { deactivateChat, moveChat } from '../db/chats.js';
import type { Db } from '../db/open-database.js';
import { activeMutesByChat } from '../db/mutes.js';
import {
  claimDigests,
  claimDue,
  heldUntil,
  loadEvent,
  markGated,
  markFailed,
  markSent,
  nextDueAt,
  recentLowSeverity,
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
  /**
   * Digests: a chat that was sent `threshold` low-severity alerts within `windowMs` gets further ones held and sent
   * together in one message when the window has passed. Threshold 0 (or no option) turns digests off.
   */
  digest?: { threshold: number; windowMs: number };
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

/** What one send carries: an alert (one outbox row) or a digest (several). */
type Message = { kind: 'alert'; alert: Alert } | { kind: 'digest'; digest: Digest };

/** An alert and the fields of the changes it shows (what mutes are checked against). */
interface Composed {
  alert: Alert;
  fields: string[];
}

interface Lane {
  adapter: PlatformAdapter;
  limiter: PlatformLimiter;
  /** Set when the platform refused us altogether (bad token); nothing is sent there until restart. */
  down?: string;
}

/** How soon the dispatcher looks again at due rows its last claim could not take (see scheduleSweep). */
const UNCLAIMABLE_RECHECK_MS = 250;
/** Least time between two pumps (see wake); an idle dispatcher still pumps at once when a commit wakes it. */
const PUMP_SPACING_MS = 25;

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
  const alerts = new Map<string, Composed | null>();
  const digest = deps.digest && deps.digest.threshold > 0 ? deps.digest : undefined;

  let running = false;
  let pumping = false;
  let again = false;
  let inMemory = 0;
  let timer: NodeJS.Timeout | undefined;
  let pumpTimer: NodeJS.Timeout | undefined;
  let lastPumpAt = -Infinity;
  const idleWaiters: Array<() => void> = [];
  /**
   * Outcomes the database refused to record (locked past its timeout, read-only): their rows stay `sending`, which
   * also holds back the rest of their chat, until the next pump writes them.
   */
  const unwritten: Array<() => void> = [];

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
    // At most one pump per PUMP_SPACING_MS: under load every commit and every finished send asked for one, and each
    // pump's queries (claim, digests, next due) cost milliseconds, so pumps took half the CPU that ingest needed.
    if (pumpTimer) return;
    const wait = lastPumpAt + PUMP_SPACING_MS - performance.now();
    if (wait > 0) {
      pumpTimer = setTimeout(() => {
        pumpTimer = undefined;
        wake();
      }, wait);
      pumpTimer.unref();
      return;
    }
    pumping = true;
    setImmediate(pump);
  }

  function pump(): void {
    lastPumpAt = performance.now();
    try {
      writeUnwritten();
      do {
        again = false;
        while (running && inMemory < maxInMemory) {
          const rows = claimDue(db, livePlatforms(), clock(), Math.min(500, maxInMemory - inMemory));
          if (rows.length === 0) break;
          // The gate composed each alert already: it travels with its row (recomposing at send time could miss the cache
          // for a batch of hundreds of distinct events, and read each event twice).
          for (const [row, composed] of gate(rows)) dispatch([row], () => (composed ? { kind: 'alert', alert: composed.alert } : null));
        }
        if (running && digest) {
          for (const rows of claimDigests(db, livePlatforms(), clock(), 100)) dispatch(rows, sendDigest);
        }
      } while (again && running);
      scheduleSweep(unwritten.length > 0 ? 1000 : sweepMs);
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
    // Due already, right after a claim took all it could: that row is outside the claim's window of the oldest rows
    // (behind rows of chats in flight). Look again shortly, not at once: at once spun the pump about once a millisecond
    // under a large backlog, a quarter of the CPU that ingest needed.
    const wait = due === undefined ? cap : due - clock() > 0 ? due - clock() : UNCLAIMABLE_RECHECK_MS;
    const delay = Math.max(0, Math.min(cap, wait));
    timer = setTimeout(wake, delay);
    timer.unref();
  }

  /**
   * The chat's gate for claimed rows, in one transaction: high severity passes; a low-severity alert covered by a mute
   * is marked `muted`; one beyond the chat's digest threshold is `held` for its digest. Returns the rows to send now,
   * each with its composed alert (null: nothing to show, which the send turns into a dead letter).
   */
  const gate = db.$client.transaction((rows: readonly ClaimedDelivery[]): Array<[ClaimedDelivery, Composed | null]> => {
    const now = clock();
    let mutes: Map<number, Mute[]> | undefined;
    /** Low-severity alerts each chat got in the window, counting the ones let through in this batch. */
    const lowCount = new Map<number, number>();
    const pass: Array<[ClaimedDelivery, Composed | null]> = [];
    for (const row of rows) {
      const composed = alertFor(row);
      if (!composed || composed.alert.severity === 'high') {
        pass.push([row, composed]);
        continue;
      }
      const { alert, fields } = composed;
      const platform = row.chat.platform;
      mutes ??= activeMutesByChat(db, now);
      if (isMuted(mutes.get(row.chatId) ?? [], now, alert.coin.id, fields)) {
        markGated(db, row.id, 'muted', now, alert.severity);
        metrics.deliveries.inc({ platform, result: 'muted' });
        continue;
      }
      if (digest) {
        const count = lowCount.get(row.chatId) ?? recentLowSeverity(db, row.chatId, now - digest.windowMs);
        if (count >= digest.threshold) {
          markGated(db, row.id, 'held', heldUntil(db, row.chatId) ?? now + digest.windowMs, alert.severity);
          metrics.deliveries.inc({ platform, result: 'held' });
          continue;
        }
        lowCount.set(row.chatId, count + 1);
      }
      pass.push([row, composed]);
    }
    return pass;
  });

  /** Composes the message for the rows still in flight when the send starts; null when there is nothing to show. */
  type Compose = (rows: readonly ClaimedDelivery[]) => Message | null;

  const sendDigest: Compose = (rows) => {
    const held = rows.map(alertFor).filter((c): c is Composed => c !== null);
    return held.length ? { kind: 'digest', digest: composeDigest(held.map((c) => c.alert)) } : null;
  };

  /** Queues one message (an alert's row, or a digest's rows, all of one chat) behind the platform's rate limits. */
  function dispatch(rows: readonly ClaimedDelivery[], compose: Compose): void {
    const first = rows[0];
    const lane = first && lanes.get(first.chat.platform);
    if (!first || !lane) return;
    inMemory += 1;
    const chatKey = `${first.chat.platform}:${first.chatId}`;
    lane.limiter
      .schedule(chatKey, first.chat.kind, () => deliver(lane, rows, chatKey, compose))
      .catch((error: unknown) => {
        if (!running) {
          // The limiter dropped the job (stopping): the rows go back to pending for the next start.
          for (const row of rows) safely(() => release(db, row.id, clock()));
          return;
        }
        // A bug or a row we cannot handle: it counts as an attempt, so it ends as a dead letter instead of looping.
        log.error({ err: error, delivery: first.id }, 'delivery failed unexpectedly');
        record(() => apply(lane, rows, chatKey, { kind: 'retry', error: `internal error: ${error instanceof Error ? error.message : String(error)}` }));
      })
      .finally(() => {
        inMemory -= 1;
        if (inMemory < maxInMemory / 2) wake();
        notifyIdle();
      });
  }

  async function deliver(lane: Lane, claimed: readonly ClaimedDelivery[], chatKey: string, compose: Compose): Promise<void> {
    let paused = pausedUntil.get(chatKey);
    if (paused !== undefined && paused <= clock()) {
      pausedUntil.delete(chatKey);
      paused = undefined;
    }
    if (lane.down || !running || paused !== undefined) {
      for (const row of claimed) release(db, row.id, paused ?? clock());
      return;
    }
    const rows = claimed.filter((row) => stillInFlight(db, row.id));
    const message = rows.length ? compose(rows) : null;
    if (!message) {
      for (const row of rows) markFailed(db, row.id, 'event has no coin or changes to show', { dead: true });
      return;
    }
    const chat = rows[0]!.chat;
    const stop = metrics.sendSeconds.startTimer({ platform: chat.platform });
    let outcome: SendOutcome;
    try {
      outcome = message.kind === 'alert' ? await lane.adapter.send(chat, message.alert) : await lane.adapter.sendDigest(chat, message.digest);
    } catch (error) {
      outcome = { kind: 'retry', error: error instanceof Error ? error.message : String(error) };
    }
    stop();
    record(() => apply(lane, rows, chatKey, outcome, message.kind === 'alert' ? message.alert.severity : undefined));
  }

  /** Records one send's outcome on every row it carried (one for an alert, several for a digest). */
  function apply(lane: Lane, rows: readonly ClaimedDelivery[], chatKey: string, outcome: SendOutcome, severity?: string): void {
    const first = rows[0]!;
    const platform = first.chat.platform;
    const n = rows.length;
    const context = { delivery: first.id, ...(n > 1 && { digest_of: n }), platform, chat: first.chatId, attempt: first.attempts + 1 };
    switch (outcome.kind) {
      case 'sent':
        for (const row of rows) markSent(db, row.id, clock(), severity);
        metrics.deliveries.inc({ platform, result: 'sent' }, n);
        log.debug(context, n > 1 ? 'digest sent' : 'alert sent');
        return;
      case 'retry': {
        if (outcome.afterMs !== undefined) {
          // The platform's own pacing (429 + retry-after), not a failure: wait as told, without spending an attempt.
          const at = clock() + backoffDelay(first.attempts + 1, outcome.afterMs, deps.backoff);
          pausedUntil.set(chatKey, at);
          for (const row of rows) release(db, row.id, at);
          metrics.deliveries.inc({ platform, result: 'rate_limited' }, n);
          log.info({ ...context, error: outcome.error, retry_in_ms: at - clock() }, 'rate limited; will send again');
          return;
        }
        let dead = 0;
        for (const row of rows) {
          const attempt = row.attempts + 1;
          if (attempt >= deps.maxAttempts) {
            markFailed(db, row.id, outcome.error, { dead: true });
            dead += 1;
          } else markFailed(db, row.id, outcome.error, { dead: false, at: clock() + backoffDelay(attempt, undefined, deps.backoff) });
        }
        if (dead > 0) {
          metrics.deliveries.inc({ platform, result: 'dead' }, dead);
          log.warn({ ...context, error: outcome.error }, 'alert dead-lettered after its last attempt');
        }
        if (dead < n) {
          metrics.deliveries.inc({ platform, result: 'retry' }, n - dead);
          log.info({ ...context, error: outcome.error }, 'alert send failed; will retry');
        }
        return;
      }
      case 'chat_gone':
        deactivateChat(db, first.chatId, outcome.reason);
        metrics.deliveries.inc({ platform, result: 'chat_gone' }, n);
        log.warn({ ...context, reason: outcome.reason }, 'chat deactivated');
        return;
      case 'chat_moved':
        moveChat(db, first.chatId, outcome.newPlatformChatId);
        for (const row of rows) release(db, row.id, clock());
        metrics.deliveries.inc({ platform, result: 'moved' }, n);
        log.info({ ...context, moved_to: outcome.newPlatformChatId }, 'chat moved; sending again');
        wake();
        return;
      case 'rejected':
        for (const row of rows) markFailed(db, row.id, outcome.error, { dead: true });
        metrics.deliveries.inc({ platform, result: 'dead' }, n);
        log.warn({ ...context, error: outcome.error }, 'platform refused the alert; dead-lettered');
        return;
      case 'platform_down':
        for (const row of rows) release(db, row.id, clock());
        if (!lane.down) {
          lane.down = outcome.error;
          log.error({ platform, error: outcome.error }, `${platform} refused our credentials; sending there is stopped until restart`);
        }
        metrics.deliveries.inc({ platform, result: 'platform_down' }, n);
        return;
    }
  }

  function alertFor(row: ClaimedDelivery): Composed | null {
    const key = `${row.eventRowId}:${row.positions.join(',')}`;
    const cached = alerts.get(key);
    if (cached !== undefined) return cached;
    const event = loadEvent(db, row.eventRowId);
    const wanted = new Set(row.positions);
    const matched = event ? event.changes.filter((_c, i) => wanted.has(event.positions[i]!)) : [];
    const alert = event ? composeAlert({ ...event, changes: matched, eventChanges: event.changes }) : null;
    const composed = alert && alert.items.length > 0 ? { alert, fields: matched.map((c) => c.field) } : null;
    if (alerts.size >= 256) alerts.delete(alerts.keys().next().value!);
    alerts.set(key, composed);
    return composed;
  }

  function notifyIdle(): void {
    if (pumping || inMemory > 0 || unwritten.length > 0 || idleWaiters.length === 0) return;
    const due = nextDueAt(db, livePlatforms());
    if (due !== undefined && due <= clock()) {
      wake();
      return;
    }
    for (const resolve of idleWaiters.splice(0)) resolve();
  }

  /** Writes an outcome; when the database refuses, keeps it for the next pump (which retries every second until then). */
  function record(write: () => void): void {
    try {
      write();
    } catch (error) {
      log.error({ err: error }, 'could not record a delivery outcome; recording it again once the database answers');
      unwritten.push(write);
    }
  }

  /** Writes the outcomes kept by `record`; those the database still refuses stay for the next pump. */
  function writeUnwritten(): void {
    for (let i = 0; i < unwritten.length; ) {
      try {
        unwritten[i]!();
        unwritten.splice(i, 1);
      } catch {
        i += 1;
      }
    }
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
      if (pumpTimer) clearTimeout(pumpTimer);
      await Promise.all([...lanes.values()].map((lane) => lane.limiter.stop()));
      // Every send that started has finished and written its outcome. Rows still claimed never left (a job parked behind
      // the platform pacer is dropped only after this): back to pending now, before the caller closes the database.
      writeUnwritten();
      unwritten.length = 0;
      safely(() => resumeInFlight(db));
    },
    idle() {
      return new Promise<void>((resolve) => {
        idleWaiters.push(resolve);
        notifyIdle();
      });
    },
  };
}
