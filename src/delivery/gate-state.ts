// What the gate needs to know of a chat, read from the database once per pump and only for chats that have a row the
// gate can hold back: the chat's own mutes through the (chat_id, kind, target) index — at most MUTE_LIMIT rows,
// whatever the table holds — and, with digests on, its low-severity sends in the window (counted up to the threshold)
// and its pending digest.
import { listMutes } from '../db/mutes.js';
import type { Db } from '../db/open-database.js';
import { heldUntil, recentLowSeverity } from '../db/outbox-rows.js';
import type { ChatGateState, DigestRule } from './gate.js';

/** A reader of chats' gate states as of `now`, each chat read at most once (one reader per pump). */
export function createGateStateReader(db: Db, now: number, digest?: DigestRule): (chatId: number) => ChatGateState {
  const states = new Map<number, ChatGateState>();
  return (chatId) => {
    let state = states.get(chatId);
    if (!state) {
      state = {
        mutes: listMutes(db, chatId, now),
        lowSent: digest ? recentLowSeverity(db, chatId, now - digest.windowMs, digest.threshold) : 0,
        heldUntil: digest ? heldUntil(db, chatId) : undefined,
      };
      states.set(chatId, state);
    }
    return state;
  };
}
