// The sender: one lane per platform (its adapter behind its rate limiter), and the send of one message (an alert's
// row, or a digest's rows, all of one chat) through it. Before the adapter is called it checks what may have changed
// while the message waited for its slot: the chat paused by a retry-after, the platform refused us, the dispatcher
// stopping, the rows cancelled (chat deactivated). The result is a value; the dispatcher settles it.
import type { Alert } from '../core/alert.js';
import type { Digest } from '../core/compact.js';
import type { ClaimedDelivery } from '../db/outbox-queue.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { ChatRef, PlatformAdapter, ReplyLane, SendOutcome } from '../platforms/port.js';
import { chatKey, createPlatformLimiter, type PlatformLimiter } from './rate-limiter.js';
import { createReplyLane } from './reply-lane.js';

/** What one send carries: an alert (one outbox row) or a digest (several). */
export type Message = { kind: 'alert'; alert: Alert } | { kind: 'digest'; digest: Digest };

export interface SendJob {
  rows: readonly ClaimedDelivery[];
  /** The message for the rows still in flight when the send starts; null when there is nothing to show. */
  compose: (rows: readonly ClaimedDelivery[]) => Message | null;
  /** `urgent` for a high-severity alert: it takes the platform's next slot ahead of every other waiting send. */
  priority: 'urgent' | 'ordinary';
}

export type SendResult =
  /** Not sent: the rows go back to pending at `at` (paused chat, platform down, stopping). */
  | { kind: 'release'; at: number }
  /** Sent (or tried): the rows still in flight at the start, the outcome, the alert's severity. */
  | { kind: 'sent'; rows: readonly ClaimedDelivery[]; outcome: SendOutcome; severity?: string }
  /** Nothing to show for the rows still in flight (an event with no coin or changes): they become dead letters. */
  | { kind: 'empty'; rows: readonly ClaimedDelivery[] };

export interface SenderDeps {
  adapters: readonly PlatformAdapter[];
  metrics: Metrics;
  log: Logger;
  clock: () => number;
  /** False once the row was cancelled (its chat deactivated) while it waited for its slot. */
  stillInFlight: (id: number) => boolean;
  /** False once the dispatcher is stopping. */
  running: () => boolean;
}

export interface Sender {
  /** Queues the job behind its platform's limits; resolves when it ran (rejects only for a stopped limiter or a bug). */
  send(job: SendJob): Promise<SendResult>;
  /** Leaves the chat alone until `until` (the platform's retry-after for it). */
  pause(chat: ChatRef, until: number): void;
  /** Stops sending on the platform until restart (it refused our credentials). False when it was down already. */
  down(platform: string, reason: string): boolean;
  /** Platforms still sent to. */
  live(): ReadonlySet<string>;
  /** The platform's lane for command replies, which share its limits with alerts. */
  replies(platform: string): ReplyLane;
  /** Rejects queued jobs, waits for started ones. */
  stop(): Promise<void>;
}

interface Lane {
  adapter: PlatformAdapter;
  limiter: PlatformLimiter;
  replies: ReplyLane;
  down?: string;
}


export function createSender(deps: SenderDeps): Sender {
  const { clock, metrics } = deps;
  const pausedUntil = new Map<string, number>();
  const pause = (chat: ChatRef, until: number) => pausedUntil.set(chatKey(chat), Math.max(until, pausedUntil.get(chatKey(chat)) ?? 0));
  const lanes = new Map<string, Lane>(
    deps.adapters.map((adapter) => {
      const limiter = createPlatformLimiter(adapter.limits);
      const replies = createReplyLane({ platform: adapter.platform, limiter, pausedUntil: (chat) => pausedUntil.get(chatKey(chat)), pause, clock, metrics, log: deps.log });
      return [adapter.platform, { adapter, limiter, replies }];
    }),
  );
  let live = new Set(lanes.keys());

  async function run(lane: Lane, key: string, job: SendJob): Promise<SendResult> {
    let paused = pausedUntil.get(key);
    if (paused !== undefined && paused <= clock()) {
      pausedUntil.delete(key);
      paused = undefined;
    }
    if (lane.down || !deps.running() || paused !== undefined) return { kind: 'release', at: paused ?? clock() };
    const rows = job.rows.filter((row) => deps.stillInFlight(row.id));
    const message = rows.length ? job.compose(rows) : null;
    if (!message) return { kind: 'empty', rows };
    const chat = rows[0]!.chat;
    const stop = metrics.sendSeconds.startTimer({ platform: chat.platform });
    let outcome: SendOutcome;
    try {
      outcome = message.kind === 'alert' ? await lane.adapter.send(chat, message.alert) : await lane.adapter.sendDigest(chat, message.digest);
    } catch (error) {
      outcome = { kind: 'retry', error: error instanceof Error ? error.message : String(error) };
    }
    stop();
    return { kind: 'sent', rows, outcome, ...(message.kind === 'alert' && { severity: message.alert.severity }) };
  }

  return {
    send(job) {
      const chat = job.rows[0]?.chat;
      const lane = chat && lanes.get(chat.platform);
      if (!chat || !lane) return Promise.resolve({ kind: 'release', at: clock() });
      const key = chatKey(chat);
      // Keyed by the chat's platform id as claimed: a chat that moves gets a fresh key with its released rows.
      return lane.limiter.schedule(key, chat.kind, () => run(lane, key, job), job.priority);
    },
    pause,
    down(platform, reason) {
      const lane = lanes.get(platform);
      if (!lane || lane.down) return false;
      lane.down = reason;
      live = new Set([...lanes].filter(([, l]) => !l.down).map(([p]) => p));
      return true;
    },
    live: () => live,
    replies(platform) {
      const lane = lanes.get(platform);
      if (!lane) throw new Error(`no platform ${platform} to reply on`);
      return lane.replies;
    },
    async stop() {
      await Promise.all([...lanes.values()].map((lane) => lane.limiter.stop()));
    },
  };
}
