// How many commands a chat and a person may send: two token buckets per command (the chat's, and the sender's across
// every chat of the platform), refilled continuously over a minute. Past either, the first command gets one "slow down"
// reply and the rest silence until a token is back, so a flood costs the bot one message, not one per command.
// Memory is bounded: full buckets carry no information and are dropped whenever the table grows past its cap.

export interface CommandRateOptions {
  perChatPerMinute: number;
  perUserPerMinute: number;
  clock: () => number;
  /** Most buckets kept; past it, full ones are dropped (default 100,000, a few MB). */
  maxBuckets?: number;
}

export type RateVerdict =
  | { ok: true }
  /** Over a limit: `warn` is true for the first refused command since the last accepted one. */
  | { ok: false; retryInSeconds: number; warn: boolean };

interface Bucket {
  tokens: number;
  at: number;
  warned: boolean;
}

export interface CommandRate {
  take(chatKey: string, userKey: string | undefined): RateVerdict;
  /** Buckets held now. */
  size(): number;
}

export function createCommandRate(options: CommandRateOptions): CommandRate {
  const buckets = new Map<string, Bucket>();
  const maxBuckets = options.maxBuckets ?? 100_000;

  function refilled(key: string, perMinute: number, now: number): Bucket {
    const bucket = buckets.get(key) ?? { tokens: perMinute, at: now, warned: false };
    bucket.tokens = Math.min(perMinute, bucket.tokens + ((now - bucket.at) * perMinute) / 60_000);
    bucket.at = now;
    return bucket;
  }

  function prune(): void {
    if (buckets.size <= maxBuckets) return;
    const now = options.clock();
    for (const [key, bucket] of buckets) {
      const limit = key.startsWith('user:') ? options.perUserPerMinute : options.perChatPerMinute;
      if (bucket.tokens + ((now - bucket.at) * limit) / 60_000 >= limit) buckets.delete(key);
    }
  }

  return {
    take(chatKey, userKey) {
      const now = options.clock();
      const chat = refilled(`chat:${chatKey}`, options.perChatPerMinute, now);
      const user = userKey === undefined ? undefined : refilled(`user:${userKey}`, options.perUserPerMinute, now);
      buckets.set(`chat:${chatKey}`, chat);
      if (user) buckets.set(`user:${userKey}`, user);
      const short = [chat, user].filter((b): b is Bucket => b !== undefined && b.tokens < 1);
      if (short.length > 0) {
        const waits = short.map((b) => ((1 - b.tokens) * 60_000) / (b === chat ? options.perChatPerMinute : options.perUserPerMinute));
        const warn = short.every((b) => !b.warned);
        for (const b of short) b.warned = true;
        return { ok: false, retryInSeconds: Math.max(1, Math.ceil(Math.max(...waits) / 1000)), warn };
      }
      chat.tokens -= 1;
      chat.warned = false;
      if (user) {
        user.tokens -= 1;
        user.warned = false;
      }
      prune();
      return { ok: true };
    },
    size: () => buckets.size,
  };
}
