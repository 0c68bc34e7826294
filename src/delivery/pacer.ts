// The platform-wide send gate: sends start on a grid of slots `intervalMs` apart, one per slot, in order.
// - Sends that start late by up to MAX_LAG_MS (a garbage-collection pause) catch up, no less than half an interval
//   apart; after a longer stall (or idle time) the grid restarts at the next send: no catch-up burst. (Bottleneck's minTime spaced *planned* start times without
//   a bound, so a send delayed by a long stall was followed at once by the next ones: a burst the platform answered
//   with 429. Never catching up instead lost a slot to every garbage-collection pause: ~1 % of the rate.)
// - A timer that fires a fraction of a millisecond early (timers have millisecond granularity) does not move the grid,
//   so the average rate is exactly one per interval. (Spacing each start from the previous real start made early
//   timers speed the rate up by ~10 % at 300 msg/s; rounding every wait up to whole milliseconds slowed it by ~17 %.)
// In any window of length W at most (W + MAX_LAG_MS) / intervalMs + 1 sends start. When the gate is open a caller
// passes without a timer, so an idle send is not delayed.
// Who gets a slot (the README's sending policy): a high-severity alert first; then command replies and other alerts
// turn about while both wait, so a flood of commands cannot starve alerts and a large fan-out cannot silence commands.

/** What a send is, for the order in which waiting sends get the platform's slots. */
export type SendPriority = 'urgent' | 'reply' | 'ordinary';

export interface Pacer {
  /**
   * Resolves when a send may start. Callers of one priority are served in order. An `urgent` one (a high-severity
   * alert) takes the next slot ahead of every other: it waits at most one slot, whatever the queue. `reply` and
   * `ordinary` callers alternate while both wait.
   */
  acquire(priority?: SendPriority): Promise<void>;
}

/** How far behind its grid the pacer may start sends to catch up (a garbage-collection pause, not a long stall). */
export const MAX_LAG_MS = 20;

export function createPacer(intervalMs: number, now: () => number = () => performance.now()): Pacer {
  let nextSlot = -Infinity;
  let lastStart = -Infinity;
  const waiting: Record<SendPriority, Array<() => void>> = { urgent: [], reply: [], ordinary: [] };
  /** Which of the two sharing classes had the last shared slot. */
  let lastShared: 'reply' | 'ordinary' = 'ordinary';
  let serving = false;

  const take = async (): Promise<void> => {
    // Behind the grid by at most MAX_LAG_MS: keep it (catch up); further behind (a long stall, or idle): restart it now.
    const slot = nextSlot >= now() - MAX_LAG_MS ? nextSlot : now();
    const at = Math.max(slot, lastStart + intervalMs / 2);
    const wait = at - now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    lastStart = now();
    nextSlot = slot + intervalMs;
  };

  /** The caller the slot that just opened goes to. */
  const next = (): (() => void) | undefined => {
    if (waiting.urgent.length > 0) return waiting.urgent.shift();
    const turn = lastShared === 'reply' ? 'ordinary' : 'reply';
    const other = turn === 'reply' ? 'ordinary' : 'reply';
    lastShared = waiting[turn].length > 0 ? turn : other;
    return waiting[lastShared].shift();
  };

  /** Grants slots while anyone waits; who gets a slot is chosen when it opens, so a late urgent caller still goes next. */
  const serve = async (): Promise<void> => {
    serving = true;
    while (waiting.urgent.length + waiting.reply.length + waiting.ordinary.length > 0) {
      await take();
      next()!();
    }
    serving = false;
  };

  return {
    acquire(priority = 'ordinary') {
      return new Promise<void>((resolve) => {
        waiting[priority].push(resolve);
        if (!serving) void serve();
      });
    },
  };
}
