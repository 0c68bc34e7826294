// The subscriptions an event's changes may match, read by exact (coin, field) keys of active chats. Shared by the
// event recorder (ingest) and the admin replay, so both apply the same rule for who gets alerts.
import type { Database, Statement } from 'better-sqlite3';
import type { SubscriptionKey } from '../core/match.js';

/** `(coinIds, fields) → subscriptions of active, approved chats` with those keys; the `candidateKeys` of src/core/match.ts. */
export type SubscriberLookup = (coinIds: readonly string[], fields: readonly string[]) => SubscriptionKey[];

/** Field lists up to this long get a prepared statement of their own (events carry a few fields; this covers them). */
const CACHED_LENGTHS = 32;

/**
 * One lookup per event: the coin and "any coin" × the fields that cover its changes, through the (coin_id, field)
 * index. The field list is short and its length varies, so there is one prepared statement per length up to
 * CACHED_LENGTHS; a longer list (a signed event with hundreds of distinct fields) is passed as one JSON array, so the
 * statements kept stay bounded whatever the events look like.
 */
export function createSubscriberLookup(sqlite: Database): SubscriberLookup {
  const select = `select s.chat_id as chatId, s.coin_id as coinId, s.field as field
         from subscriptions s join chats c on c.id = s.chat_id
         where s.coin_id in (?, ?) and c.active = 1 and c.access = 'approved' and s.field in`;
  const lookups = new Map<number, Statement<string[], SubscriptionKey>>();
  const long = sqlite.prepare<[string, string, string], SubscriptionKey>(`${select} (select value from json_each(?))`);
  return (coinIds, fields) => {
    if (fields.length > CACHED_LENGTHS) return long.all(coinIds[0]!, coinIds[1]!, JSON.stringify(fields));
    let statement = lookups.get(fields.length);
    if (!statement) {
      statement = sqlite.prepare<string[], SubscriptionKey>(`${select} (${fields.map(() => '?').join(', ')})`);
      lookups.set(fields.length, statement);
    }
    return statement.all(...coinIds, ...fields);
  };
}
