// Records one verified webhook in a single transaction: the event, its changes, the coin, and the outbox rows of every
// chat it matches. Either all of it commits or none of it does; a retried event id changes nothing.
// This is the hot path of ingest: every statement is prepared once per database, events arriving together share one
// commit, and matching looks up exact (coin, field) keys, so the cost grows with the number of matches, not with the
// size of the subscriptions table.
import { candidateKeys, matchChats } from '../core/match.js';
import type { ParsedEvent } from '../core/event.js';
import type { Db } from './open-database.js';
import { createSubscriberLookup } from './subscriber-lookup.js';

export interface Envelope {
  source: string;
  eventId: string;
  /** The sender's timestamp, UNIX seconds. */
  occurredAt: number;
  rawBody: string;
}

export type RecordResult =
  /** `chatIds`: the chats it queued an alert for (what the dispatcher looks at when the commit wakes it). */
  | { kind: 'recorded'; eventRowId: number; deliveries: number; chatIds: number[] }
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

interface Pending {
  envelope: Envelope;
  event: ParsedEvent;
  resolve: (result: RecordResult) => void;
  reject: (error: unknown) => void;
}

export function createEventRecorder(db: Db): EventRecorder {
  // Plain better-sqlite3 statements, prepared once: on this path drizzle's per-call mapping cost a fifth of the CPU.
  // The SQL names the columns of schema.ts; the migration tests and every webhook test exercise it.
  const sqlite = db.$client;
  const insertEvent = sqlite.prepare<[string, string, string, string | null, string | null, string | null, number, string], { id: number }>(
    `insert into events (source, event_id, event_type, coin_id, coin_symbol, coin_name, occurred_at, raw_body)
     values (?, ?, ?, ?, ?, ?, ?, ?) on conflict do nothing returning id`,
  );
  const insertChange = sqlite.prepare<[number, number, string, string, string | null, string | null]>(
    'insert into changes (event_row_id, position, field, change_type, old_value, new_value) values (?, ?, ?, ?, ?, ?)',
  );
  const upsertCoin = sqlite.prepare<[string, string | null, string | null]>(
    `insert into coins (id, symbol, name) values (?, ?, ?)
     on conflict (id) do update set symbol = coalesce(excluded.symbol, coins.symbol),
       name = coalesce(excluded.name, coins.name), updated_at = excluded.updated_at`,
  );
  // A symbol names a coin only when exactly one known coin has it (coins_symbol index; `limit 2` tells one from many).
  const coinsWithSymbol = sqlite.prepare<[string], { id: string; symbol: string | null; name: string | null }>(
    'select id, symbol, name from coins where lower(symbol) = lower(?) limit 2',
  );
  const subscribersOf = createSubscriberLookup(sqlite);
  const insertDelivery = sqlite.prepare<[number, number, string]>(
    'insert into deliveries (event_row_id, chat_id, matched_positions) values (?, ?, ?)',
  );
  const insertQuarantine = sqlite.prepare<[string, string, number, string, string], { id: number }>(
    `insert into quarantine (source, event_id, occurred_at, raw_body, reason) values (?, ?, ?, ?, ?)
     on conflict do nothing returning id`,
  );

  const record = (envelope: Envelope, event: ParsedEvent): RecordResult => {
    const bySymbol = !event.coin && event.symbol ? coinsWithSymbol.all(event.symbol) : [];
    const coin = event.coin ?? (bySymbol.length === 1 ? bySymbol[0]! : null);
    const inserted = insertEvent.get(
      envelope.source,
      envelope.eventId,
      event.eventType,
      coin?.id ?? null,
      coin?.symbol ?? event.symbol ?? null,
      coin?.name ?? null,
      envelope.occurredAt,
      envelope.rawBody,
    );
    if (!inserted) return { kind: 'duplicate' };
    const eventRowId = inserted.id;
    for (const c of event.changes) insertChange.run(eventRowId, c.position, c.field, c.changeType, c.oldValue, c.newValue);
    if (event.coin) upsertCoin.run(event.coin.id, event.coin.symbol, event.coin.name);
    if (!event.handled || event.changes.length === 0) return { kind: 'recorded', eventRowId, deliveries: 0, chatIds: [] };

    // An event without a coin (a listing whose symbol names no single known coin) matches every-coin subscriptions only.
    const coinId = coin?.id ?? null;
    const keys = candidateKeys(coinId, event.changes);
    const matches = matchChats(coinId, event.changes, subscribersOf(keys.coinIds, keys.fields));
    for (const match of matches) insertDelivery.run(eventRowId, match.chatId, JSON.stringify(match.positions));
    return { kind: 'recorded', eventRowId, deliveries: matches.length, chatIds: matches.map((m) => m.chatId) };
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
    quarantine: (envelope, reason) =>
      insertQuarantine.get(envelope.source, envelope.eventId, envelope.occurredAt, envelope.rawBody, reason) !== undefined,
  };
}
