// Whether the database can take writes, for GET /healthz. A `select 1` answers even while another connection holds the
// write lock or the file has turned read-only, when no webhook can be recorded: so the check takes the write lock for
// an instant (a `begin immediate`, rolled back at once). It reports the state of now, so it recovers with the database.
import type { Db } from './open-database.js';

export type DatabaseHealth = 'ok' | 'locked' | 'read_only' | 'unreachable';

/**
 * Checks that the database can be written now, waiting at most `waitMs` for another connection's lock (the check
 * blocks the event loop meanwhile, like every SQLite call here, so the wait stays short).
 */
export function checkDatabase(db: Db, waitMs = 250): DatabaseHealth {
  const sqlite = db.$client;
  if (!sqlite.open) return 'unreachable';
  let previous: unknown;
  try {
    previous = sqlite.pragma('busy_timeout', { simple: true });
    sqlite.pragma(`busy_timeout = ${waitMs}`);
    // Our own writes are synchronous, so no transaction of this connection is open here; never touch one if it were.
    if (!sqlite.inTransaction) {
      sqlite.exec('begin immediate');
      sqlite.exec('rollback');
    }
    return 'ok';
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') return 'locked';
    if (typeof code === 'string' && code.startsWith('SQLITE_READONLY')) return 'read_only';
    return 'unreachable';
  } finally {
    if (typeof previous === 'number' && sqlite.open) sqlite.pragma(`busy_timeout = ${previous}`);
  }
}
