// Replay protection shared by every source: a sender's timestamp (UNIX seconds) must be within a tolerance of our clock.

export type TimestampCheck = { ok: true; seconds: number } | { ok: false; reason: 'malformed' | 'stale' | 'future' };

/** Checks a timestamp given as decimal UNIX seconds against the clock, `toleranceSeconds` either way. */
export function checkTimestamp(text: string, nowMs: number, toleranceSeconds: number): TimestampCheck {
  if (!/^\d{1,12}$/.test(text)) return { ok: false, reason: 'malformed' };
  const seconds = Number(text);
  const skew = seconds - nowMs / 1000;
  if (skew > toleranceSeconds) return { ok: false, reason: 'future' };
  if (skew < -toleranceSeconds) return { ok: false, reason: 'stale' };
  return { ok: true, seconds };
}

/** The refusal every source gives a timestamp outside the window (401, so the sender's retries are not mistaken for success). */
export const OUTSIDE_WINDOW = 'timestamp outside the allowed window; check the server clock';
