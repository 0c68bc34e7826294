// When to try a failed send again: exponential backoff with jitter, or the platform's own retry-after when it gave one.

export interface BackoffOptions {
  baseMs?: number;
  maxMs?: number;
  random?: () => number;
}

/** Delay before attempt `attempt + 1` (attempt counts from 1): base·2^(attempt-1), capped, with "equal jitter". */
export function backoffDelay(attempt: number, retryAfterMs: number | undefined, options: BackoffOptions = {}): number {
  const random = options.random ?? Math.random;
  if (retryAfterMs !== undefined && retryAfterMs >= 0) return Math.ceil(retryAfterMs + retryAfterMs * 0.1 * random());
  const base = options.baseMs ?? 2000;
  const max = options.maxMs ?? 60 * 60 * 1000;
  const ceiling = Math.min(max, base * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}
