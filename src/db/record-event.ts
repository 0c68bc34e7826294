// Records one verified webhook in a single transaction: the event, its changes, the coin, and the outbox rows of every
// chat it matches. Either all of it commits or none of it does; a retried event id changes nothing.
import { and, eq, inArray, sql } from 'drizzle-orm';
import { candidateKeys, matchChats } from '../core/match.js';
import type { ParsedEvent } from '../webhooks/parse-payload.js';
import type { Db } from './open-database.js';
import { changes, chats, coins, deliveries, events, quarantine, subscriptions } from './schema.js';

export interface Envelope {
  source: string;
  eventId: string;
  /** The sender's timestamp, UNIX seconds. */
  occurredAt: number;
  rawBody: string;
}

export type RecordResult =
  | { kind: 'recorded'; eventRowId: number; deliveries: number }
  | { kind: 'duplicate' };

/** Records a parsed event with its matches and outbox rows. Throws only when the database itself fails. */
export function recordEvent(db: Db, envelope: Envelope, event: ParsedEvent): RecordResult {
  return db.transaction(
    (tx) => {
      const inserted = tx
        .insert(events)
        .values({
          source: envelope.source,
          eventId: envelope.eventId,
          eventType: event.eventType,
          coinId: event.coin?.id ?? null,
          coinSymbol: event.coin?.symbol ?? null,
          coinName: event.coin?.name ?? null,
          occurredAt: envelope.occurredAt,
          rawBody: envelope.rawBody,
        })
        .onConflictDoNothing()
        .returning({ id: events.id })
        .get();
      if (!inserted) return { kind: 'duplicate' } as const;
      const eventRowId = inserted.id;

      if (event.changes.length > 0) {
        tx.insert(changes)
          .values(event.changes.map((c) => ({ eventRowId, ...c })))
          .run();
      }
      if (event.coin) {
        const { id, symbol, name } = event.coin;
        tx.insert(coins)
          .values({ id, symbol, name })
          .onConflictDoUpdate({
            target: coins.id,
            set: {
              symbol: sql`coalesce(excluded.symbol, ${coins.symbol})`,
              name: sql`coalesce(excluded.name, ${coins.name})`,
              updatedAt: sql`excluded.updated_at`,
            },
          })
          .run();
      }
      if (!event.handled || !event.coin || event.changes.length === 0) {
        return { kind: 'recorded', eventRowId, deliveries: 0 } as const;
      }

      const keys = candidateKeys(event.coin.id, event.changes);
      const candidates = tx
        .select({ chatId: subscriptions.chatId, coinId: subscriptions.coinId, field: subscriptions.field })
        .from(subscriptions)
        .innerJoin(chats, eq(chats.id, subscriptions.chatId))
        .where(
          and(inArray(subscriptions.coinId, keys.coinIds), inArray(subscriptions.field, keys.fields), eq(chats.active, true)),
        )
        .all();
      const matches = matchChats(event.coin.id, event.changes, candidates);
      // Insert in chunks: SQLite caps the number of bound parameters in one statement.
      for (let i = 0; i < matches.length; i += 500) {
        tx.insert(deliveries)
          .values(
            matches.slice(i, i + 500).map((m) => ({
              eventRowId,
              chatId: m.chatId,
              matchedPositions: JSON.stringify(m.positions),
            })),
          )
          .run();
      }
      return { kind: 'recorded', eventRowId, deliveries: matches.length } as const;
    },
    { behavior: 'immediate' },
  );
}

/** Keeps a signed but unusable body for inspection. Returns false when this event id was already quarantined. */
export function quarantineBody(db: Db, envelope: Envelope, reason: string): boolean {
  const row = db
    .insert(quarantine)
    .values({ source: envelope.source, eventId: envelope.eventId, occurredAt: envelope.occurredAt, rawBody: envelope.rawBody, reason })
    .onConflictDoNothing()
    .returning({ id: quarantine.id })
    .get();
  return row !== undefined;
}
