// Outbox queries for the dispatcher: claim due rows, record each send's outcome, resume after a restart.
import { and, asc, count, eq, inArray, lte, min, sql } from 'drizzle-orm';
import type { AlertSource } from '../core/alert.js';
import type { ChatKind, ChatRef } from '../platforms/port.js';
import type { Db } from './open-database.js';
import { changes, chats, deliveries, events } from './schema.js';

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

/** Marks up to `limit` due rows of active chats on `platforms` as `sending` and returns them, oldest first. */
export function claimDue(db: Db, platforms: readonly string[], now: number, limit: number): ClaimedDelivery[] {
  if (platforms.length === 0 || limit <= 0) return [];
  return db.transaction((tx) => {
    const rows = tx
      .select({
        id: deliveries.id,
        eventRowId: deliveries.eventRowId,
        chatId: deliveries.chatId,
        attempts: deliveries.attempts,
        matchedPositions: deliveries.matchedPositions,
        platform: chats.platform,
        platformChatId: chats.platformChatId,
        kind: chats.kind,
        title: chats.title,
        opsMention: chats.opsMention,
      })
      .from(deliveries)
      .innerJoin(chats, eq(chats.id, deliveries.chatId))
      .where(
        and(
          eq(deliveries.status, 'pending'),
          lte(deliveries.nextAttemptAt, now),
          eq(chats.active, true),
          inArray(chats.platform, [...platforms]),
        ),
      )
      .orderBy(asc(deliveries.nextAttemptAt), asc(deliveries.id))
      .limit(limit)
      .all();
    if (rows.length === 0) return [];
    for (let i = 0; i < rows.length; i += 500) {
      tx.update(deliveries)
        .set({ status: 'sending' })
        .where(inArray(deliveries.id, rows.slice(i, i + 500).map((r) => r.id)))
        .run();
    }
    return rows.map((r) => ({
      id: r.id,
      eventRowId: r.eventRowId,
      chatId: r.chatId,
      attempts: r.attempts,
      positions: JSON.parse(r.matchedPositions) as number[],
      chat: { platform: r.platform, platformChatId: r.platformChatId, kind: r.kind as ChatKind, title: r.title, opsMention: r.opsMention },
    }));
  });
}

/** The event and all its changes, for composing alerts (the caller picks each chat's matched positions). */
export function loadEvent(db: Db, eventRowId: number): (AlertSource & { positions: number[] }) | undefined {
  const event = db.select().from(events).where(eq(events.id, eventRowId)).get();
  if (!event || !event.coinId) return undefined;
  const rows = db.select().from(changes).where(eq(changes.eventRowId, eventRowId)).orderBy(asc(changes.position)).all();
  return {
    eventId: event.eventId,
    coin: { id: event.coinId, symbol: event.coinSymbol, name: event.coinName },
    changes: rows,
    positions: rows.map((r) => r.position),
  };
}

export function markSent(db: Db, id: number, now: number): void {
  db.update(deliveries)
    .set({ status: 'sent', sentAt: now, attempts: sql`${deliveries.attempts} + 1`, lastError: null })
    .where(and(eq(deliveries.id, id), eq(deliveries.status, 'sending')))
    .run();
}

/** A failed attempt: back to `pending` at `nextAttemptAt`, or `dead` when `dead` is set. */
export function markFailed(db: Db, id: number, error: string, next: { dead: true } | { dead: false; at: number }): void {
  db.update(deliveries)
    .set({
      status: next.dead ? 'dead' : 'pending',
      attempts: sql`${deliveries.attempts} + 1`,
      lastError: error.slice(0, 1000),
      ...(!next.dead && { nextAttemptAt: next.at }),
    })
    // Only a row still in flight: one cancelled meanwhile (its chat went away) stays cancelled.
    .where(and(eq(deliveries.id, id), eq(deliveries.status, 'sending')))
    .run();
}

/** True while the row is claimed and not cancelled meanwhile (its chat deactivated while it waited in memory). */
export function stillInFlight(db: Db, id: number): boolean {
  return db.select({ id: deliveries.id }).from(deliveries).where(and(eq(deliveries.id, id), eq(deliveries.status, 'sending'))).get() !== undefined;
}

/** Puts a claimed row back without counting an attempt (chat paused, platform down, chat moved). */
export function release(db: Db, id: number, at: number): void {
  db.update(deliveries)
    .set({ status: 'pending', nextAttemptAt: at })
    .where(and(eq(deliveries.id, id), eq(deliveries.status, 'sending')))
    .run();
}

/** When the next pending row of an active chat on `platforms` falls due, if any. */
export function nextDueAt(db: Db, platforms: readonly string[]): number | undefined {
  if (platforms.length === 0) return undefined;
  const row = db
    .select({ at: min(deliveries.nextAttemptAt) })
    .from(deliveries)
    .innerJoin(chats, eq(chats.id, deliveries.chatId))
    .where(and(eq(deliveries.status, 'pending'), eq(chats.active, true), inArray(chats.platform, [...platforms])))
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

export const outboxDepth = (db: Db) => countByStatus(db, ['pending', 'sending']);
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
