// The platform-wide send gate: each send starts at least `intervalMs` after the previous one actually started.
// (Bottleneck's minTime spaces *planned* start times, so a send delayed by an event-loop stall was followed at once by
// the next one: a burst the platform answered with 429. Spacing real start times cannot burst.) When the gate is open
// a caller passes without a timer, so an idle send is not delayed.

export interface Pacer {
  /** Resolves when a send may start; callers are served in order. */
  acquire(): Promise<void>;
}

export function createPacer(intervalMs: number, now: () => number = () => performance.now()): Pacer {
  let lastStart = -Infinity;
  let queue: Promise<void> = Promise.resolve();

  const take = async (): Promise<void> => {
    // One timer, not a loop until the interval has fully passed: timers have millisecond granularity, and rounding a
    // 1.09 ms interval (1,000 msg/s) up to the next tick halved the rate. A start up to a millisecond early is within
    // the headroom the interval already has (RATE_HEADROOM).
    const wait = lastStart + intervalMs - now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    lastStart = now();
  };

  return {
    acquire() {
      const turn = queue.then(take);
      queue = turn;
      return turn;
    },
  };
}
