// The platform-wide pacer on a fake clock: sends start one interval apart, in order; after a stall only a bounded
// catch-up, never a burst; an idle gate lets a send through at once.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MAX_LAG_MS, createPacer } from '../../src/delivery/pacer.js';

beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
});

const now = () => Date.now();

describe('createPacer', () => {
  it('starts sends one interval apart, in order, the first at once', async () => {
    const pacer = createPacer(20, now);
    const t0 = now();
    const starts: Array<{ i: number; at: number }> = [];
    const all = Promise.all(Array.from({ length: 6 }, (_, i) => pacer.acquire().then(() => starts.push({ i, at: now() - t0 }))));
    await vi.advanceTimersByTimeAsync(200);
    await all;
    expect(starts).toEqual([0, 20, 40, 60, 80, 100].map((at, i) => ({ i, at })));
  });

  it('after a long stall restarts the pace instead of catching up in a burst', async () => {
    const pacer = createPacer(20, now);
    await pacer.acquire();
    const t0 = now();
    // The event loop is blocked for 200 ms (time passes, no timer runs), then three sends are asked for.
    vi.setSystemTime(t0 + 200);
    const starts: number[] = [];
    const all = Promise.all(Array.from({ length: 3 }, () => pacer.acquire().then(() => starts.push(now() - t0))));
    await vi.advanceTimersByTimeAsync(100);
    await all;
    expect(starts).toEqual([200, 220, 240]);
  });

  it('catches up a short delay (up to MAX_LAG_MS), half an interval apart, keeping the rate', async () => {
    const pacer = createPacer(20, now);
    const t0 = now();
    const starts: number[] = [];
    const first = Array.from({ length: 2 }, () => pacer.acquire().then(() => starts.push(now() - t0)));
    await vi.advanceTimersByTimeAsync(20);
    await Promise.all(first);
    // The next two are asked for while the loop is blocked 15 ms past their first slot (40): a pause shorter than MAX_LAG_MS.
    vi.setSystemTime(t0 + 40 + 15);
    const late = Array.from({ length: 3 }, () => pacer.acquire().then(() => starts.push(now() - t0)));
    await vi.advanceTimersByTimeAsync(100);
    await Promise.all(late);
    expect(MAX_LAG_MS).toBeGreaterThan(15);
    expect(starts).toEqual([0, 20, 55, 65, 80]);
  });

  it('keeps the average rate when a timer fires a little early (within a millisecond)', async () => {
    let skew = 0;
    const pacer = createPacer(10, () => now() + skew);
    const t0 = now();
    const starts: number[] = [];
    for (let i = 0; i < 5; i++) {
      skew = i % 2 === 0 ? 0 : 0.5; // every other wake-up looks half a millisecond late on the pacer's clock
      const turn = pacer.acquire().then(() => starts.push(now() - t0));
      await vi.advanceTimersByTimeAsync(10);
      await turn;
    }
    expect(starts[4]! - starts[0]!).toBeLessThanOrEqual(40);
  });

  it('gives an urgent caller the next slot ahead of every waiting ordinary one', async () => {
    const pacer = createPacer(20, now);
    const t0 = now();
    const starts: Array<{ who: string; at: number }> = [];
    const ordinary = Array.from({ length: 5 }, (_, i) => pacer.acquire().then(() => starts.push({ who: `low-${i}`, at: now() - t0 })));
    await vi.advanceTimersByTimeAsync(25);
    const urgent = pacer.acquire('urgent').then(() => starts.push({ who: 'high', at: now() - t0 }));
    await vi.advanceTimersByTimeAsync(200);
    await Promise.all([...ordinary, urgent]);
    expect(starts.map((s) => s.who)).toEqual(['low-0', 'low-1', 'high', 'low-2', 'low-3', 'low-4']);
    expect(starts.find((s) => s.who === 'high')!.at).toBe(40);
  });

  it('lets command replies and ordinary alerts take turns while both wait, behind an urgent alert', async () => {
    const pacer = createPacer(10, now);
    const order: string[] = [];
    const take = (who: string, priority?: 'urgent' | 'reply' | 'ordinary') => pacer.acquire(priority).then(() => order.push(who));
    const all = [
      ...Array.from({ length: 4 }, (_, i) => take(`alert-${i}`)),
      ...Array.from({ length: 6 }, (_, i) => take(`reply-${i}`, 'reply')),
      take('high', 'urgent'),
    ];
    await vi.advanceTimersByTimeAsync(200);
    await Promise.all(all);
    // Each slot is given when it opens, to whoever waits then: the urgent one first, then turn about until the alerts run out.
    expect(order).toEqual(['high', 'reply-0', 'alert-0', 'reply-1', 'alert-1', 'reply-2', 'alert-2', 'reply-3', 'alert-3', 'reply-4', 'reply-5']);
  });
});
