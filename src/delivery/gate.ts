// The gate: what happens to a claimed alert before it is sent, as a pure function of the rows, the chats' mutes and
// recent sends, and the clock. High severity always goes. A low-severity alert a mute covers is `muted` (kept, never
// sent). Only an info-severity alert that is not a listing may be `held` for the chat's digest, once the chat got its
// share of low-severity alerts in the window; listings and anything medium or higher (a name change, a new chain) go at
// once, digest or not.
import type { Alert } from '../core/alert.js';
import { isMuted, type Mute } from '../core/mutes.js';

/** An alert and the fields of the changes it shows (what mutes are checked against). */
export interface Composed {
  alert: Alert;
  fields: string[];
}

/**
 * Digests: a chat that was sent `threshold` low-severity alerts within `windowMs` gets further holdable ones held and
 * sent together in one message when the window has passed.
 */
export interface DigestRule {
  threshold: number;
  windowMs: number;
}

/** What the gate needs to know of a chat (read once per chat per batch, only when a row of it can be gated). */
export interface ChatGateState {
  mutes: readonly Mute[];
  /** Low-severity alerts sent to the chat within the digest window. */
  lowSent: number;
  /** When the chat's pending digest goes out, if one is pending. */
  heldUntil?: number;
}

export type GateVerdict = { kind: 'send' } | { kind: 'muted' } | { kind: 'held'; until: number };

/** May a /mute silence this alert? Anything but high severity. */
export const mutable = (alert: Alert): boolean => alert.severity !== 'high';

/** May this alert wait for a digest? Only info severity, and never a listing (traders act on a listing within minutes). */
export const holdable = (alert: Alert): boolean => alert.severity === 'info' && !alert.items.some((item) => item.kind === 'listing');

/**
 * The verdict for each row, in order. Rows of one chat in one batch count against its digest threshold in order, so a
 * burst is cut at the threshold exactly; held rows of a chat share one digest time.
 */
export function gateRows(
  rows: ReadonlyArray<{ chatId: number; composed: Composed | null }>,
  stateOf: (chatId: number) => ChatGateState,
  now: number,
  digest?: DigestRule,
): GateVerdict[] {
  const lowSent = new Map<number, number>();
  const heldUntil = new Map<number, number>();
  return rows.map(({ chatId, composed }): GateVerdict => {
    if (!composed || !mutable(composed.alert)) return { kind: 'send' };
    const { alert, fields } = composed;
    const state = stateOf(chatId);
    if (isMuted(state.mutes, now, alert.coin.id, fields)) return { kind: 'muted' };
    if (!digest || digest.threshold <= 0 || !holdable(alert)) return { kind: 'send' };
    const sent = lowSent.get(chatId) ?? state.lowSent;
    if (sent >= digest.threshold) {
      const until = heldUntil.get(chatId) ?? state.heldUntil ?? now + digest.windowMs;
      heldUntil.set(chatId, until);
      return { kind: 'held', until };
    }
    lowSent.set(chatId, sent + 1);
    return { kind: 'send' };
  });
}
