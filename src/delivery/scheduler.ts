// The scheduler: when the dispatcher pumps. A wake-up (a commit, a finished send) pumps at once when the dispatcher is
// idle, at most once per `spacingMs` under load (a burst of commits costs one pump, not one each); a pump that left
// work pumps again after the spacing; otherwise a timer waits for the next due time, or the safety sweep. Timing
// only: what a pump does is the caller's, and the clocks are injected.

export interface PumpReport {
  /** Work is left that the next pump can take now (the pump stopped at its budget). */
  more: boolean;
  /** When something next falls due (the caller's clock); undefined: nothing scheduled, wait for the sweep. */
  nextAt?: number;
}

export interface SchedulerTimers {
  /** Monotonic milliseconds, for the spacing of pumps. */
  now(): number;
  setTimeout(fn: () => void, ms: number): { unref?(): unknown };
  clearTimeout(timer: unknown): void;
}

export interface SchedulerOptions {
  pump: () => PumpReport;
  /** A pump that threw: logged by the caller; the scheduler looks again after `retryMs`. */
  onError: (error: unknown) => void;
  /** The caller's clock, in which `nextAt` is given. */
  clock: () => number;
  /** The longest wait without a pump. */
  sweepMs: number;
  /** Least time between two pumps. */
  spacingMs: number;
  retryMs?: number;
  timers?: SchedulerTimers;
}

export interface Scheduler {
  start(): void;
  wake(): void;
  stop(): void;
  /** True from a wake-up's pump being planned until it has run. */
  readonly busy: boolean;
}

/** Node's timers; a zero wait runs at the next turn of the event loop (setImmediate), not a millisecond later. */
const realTimers: SchedulerTimers = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => (ms > 0 ? setTimeout(fn, ms) : setImmediate(fn)),
  clearTimeout: (timer) => {
    if (timer && typeof timer === 'object' && '_onImmediate' in timer) clearImmediate(timer as NodeJS.Immediate);
    else clearTimeout(timer as NodeJS.Timeout);
  },
};

export function createScheduler(options: SchedulerOptions): Scheduler {
  const timers = options.timers ?? realTimers;
  let running = false;
  let pumping = false;
  let again = false;
  let lastPumpAt = -Infinity;
  let pumpTimer: unknown;
  let sweepTimer: unknown;

  /** A pump (or a spaced wake-up) keeps the process alive until it ran; the sweep does not keep an idle process up. */
  const later = (fn: () => void, ms: number, keepAlive = true) => {
    const timer = timers.setTimeout(fn, ms);
    if (!keepAlive) timer.unref?.();
    return timer;
  };

  function wake(): void {
    if (!running) return;
    if (pumping) {
      again = true;
      return;
    }
    if (pumpTimer !== undefined) return;
    const wait = lastPumpAt + options.spacingMs - timers.now();
    if (wait > 0) {
      pumpTimer = later(() => {
        pumpTimer = undefined;
        wake();
      }, wait);
      return;
    }
    pumping = true;
    pumpTimer = later(pump, 0);
  }

  function pump(): void {
    pumpTimer = undefined;
    lastPumpAt = timers.now();
    again = false;
    let report: PumpReport;
    try {
      report = options.pump();
    } catch (error) {
      options.onError(error);
      report = { more: false, nextAt: options.clock() + (options.retryMs ?? 1000) };
    }
    pumping = false;
    if (!running) return;
    if (report.more || again) wake();
    if (sweepTimer !== undefined) timers.clearTimeout(sweepTimer);
    const wait = report.nextAt === undefined ? options.sweepMs : Math.min(options.sweepMs, Math.max(0, report.nextAt - options.clock()));
    sweepTimer = later(() => {
      sweepTimer = undefined;
      wake();
    }, wait, false);
  }

  return {
    start() {
      running = true;
      wake();
    },
    wake,
    stop() {
      running = false;
      if (pumpTimer !== undefined) timers.clearTimeout(pumpTimer);
      if (sweepTimer !== undefined) timers.clearTimeout(sweepTimer);
      pumpTimer = sweepTimer = undefined;
      pumping = false;
    },
    get busy() {
      return pumping || pumpTimer !== undefined;
    },
  };
}
