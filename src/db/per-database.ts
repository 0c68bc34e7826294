// Prepared statements for hot paths, made once per database. drizzle builds and SQLite prepares a query anew on every
// call unless it is `.prepare()`d; for a query run per alert or per chat (the gate's mutes, an alert's event) that
// costs more than the query itself (measured: listMutes 143 µs built each time, 47 µs prepared).
import type { Db } from './open-database.js';

/** `build(db)` made at most once per database; the statements go when the database object does. */
export function perDatabase<T extends object>(build: (db: Db) => T): (db: Db) => T {
  const made = new WeakMap<Db, T>();
  return (db) => {
    let statements = made.get(db);
    if (!statements) {
      statements = build(db);
      made.set(db, statements);
    }
    return statements;
  };
}
