// The storage port on SQLite: the existing functions of src/db, unchanged, behind the port's promises. One process
// owns the file (the writer lock), so "this claimer" is every claim in the database and resumeInFlight takes back
// every row in flight, as it always has.
import type { Db } from '../open-database.js';
import { claimChats, dueSince, nextChat, nextDueAfter, resumeInFlight } from '../outbox-queue.js';
import { heldUntil, recentLowSeverity, stillInFlight, writeRows } from '../outbox-rows.js';
import { createEventRecorder } from '../record-event.js';
import type { Store } from './port.js';

/** The port over an open SQLite database. The caller keeps owning `db`: close() leaves it open. */
export function createSqliteStore(db: Db): Store {
  const recorder = createEventRecorder(db);
  // A synchronous call whose throw becomes a rejection, as an asynchronous store's would.
  const run = async <T>(call: () => T): Promise<T> => call();
  return {
    engine: 'sqlite',
    recordEvent: (envelope, event) => recorder.record(envelope, event),
    quarantine: (envelope, reason) => run(() => recorder.quarantine(envelope, reason)),
    claimChats: (chatIds, options) => run(() => claimChats(db, chatIds, options)),
    writeRows: (updates) => run(() => writeRows(db, updates)),
    stillInFlight: (id) => run(() => stillInFlight(db, id)),
    resumeInFlight: () => run(() => resumeInFlight(db)),
    nextChat: (after) => run(() => nextChat(db, after)),
    nextDueAfter: (state, after) => run(() => nextDueAfter(db, state, after)),
    dueSince: (state, cursor, now, limit) => run(() => dueSince(db, state, cursor, now, limit)),
    recentLowSeverity: (chatId, since, upTo) => run(() => recentLowSeverity(db, chatId, since, upTo)),
    heldUntil: (chatId) => run(() => heldUntil(db, chatId)),
    close: async () => undefined,
  };
}
