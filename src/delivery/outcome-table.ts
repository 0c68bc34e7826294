// The outcome table: what one send's `SendOutcome` does to the rows it carried (one for an alert, several for a
// digest), to the chat and to the platform's lane. Pure: the dispatcher writes the row updates (outbox-rows.ts), applies
// the chat change, counts the metric and logs the line this table names. Retry or not, per answer, is decided here only.
import type { RowUpdate } from '../db/outbox-rows.js';
import type { SendOutcome } from '../platforms/port.js';
import { backoffDelay, type BackoffOptions } from './backoff.js';

export interface SentRow {
  id: number;
  attempts: number;
}

export type ChatChange = { kind: 'deactivate'; reason: string } | { kind: 'move'; newPlatformChatId: string };

export interface Settlement {
  /** Written in one transaction, after the chat change. */
  updates: RowUpdate[];
  chat?: ChatChange;
  /** The chat is left alone until then (the platform's retry-after for this chat). */
  pauseUntil?: number;
  /** The platform refused us altogether: nothing more is sent there until restart. */
  laneDown?: string;
  /** Metric results (`coinsentry_deliveries_total{result}`) with their row counts. */
  results: Array<{ result: string; n: number }>;
  log: { level: 'debug' | 'info' | 'warn' | 'error'; message: string; fields?: Record<string, unknown> };
}

export interface SettleContext {
  now: number;
  maxAttempts: number;
  backoff?: BackoffOptions;
  /** The alert's severity (recorded on the row when sent); none for a digest. */
  severity?: string;
}

/** The settlement of one send's outcome. */
export function settle(outcome: SendOutcome, rows: readonly SentRow[], ctx: SettleContext): Settlement {
  const n = rows.length;
  const what = n > 1 ? 'digest' : 'alert';
  const first = rows[0]!;
  switch (outcome.kind) {
    case 'sent':
      return {
        updates: rows.map((r) => ({ id: r.id, to: 'sent', at: ctx.now, ...(ctx.severity && { severity: ctx.severity }) })),
        results: [{ result: 'sent', n }],
        log: { level: 'debug', message: `${what} sent` },
      };
    case 'retry': {
      if (outcome.afterMs !== undefined) {
        // The platform's own pacing (429 + retry-after), not a failure: wait as told, without spending an attempt.
        const at = ctx.now + backoffDelay(first.attempts + 1, outcome.afterMs, ctx.backoff);
        return {
          updates: rows.map((r) => ({ id: r.id, to: 'release', at })),
          pauseUntil: at,
          results: [{ result: 'rate_limited', n }],
          log: { level: 'info', message: 'rate limited; will send again', fields: { error: outcome.error, retry_in_ms: at - ctx.now } },
        };
      }
      const updates = rows.map((r): RowUpdate => {
        const attempt = r.attempts + 1;
        return attempt >= ctx.maxAttempts
          ? { id: r.id, to: 'dead', error: outcome.error }
          : { id: r.id, to: 'retry', error: outcome.error, at: ctx.now + backoffDelay(attempt, undefined, ctx.backoff) };
      });
      const dead = updates.filter((u) => u.to === 'dead').length;
      return {
        updates,
        results: [
          { result: 'dead', n: dead },
          { result: 'retry', n: n - dead },
        ].filter((r) => r.n > 0),
        log:
          dead > 0
            ? { level: 'warn', message: `${what} dead-lettered after its last attempt`, fields: { error: outcome.error } }
            : { level: 'info', message: `${what} send failed; will retry`, fields: { error: outcome.error } },
      };
    }
    case 'chat_gone':
      // Deactivating the chat cancels every row queued for it, these included.
      return {
        updates: [],
        chat: { kind: 'deactivate', reason: outcome.reason },
        results: [{ result: 'chat_gone', n }],
        log: { level: 'warn', message: 'chat deactivated', fields: { reason: outcome.reason } },
      };
    case 'chat_moved':
      return {
        updates: rows.map((r) => ({ id: r.id, to: 'release', at: ctx.now })),
        chat: { kind: 'move', newPlatformChatId: outcome.newPlatformChatId },
        results: [{ result: 'moved', n }],
        log: { level: 'info', message: 'chat moved; sending again', fields: { moved_to: outcome.newPlatformChatId } },
      };
    case 'rejected':
      return {
        updates: rows.map((r) => ({ id: r.id, to: 'dead', error: outcome.error })),
        results: [{ result: 'dead', n }],
        log: { level: 'warn', message: 'platform refused the alert; dead-lettered', fields: { error: outcome.error } },
      };
    case 'platform_down':
      return {
        updates: rows.map((r) => ({ id: r.id, to: 'release', at: ctx.now })),
        laneDown: outcome.error,
        results: [{ result: 'platform_down', n }],
        log: { level: 'error', message: 'platform refused our credentials; sending there is stopped until restart', fields: { error: outcome.error } },
      };
  }
}
