// The platform limiter on a fake clock (vitest's fake timers): which sends start when, in what order — behaviour, not
// wall-clock timing. Per-chat spacing, one send at a time per chat, the per-group cap over a sliding minute, the
// platform-wide pace, and stop().
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { GROUP_WINDOW_MS, LimiterStoppedError, RATE_HEADROOM, createPlatformLimiter } from '../../src/delivery/rate-limiter.js';
import type { ChatKind, RateLimits } from '../../src/platforms/port.js';

const clock = { now: () => Date.now() };

beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
});

function recorder(limits: RateLimits) {
  const limiter = createPlatformLimiter(limits, clock);
  const starts: Array<{ chat: string; n: number; at: number }> = [];
  const send = (chat: string, n: number, kind: ChatKind = 'private', work: () => Promise<void> = async () => {}) =>
    limiter.schedule(chat, kind, async () => {
      starts.push({ chat, n, at: Date.now() });
      await work();
      return n;
    });
  const of = (chat: string) => starts.filter((s) => s.chat === chat);
  return { limiter, starts, send, of };
}

describe('createPlatformLimiter', () => {
  it('spaces sends to one chat by the per-chat interval (with headroom), in order, without holding up other chats', async () => {
    const { send, of } = recorder({ perSecond: 1000, perChatIntervalMs: 1000 });
    const t0 = Date.now();
    const results = Promise.all([send('a', 1), send('a', 2), send('a', 3), send('b', 1)]);
    await vi.advanceTimersByTimeAsync(10);
    expect(of('a').map((s) => s.n)).toEqual([1]);
    expect(of('b')).toHaveLength(1);
    expect(of('b')[0]!.at - t0).toBeLessThan(10);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(await results).toEqual([1, 2, 3, 1]);
    const a = of('a');
    expect(a.map((s) => s.n)).toEqual([1, 2, 3]);
    for (let i = 1; i < a.length; i++) expect(a[i]!.at - a[i - 1]!.at).toBeGreaterThanOrEqual(1000 / RATE_HEADROOM);
  });

  it('runs one send per chat at a time, even when the interval has passed', async () => {
    const { send, of } = recorder({ perSecond: 1000, perChatIntervalMs: 0 });
    let finishFirst!: () => void;
    const first = send('a', 1, 'private', () => new Promise<void>((resolve) => (finishFirst = resolve)));
    const second = send('a', 2);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(of('a').map((s) => s.n)).toEqual([1]);
    finishFirst();
    await first;
    await second;
    expect(of('a').map((s) => s.n)).toEqual([1, 2]);
  });

  it('caps a group or channel at perGroupPerMinute over any sliding window, but not a private chat', async () => {
    const limits = { perSecond: 1000, perChatIntervalMs: 0, perGroupPerMinute: 20 };
    const { send, of } = recorder(limits);
    const t0 = Date.now();
    const all = [
      ...Array.from({ length: 25 }, (_, n) => send('group', n, 'group')),
      ...Array.from({ length: 25 }, (_, n) => send('channel', n, 'channel')),
      ...Array.from({ length: 25 }, (_, n) => send('dm', n, 'private')),
    ];
    await vi.advanceTimersByTimeAsync(30_000);
    expect(of('group')).toHaveLength(20);
    expect(of('channel')).toHaveLength(20);
    expect(of('dm')).toHaveLength(25);
    await vi.advanceTimersByTimeAsync(GROUP_WINDOW_MS);
    await Promise.all(all);
    for (const chat of ['group', 'channel']) {
      const starts = of(chat);
      expect(starts.map((s) => s.n)).toEqual(Array.from({ length: 25 }, (_, n) => n));
      // No window of GROUP_WINDOW_MS holds more than 20 starts.
      for (let i = 20; i < starts.length; i++) expect(starts[i]!.at - starts[i - 20]!.at).toBeGreaterThanOrEqual(GROUP_WINDOW_MS);
      expect(starts[20]!.at - t0).toBeGreaterThanOrEqual(GROUP_WINDOW_MS);
    }
  });

  it('keeps the platform-wide pace across chats, serving them in turn', async () => {
    const { send, starts } = recorder({ perSecond: 10, perChatIntervalMs: 0 });
    const all = Array.from({ length: 6 }, (_, n) => send(`chat-${n}`, n));
    await vi.advanceTimersByTimeAsync(2_000);
    await Promise.all(all);
    expect(starts.map((s) => s.n)).toEqual([0, 1, 2, 3, 4, 5]);
    for (let i = 1; i < starts.length; i++) expect(starts[i]!.at - starts[i - 1]!.at).toBeGreaterThanOrEqual(1000 / (10 * RATE_HEADROOM) - 1);
  });

  it('stop() drops the sends not started yet and waits for the one in flight', async () => {
    const { limiter, send, of } = recorder({ perSecond: 1000, perChatIntervalMs: 1000 });
    let finish!: () => void;
    const inFlight = send('a', 1, 'private', () => new Promise<void>((resolve) => (finish = resolve)));
    const waiting = send('a', 2);
    const other = send('b', 1, 'private', () => new Promise<void>(() => {}));
    const later = send('b', 2);
    await vi.advanceTimersByTimeAsync(0);
    void other;
    let stopped = false;
    const stopping = limiter.stop().then(() => (stopped = true));
    await expect(waiting).rejects.toBeInstanceOf(LimiterStoppedError);
    await expect(later).rejects.toBeInstanceOf(LimiterStoppedError);
    await expect(send('c', 1)).rejects.toBeInstanceOf(LimiterStoppedError);
    await vi.advanceTimersByTimeAsync(0);
    expect(stopped).toBe(false);
    finish();
    await inFlight;
    expect(of('a').map((s) => s.n)).toEqual([1]);
    void stopping;
  });
});
