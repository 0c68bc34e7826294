// The platform-wide send gate: sends start on a grid of slots `intervalMs` apart, one per slot, in order.
// - A send that starts late (an event-loop stall) moves the grid: the next slot is one interval after the late start,
//   never "catching up" missed slots. (Bottleneck's minTime spaced *planned* start times, so a send delayed by a stall
//   was followed at once by the next one: a burst the platform answered with 429.)
// - A timer that fires a fraction of a millisecond early (timers have millisecond granularity) does not move the grid:
//   the next slot stays one interval after the planned one, so the average rate is exactly one per interval. (Spacing
//   each start from the previous real start made early timers speed the rate up by ~10 % at 300 msg/s, and rounding
//   every wait up to whole milliseconds slowed it down by ~17 %.)
// In any window of length W at most W / intervalMs + 1 sends start. When the gate is open a caller passes without a
// timer, so an idle send is not delayed.

export interface Pacer {
  /** Resolves when a send may start; callers are served in order. */
  acquire(): Promise<void>;
}

/** How late a start may be and still count as on its slot: the granularity of timers. */
const ON_TIME_MS = 1;

export function createPacer(intervalMs: number, now: () => number = () => performance.now()): Pacer {
  let nextSlot = -Infinity;
  let queue: Promise<void> = Promise.resolve();

  const take = async (): Promise<void> => {
    const slot = Math.max(nextSlot, now());
    const wait = slot - now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const started = now();
    nextSlot = (started - slot > ON_TIME_MS ? started : slot) + intervalMs;
  };

  return {
    acquire() {
      const turn = queue.then(take);
      queue = turn;
      return turn;
    },
  };
}
