-- Let the file shrink after a prune (PRAGMA incremental_vacuum). SQLite applies this to an existing database only at
-- its next VACUUM, which cannot run inside the migration's transaction: src/db/vacuum.ts does that once (at server
-- start for a small file, `npm run cli -- vacuum` for a large one).
PRAGMA auto_vacuum = INCREMENTAL;
