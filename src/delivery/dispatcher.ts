// The dispatcher drains the outbox, as a chain of small stages (like Alertmanager's notify pipeline):
// - the scheduler (scheduler.ts) decides when to pump: at once on a commit, spaced under load, at the next due time;
// - the ready queue (ready-queue.ts) names the chats to serve, round-robin, from commits, finished sends, rows falling
//   due and scans, and the claim (db/outbox-queue.ts) takes each chat's next due rows: never a read of the backlog;
// - the gate (gate.ts) decides per alert: send, muted, or held for the chat's digest;
// - the sender (sender.ts) sends through the platform's rate limits, a high-severity alert ahead of ordinary ones;
// - the outcome table (outcome-table.ts) turns each platform answer into row updates, written in one transaction
//   (db/outbox-rows.ts); the journal (outcome-journal.ts) keeps the writes the database refused and retries them.
// This file wires them and keeps the count of what is in memory.
import { composeDigest } from '../core/compact.js';
import { deactivateChat, moveChat } from '../db/chats.js';
import type { Db } from '../db/open-database.js';
import { DIGEST_MAX_ROWS, PER_CHAT_CLAIM, claimChats, resumeInFlight, type ChatClaim, type ClaimedDelivery } from '../db/outbox-queue.js';
import { stillInFlight, writeRows, type RowUpdate } from '../db/outbox-rows.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { PlatformAdapter, ReplyLane } from '../platforms/port.js';
import { createAlertComposer } from './alert-composer.js';
import { createAlertControls, digestCoins } from './alert-controls.js';
import type { BackoffOptions } from './backoff.js';
import { gateRows, type ChatGateState, type Composed, type DigestRule } from './gate.js';
import { createGateStateReader } from './gate-state.js';
import { createOutcomeJournal } from './outcome-journal.js';
import { settle, type Settlement } from './outcome-table.js';
import { createReadyQueue } from './ready-queue.js';
import { createScheduler, type PumpReport, type SchedulerTimers } from './scheduler.js';
import { createSender, type SendJob, type SendResult } from './sender.js';

export interface DispatcherDeps {
  db: Db;
  adapters: readonly PlatformAdapter[];
  log: Logger;
  metrics: Metrics;
  maxAttempts: number;
  clock?: () => number;
  /** Retry spacing (base, cap, jitter source); defaults: 2 s doubling up to 1 h. */
  backoff?: BackoffOptions;
  /** The safety sweep: the longest the dispatcher sleeps without looking at the outbox, and how often it rescans. */
  sweepMs?: number;
  /** Most messages held in memory (claimed, queued behind rate limits) at once. */
  maxInMemory?: number;
  /** Digests (see DigestRule). Threshold 0 (or no option) turns digests off. */
  digest?: DigestRule;
  /** The scheduler's timers (tests). */
  timers?: SchedulerTimers;
  /** ESCALATE_AFTER_MINUTES, as a reminder says it (0 or absent: no reminders are queued). */
  escalateAfterMinutes?: number;
  /** Makes the token of a new alert button (tests make them predictable). */
  newButtonToken?: () => string;
}

export interface Dispatcher {
  /** Resumes rows left in flight, then starts sending. */
  start(): void;
  /**
   * Something was committed: with the chats an event queued alerts for, look at those chats now (what a commit does);
   * without, look at every chat with work (an outside change, such as a requeue).
   */
  wake(chatIds?: readonly number[]): void;
  /** Stops claiming; waits for sends already started, puts queued rows back. */
  stop(): Promise<void>;
  /** Resolves once nothing is due and nothing is in flight (tests, the demo). */
  idle(): Promise<void>;
  /** The platform's lane for command replies: they share its limits with alerts (see reply-lane.ts). */
  replies(platform: string): ReplyLane;
}

/** Least time between two pumps under load (an idle dispatcher pumps at once when a commit wakes it). */
const PUMP_SPACING_MS = 10;
/** Most rows one pump claims: a pump is a bounded slice of work, whatever waits. */
const PUMP_BUDGET = 500;
/** How soon outcomes the database refused are tried again. */
const REWRITE_MS = 1000;

export function createDispatcher(deps: DispatcherDeps): Dispatcher {
  const { db, log, metrics } = deps;
  const clock = deps.clock ?? Date.now;
  const sweepMs = deps.sweepMs ?? 30_000;
  const maxInMemory = deps.maxInMemory ?? 2000;
  const digest = deps.digest && deps.digest.threshold > 0 ? deps.digest : undefined;

  let running = false;
  let inMemory = 0;
  /** Messages in memory per chat: a chat whose count falls to zero is queued for its next turn. */
  const perChat = new Map<number, number>();
  /**
   * Chats to look at again when their sends in memory finish: their claim took a full turn (more may be due), or a
   * commit queued something for them meanwhile. A chat whose turn took all it had is not looked at again for nothing.
   */
  const again = new Set<number>();
  let lastScanAt = -Infinity;
  const idleWaiters: Array<() => void> = [];

  const ready = createReadyQueue(db, clock());
  const journal = createOutcomeJournal(log);
  const compose = createAlertComposer(db);
  const controls = createAlertControls(db, { clock, compose, escalateAfterMinutes: deps.escalateAfterMinutes, newToken: deps.newButtonToken });
  const sender = createSender({ adapters: deps.adapters, metrics, log, clock, stillInFlight: (id) => stillInFlight(db, id), running: () => running });
  const scheduler = createScheduler({
    pump,
    onError: (error) => log.error({ err: error }, 'dispatcher could not read the outbox; retrying shortly'),
    clock,
    sweepMs,
    spacingMs: PUMP_SPACING_MS,
    retryMs: REWRITE_MS,
    timers: deps.timers,
  });

  function pump(): PumpReport {
    try {
      if (journal.size > 0) journal.flush();
      const now = clock();
      if (now - lastScanAt >= sweepMs) {
        ready.rescan();
        lastScanAt = now;
      }
      const gateState = createGateStateReader(db, now, digest);
      let budget = PUMP_BUDGET;
      while (running && budget > 0 && inMemory < maxInMemory) {
        const room = Math.min(budget, maxInMemory - inMemory);
        const taken = ready.take(now, room);
        if (taken.length === 0) break;
        // A chat with a send in memory has rows in flight: skipped without a query, queued again when its sends finish.
        const chatIds = taken.filter((chatId) => {
          if (!perChat.has(chatId)) return true;
          again.add(chatId);
          return false;
        });
        const { claims, unreached } = claimChats(db, chatIds, { platforms: sender.live(), now, limit: room });
        ready.putBack(unreached);
        gateState.preload(claims.filter((claim) => claim.alerts.length > 0).map((claim) => claim.chatId));
        for (const claim of claims) budget -= serve(claim, now, gateState);
      }
      const next = ready.nextDueAt();
      const rewriteAt = journal.size > 0 ? now + REWRITE_MS : undefined;
      return { more: budget <= 0 && ready.hasWork(now), nextAt: rewriteAt === undefined ? next : Math.min(next ?? Infinity, rewriteAt) };
    } finally {
      queueMicrotask(notifyIdle);
    }
  }

  /** One chat's turn: its claimed alerts through the gate to the sender, its due digest to the sender. Returns rows taken. */
  function serve(claim: ChatClaim, now: number, gateState: (chatId: number) => ChatGateState): number {
    const rows = claim.alerts.map((row) => ({ row, chatId: row.chatId, composed: compose(row) }));
    const verdicts = gateRows(rows, gateState, now, digest);
    const gated: RowUpdate[] = [];
    rows.forEach(({ row, composed }, i) => {
      const verdict = verdicts[i]!;
      if (verdict.kind === 'send') {
        dispatch({ rows: [row], compose: () => alertMessage(row, composed), priority: composed?.alert.severity === 'high' ? 'urgent' : 'ordinary' });
        return;
      }
      gated.push({ id: row.id, to: verdict.kind, at: verdict.kind === 'held' ? verdict.until : now, severity: composed!.alert.severity });
      metrics.deliveries.inc({ platform: row.chat.platform, result: verdict.kind });
    });
    if (gated.length > 0) writeUpdates(claim.chatId, gated);
    if (claim.digest.length > 0) dispatch({ rows: claim.digest, compose: digestMessage, priority: 'ordinary' });
    if (claim.alerts.length >= PER_CHAT_CLAIM || claim.digest.length >= DIGEST_MAX_ROWS) again.add(claim.chatId);
    if (!perChat.has(claim.chatId)) {
      if (again.delete(claim.chatId)) ready.ready(claim.chatId);
    }
    return claim.alerts.length + claim.digest.length;
  }

  /** The alert with its buttons, minted here: when the message is handed to the platform, never before it can go. */
  const alertMessage = (row: ClaimedDelivery, composed: Composed | null) =>
    composed ? ({ kind: 'alert', alert: controls.alert(row, composed.alert) } as const) : null;

  function digestMessage(rows: readonly ClaimedDelivery[]) {
    const held = rows.map(compose).filter((c): c is Composed => c !== null);
    if (held.length === 0) return null;
    const alerts = held.map((c) => c.alert);
    return { kind: 'digest', digest: controls.digest(rows, composeDigest(alerts), digestCoins(alerts)) } as const;
  }

  /** Queues one message behind its platform's rate limits and settles what became of it. */
  function dispatch(job: SendJob): void {
    const chatId = job.rows[0]!.chatId;
    inMemory += 1;
    perChat.set(chatId, (perChat.get(chatId) ?? 0) + 1);
    sender
      .send(job)
      .then(
        (result) => settleResult(job, result),
        (error: unknown) => {
          if (!running) {
            // The limiter dropped the job (stopping): the rows go back to pending for the next start.
            writeUpdates(chatId, job.rows.map((row) => ({ id: row.id, to: 'release', at: clock() })));
            return;
          }
          // A bug or a row we cannot handle: it counts as an attempt, so it ends as a dead letter instead of looping.
          log.error({ err: error, delivery: job.rows[0]!.id }, 'delivery failed unexpectedly');
          const message = error instanceof Error ? error.message : String(error);
          settleResult(job, { kind: 'sent', rows: job.rows, outcome: { kind: 'retry', error: `internal error: ${message}` } });
        },
      )
      .finally(() => {
        inMemory -= 1;
        const left = (perChat.get(chatId) ?? 1) - 1;
        if (left > 0) perChat.set(chatId, left);
        else {
          perChat.delete(chatId);
          if (again.delete(chatId)) ready.ready(chatId);
          scheduler.wake();
        }
        notifyIdle();
      });
  }

  function settleResult(job: SendJob, result: SendResult): void {
    const chatId = job.rows[0]!.chatId;
    if (result.kind === 'release') {
      writeUpdates(chatId, job.rows.map((row) => ({ id: row.id, to: 'release', at: result.at })));
      return;
    }
    if (result.kind === 'empty') {
      const updates = result.rows.map((row): RowUpdate => ({ id: row.id, to: 'dead', error: 'event has no coin or changes to show' }));
      writeUpdates(chatId, updates);
      return;
    }
    const first = result.rows[0]!;
    const settlement = settle(result.outcome, result.rows, { now: clock(), maxAttempts: deps.maxAttempts, backoff: deps.backoff, severity: result.severity });
    apply(first, result.rows.length, settlement);
  }

  function apply(first: ClaimedDelivery, n: number, settlement: Settlement): void {
    const platform = first.chat.platform;
    if (settlement.pauseUntil !== undefined) sender.pause(first.chat, settlement.pauseUntil);
    const chatChange = settlement.chat;
    noteDue(settlement.updates);
    write(first.chatId, () => {
      if (chatChange?.kind === 'deactivate') deactivateChat(db, first.chatId, chatChange.reason);
      if (chatChange?.kind === 'move') moveChat(db, first.chatId, chatChange.newPlatformChatId);
      writeRows(db, settlement.updates);
    });
    for (const { result, n: count } of settlement.results) metrics.deliveries.inc({ platform, result }, count);
    if (first.reminderOf !== null && settlement.results.some((r) => r.result === 'sent')) metrics.escalations.inc({ platform });
    const context = { delivery: first.id, ...(n > 1 && { digest_of: n }), platform, chat: first.chatId, attempt: first.attempts + 1 };
    if (settlement.laneDown !== undefined) {
      if (sender.down(platform, settlement.laneDown)) log.error({ platform, error: settlement.laneDown }, `${platform} ${settlement.log.message}`);
    } else log[settlement.log.level]({ ...context, ...settlement.log.fields }, settlement.log.message);
  }

  /** Row updates through the journal, their due times told to the ready queue. */
  function writeUpdates(chatId: number, updates: readonly RowUpdate[]): void {
    noteDue(updates);
    write(chatId, () => writeRows(db, updates));
  }

  function noteDue(updates: readonly RowUpdate[]): void {
    for (const update of updates) if (update.to === 'retry' || update.to === 'release' || update.to === 'held') ready.noteDue(update.at);
  }

  /** Writes through the journal; a write the database refused is retried, and once it lands the chat is looked at again. */
  function write(chatId: number, fn: () => void): void {
    let deferred = false;
    const written = journal.record(() => {
      fn();
      if (deferred) ready.ready(chatId);
    });
    if (!written) {
      deferred = true;
      scheduler.wake();
    }
  }

  function notifyIdle(): void {
    if (idleWaiters.length === 0 || scheduler.busy || inMemory > 0 || journal.size > 0) return;
    if (running && ready.hasWork(clock())) {
      scheduler.wake();
      return;
    }
    for (const resolve of idleWaiters.splice(0)) resolve();
  }

  return {
    start() {
      if (running) return;
      running = true;
      const resumed = resumeInFlight(db);
      if (resumed > 0) log.info({ resumed }, 'resuming alerts that were in flight when the last process stopped');
      lastScanAt = -Infinity;
      scheduler.start();
    },
    wake(chatIds) {
      if (!running) return;
      if (chatIds === undefined) ready.rescan();
      else ready.committed(chatIds);
      scheduler.wake();
    },
    async stop() {
      running = false;
      scheduler.stop();
      await sender.stop();
      // Every send that started has finished and written its outcome. Rows still claimed never left (a job parked behind
      // the platform pacer is dropped only after this): back to pending now, before the caller closes the database.
      journal.flush();
      journal.clear();
      try {
        resumeInFlight(db);
      } catch (error) {
        log.error({ err: error }, 'outbox update failed');
      }
    },
    replies: (platform) => sender.replies(platform),
    idle() {
      return new Promise<void>((resolve) => {
        idleWaiters.push(resolve);
        notifyIdle();
      });
    },
  };
}
