// The dispatcher's writes to outbox rows it has claimed: gate verdicts (muted, held), send outcomes (sent, retry, dead)
// and releases, each batch in one transaction. Every statement names its row by id and applies only while the row is
// still `sending`: a row cancelled meanwhile (its chat went away) stays cancelled. Also the two per-chat reads of the
// digest gate. All bounded: by primary key, or by one chat's rows in one state of the per-chat index.
import type { Statement } from 'better-sqlite3';
import type { Db } from './open-database.js';
import { perDatabase } from './per-database.js';

/** What becomes of one claimed row. */
export type RowUpdate =
  | { id: number; to: 'sent'; at: number; severity?: string }
  | { id: number; to: 'retry'; at: number; error: string }
  | { id: number; to: 'dead'; error: string }
  | { id: number; to: 'release'; at: number }
  | { id: number; to: 'muted' | 'held'; at: number; severity: string };

interface RowStatements {
  sent: Statement<[number, number, string | null, number]>;
  retry: Statement<[string, number, number]>;
  dead: Statement<[string, number]>;
  release: Statement<[number, number]>;
  gated: Statement<[string, number, string, number]>;
  inFlight: Statement<[number], { one: number }>;
  recentLow: Statement<[number, number, number], { n: number }>;
  heldUntil: Statement<[number], { at: number | null }>;
}

const statementsFor = perDatabase((db): RowStatements => {
  const sqlite = db.$client;
  return {
    sent: sqlite.prepare(
      `update deliveries set status = 'sent', sent_at = ?, next_attempt_at = ?, severity = coalesce(?, severity), attempts = attempts + 1,
       last_error = null where id = ? and status = 'sending'`,
    ),
    retry: sqlite.prepare(
      "update deliveries set status = 'pending', attempts = attempts + 1, last_error = ?, next_attempt_at = ? where id = ? and status = 'sending'",
    ),
    dead: sqlite.prepare("update deliveries set status = 'dead', attempts = attempts + 1, last_error = ? where id = ? and status = 'sending'"),
    release: sqlite.prepare("update deliveries set status = 'pending', next_attempt_at = ? where id = ? and status = 'sending'"),
    gated: sqlite.prepare("update deliveries set status = ?, next_attempt_at = ?, severity = ? where id = ? and status = 'sending'"),
    inFlight: sqlite.prepare("select 1 as one from deliveries where id = ? and status = 'sending'"),
    // The per-chat index: only this chat's rows sent since `since` are read (a sent row's next_attempt_at is its send time).
    recentLow: sqlite.prepare(
      `select count(*) as n from (select 1 from deliveries indexed by deliveries_chat_status_due
       where chat_id = ? and status = 'sent' and next_attempt_at > ? and severity <> 'high' limit ?)`,
    ),
    // The per-chat index: one seek.
    heldUntil: sqlite.prepare(
      "select min(next_attempt_at) as at from deliveries indexed by deliveries_chat_status_due where chat_id = ? and status = 'held'",
    ),
  };
});

const clip = (error: string) => error.slice(0, 1000);

/** Writes the updates in one transaction (all or none: a refused write is retried whole). */
export function writeRows(db: Db, updates: readonly RowUpdate[]): void {
  const s = statementsFor(db);
  const write = (u: RowUpdate) => {
    switch (u.to) {
      case 'sent':
        return s.sent.run(u.at, u.at, u.severity ?? null, u.id);
      case 'retry':
        return s.retry.run(clip(u.error), u.at, u.id);
      case 'dead':
        return s.dead.run(clip(u.error), u.id);
      case 'release':
        return s.release.run(u.at, u.id);
      case 'muted':
      case 'held':
        return s.gated.run(u.to, u.at, u.severity, u.id);
    }
  };
  if (updates.length === 1) write(updates[0]!);
  else if (updates.length > 1) db.$client.transaction(() => updates.forEach(write))();
}

/** True while the row is claimed and not cancelled meanwhile (its chat deactivated while it waited in memory). */
export function stillInFlight(db: Db, id: number): boolean {
  return statementsFor(db).inFlight.get(id) !== undefined;
}

/**
 * Low-severity alerts the chat was sent after `since`, counted up to `upTo` (digests: has this chat had its share?
 * The count stops at the threshold, so it reads at most that many index entries however busy the chat was).
 */
export function recentLowSeverity(db: Db, chatId: number, since: number, upTo: number): number {
  return statementsFor(db).recentLow.get(chatId, since, upTo)?.n ?? 0;
}

/** When the chat's pending digest goes out, if it has one. */
export function heldUntil(db: Db, chatId: number): number | undefined {
  return statementsFor(db).heldUntil.get(chatId)?.at ?? undefined;
}
