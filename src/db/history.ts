// History for /recent: recorded events as alert sources, newest first, from the events and changes tables; when they
// run out before the count asked for and retention has pruned, the horizon from which history is kept comes last.
import { and, desc, eq, exists, inArray, sql } from 'drizzle-orm';
import type { RecentAlert, RecentEntry } from '../core/recent.js';
import type { Db } from './open-database.js';
import { DELIVERY_STATUSES } from './outbox.js';
import { perDatabase } from './per-database.js';
import { DAY_MS, lastPrune } from './retention.js';
import { changes, events } from './schema.js';

interface ChatHistoryRow {
  eventRowId: number;
  positions: string;
  status: string;
  ackedAt: number | null;
  ackedBy: string | null;
}

/**
 * A chat's latest rows without a (chat_id, id) index (one more index entry for every row of every fan-out): the newest
 * `limit` of each status through the (chat_id, status, next_attempt_at) index — a sent row's next_attempt_at is when it
 * was sent — then the newest `limit` of those by id. It reads at most statuses × limit index entries, whatever the
 * chat's history. Reminders repeat their alert: /recent lists the alert once.
 */
export const CHAT_HISTORY_SQL = `select eventRowId, positions, status, ackedAt, ackedBy from (${DELIVERY_STATUSES.map(
  (status) => `select * from (select id, event_row_id as eventRowId, matched_positions as positions, status, acked_at as ackedAt, acked_by as ackedBy
    from deliveries indexed by deliveries_chat_status_due
    where chat_id = @chatId and status = '${status}' and reminder_of is null order by next_attempt_at desc limit @limit)`,
).join(' union all ')}) order by id desc limit @limit`;

const statements = perDatabase((db) => ({ chatHistory: db.$client.prepare<{ chatId: number; limit: number }, ChatHistoryRow>(CHAT_HISTORY_SQL) }));

/** The chat's last `limit` alerts (sent, muted, held or queued), each with the changes it matched. */
export function chatHistory(db: Db, chatId: number, limit: number): RecentEntry[] {
  const rows = statements(db).chatHistory.all({ chatId, limit });
  const byEvent = new Map(rows.map((r) => [r.eventRowId, r]));
  const found = entries(db, [...byEvent.keys()], (eventRowId) => {
    const row = byEvent.get(eventRowId)!;
    return {
      positions: new Set(JSON.parse(row.positions) as number[]),
      status: row.status,
      ...(row.ackedAt !== null && { acknowledged: { at: row.ackedAt, by: row.ackedBy ?? 'someone' } }),
    };
  });
  return withHorizon(db, found, rows.length, limit);
}

/**
 * The last `limit` events of a coin that changed something: the events_coin index walked newest first, each event
 * checked for a change by its (event_row_id, position) key, so the cost follows `limit`, not the coin's history.
 */
export function coinHistory(db: Db, coinId: string, limit: number): RecentEntry[] {
  const rows = coinEvents(db, coinId, limit).all();
  return withHorizon(db, entries(db, rows.map((r) => r.id), () => ({})), rows.length, limit);
}

/** The query behind coinHistory (exported so a test can read SQLite's plan for it). */
export function coinEvents(db: Db, coinId: string, limit: number) {
  return db
    .select({ id: events.id })
    .from(events)
    .where(and(eq(events.coinId, coinId), exists(db.select({ one: sql`1` }).from(changes).where(eq(changes.eventRowId, events.id)))))
    .orderBy(desc(events.id))
    .limit(limit);
}

/**
 * The last `limit` events that changed `field` or one of its sub-fields, with only those changes: a sub-field through
 * the (field, event_row_id) index, a top-level field through (top_field, event_row_id), newest first, stopping at
 * `limit` distinct events (never a LIKE scan of the table).
 */
export function fieldHistory(db: Db, field: string, limit: number): RecentEntry[] {
  const rows = fieldEvents(db, field, limit).all();
  return withHorizon(db, entries(db, rows.map((r) => r.id), () => ({ field })), rows.length, limit);
}

/** The query behind fieldHistory (exported so a test can read SQLite's plan for it). */
export function fieldEvents(db: Db, field: string, limit: number) {
  return db
    .selectDistinct({ id: changes.eventRowId })
    .from(changes)
    .where(field.includes('.') ? eq(changes.field, field) : eq(changes.topField, field))
    .orderBy(desc(changes.eventRowId))
    .limit(limit);
}

type Selection = { positions?: Set<number>; status?: string; field?: string; acknowledged?: RecentAlert['acknowledged'] };

/** When the history ran out before `limit` and retention has pruned, says from when on it is kept. */
function withHorizon(db: Db, found: RecentAlert[], rowsRead: number, limit: number): RecentEntry[] {
  const prune = rowsRead < limit ? lastPrune(db) : undefined;
  if (!prune) return found;
  return [...found, { horizon: { since: prune.cutoff, days: Math.round((prune.ranAt - prune.cutoff) / DAY_MS) } }];
}

function entries(db: Db, eventRowIds: readonly number[], pick: (eventRowId: number) => Selection): RecentAlert[] {
  if (eventRowIds.length === 0) return [];
  const eventRows = db.select().from(events).where(inArray(events.id, [...eventRowIds])).all();
  const changeRows = db.select().from(changes).where(inArray(changes.eventRowId, [...eventRowIds])).orderBy(changes.position).all();
  const byId = new Map(eventRows.map((e) => [e.id, e]));
  const result: RecentAlert[] = [];
  for (const id of eventRowIds) {
    const event = byId.get(id);
    // A listing whose symbol named no known coin has no coin id: it is shown like its alert, by its symbol.
    if (!event) continue;
    const { positions, status, field, acknowledged } = pick(id);
    const wanted = changeRows.filter(
      (c) =>
        c.eventRowId === id &&
        (!positions || positions.has(c.position)) &&
        (!field || c.field === field || c.field.startsWith(`${field}.`)),
    );
    if (wanted.length === 0) continue;
    result.push({
      source: { eventId: event.eventId, coin: { id: event.coinId, symbol: event.coinSymbol, name: event.coinName }, changes: wanted },
      receivedAt: event.receivedAt,
      ...(status && { status }),
      ...(acknowledged && { acknowledged }),
    });
  }
  return result;
}

