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
  /**
   * Records a parsed event with its matches and outbox rows; resolves once it is committed. Events arriving together
   * share one transaction (group commit); rejects only when the database itself fails.
   */
  record(envelope: Envelope, event: ParsedEvent): Promise<RecordResult>;
  /** Keeps a signed but unusable body for inspection. Returns false when this event id was already quarantined. */
  quarantine(envelope: Envelope, reason: string): boolean;
}

const p = sql.placeholder;

interface Pending {
  envelope: Envelope;
  event: ParsedEvent;
  resolve: (result: RecordResult) => void;
  reject: (error: unknown) => void;
}

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
  const recordOne = db.$client.transaction(record);
  const recordMany = db.$client.transaction((items: readonly Pending[]) => items.map((item) => record(item.envelope, item.event)));

  // Group commit: requests whose bodies arrive in the same turn of the event loop are committed together, so the
  // commit's disk writes are paid once per batch instead of once per webhook. Nobody is answered before the commit.
  let pending: Pending[] = [];
  const flush = () => {
    const items = pending;
    pending = [];
    try {
      const results = recordMany.immediate(items);
      items.forEach((item, i) => item.resolve(results[i]!));
    } catch (batchError) {
      if (items.length === 1) {
        items[0]!.reject(batchError);
        return;
      }
      // One bad event must not fail its neighbours: commit them one by one.
      for (const item of items) {
        try {
          item.resolve(recordOne.immediate(item.envelope, item.event));
        } catch (error) {
          item.reject(error);
        }
      }
    }
  };

  return {
    record: (envelope, event) =>
      new Promise<RecordResult>((resolve, reject) => {
        pending.push({ envelope, event, resolve, reject });
        if (pending.length === 1) setImmediate(flush);
      }),
    quarantine: (envelope, reason) => insertQuarantine.get({ ...envelope, reason }) !== undefined,
  };
}
