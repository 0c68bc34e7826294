// Replays a stored event against today's subscriptions (admin CLI `replay`): an outbox row for every chat the event
// matches now that has none for it yet — typically chats that subscribed after it arrived. Rows that exist are left
// as they are (sent, pending, dead or cancelled): replaying never sends an alert twice. One transaction.
import { and, asc, eq } from 'drizzle-orm';
import { candidateKeys, matchChats } from '../core/match.js';
import type { Db } from './open-database.js';
import { changes, events } from './schema.js';
import { createSubscriberLookup } from './subscriber-lookup.js';

export type ReplayResult =
  | { kind: 'unknown_event' }
  | {
      kind: 'replayed';
      eventType: string;
      coinId: string | null;
      changes: number;
      /** Active chats whose subscriptions match the event now. */
      matched: number;
      /** Outbox rows added: matched chats that had no delivery of this event. */
      added: number;
      /** Matched chats that already had a delivery of this event, whatever its status. */
      alreadyHad: number;
    };

/** Matches the event `eventId` of `source` again and queues it for the chats that never had it. */
export function replayEvent(db: Db, source: string, eventId: string): ReplayResult {
  const sqlite = db.$client;
  const subscribersOf = createSubscriberLookup(sqlite);
  const insertDelivery = sqlite.prepare<[number, number, string]>(
    'insert into deliveries (event_row_id, chat_id, matched_positions) values (?, ?, ?) on conflict do nothing',
  );
  const replay = sqlite.transaction((): ReplayResult => {
    const event = db
      .select({ id: events.id, eventType: events.eventType, coinId: events.coinId })
      .from(events)
      .where(and(eq(events.source, source), eq(events.eventId, eventId)))
      .get();
    if (!event) return { kind: 'unknown_event' };
    const refs = db
      .select({ position: changes.position, field: changes.field })
      .from(changes)
      .where(eq(changes.eventRowId, event.id))
      .orderBy(asc(changes.position))
      .all();
    const summary = { kind: 'replayed' as const, eventType: event.eventType, coinId: event.coinId, changes: refs.length };
    // The recorder's rule: only events with changes are alerted on (a source records none for types it does not handle).
    if (refs.length === 0) {
      return { ...summary, matched: 0, added: 0, alreadyHad: 0 };
    }
    const keys = candidateKeys(event.coinId, refs);
    const matches = matchChats(event.coinId, refs, subscribersOf(keys.coinIds, keys.fields));
    let added = 0;
    for (const match of matches) added += insertDelivery.run(event.id, match.chatId, JSON.stringify(match.positions)).changes;
    return { ...summary, matched: matches.length, added, alreadyHad: matches.length - added };
  });
  return replay.immediate();
}
