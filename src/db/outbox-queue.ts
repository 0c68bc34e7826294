// The outbox as per-chat queues, read for the dispatcher. Every statement here is bounded by an index seek, never by
// the backlog: `deliveries_chat_status_due` (chat, status, due time) is each chat's queue of each state, so "a chat's
// next due rows", "its held rows", "has it a send in flight?" each read one entry or the rows claimed, and the due-time
// index `deliveries_status_due` gives "what fell due since" and "when is the next due". 100,000 alerts queued for ten
// chats cost a claim for an eleventh chat no more than an empty outbox does. Each query says why it is bounded.
import type { Statement } from 'better-sqlite3';
import type { ChatKind, ChatRef } from '../core/chat.js';
import type { Db } from './open-database.js';
import { perDatabase } from './per-database.js';

export interface ClaimedDelivery {
  id: number;
  eventRowId: number;
  chatId: number;
  attempts: number;
  /** Positions of the event's changes this chat matched. */
  positions: number[];
  /** A reminder: the id of the unacknowledged alert it sends again (ESCALATE_AFTER_MINUTES). */
  reminderOf: number | null;
  chat: ChatRef;
}

/** What one chat's turn claimed: alerts to send one by one, and held rows whose digest is due. */
export interface ChatClaim {
  chatId: number;
  alerts: ClaimedDelivery[];
  digest: ClaimedDelivery[];
}

/** Most rows of one chat claimed in one turn: a chat with a long backlog (a slow group) cannot hold up the others. */
export const PER_CHAT_CLAIM = 10;
/** Most held alerts one digest covers; more wait for the chat's next digest. */
export const DIGEST_MAX_ROWS = 500;

/** A queue whose rows fall due by time: `pending` (new, retried, released) or `held` (a digest). */
export type TimedState = 'pending' | 'held';

/** An outbox row as the queue reads it (both stores). */
export interface RowFields {
  id: number;
  eventRowId: number;
  chatId: number;
  attempts: number;
  matchedPositions: string;
  reminderOf: number | null;
}

/** A chat as the queue reads it (both stores). */
export interface ChatFields {
  platform: string;
  platformChatId: string;
  kind: string;
  title: string | null;
  opsMention: string | null;
  active: number;
}

interface QueueStatements {
  nextChat: Statement<[number], { chatId: number | null }>;
  firstDue: Record<TimedState, Statement<[number], { at: number | null }>>;
  nextDueAfter: Record<TimedState, Statement<[number], { at: number | null }>>;
  dueBetween: Record<TimedState, Statement<[number, number, number, number], { chatId: number; at: number; id: number }>>;
  inFlight: Statement<[number], { one: number }>;
  chat: Statement<[number], ChatFields>;
  pendingHead: Statement<[number, number, number], RowFields>;
  heldRows: Statement<[number, number], RowFields>;
  claimOne: Statement<[number]>;
  resume: Statement<[]>;
}

const ROW = 'id, event_row_id as eventRowId, chat_id as chatId, attempts, matched_positions as matchedPositions, reminder_of as reminderOf';

/**
 * Every query of the dispatcher's queues, with why it is bounded. `indexed by` pins the per-chat index where SQLite,
 * without statistics, could pick the (status, next_attempt_at) one and read every row of a state. (test/delivery/outbox-queue.test.ts checks each
 * plan: an index seek, never a scan of deliveries.)
 */
export const QUEUE_SQL = {
  /** The next active chat by id (a scan's step): the primary key, one seek (skipping deactivated chats). */
  nextChat: 'select min(id) as chatId from chats where id > ? and active = 1',
  /** min() of the index's third column with the first two fixed: one seek. */
  firstDue: (state: TimedState) =>
    `select min(next_attempt_at) as at from deliveries indexed by deliveries_chat_status_due where chat_id = ? and status = '${state}'`,
  /** The (status, next_attempt_at) index, a range's first entry: one seek. */
  nextDueAfter: (state: TimedState) => `select min(next_attempt_at) as at from deliveries where status = '${state}' and next_attempt_at > ?`,
  /** Rows that fell due in (cursor, now]: the same index read on from the cursor; each row is read once, as it falls due. */
  dueBetween: (state: TimedState) =>
    `select chat_id as chatId, next_attempt_at as at, id from deliveries
     where status = '${state}' and (next_attempt_at, id) > (?, ?) and next_attempt_at <= ?
     order by next_attempt_at, id limit ?`,
  /** The per-chat index: one seek. */
  inFlight: "select 1 as one from deliveries indexed by deliveries_chat_status_due where chat_id = ? and status = 'sending' limit 1",
  /** Primary key. */
  chat: 'select platform, platform_chat_id as platformChatId, kind, title, ops_mention as opsMention, active from chats where id = ?',
  /** The chat's oldest due rows, in the per-chat index's own order: reads exactly the rows it returns. */
  pendingHead: `select ${ROW} from deliveries indexed by deliveries_chat_status_due
     where chat_id = ? and status = 'pending' and next_attempt_at <= ? order by next_attempt_at, id limit ?`,
  /** The chat's held rows, in the per-chat index's order, at most a digest's worth. */
  heldRows: `select ${ROW} from deliveries indexed by deliveries_chat_status_due
     where chat_id = ? and status = 'held' order by next_attempt_at, id limit ?`,
  /** Primary key. */
  claimOne: "update deliveries set status = 'sending' where id = ?",
  /** The (status, next_attempt_at) index: the rows in flight, nothing else. */
  resume: "update deliveries set status = 'pending' where status = 'sending'",
} as const;

const statementsFor = perDatabase((db): QueueStatements => {
  const sqlite = db.$client;
  const perState = <T>(make: (state: TimedState) => T): Record<TimedState, T> => ({ pending: make('pending'), held: make('held') });
  return {
    nextChat: sqlite.prepare(QUEUE_SQL.nextChat),
    firstDue: perState((state) => sqlite.prepare(QUEUE_SQL.firstDue(state))),
    nextDueAfter: perState((state) => sqlite.prepare(QUEUE_SQL.nextDueAfter(state))),
    dueBetween: perState((state) => sqlite.prepare(QUEUE_SQL.dueBetween(state))),
    inFlight: sqlite.prepare(QUEUE_SQL.inFlight),
    chat: sqlite.prepare(QUEUE_SQL.chat),
    pendingHead: sqlite.prepare(QUEUE_SQL.pendingHead),
    heldRows: sqlite.prepare(QUEUE_SQL.heldRows),
    claimOne: sqlite.prepare(QUEUE_SQL.claimOne),
    resume: sqlite.prepare(QUEUE_SQL.resume),
  };
});

/** Rows left `sending` by a process that stopped go back to `pending` (sent at most once more). Costs the rows in flight. */
export function resumeInFlight(db: Db): number {
  return statementsFor(db).resume.run().changes;
}

/** The next active chat after `after` (by id), or undefined past the last: a scan's step. One seek. */
export function nextChat(db: Db, after: number): number | undefined {
  return statementsFor(db).nextChat.get(after)?.chatId ?? undefined;
}

/** The earliest time after `after` at which a `state` row falls due. One index seek. */
export function nextDueAfter(db: Db, state: TimedState, after: number): number | undefined {
  return statementsFor(db).nextDueAfter[state].get(after)?.at ?? undefined;
}

/** A position in the queue of rows by due time: (time, id). */
export interface DueCursor {
  at: number;
  id: number;
}

/**
 * Rows of `state` that fell due after `cursor` and by `now`, at most `limit`, by due time: the chats they belong to and
 * where the next read goes on from. Reads only the rows it returns.
 */
export function dueSince(db: Db, state: TimedState, cursor: DueCursor, now: number, limit: number): { chatIds: number[]; cursor: DueCursor; more: boolean } {
  const rows = statementsFor(db).dueBetween[state].all(cursor.at, cursor.id, now, limit);
  const last = rows[rows.length - 1];
  return { chatIds: rows.map((r) => r.chatId), cursor: last ? { at: last.at, id: last.id } : cursor, more: rows.length === limit };
}

/** A claimed row as the dispatcher gets it (both stores). */
export function claimed(row: RowFields, chat: ChatFields): ClaimedDelivery {
  return {
    id: row.id,
    eventRowId: row.eventRowId,
    chatId: row.chatId,
    attempts: row.attempts,
    positions: JSON.parse(row.matchedPositions) as number[],
    reminderOf: row.reminderOf,
    chat: { platform: chat.platform, platformChatId: chat.platformChatId, kind: chat.kind as ChatKind, title: chat.title, opsMention: chat.opsMention },
  };
}

/**
 * One turn for each chat, in the order given (the dispatcher's round-robin): a chat with nothing in flight, active, on a
 * live platform gets its oldest due rows (at most `PER_CHAT_CLAIM`) and, when its digest is due, its held rows (at most
 * `DIGEST_MAX_ROWS`), all marked `sending` in one transaction. Stops once `limit` rows are claimed; returns the claims
 * and the chats it did not reach. Cost: a few seeks per chat plus the rows claimed.
 */
export function claimChats(
  db: Db,
  chatIds: Iterable<number>,
  options: { platforms: ReadonlySet<string>; now: number; limit: number },
): { claims: ChatClaim[]; unreached: number[] } {
  const s = statementsFor(db);
  return db.$client.transaction(() => {
    const claims: ChatClaim[] = [];
    const unreached: number[] = [];
    let taken = 0;
    for (const chatId of chatIds) {
      if (taken >= options.limit) {
        unreached.push(chatId);
        continue;
      }
      if (s.inFlight.get(chatId)) continue;
      const chat = s.chat.get(chatId);
      if (!chat || !chat.active || !options.platforms.has(chat.platform)) continue;
      const alerts = s.pendingHead.all(chatId, options.now, Math.min(PER_CHAT_CLAIM, options.limit - taken)).map((r) => claimed(r, chat));
      const heldAt = s.firstDue.held.get(chatId)?.at;
      const digest = heldAt != null && heldAt <= options.now ? s.heldRows.all(chatId, DIGEST_MAX_ROWS).map((r) => claimed(r, chat)) : [];
      if (alerts.length === 0 && digest.length === 0) continue;
      for (const row of [...alerts, ...digest]) s.claimOne.run(row.id);
      taken += alerts.length + (digest.length > 0 ? 1 : 0);
      claims.push({ chatId, alerts, digest });
    }
    return { claims, unreached };
  })();
}
