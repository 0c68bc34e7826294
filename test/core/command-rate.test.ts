import { describe, expect, it } from 'vitest';
import { createCommandRate } from '../../src/core/command-rate.js';

describe('command rate (token buckets per chat and per person)', () => {
  it('lets a person send their allowance, then warns once and stays silent until a token is back', () => {
    let now = 0;
    const rate = createCommandRate({ perChatPerMinute: 30, perUserPerMinute: 10, clock: () => now });
    for (let i = 0; i < 10; i += 1) expect(rate.take('telegram:1', 'telegram:7')).toEqual({ ok: true });
    expect(rate.take('telegram:1', 'telegram:7')).toEqual({ ok: false, retryInSeconds: 6, warn: true });
    expect(rate.take('telegram:1', 'telegram:7')).toEqual({ ok: false, retryInSeconds: 6, warn: false });
    // Someone else in the same chat is not held up by that person.
    expect(rate.take('telegram:1', 'telegram:8')).toEqual({ ok: true });
    now += 6000;
    expect(rate.take('telegram:1', 'telegram:7')).toEqual({ ok: true });
    expect(rate.take('telegram:1', 'telegram:7')).toMatchObject({ ok: false, warn: true });
  });

  it('limits a chat across all its members, and a person across all their chats', () => {
    const rate = createCommandRate({ perChatPerMinute: 3, perUserPerMinute: 5, clock: () => 0 });
    for (const user of ['a', 'b', 'c']) expect(rate.take('group', user).ok).toBe(true);
    expect(rate.take('group', 'd')).toMatchObject({ ok: false, retryInSeconds: 20 });
    for (const chat of ['x', 'y']) expect(rate.take(chat, 'a').ok).toBe(true);
    for (const chat of ['x', 'y']) expect(rate.take(chat, 'a').ok).toBe(true);
    expect(rate.take('z', 'a')).toMatchObject({ ok: false });
  });

  it('keeps at most maxBuckets buckets once they are full again', () => {
    let now = 0;
    const rate = createCommandRate({ perChatPerMinute: 30, perUserPerMinute: 10, clock: () => now, maxBuckets: 100 });
    for (let i = 0; i < 1000; i += 1) {
      now += 60_000;
      rate.take(`chat-${i}`, `user-${i}`);
    }
    // Each command's two buckets are full again a minute later, so a prune past the cap leaves only the newest ones.
    expect(rate.size()).toBeLessThanOrEqual(102);
    expect(rate.size()).toBeGreaterThan(0);
  });
});
