// Per-platform send rates (Bottleneck): one limiter for the platform as a whole, chained behind one limiter per chat
// (and a stricter one per group or channel where the platform has it). Jobs of one chat run one at a time, in order.
import Bottleneck from 'bottleneck';
import type { ChatKind, RateLimits } from '../platforms/port.js';

export interface PlatformLimiter {
  schedule<T>(chatKey: string, kind: ChatKind, job: () => Promise<T>): Promise<T>;
  /** Jobs waiting or running, across every chat. */
  queued(): number;
  stop(): Promise<void>;
}

export function createPlatformLimiter(limits: RateLimits): PlatformLimiter {
  const overall = new Bottleneck({ minTime: Math.ceil(1000 / limits.perSecond) });
  const perChat = new Bottleneck.Group({ maxConcurrent: 1, minTime: limits.perChatIntervalMs });
  perChat.on('created', (limiter) => limiter.chain(overall));
  const perGroup = limits.perGroupPerMinute
    ? new Bottleneck.Group({
        maxConcurrent: 1,
        minTime: limits.perChatIntervalMs,
        reservoir: limits.perGroupPerMinute,
        reservoirRefreshAmount: limits.perGroupPerMinute,
        reservoirRefreshInterval: 60_000,
      })
    : undefined;
  perGroup?.on('created', (limiter) => limiter.chain(overall));
  let waiting = 0;

  return {
    async schedule(chatKey, kind, job) {
      const group = kind !== 'private' && perGroup ? perGroup : perChat;
      waiting += 1;
      try {
        return await group.key(chatKey).schedule(job);
      } finally {
        waiting -= 1;
      }
    },
    queued: () => waiting,
    async stop() {
      await Promise.all([...perChat.limiters(), ...(perGroup?.limiters() ?? [])].map(({ limiter }) => limiter.stop({ dropWaitingJobs: true })));
      await overall.stop({ dropWaitingJobs: true });
    },
  };
}
