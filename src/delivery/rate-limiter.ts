// Per-platform send rates: per chat, the earliest time its next send may start (the per-chat interval; for groups and
// channels also the platform's per-minute cap, over a sliding window), then the platform-wide pacer right before each
// send. Jobs of one chat run one at a time, in order. A chat costs one small record while it has work or its limits
// still apply, and nothing after: a fan-out to 10,000 chats keeps no per-chat timers, queues or limiter objects alive.
// (This replaced a Bottleneck.Group: every Bottleneck step yields through setTimeout, adding ~6-8 ms to an idle send,
// and one limiter per chat cost ~98 MB of RSS for 2,000 chats with one job each.)
import { createPacer, type SendPriority } from './pacer.js';
import type { ChatKind, ChatRef, RateLimits } from '../platforms/port.js';

/** A chat's key in the limiter (and in the sender's pauses): its platform and its platform id. */
export const chatKey = (chat: Pick<ChatRef, 'platform' | 'platformChatId'>): string => `${chat.platform}:${chat.platformChatId}`;

export interface PlatformLimiter {
  /**
   * Runs `job` when the chat's limits and the platform's allow. Its priority orders it among other chats' waiting
   * sends (see the pacer); jobs of one chat run in the order they were scheduled.
   */
  schedule<T>(chatKey: string, kind: ChatKind, job: () => Promise<T>, priority?: SendPriority): Promise<T>;
  /** Rejects every job not yet started (LimiterStoppedError); resolves once the started ones have finished. */
  stop(): Promise<void>;
}

/** A job dropped by `stop()` before it started. */
export class LimiterStoppedError extends Error {
  constructor() {
    super('the rate limiter was stopped before this send started');
    this.name = 'LimiterStoppedError';
  }
}

/**
 * Share of a platform's published rate we aim for. Requests reach the platform with a few milliseconds of network
 * jitter; spacing them exactly at the limit lets two land in the same window now and then (a 429). 92 % leaves room
 * (measured: 14 of 10,000 sends got a 429 at 95 %).
 */
export const RATE_HEADROOM = 0.92;

/** The window of `RateLimits.perGroupPerMinute`, stretched by the headroom like every other rate. */
export const GROUP_WINDOW_MS = 60_000 / RATE_HEADROOM;

export interface LimiterClock {
  /** Milliseconds, monotonic. */
  now(): number;
}

interface Job {
  run: () => Promise<unknown>;
  priority: SendPriority;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

interface ChatState {
  queue: Job[];
  /** A job of this chat is waiting for its turn or running. */
  busy: boolean;
  /** Real start time of the chat's last send. */
  lastStart: number;
  /** Groups and channels: start times of the last `perGroupPerMinute` sends, oldest first. */
  recent?: number[];
  /** The wait for the chat's next allowed start, so stop() can cut it short. */
  timer?: NodeJS.Timeout;
  wakeUp?: () => void;
}

export function createPlatformLimiter(limits: RateLimits, clock: LimiterClock = { now: () => performance.now() }): PlatformLimiter {
  const overall = createPacer(1000 / (limits.perSecond * RATE_HEADROOM), clock.now);
  const chatInterval = limits.perChatIntervalMs / RATE_HEADROOM;
  const groupCap = limits.perGroupPerMinute;
  const chats = new Map<string, ChatState>();
  let stopped = false;
  let running = 0;
  let drained: (() => void) | undefined;
  let lastSweep = clock.now();

  /** The earliest start the chat's own limits allow. */
  function earliestStart(state: ChatState): number {
    let at = state.lastStart + chatInterval;
    if (state.recent && groupCap && state.recent.length >= groupCap) {
      at = Math.max(at, state.recent[state.recent.length - groupCap]! + GROUP_WINDOW_MS);
    }
    return at;
  }

  /** Forgets chats with nothing queued whose limits no longer constrain their next send. */
  function sweep(now: number): void {
    if (now - lastSweep < 5_000) return;
    lastSweep = now;
    for (const [key, state] of chats) {
      if (state.busy || state.queue.length > 0) continue;
      const newest = state.recent?.[state.recent.length - 1] ?? state.lastStart;
      if (now >= state.lastStart + chatInterval && (!state.recent || now >= newest + GROUP_WINDOW_MS)) chats.delete(key);
    }
  }

  function wait(state: ChatState, ms: number): Promise<void> {
    return new Promise((resolve) => {
      state.wakeUp = resolve;
      state.timer = setTimeout(resolve, ms);
    });
  }

  /** Runs the chat's queued jobs one after another, each when its limits and the platform pacer allow. */
  async function drain(state: ChatState): Promise<void> {
    state.busy = true;
    try {
      for (let job = state.queue.shift(); job; job = state.queue.shift()) {
        // A timer can fire a fraction of a millisecond early: wait until the limit really allows the start.
        for (let delay = earliestStart(state) - clock.now(); delay > 0 && !stopped; delay = earliestStart(state) - clock.now()) {
          await wait(state, Math.ceil(delay));
        }
        state.timer = undefined;
        state.wakeUp = undefined;
        if (!stopped) await overall.acquire(job.priority);
        if (stopped) {
          job.reject(new LimiterStoppedError());
          continue;
        }
        const startedAt = clock.now();
        state.lastStart = startedAt;
        if (state.recent) {
          state.recent.push(startedAt);
          if (state.recent.length > (groupCap ?? 0)) state.recent.shift();
        }
        running += 1;
        try {
          job.resolve(await job.run());
        } catch (error) {
          job.reject(error);
        } finally {
          running -= 1;
          if (running === 0) drained?.();
        }
      }
    } finally {
      state.busy = false;
    }
  }

  return {
    schedule<T>(chatKey: string, kind: ChatKind, run: () => Promise<T>, priority: SendPriority = 'ordinary'): Promise<T> {
      if (stopped) return Promise.reject(new LimiterStoppedError());
      const now = clock.now();
      sweep(now);
      let state = chats.get(chatKey);
      if (!state) {
        state = { queue: [], busy: false, lastStart: -Infinity, ...(kind !== 'private' && groupCap ? { recent: [] } : {}) };
        chats.set(chatKey, state);
      } else if (kind !== 'private' && groupCap && !state.recent) {
        state.recent = [];
      }
      const promise = new Promise<T>((resolve, reject) => {
        state.queue.push({ run, priority, resolve: resolve as (value: unknown) => void, reject });
      });
      if (!state.busy) void drain(state);
      return promise;
    },

    async stop() {
      stopped = true;
      for (const state of chats.values()) {
        for (const job of state.queue.splice(0)) job.reject(new LimiterStoppedError());
        if (state.timer) clearTimeout(state.timer);
        state.wakeUp?.();
      }
      if (running > 0) await new Promise<void>((resolve) => (drained = resolve));
      chats.clear();
    },
  };
}
