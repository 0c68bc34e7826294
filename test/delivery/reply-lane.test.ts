import { describe, expect, it } from 'vitest';
import type { ChatRef } from '../../src/core/chat.js';
import { createPlatformLimiter } from '../../src/delivery/rate-limiter.js';
import { MAX_WAITING_PER_CHAT, REPLY_ATTEMPTS, createReplyLane } from '../../src/delivery/reply-lane.js';
import { createMetrics } from '../../src/metrics.js';
import type { SendOutcome } from '../../src/platforms/port.js';
import { memoryLogger } from '../support/harness.js';

const chat: ChatRef = { platform: 'telegram', platformChatId: '42', kind: 'private' };

function lane(limits = { perSecond: 1000, perChatIntervalMs: 0 }) {
  const limiter = createPlatformLimiter(limits);
  const pauses: number[] = [];
  const { log, lines } = memoryLogger();
  const metrics = createMetrics();
  const replies = createReplyLane({
    platform: 'telegram',
    limiter,
    pausedUntil: () => undefined,
    pause: (_chat, until) => pauses.push(until),
    clock: Date.now,
    metrics,
    log,
  });
  const counted = async (result: string) =>
    (await metrics.replies.get()).values.find((v) => v.labels.result === result)?.value ?? 0;
  return { replies, limiter, pauses, lines, counted };
}

describe('the reply lane', () => {
  it('tries a reply again after the retry-after the platform gave, and pauses the chat meanwhile', async () => {
    const { replies, pauses, counted } = lane();
    const answers: SendOutcome[] = [{ kind: 'retry', error: '429', afterMs: 5 }, { kind: 'sent' }];
    let tries = 0;
    const outcome = await replies.send(chat, async () => answers[tries++]!);
    expect(outcome).toEqual({ kind: 'sent' });
    expect(tries).toBe(2);
    expect(pauses).toHaveLength(1);
    expect(await counted('retry')).toBe(1);
    expect(await counted('sent')).toBe(1);
  });

  it(`gives up after ${REPLY_ATTEMPTS} tries and says so in the log`, async () => {
    const { replies, lines, counted } = lane();
    let tries = 0;
    const outcome = await replies.send(chat, async () => {
      tries += 1;
      return { kind: 'retry', error: '502 Bad Gateway', afterMs: 1 };
    });
    expect(outcome.kind).toBe('retry');
    expect(tries).toBe(REPLY_ATTEMPTS);
    expect(lines.join('\n')).toContain('a command reply could not be delivered');
    expect(await counted('failed')).toBe(1);
  });

  it('does not retry an answer that will not change (chat gone, content refused)', async () => {
    const { replies } = lane();
    let tries = 0;
    const outcome = await replies.send(chat, async () => {
      tries += 1;
      return { kind: 'chat_gone', reason: '403: bot was blocked by the user' };
    });
    expect(outcome.kind).toBe('chat_gone');
    expect(tries).toBe(1);
  });

  it(`keeps at most ${MAX_WAITING_PER_CHAT} replies waiting in one chat and skips the rest, with a log line`, async () => {
    const { replies, lines, counted, limiter } = lane({ perSecond: 1000, perChatIntervalMs: 60_000 });
    let sent = 0;
    const all = Array.from({ length: MAX_WAITING_PER_CHAT + 5 }, () =>
      replies.send(chat, async () => {
        sent += 1;
        return { kind: 'sent' };
      }),
    );
    // The first goes out at once; the others wait a minute for the chat's pacing, except the five over the bound.
    const skipped = await Promise.all(all.slice(MAX_WAITING_PER_CHAT));
    expect(skipped.every((o) => o.kind === 'retry' && o.error === 'too many replies waiting')).toBe(true);
    expect(sent).toBe(1);
    expect(await counted('dropped')).toBe(5);
    expect(lines.filter((line) => line.includes('too many replies waiting'))).toHaveLength(1); // one line per flood
    // Another chat is not held up by the first one's queue.
    expect(await replies.send({ ...chat, platformChatId: '43' }, async () => ({ kind: 'sent' }))).toEqual({ kind: 'sent' });
    await limiter.stop();
    const stopped = await Promise.all(all.slice(1, MAX_WAITING_PER_CHAT));
    expect(stopped.every((o) => o.kind === 'retry')).toBe(true);
  });
});
