// Composes the alert an outbox row stands for: its event's matched changes, through composeAlert. A fan-out composes
// each distinct alert once (a small cache keyed by event and matched positions); the composed alert then travels with
// its row to the send, so an event is read at most once per batch.
import { composeAlert } from '../core/alert.js';
import type { ClaimedDelivery } from '../db/outbox-queue.js';
import { loadEvent } from '../db/outbox.js';
import type { Db } from '../db/open-database.js';
import type { Composed } from './gate.js';

/** Distinct alerts kept: a fan-out of one event to 10,000 chats composes one or a few. */
const CACHE_SIZE = 256;

/** The row's alert, or null when the event has nothing to show (no coin, or no matched change left). */
export type AlertComposer = (row: Pick<ClaimedDelivery, 'eventRowId' | 'positions'>) => Composed | null;

export function createAlertComposer(db: Db): AlertComposer {
  const cache = new Map<string, Composed | null>();
  return (row) => {
    const key = `${row.eventRowId}:${row.positions.join(',')}`;
    const cached = cache.get(key);
    if (cached !== undefined) return cached;
    const event = loadEvent(db, row.eventRowId);
    const wanted = new Set(row.positions);
    const matched = event ? event.changes.filter((_c, i) => wanted.has(event.positions[i]!)) : [];
    // The whole event goes along: a migration alert shows the event's notices as context even when only platforms matched.
    const alert = event ? composeAlert({ ...event, changes: matched, eventChanges: event.changes }) : null;
    const composed = alert && alert.items.length > 0 ? { alert, fields: matched.map((c) => c.field) } : null;
    if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value!);
    cache.set(key, composed);
    return composed;
  };
}
