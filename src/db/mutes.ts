// Mutes in SQLite: set, end and list a chat's mutes, and read every active one for the dispatcher.
import { and, eq, lte } from 'drizzle-orm';
import type { Mute } from '../core/mutes.js';
import type { Db } from './open-database.js';
import { perDatabase } from './per-database.js';
import { mutes } from './schema.js';

/** Sets (or extends, or shortens: the newest /mute wins) each mute, and drops the chat's expired ones. */
export function setMutes(db: Db, chatId: number, wanted: readonly Mute[], now: number): void {
  db.transaction((tx) => {
    tx.delete(mutes).where(and(eq(mutes.chatId, chatId), lte(mutes.until, now))).run();
    for (const mute of wanted) {
      tx.insert(mutes)
        .values({ chatId, kind: mute.kind, target: mute.target, until: mute.until })
        .onConflictDoUpdate({ target: [mutes.chatId, mutes.kind, mutes.target], set: { until: mute.until } })
        .run();
    }
  });
}

/** Ends the chat's mutes (all of them, or those of `targets`); returns the active ones that ended. */
export function endMutes(db: Db, chatId: number, now: number, targets?: ReadonlyArray<Pick<Mute, 'kind' | 'target'>>): Mute[] {
  return db.transaction((tx) => {
    // Same connection, synchronous: this read is inside the transaction.
    const active = listMutes(db, chatId, now);
    const ending = targets ? active.filter((m) => targets.some((t) => t.kind === m.kind && t.target === m.target)) : active;
    tx.delete(mutes).where(and(eq(mutes.chatId, chatId), lte(mutes.until, now))).run();
    for (const mute of ending) {
      tx.delete(mutes).where(and(eq(mutes.chatId, chatId), eq(mutes.kind, mute.kind), eq(mutes.target, mute.target))).run();
    }
    return ending;
  });
}

/** The chat's mutes still running at `now`, soonest to end first. */
const statements = perDatabase((db) => ({
  // The gate reads it per chat and /list shows it: up to MUTE_LIMIT rows, through the chat's (chat_id, kind, target) index.
  active: db.$client.prepare<[number, number], Mute>('select kind, target, until from mutes indexed by mutes_chat_target where chat_id = ? and until > ? order by until'),
}));

export function listMutes(db: Db, chatId: number, now: number): Mute[] {
  return statements(db).active.all(chatId, now);
}
