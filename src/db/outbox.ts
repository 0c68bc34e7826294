// Outbox queries for the dispatcher: claim due rows, record each send's outcome, resume after a restart.
import { and, asc, count, eq, inArray, min, sql } from 'drizzle-orm';
import type { Statement } from 'better-sqlite3';
import type { AlertSource } from '../core/alert.js';
import type { ChatKind, ChatRef } from '../core/chat.js';
import type { Db } from './open-database.js';
import { alias } from 'drizzle-orm/sqlite-core';
import { changes, chats, deliveries, events } from './schema.js';

const sending = alias(deliveries, 'sending');

interface OutboxStatements {
  claimOne: Statement<[number]>;
  markSent: Statement<[number, string | null, number]>;
  markGated: Statement<[string, number, string, number]>;
  recentLow: Statement<[number, number], { n: number }>;
  heldUntil: Statement<[number], { at: number | null }>;
  markDead: Statement<[string, number]>;
  markRetry: Statement<[string, number, number]>;
  release: Statement<[number, number]>;
  inFlight: Statement<[number], { one: number }>;
}
const statementCache = new WeakMap<Db, OutboxStatements>();

/**
 * The per-alert statements (several run for every alert sent), prepared once per database: preparing and mapping
 * them through the query builder on every send cost more than the send bookkeeping itself.
 */
function statementsFor(db: Db): OutboxStatements {
  let prepared = statementCache.get(db);
  if (!prepared) {
    const sqlite = db.$client;
    prepared = {
      claimOne: sqlite.prepare<[number]>("update deliveries set status = 'sending' where id = ?"),
      markSent: sqlite.prepare<[number, string | null, number]>(
        `update deliveries set status = 'sent', sent_at = ?, severity = coalesce(?, severity), attempts = attempts + 1, last_error = null
         where id = ? and status = 'sending'`,
      ),
      markGated: sqlite.prepare<[string, number, string, number]>(
        "update deliveries set status = ?, next_attempt_at = ?, severity = ? where id = ? and status = 'sending'",
      ),
      // Through deliveries_chat_status_sent: only this chat's rows sent since `since` are read.
      recentLow: sqlite.prepare<[number, number], { n: number }>(
        "select count(*) as n from deliveries where chat_id = ? and status = 'sent' and sent_at > ? and severity <> 'high'",
      ),
      heldUntil: sqlite.prepare<[number], { at: number | null }>(
        "select min(next_attempt_at) as at from deliveries where chat_id = ? and status = 'held'",
      ),
      markDead: sqlite.prepare<[string, number]>(
        "update deliveries set status = 'dead', attempts = attempts + 1, last_error = ? where id = ? and status = 'sending'",
      ),
      markRetry: sqlite.prepare<[string, number, number]>(
        "update deliveries set status = 'pending', attempts = attempts + 1, last_error = ?, next_attempt_at = ? where id = ? and status = 'sending'",
      ),
      release: sqlite.prepare<[number, number]>(
        "update deliveries set status = 'pending', next_attempt_at = ? where id = ? and status = 'sending'",
      ),
      inFlight: sqlite.prepare<[number], { one: number }>("select 1 as one from deliveries where id = ? and status = 'sending'"),
    };
    statementCache.set(db, prepared);
  }
  return prepared;
}

export interface ClaimedDelivery {
  id: number;
  eventRowId: number;
  chatId: number;
  attempts: number;
  /** Positions of the event's changes this chat matched. */
  positions: number[];
  chat: ChatRef;
}

/** Rows left `sending` by a process that stopped: they go back to `pending` (sent at most once more). */
export function resumeInFlight(db: Db): number {
  return db.update(deliveries).set({ status: 'pending' }).where(eq(deliveries.status, 'sending')).run().changes;
}

/** Most rows of one chat claimed at once: a chat with a long backlog (a slow group) cannot hold up the others. */
export const PER_CHAT_CLAIM = 10;
/** How many of the oldest due rows one claim looks at. */
const CLAIM_WINDOW = 5000;

interface ClaimRow {
  id: number;
  eventRowId: number;
  chatId: number;
  attempts: number;
  matchedPositions: string;
  platform: string;
  platformChatId: string;
  kind: string;
  title: string | null;
  opsMention: string | null;
}

const platformList = (platforms: readonly string[]) =>
  sql.join(
    platforms.map((platform) => sql`${platform}`),
    sql`, `,
  );

/**
 * Marks due rows of active chats on `platforms` as `sending` and returns them, oldest first: at most `limit` in all and
 * `PER_CHAT_CLAIM` per chat, and none of a chat that still has rows in flight (so claiming is fair between chats).
 */
export function claimDue(db: Db, platforms: readonly string[], now: number, limit: number): ClaimedDelivery[] {
  if (platforms.length === 0 || limit <= 0) return [];
  return db.transaction((tx) => {
    const rows = tx.all<ClaimRow>(sql`
      with oldest as (
        -- The oldest due rows, a bounded prefix read through the (status, next_attempt_at) index: a claim costs the
        -- same whether 100 or 100,000 alerts wait.
        select d.id, d.event_row_id, d.chat_id, d.attempts, d.matched_positions, d.next_attempt_at
        from ${deliveries} d
        where d.status = 'pending' and d.next_attempt_at <= ${now}
        order by d.next_attempt_at, d.id
        limit ${Math.min(CLAIM_WINDOW, Math.max(limit * 10, 100))}
      ),
      due as (
        select w.*, row_number() over (partition by w.chat_id order by w.next_attempt_at, w.id) as rank
        from oldest w
        join ${chats} c on c.id = w.chat_id
        where c.active = 1
          and c.platform in (${platformList(platforms)})
          and not exists (select 1 from ${deliveries} s where s.chat_id = w.chat_id and s.status = 'sending')
      )
      select due.id as id, due.event_row_id as eventRowId, due.chat_id as chatId, due.attempts as attempts,
             due.matched_positions as matchedPositions, c.platform as platform, c.platform_chat_id as platformChatId,
             c.kind as kind, c.title as title, c.ops_mention as opsMention
      from due join ${chats} c on c.id = due.chat_id
      where due.rank <= ${PER_CHAT_CLAIM}
      order by due.next_attempt_at, due.id
      limit ${limit}`);
    return claimRows(db, rows);
  });
}

/** Marks the selected rows `sending` (inside the caller's transaction) and returns them as claimed deliveries. */
function claimRows(db: Db, rows: readonly ClaimRow[]): ClaimedDelivery[] {
  const { claimOne } = statementsFor(db);
  for (const row of rows) claimOne.run(row.id);
  return rows.map((r) => ({
    id: r.id,
    eventRowId: r.eventRowId,
    chatId: r.chatId,
    attempts: r.attempts,
    positions: JSON.parse(r.matchedPositions) as number[],
    chat: { platform: r.platform, platformChatId: r.platformChatId, kind: r.kind as ChatKind, title: r.title, opsMention: r.opsMention },
  }));
}

/** Most held alerts one digest covers; more wait for the chat's next digest. */
export const DIGEST_MAX_ROWS = 500;

/**
 * Claims the held rows of chats whose digest is due (at most `maxChats` chats, `DIGEST_MAX_ROWS` rows each), grouped
 * by chat, oldest first. A chat with rows in flight waits, as in `claimDue`.
 */
export function claimDigests(db: Db, platforms: readonly string[], now: number, maxChats: number): ClaimedDelivery[][] {
  if (platforms.length === 0 || maxChats <= 0) return [];
  return db.transaction((tx) => {
    const rows = tx.all<ClaimRow>(sql`
      with due_chats as (
        select distinct d.chat_id from ${deliveries} d
        where d.status = 'held' and d.next_attempt_at <= ${now}
        limit ${maxChats}
      ),
      held as (
        select d.*, row_number() over (partition by d.chat_id order by d.id) as rank
        from ${deliveries} d join due_chats using (chat_id)
        where d.status = 'held'
      )
      select h.id as id, h.event_row_id as eventRowId, h.chat_id as chatId, h.attempts as attempts,
             h.matched_positions as matchedPositions, c.platform as platform, c.platform_chat_id as platformChatId,
             c.kind as kind, c.title as title, c.ops_mention as opsMention
      from held h join ${chats} c on c.id = h.chat_id
      where h.rank <= ${DIGEST_MAX_ROWS} and c.active = 1
        and c.platform in (${platformList(platforms)})
        and not exists (select 1 from ${deliveries} s where s.chat_id = h.chat_id and s.status = 'sending')
      order by h.chat_id, h.id`);
    const groups = new Map<number, ClaimedDelivery[]>();
    for (const claimed of claimRows(db, rows)) {
      const group = groups.get(claimed.chatId) ?? [];
      group.push(claimed);
      groups.set(claimed.chatId, group);
    }
    return [...groups.values()];
  });
}

/** A claimed row the dispatcher will not send now: `muted` (kept, never sent) or `held` for the digest due `at`. */
export function markGated(db: Db, id: number, status: 'muted' | 'held', at: number, severity: string): void {
  statementsFor(db).markGated.run(status, at, severity, id);
}

/** Low-severity alerts the chat was sent after `since` (digests: is this chat being flooded?). */
export function recentLowSeverity(db: Db, chatId: number, since: number): number {
  return statementsFor(db).recentLow.get(chatId, since)?.n ?? 0;
}

/** When the chat's pending digest goes out, if it has one. */
export function heldUntil(db: Db, chatId: number): number | undefined {
  return statementsFor(db).heldUntil.get(chatId)?.at ?? undefined;
}

/** The event and all its changes, for composing alerts (the caller picks each chat's matched positions). */
export function loadEvent(db: Db, eventRowId: number): (AlertSource & { positions: number[] }) | undefined {
  const event = db.select().from(events).where(eq(events.id, eventRowId)).get();
  if (!event) return undefined;
  const rows = db.select().from(changes).where(eq(changes.eventRowId, eventRowId)).orderBy(asc(changes.position)).all();
  return {
    eventId: event.eventId,
    coin: { id: event.coinId, symbol: event.coinSymbol, name: event.coinName },
    changes: rows,
    positions: rows.map((r) => r.position),
  };
}

export function markSent(db: Db, id: number, now: number, severity?: string): void {
  statementsFor(db).markSent.run(now, severity ?? null, id);
}

/**
 * A failed attempt: back to `pending` at `nextAttemptAt`, or `dead` when `dead` is set. Only a row still in flight: one
 * cancelled meanwhile (its chat went away) stays cancelled.
 */
export function markFailed(db: Db, id: number, error: string, next: { dead: true } | { dead: false; at: number }): void {
  const statements = statementsFor(db);
  if (next.dead) statements.markDead.run(error.slice(0, 1000), id);
  else statements.markRetry.run(error.slice(0, 1000), next.at, id);
}

/** True while the row is claimed and not cancelled meanwhile (its chat deactivated while it waited in memory). */
export function stillInFlight(db: Db, id: number): boolean {
  return statementsFor(db).inFlight.get(id) !== undefined;
}

/** Puts a claimed row back without counting an attempt (chat paused, platform down, chat moved). */
export function release(db: Db, id: number, at: number): void {
  statementsFor(db).release.run(at, id);
}

/**
 * When the next claimable row falls due: pending (or held for a digest), of an active chat on `platforms` that has nothing in flight (a chat's
 * next rows are claimed when its current ones finish, which wakes the dispatcher anyway).
 */
export function nextDueAt(db: Db, platforms: readonly string[]): number | undefined {
  if (platforms.length === 0) return undefined;
  const inFlight = db
    .select({ one: sql`1` })
    .from(sending)
    .where(and(eq(sending.chatId, deliveries.chatId), eq(sending.status, 'sending')));
  const row = db
    .select({ at: min(deliveries.nextAttemptAt) })
    .from(deliveries)
    .innerJoin(chats, eq(chats.id, deliveries.chatId))
    .where(
      and(
        inArray(deliveries.status, ['pending', 'held']),
        eq(chats.active, true),
        inArray(chats.platform, [...platforms]),
        sql`not exists ${inFlight}`,
      ),
    )
    .get();
  return row?.at ?? undefined;
}

export function countByStatus(db: Db, statuses: readonly string[]): number {
  return (
    db
      .select({ n: count() })
      .from(deliveries)
      .where(inArray(deliveries.status, [...statuses]))
      .get()?.n ?? 0
  );
}

export const outboxDepth = (db: Db) => countByStatus(db, ['pending', 'sending', 'held']);
export const deadLetters = (db: Db) => countByStatus(db, ['dead']);

export interface DeliveryListing {
  id: number;
  status: string;
  attempts: number;
  lastError: string | null;
  createdAt: number;
  eventId: string;
  coinId: string | null;
  platform: string;
  platformChatId: string;
  chatTitle: string | null;
}

/** Outbox rows in `statuses`, newest first, with their event and chat, for the admin CLI. */
export function listDeliveries(db: Db, statuses: readonly string[], limit: number): DeliveryListing[] {
  return db
    .select({
      id: deliveries.id,
      status: deliveries.status,
      attempts: deliveries.attempts,
      lastError: deliveries.lastError,
      createdAt: deliveries.createdAt,
      eventId: events.eventId,
      coinId: events.coinId,
      platform: chats.platform,
      platformChatId: chats.platformChatId,
      chatTitle: chats.title,
    })
    .from(deliveries)
    .innerJoin(events, eq(events.id, deliveries.eventRowId))
    .innerJoin(chats, eq(chats.id, deliveries.chatId))
    .where(inArray(deliveries.status, [...statuses]))
    .orderBy(sql`${deliveries.id} desc`)
    .limit(limit)
    .all();
}

/** Dead letters (all, or the given ids) go back to pending with fresh attempts. Returns how many. */
export function requeueDead(db: Db, ids?: readonly number[]): number {
  const dead = eq(deliveries.status, 'dead');
  return db
    .update(deliveries)
    .set({ status: 'pending', attempts: 0, nextAttemptAt: 0 })
    .where(ids ? and(dead, inArray(deliveries.id, [...ids])) : dead)
    .run().changes;
}
