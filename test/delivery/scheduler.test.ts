// The scheduler on injected timers: a wake-up pumps at once when idle, a burst of wake-ups costs one pump per spacing,
// a pump that left work pumps again, and an idle dispatcher sleeps until the next due time or the sweep.
import { describe, expect, it } from 'vitest';
import { createScheduler, type PumpReport, type SchedulerTimers } from '../../src/delivery/scheduler.js';

/** Timers on a hand-moved clock: `advance` fires what falls due, in order. */
function manualTimers() {
  let now = 0;
  let seq = 0;
  const pending = new Map<number, { at: number; fn: () => void }>();
  const timers: SchedulerTimers = {
    now: () => now,
    setTimeout(fn, ms) {
      seq += 1;
      pending.set(seq, { at: now + Math.max(0, ms), fn });
      return { id: seq } as never;
    },
    clearTimeout(timer) {
      pending.delete((timer as { id: number }).id);
    },
  };
  const advance = (ms: number) => {
    const end = now + ms;
    for (;;) {
      const next = [...pending.entries()].sort((a, b) => a[1].at - b[1].at || a[0] - b[0])[0];
      if (!next || next[1].at > end) break;
      pending.delete(next[0]);
      now = next[1].at;
      next[1].fn();
    }
    now = end;
  };
  return { timers, advance, pendingDelays: () => [...pending.values()].map((t) => t.at - now).sort((a, b) => a - b) };
}

function setUp(reports: PumpReport[] = []) {
  const clock = manualTimers();
  const pumps: number[] = [];
  const scheduler = createScheduler({
    pump: () => {
      pumps.push(clock.timers.now());
      return reports.shift() ?? { more: false };
    },
    onError: () => {},
    clock: clock.timers.now,
    sweepMs: 30_000,
    spacingMs: 10,
    timers: clock.timers,
  });
  return { ...clock, scheduler, pumps };
}

describe('the scheduler', () => {
  it('pumps at once on a wake-up when idle, then sleeps until the sweep', () => {
    const { scheduler, advance, pumps, pendingDelays } = setUp();
    scheduler.start();
    advance(0);
    expect(pumps).toEqual([0]);
    expect(pendingDelays()).toEqual([30_000]);
    advance(100);
    scheduler.wake();
    advance(0);
    expect(pumps).toEqual([0, 100]);
  });

  it('coalesces a burst of wake-ups into one pump per spacing', () => {
    const { scheduler, advance, pumps } = setUp();
    scheduler.start();
    advance(0);
    for (let i = 0; i < 50; i += 1) {
      scheduler.wake();
      advance(1);
    }
    // 50 wake-ups, one a millisecond: the first pump at once, then one every 10 ms.
    expect(pumps).toEqual([0, 10, 20, 30, 40, 50]);
  });

  it('pumps again after the spacing while work is left, and wakes at the next due time', () => {
    const { scheduler, advance, pumps } = setUp([{ more: true }, { more: true }, { more: false, nextAt: 500 }]);
    scheduler.start();
    advance(1000);
    expect(pumps).toEqual([0, 10, 20, 500]);
  });

  it('looks again shortly after a pump that threw, and stops for good', () => {
    const clock = manualTimers();
    let calls = 0;
    const errors: unknown[] = [];
    const scheduler = createScheduler({
      pump: () => {
        calls += 1;
        if (calls === 1) throw new Error('database is locked');
        return { more: false };
      },
      onError: (e) => errors.push(e),
      clock: clock.timers.now,
      sweepMs: 30_000,
      spacingMs: 10,
      retryMs: 1000,
      timers: clock.timers,
    });
    scheduler.start();
    clock.advance(999);
    expect(calls).toBe(1);
    clock.advance(1);
    expect(calls).toBe(2);
    expect(errors).toHaveLength(1);
    scheduler.stop();
    scheduler.wake();
    clock.advance(60_000);
    expect(calls).toBe(2);
  });
});
