// The storage port: what the rest of the code asks of the database, whichever engine holds it. Two implementations,
// SQLite (src/db/store/sqlite-store.ts, one process) and PostgreSQL (src/db/store/postgres-store.ts, several instances
// on one database); one contract suite (test/db/store-contract.ts) runs against both.
// So far the port covers the write path that must be safe with several instances: recording a webhook (dedupe by
// (source, event id), answered only after the commit) and the outbox queue (claims, settlements). The rest of the
// database code still talks to SQLite directly; see docs/postgres.md for what is left.
import type { ParsedEvent } from '../../core/event.js';
import type { ChatClaim, DueCursor, TimedState } from '../outbox-queue.js';
import type { RowUpdate } from '../outbox-rows.js';
import type { Envelope, RecordResult } from '../record-event.js';

export type { ChatClaim, ClaimedDelivery, DueCursor, TimedState } from '../outbox-queue.js';
export type { RowUpdate } from '../outbox-rows.js';
export type { Envelope, RecordResult } from '../record-event.js';

export interface ClaimOptions {
  /** Platforms with a live adapter: chats of others are left alone. */
  platforms: ReadonlySet<string>;
  now: number;
  /** Most rows to claim (a digest counts as one). */
  limit: number;
}

export interface Store {
  /** `sqlite` or `postgres`: for logs and metrics, never for branching. */
  readonly engine: 'sqlite' | 'postgres';

  /**
   * Records a verified webhook: the event, its changes, its coin and one outbox row per matching chat, all in one
   * transaction. Resolves once committed; a (source, event id) already recorded — by this instance or another — is
   * `duplicate` and changes nothing. Rejects only when the database fails.
   */
  recordEvent(envelope: Envelope, event: ParsedEvent): Promise<RecordResult>;
  /** Keeps a signed but unusable body. False when this (source, event id) was already quarantined. */
  quarantine(envelope: Envelope, reason: string): Promise<boolean>;

  /**
   * One turn for each chat, in the order given: a chat with nothing in flight, active, on a live platform gets its
   * oldest due rows (at most PER_CHAT_CLAIM) and, when its digest is due, its held rows, all marked `sending` in one
   * transaction. A row is claimed by one claimer only, and a chat has one claimer at a time: a chat another claimer
   * holds (in flight, or being claimed at this moment) is skipped. Stops at `limit`; returns the claims and the chats it
   * did not reach.
   */
  claimChats(chatIds: Iterable<number>, options: ClaimOptions): Promise<{ claims: ChatClaim[]; unreached: number[] }>;
  /**
   * Settles rows this claimer holds, all in one transaction. A row no longer `sending` for this claimer (cancelled,
   * or handed to another after this one was taken for dead) is left as it is.
   */
  writeRows(updates: readonly RowUpdate[]): Promise<void>;
  /** True while this claimer still holds the row (not cancelled, not handed to another claimer meanwhile). */
  stillInFlight(id: number): Promise<boolean>;
  /**
   * Rows left `sending` by claimers that are gone go back to `pending` (each sent at most once more); rows a live
   * claimer holds stay. Returns how many went back.
   */
  resumeInFlight(): Promise<number>;

  /** The next active chat after `after` (by id), or undefined past the last: a scan's step. */
  nextChat(after: number): Promise<number | undefined>;
  /** The earliest time after `after` at which a `state` row falls due. */
  nextDueAfter(state: TimedState, after: number): Promise<number | undefined>;
  /** Rows of `state` that fell due after `cursor` and by `now`, at most `limit`, by due time. */
  dueSince(state: TimedState, cursor: DueCursor, now: number, limit: number): Promise<{ chatIds: number[]; cursor: DueCursor; more: boolean }>;
  /** Low-severity alerts the chat was sent after `since`, counted up to `upTo` (the digest gate). */
  recentLowSeverity(chatId: number, since: number, upTo: number): Promise<number>;
  /** When the chat's pending digest goes out, if it has one. */
  heldUntil(chatId: number): Promise<number | undefined>;

  /** Releases what the store holds (connections; for PostgreSQL, its claimer's liveness lock). */
  close(): Promise<void>;
}
