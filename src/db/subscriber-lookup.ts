// The subscriptions an event's changes may match, read by exact (coin, field) keys of active chats. Shared by the
// event recorder (ingest) and the admin replay, so both apply the same rule for who gets alerts.
import type { Database, Statement } from 'better-sqlite3';
import type { SubscriptionKey } from '../core/match.js';

/** `(coinIds, fields) → subscriptions of active chats` with those keys; the `candidateKeys` of src/core/match.ts. */
export type SubscriberLookup = (coinIds: readonly string[], fields: readonly string[]) => SubscriptionKey[];

/**
 * One lookup per event: the coin and "any coin" × the fields that cover its changes, through the (coin_id, field)
 * index. The field list is short and its length varies, so there is one prepared statement per length.
 */
export function createSubscriberLookup(sqlite: Database): SubscriberLookup {
  const lookups = new Map<number, Statement<string[], SubscriptionKey>>();
  return (coinIds, fields) => {
    let statement = lookups.get(fields.length);
    if (!statement) {
      statement = sqlite.prepare<string[], SubscriptionKey>(
        `select s.chat_id as chatId, s.coin_id as coinId, s.field as field
         from subscriptions s join chats c on c.id = s.chat_id
         where s.coin_id in (?, ?) and s.field in (${fields.map(() => '?').join(', ')}) and c.active = 1`,
      );
      lookups.set(fields.length, statement);
    }
    return statement.all(...coinIds, ...fields);
  };
}
