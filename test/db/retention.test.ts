// Retention through real SQLite with the real migrations and an injected clock: exactly the old history goes; dead
// letters, queued and held alerts, and every event something still refers to stay, as do coins, chats, subscriptions
// and mutes.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { countPrunable, DAY_MS, lastPrune, pruneNow } from '../../src/db/retention.js';
import { createRetentionJob } from '../../src/db/retention-job.js';
import { enableIncrementalVacuum, fileBytes, hasIncrementalVacuum, vacuumAtStart } from '../../src/db/vacuum.js';
import { fixture, memoryLogger, NOW_MS, tempDb, type TempDb } from '../support/harness.js';
import { addChats, historyWriter } from './history-rows.js';

let t: TempDb;
beforeEach(() => {
  t = tempDb();
});
afterEach(() => t.cleanup());

const OLD = NOW_MS - 31 * DAY_MS;
const RECENT = NOW_MS - DAY_MS;
const options = { now: NOW_MS, retentionDays: 30 };
/** Changes in the default history fixture. */
const PER_EVENT = (JSON.parse(fixture('rebrand-multi-change')) as { data: { changes: unknown[] } }).data.changes.length;

const ids = (sql: string) => t.db.$client.prepare(sql).pluck().all() as Array<string | number>;
const count = (table: string) => t.db.$client.prepare(`select count(*) from ${table}`).pluck().get() as number;

/** One of every case, named by its event id; returns what must survive a 30-day prune. */
function seedEveryCase(): void {
  const [a, b] = addChats(t.db, 2) as [number, number];
  const add = historyWriter(t.db);
  add({ eventId: 'old-all-done', at: OLD, deliveries: [{ chatId: a, status: 'sent' }, { chatId: b, status: 'muted' }] });
  add({ eventId: 'old-cancelled', at: OLD, deliveries: [{ chatId: a, status: 'cancelled' }] });
  add({ eventId: 'old-unhandled', at: OLD, fixtureName: null });
  add({ eventId: 'old-with-dead', at: OLD, deliveries: [{ chatId: a, status: 'sent' }, { chatId: b, status: 'dead' }] });
  add({ eventId: 'old-pending', at: OLD, deliveries: [{ chatId: a, status: 'pending' }] });
  add({ eventId: 'old-held', at: OLD, deliveries: [{ chatId: a, status: 'held' }] });
  add({ eventId: 'old-sending', at: OLD, deliveries: [{ chatId: a, status: 'sending' }] });
  // Replayed lately to a chat that subscribed since: its new alert still refers to it.
  add({ eventId: 'old-replayed', at: OLD, deliveries: [{ chatId: a, status: 'sent' }, { chatId: b, status: 'sent', at: RECENT }] });
  add({ eventId: 'recent', at: RECENT, deliveries: [{ chatId: a, status: 'sent' }, { chatId: b, status: 'muted' }] });
  const quarantine = t.db.$client.prepare(
    "insert into quarantine (source, event_id, reason, occurred_at, received_at, raw_body) values ('coingecko', ?, 'not JSON', 0, ?, 'x')",
  );
  quarantine.run('q-old', OLD);
  quarantine.run('q-recent', RECENT);
  t.db.$client.exec(`insert into subscriptions (chat_id, coin_id, field) values (${a}, '*', 'name');
    insert into mutes (chat_id, kind, target, until) values (${a}, 'chat', '*', 0);
    insert into coins (id, symbol, name, updated_at) values ('wild-goat-coin-2', 'WGC', 'Wild Goat Coin', ${OLD});`);
}

describe('retention prune', () => {
  it('removes old sent, cancelled and muted alerts, the events nothing refers to any more, and old quarantine', () => {
    seedEveryCase();
    const report = pruneNow(t.db, options);

    expect(ids('select event_id from events order by id')).toEqual([
      'old-with-dead',
      'old-pending',
      'old-held',
      'old-sending',
      'old-replayed',
      'recent',
    ]);
    expect(ids("select e.event_id || ':' || d.status from deliveries d join events e on e.id = d.event_row_id order by d.id")).toEqual([
      'old-with-dead:dead',
      'old-pending:pending',
      'old-held:held',
      'old-sending:sending',
      'old-replayed:sent',
      'recent:sent',
      'recent:muted',
    ]);
    expect(ids('select event_id from quarantine')).toEqual(['q-recent']);
    // Changes go with their event, and only with it.
    expect(ids('select distinct e.event_id from changes c join events e on e.id = c.event_row_id order by e.id')).toEqual(
      ids("select event_id from events where event_id <> 'old-unhandled' order by id"),
    );
    expect(count('changes')).toBe(6 * PER_EVENT);
    expect(report).toMatchObject({ deliveries: 5, events: 3, changes: 2 * PER_EVENT, quarantine: 1, complete: true });
    expect([count('chats'), count('subscriptions'), count('mutes'), count('coins')]).toEqual([2, 1, 1, 1]);
  });

  it('the dry run counts exactly what the prune then removes, and removes nothing', () => {
    seedEveryCase();
    const before = ['events', 'changes', 'deliveries', 'quarantine'].map(count);
    const planned = countPrunable(t.db, options);
    expect(['events', 'changes', 'deliveries', 'quarantine'].map(count)).toEqual(before);
    const { deliveries, events, changes, quarantine } = pruneNow(t.db, options);
    expect(planned).toEqual({ deliveries, events, changes, quarantine });
  });

  it('gives the same result in windows of a few rows as in one', () => {
    seedEveryCase();
    const report = pruneNow(t.db, { ...options, batchSize: 2 });
    expect(report).toMatchObject({ deliveries: 5, events: 3, changes: 2 * PER_EVENT, quarantine: 1 });
  });

  it('keeps everything with RETENTION_DAYS=0, and nothing newer than the cutoff is touched', () => {
    seedEveryCase();
    expect(pruneNow(t.db, { now: NOW_MS, retentionDays: 0 })).toMatchObject({ deliveries: 0, events: 0, quarantine: 0 });
    expect(pruneNow(t.db, { now: NOW_MS, retentionDays: 32 })).toMatchObject({ deliveries: 0, events: 0, quarantine: 0 });
    expect(count('events')).toBe(9);
  });

  it('records each prune, and a second prune finds nothing left', () => {
    seedEveryCase();
    pruneNow(t.db, options);
    const again = pruneNow(t.db, { ...options, now: NOW_MS + 60_000 });
    expect(again).toMatchObject({ deliveries: 0, events: 0, changes: 0, quarantine: 0 });
    expect(lastPrune(t.db)).toMatchObject({ ranAt: NOW_MS + 60_000, cutoff: NOW_MS + 60_000 - 30 * DAY_MS, deliveries: 0 });
    expect(count('prune_runs')).toBe(2);
  });

  it('shrinks the file once incremental auto_vacuum is on', () => {
    expect(hasIncrementalVacuum(t.db)).toBe(false);
    enableIncrementalVacuum(t.db, t.path);
    expect(hasIncrementalVacuum(t.db)).toBe(true);
    const [chat] = addChats(t.db, 1) as [number];
    const add = historyWriter(t.db);
    t.db.$client.transaction(() => {
      for (let i = 0; i < 3000; i++) add({ eventId: `e${i}`, at: OLD, deliveries: [{ chatId: chat, status: 'sent' }] });
    })();
    t.db.$client.pragma('wal_checkpoint(TRUNCATE)');
    const full = fileBytes(t.path);
    const report = pruneNow(t.db, options);
    expect(report.events).toBe(3000);
    expect(report.freedBytes).toBeGreaterThan(full / 2);
    expect(fileBytes(t.path)).toBeLessThan(full / 4);
    expect(t.db.$client.pragma('integrity_check', { simple: true })).toBe('ok');
  });
});

describe('retention job', () => {
  it('prunes with the injected clock, and stops between batches when the server stops', async () => {
    const [chat] = addChats(t.db, 1) as [number];
    const add = historyWriter(t.db);
    for (let i = 0; i < 40; i++) add({ eventId: `e${i}`, at: OLD, deliveries: [{ chatId: chat, status: 'sent' }] });
    const { log, lines } = memoryLogger();

    const job = createRetentionJob({ db: t.db, retentionDays: 30, log, clock: () => NOW_MS, batchSize: 5, pauseMs: 0, dutyCycle: 1 });
    const partial = job.runNow();
    await job.stop();
    expect(await partial).toBeUndefined();
    const stoppedAt = lastPrune(t.db);
    expect(stoppedAt?.deliveries).toBeGreaterThan(0);
    expect(stoppedAt?.deliveries).toBeLessThan(40);

    const rest = await createRetentionJob({ db: t.db, retentionDays: 30, log, clock: () => NOW_MS, batchSize: 5, pauseMs: 0, dutyCycle: 1 }).runNow();
    expect(rest).toMatchObject({ deliveries: 40 - stoppedAt!.deliveries, events: 40, complete: true });
    expect(lines.some((l) => l.includes('retention: pruned history'))).toBe(true);
  });

  it('never prunes with RETENTION_DAYS=0', async () => {
    const add = historyWriter(t.db);
    add({ eventId: 'ancient', at: 0 });
    const job = createRetentionJob({ db: t.db, retentionDays: 0, log: memoryLogger().log, clock: () => NOW_MS });
    expect(await job.runNow()).toBeUndefined();
    expect(count('events')).toBe(1);
  });
});

describe('vacuum at server start', () => {
  it('turns incremental auto_vacuum on for a small file, once', () => {
    expect(vacuumAtStart(t.db, t.path)).toMatchObject({ kind: 'vacuumed' });
    expect(hasIncrementalVacuum(t.db)).toBe(true);
    expect(vacuumAtStart(t.db, t.path)).toEqual({ kind: 'ready' });
  });

  it('leaves a large file to the admin', () => {
    t.db.$client.exec(`create table ballast (b blob);
      with recursive n(i) as (select 1 union all select i + 1 from n where i < 70) insert into ballast select zeroblob(1000000) from n`);
    t.db.$client.pragma('wal_checkpoint(TRUNCATE)');
    expect(vacuumAtStart(t.db, t.path)).toMatchObject({ kind: 'too_large' });
    expect(hasIncrementalVacuum(t.db)).toBe(false);
  });
});
