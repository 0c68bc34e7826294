// Command replies that are messages of their own (Telegram's sendMessage) spend the same per-bot budget as alerts, so
// they go out through the platform's limiter, not beside it: a flood of commands cannot push the platform into
// answering 429 to everything, and alerts keep their turn (the pacer's policy: high-severity alerts first, then replies
// and other alerts turn about). A retry answer is waited out and tried again; the queue is bounded per chat and overall.
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { ChatRef, ReplyLane, SendOutcome } from '../platforms/port.js';
import { chatKey, type PlatformLimiter } from './rate-limiter.js';

/** Tries per reply: the first send and two more after the platform's retry-after. */
export const REPLY_ATTEMPTS = 3;
/** Replies waiting in one chat: more than a group may receive in a minute (Telegram: 20) is already a flood there. */
export const MAX_WAITING_PER_CHAT = 20;
/** Replies waiting on one platform: about two minutes of Telegram's whole budget. */
export const MAX_WAITING = 3000;
/** Longest retry-after waited out for a reply; a longer one means the reply would come too late to help. */
const MAX_RETRY_WAIT_MS = 60_000;

export interface ReplyLaneDeps {
  platform: string;
  limiter: PlatformLimiter;
  /** Milliseconds since the epoch until which the chat's sends wait (a retry-after the platform gave); undefined when free. */
  pausedUntil(chat: ChatRef): number | undefined;
  /** Makes the chat's alerts and replies wait until `until` (the platform's retry-after). */
  pause(chat: ChatRef, until: number): void;
  clock: () => number;
  metrics: Metrics;
  log: Logger;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

export function createReplyLane(deps: ReplyLaneDeps): ReplyLane {
  const { limiter, metrics, platform } = deps;
  /** Replies queued or being sent, per chat; a chat with none has no entry. */
  const waiting = new Map<string, number>();
  let total = 0;
  /** Chats told about in the log since their queue filled up: one line per flood, not one per skipped reply. */
  const warned = new Set<string>();

  const settle = (result: string, outcome: SendOutcome): SendOutcome => {
    metrics.replies.inc({ platform, result });
    return outcome;
  };

  async function deliver(chat: ChatRef, attempt: () => Promise<SendOutcome>): Promise<SendOutcome> {
    const key = chatKey(chat);
    let outcome: SendOutcome = { kind: 'retry', error: 'not tried' };
    for (let tries = 1; tries <= REPLY_ATTEMPTS; tries += 1) {
      const paused = deps.pausedUntil(chat);
      if (paused !== undefined && paused > deps.clock()) await sleep(paused - deps.clock());
      outcome = await limiter.schedule(key, chat.kind, attempt, 'reply');
      if (outcome.kind !== 'retry') break;
      const waitMs = outcome.afterMs ?? 1000 * tries;
      if (tries === REPLY_ATTEMPTS || waitMs > MAX_RETRY_WAIT_MS) break;
      metrics.replies.inc({ platform, result: 'retry' });
      deps.pause(chat, deps.clock() + waitMs);
    }
    if (outcome.kind === 'retry' && outcome.afterMs !== undefined) deps.pause(chat, deps.clock() + outcome.afterMs);
    return outcome;
  }

  return {
    async send(chat, attempt) {
      const key = chatKey(chat);
      const queued = waiting.get(key) ?? 0;
      if (queued >= MAX_WAITING_PER_CHAT || total >= MAX_WAITING) {
        if (!warned.has(key)) {
          warned.add(key);
          deps.log.warn({ platform, chat: chat.platformChatId, waiting: queued, waiting_total: total }, 'too many replies waiting; skipping replies here until the queue drains');
        }
        return settle('dropped', { kind: 'retry', error: 'too many replies waiting' });
      }
      waiting.set(key, queued + 1);
      total += 1;
      try {
        const outcome = await deliver(chat, attempt);
        if (outcome.kind !== 'sent') deps.log.warn({ platform, chat: chat.platformChatId, outcome }, 'a command reply could not be delivered');
        return settle(outcome.kind === 'sent' ? 'sent' : 'failed', outcome);
      } catch (error) {
        // The limiter stopped (shutting down) before the reply's turn.
        deps.log.info({ platform, chat: chat.platformChatId, err: error }, 'a command reply was not sent (stopping, or its send failed)');
        return settle('failed', { kind: 'retry', error: error instanceof Error ? error.message : String(error) });
      } finally {
        total -= 1;
        const left = (waiting.get(key) ?? 1) - 1;
        if (left > 0) waiting.set(key, left);
        else waiting.delete(key);
        if (left === 0) warned.delete(key);
      }
    },
  };
}
