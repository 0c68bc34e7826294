// The platform-wide send gate: each send starts at least `intervalMs` after the previous one actually started.
// (Bottleneck's minTime spaces *planned* start times, so a send delayed by an event-loop stall was followed at once by
// the next one: a burst the platform answered with 429. Spacing real start times cannot burst.)

export interface Pacer {
  /** Resolves when a send may start; callers are served in order. */
  acquire(): Promise<void>;
}

export function createPacer(intervalMs: number, now: () => number = () => performance.now()): Pacer {
  let lastStart = -Infinity;
  let queue: Promise<void> = Promise.resolve();

  const take = async (): Promise<void> => {
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
