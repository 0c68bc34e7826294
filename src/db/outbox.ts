// Outbox reads outside the dispatcher's queues: the event an alert is composed from, depth and dead letters for the
// metrics, listings and requeueing for the admin CLI. (The dispatcher's queues: outbox-queue.ts; its writes: outbox-rows.ts.)
import { and, asc, count, eq, inArray, sql } from 'drizzle-orm';
import type { AlertSource } from '../core/alert.js';
import type { Db } from './open-database.js';
import { perDatabase } from './per-database.js';
import { changes, chats, deliveries, events } from './schema.js';

/** The event and all its changes, for composing alerts (the caller picks each chat's matched positions). */
const statements = perDatabase((db) => ({
  event: db
    .select({ eventId: events.eventId, coinId: events.coinId, coinSymbol: events.coinSymbol, coinName: events.coinName })
    .from(events)
    .where(eq(events.id, sql.placeholder('id')))
    .prepare(),
  changes: db.select().from(changes).where(eq(changes.eventRowId, sql.placeholder('id'))).orderBy(asc(changes.position)).prepare(),
}));

export function loadEvent(db: Db, eventRowId: number): (AlertSource & { positions: number[] }) | undefined {
  const event = statements(db).event.get({ id: eventRowId });
  if (!event) return undefined;
  const rows = statements(db).changes.all({ id: eventRowId });
  return {
    eventId: event.eventId,
    coin: { id: event.coinId, symbol: event.coinSymbol, name: event.coinName },
    changes: rows,
    positions: rows.map((r) => r.position),
  };
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

/** Statuses of rows still to be sent: waiting, in flight, or held for a digest (the outbox depth, and what a chat that goes away cancels). */
export const OPEN_STATUSES = ['pending', 'sending', 'held'] as const;

/** Every status an outbox row can have (see `deliveries.status` in schema.ts). */
export const DELIVERY_STATUSES = [...OPEN_STATUSES, 'sent', 'muted', 'dead', 'cancelled'] as const;

export const outboxDepth = (db: Db) => countByStatus(db, OPEN_STATUSES);
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
