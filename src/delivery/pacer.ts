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

export interface Pacer {
  /**
   * Resolves when a send may start. Callers are served in order, except that an `urgent` one (a high-severity alert)
   * takes the next slot ahead of every waiting ordinary one: it waits at most one slot, whatever the queue.
   */
  acquire(urgent?: boolean): Promise<void>;
}

/** How far behind its grid the pacer may start sends to catch up (a garbage-collection pause, not a long stall). */
export const MAX_LAG_MS = 20;

export function createPacer(intervalMs: number, now: () => number = () => performance.now()): Pacer {
  let nextSlot = -Infinity;
  let lastStart = -Infinity;
  const urgent: Array<() => void> = [];
  const ordinary: Array<() => void> = [];
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

  /** Grants slots while anyone waits; who gets a slot is chosen when it opens, so a late urgent caller still goes next. */
  const serve = async (): Promise<void> => {
    serving = true;
    while (urgent.length > 0 || ordinary.length > 0) {
      await take();
      (urgent.shift() ?? ordinary.shift())!();
    }
    serving = false;
  };

  return {
    acquire(isUrgent = false) {
      return new Promise<void>((resolve) => {
        (isUrgent ? urgent : ordinary).push(resolve);
        if (!serving) void serve();
      });
    },
  };
}
