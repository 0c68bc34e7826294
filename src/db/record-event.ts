// Records one verified webhook in a single transaction: the event, its changes, the coin, and the outbox rows of every
// chat it matches. Either all of it commits or none of it does; a retried event id changes nothing.
// This is the hot path of ingest: every statement is prepared once per database (drizzle `.prepare()`), and matching
// looks up exact (coin, field) keys, so the cost grows with the number of matches, not with the subscriptions table.
import { and, eq, sql } from 'drizzle-orm';
import { ANY } from '../core/fields.js';
import { candidateKeys, matchChats, type SubscriptionKey } from '../core/match.js';
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

export interface EventRecorder {
  /** Records a parsed event with its matches and outbox rows. Throws only when the database itself fails. */
  record(envelope: Envelope, event: ParsedEvent): RecordResult;
  /** Keeps a signed but unusable body for inspection. Returns false when this event id was already quarantined. */
  quarantine(envelope: Envelope, reason: string): boolean;
}

const p = sql.placeholder;

export function createEventRecorder(db: Db): EventRecorder {
  const insertEvent = db
    .insert(events)
    .values({
      source: p('source'),
      eventId: p('eventId'),
      eventType: p('eventType'),
      coinId: p('coinId'),
      coinSymbol: p('coinSymbol'),
      coinName: p('coinName'),
      occurredAt: p('occurredAt'),
      rawBody: p('rawBody'),
    })
    .onConflictDoNothing()
    .returning({ id: events.id })
    .prepare();
  const insertChange = db
    .insert(changes)
    .values({
      eventRowId: p('eventRowId'),
      position: p('position'),
      field: p('field'),
      changeType: p('changeType'),
      oldValue: p('oldValue'),
      newValue: p('newValue'),
    })
    .prepare();
  const upsertCoin = db
    .insert(coins)
    .values({ id: p('id'), symbol: p('symbol'), name: p('name') })
    .onConflictDoUpdate({
      target: coins.id,
      set: {
        symbol: sql`coalesce(excluded.symbol, ${coins.symbol})`,
        name: sql`coalesce(excluded.name, ${coins.name})`,
        updatedAt: sql`excluded.updated_at`,
      },
    })
    .prepare();
  const subscribersOf = db
    .select({ chatId: subscriptions.chatId, coinId: subscriptions.coinId, field: subscriptions.field })
    .from(subscriptions)
    .innerJoin(chats, eq(chats.id, subscriptions.chatId))
    .where(and(eq(subscriptions.coinId, p('coinId')), eq(subscriptions.field, p('field')), eq(chats.active, true)))
    .prepare();
  const insertDelivery = db
    .insert(deliveries)
    .values({ eventRowId: p('eventRowId'), chatId: p('chatId'), matchedPositions: p('positions') })
    .prepare();
  const insertQuarantine = db
    .insert(quarantine)
    .values({
      source: p('source'),
      eventId: p('eventId'),
      occurredAt: p('occurredAt'),
      rawBody: p('rawBody'),
      reason: p('reason'),
    })
    .onConflictDoNothing()
    .returning({ id: quarantine.id })
    .prepare();

  const record = (envelope: Envelope, event: ParsedEvent): RecordResult => {
    const inserted = insertEvent.get({
      ...envelope,
      eventType: event.eventType,
      coinId: event.coin?.id ?? null,
      coinSymbol: event.coin?.symbol ?? null,
      coinName: event.coin?.name ?? null,
    });
    if (!inserted) return { kind: 'duplicate' };
    const eventRowId = inserted.id;
    for (const change of event.changes) insertChange.run({ eventRowId, ...change });
    if (event.coin) upsertCoin.run(event.coin);
    if (!event.handled || !event.coin || event.changes.length === 0) return { kind: 'recorded', eventRowId, deliveries: 0 };

    const keys = candidateKeys(event.coin.id, event.changes);
    const candidates: SubscriptionKey[] = [];
    for (const coinId of keys.coinIds) {
      for (const field of keys.fields) {
        if (coinId !== ANY || field !== ANY) candidates.push(...subscribersOf.all({ coinId, field }));
      }
    }
    const matches = matchChats(event.coin.id, event.changes, candidates);
    for (const match of matches) insertDelivery.run({ eventRowId, chatId: match.chatId, positions: JSON.stringify(match.positions) });
    return { kind: 'recorded', eventRowId, deliveries: matches.length };
  };

  // better-sqlite3's own transaction wrapper: BEGIN IMMEDIATE, COMMIT, ROLLBACK on a throw, all synchronous.
  const recordInTransaction = db.$client.transaction(record);
  return {
    record: (envelope, event) => recordInTransaction.immediate(envelope, event),
    quarantine: (envelope, reason) => insertQuarantine.get({ ...envelope, reason }) !== undefined,
  };
}
