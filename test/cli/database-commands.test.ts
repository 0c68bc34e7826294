// The database commands of the admin CLI, in-process through runAdmin on a fresh database with the real migrations:
// prune (and its dry run), stats' storage lines, backup's refusals, and the storage gauges of /metrics.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createBot } from '../../src/bot.js';
import { DAY_MS } from '../../src/db/retention.js';
import { storageReadings } from '../../src/db/storage-stats.js';
import { addStorageMetrics } from '../../src/metrics.js';
import { historyWriter, addChats } from '../db/history-rows.js';
import { memoryLogger, NOW_MS, tempDb, testConfig, type TempDb } from '../support/harness.js';
import { runCli } from './run-cli.js';

let t: TempDb;
beforeEach(() => {
  t = tempDb();
});
afterEach(() => t.cleanup());

const run = (argv: string[], env: Record<string, string> = {}) => runCli(argv, { DATABASE_PATH: t.path, RETENTION_DAYS: '30', ...env });

function seed() {
  const [chat] = addChats(t.db, 1) as [number];
  const add = historyWriter(t.db);
  add({ eventId: 'old', at: NOW_MS - 40 * DAY_MS, deliveries: [{ chatId: chat, status: 'sent' }] });
  add({ eventId: 'old-dead', at: NOW_MS - 40 * DAY_MS, deliveries: [{ chatId: chat, status: 'dead' }] });
  add({ eventId: 'new', at: NOW_MS - DAY_MS, deliveries: [{ chatId: chat, status: 'sent' }] });
}

describe('admin cli: prune', () => {
  it('prints what a dry run would remove, removes nothing, then prunes and prints what it removed', async () => {
    seed();
    const dry = await run(['prune', '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/^would remove 1 sent\/cancelled\/muted alerts, 1 events with \d+ changes, 0 quarantined bodies older than 30 days \(before 2026-03-14 07:40:00Z\) \(dry run: nothing removed\)\.$/);
    expect(t.db.$client.prepare('select count(*) from events').pluck().get()).toBe(3);

    const done = await run(['prune']);
    expect(done.stdout).toMatch(/^removed 1 sent\/cancelled\/muted alerts, 1 events with \d+ changes, 0 quarantined bodies older than 30 days/);
    expect(t.db.$client.prepare('select event_id from events order by id').pluck().all()).toEqual(['old-dead', 'new']);
    expect(JSON.parse((await run(['prune', '--json'])).stdout)).toMatchObject({ dryRun: false, deliveries: 0, events: 0, complete: true });
  });

  it('prunes nothing with RETENTION_DAYS=0', async () => {
    seed();
    expect(await run(['prune'], { RETENTION_DAYS: '0' })).toMatchObject({ code: 0, stdout: 'RETENTION_DAYS=0 keeps everything: nothing to prune.' });
    expect(await run(['prune'], { RETENTION_DAYS: '1' })).toMatchObject({
      code: 2,
      stderr: 'coinsentry: invalid configuration: RETENTION_DAYS: must be 0 (keep everything) or at least 2',
    });
    expect(await run(['prune'], { RETENTION_DAYS: 'forever' })).toMatchObject({
      code: 2,
      stderr: 'coinsentry: invalid configuration: RETENTION_DAYS: must be a whole number',
    });
  });
});

describe('admin cli: clear-dead-letters', () => {
  it('deletes the given dead letters only, after which their old events go at the next prune', async () => {
    seed();
    const dead = t.db.$client.prepare("select id from deliveries where status = 'dead'").pluck().get() as number;
    expect((await run(['clear-dead-letters'])).stderr).toContain('clear-dead-letters needs either --id 12,13 or --all');
    expect((await run(['clear-dead-letters', '--id', `${dead},999`])).stdout).toBe('deleted 1 dead letter (1 given id not a dead letter).');
    expect(t.db.$client.prepare('select count(*) from deliveries').pluck().get()).toBe(2);
    await run(['prune']);
    expect(t.db.$client.prepare('select event_id from events').pluck().all()).toEqual(['new']);
    expect((await run(['clear-dead-letters', '--all'])).stdout).toBe('deleted 0 dead letters.');
  });
});

describe('admin cli: stats about the database file', () => {
  it('shows the database and WAL sizes, the oldest event kept and the last prune', async () => {
    seed();
    const before = (await run(['stats'])).stdout;
    expect(before).toMatch(/^database: [\d.]+ [KM]?B \+ [\d.]+ [KM]?B WAL \(does not shrink after a prune until vacuumed once/m);
    expect(before).toContain('history: oldest event kept received 2026-03-04 07:40:00Z; RETENTION_DAYS=30');
    expect(before).toContain('last prune: never');
    await run(['prune']);
    const after = (await run(['stats'])).stdout;
    expect(after).toMatch(/^last prune: 2026-04-13 07:40:00Z, removed 1 sent\/cancelled\/muted alerts, 1 events with \d+ changes, 0 quarantined bodies$/m);
    const json = JSON.parse((await run(['stats', '--json'])).stdout) as { storage: { databaseBytes: number; lastPrune: { deliveries: number } } };
    expect(json.storage.databaseBytes).toBeGreaterThan(0);
    expect(json.storage.lastPrune.deliveries).toBe(1);
  });
});

describe('admin cli: backup and vacuum', () => {
  it('refuses to overwrite a file, and says why a backup failed', async () => {
    const existing = join(t.path, '..', 'exists.db');
    writeFileSync(existing, 'precious');
    expect(await run(['backup', existing])).toMatchObject({ code: 2, stderr: `${existing} exists; choose a new file name, or add --force to replace it` });
    const nowhere = join(t.path, '..', 'no-such-dir', 'b.db');
    const failed = await run(['backup', nowhere]);
    expect(failed.code).toBe(2);
    expect(failed.stderr).toBe(`backup to ${nowhere} failed: Cannot save backup because the directory does not exist`);
    expect(existsSync(nowhere)).toBe(false);
    expect((await run(['backup'])).stderr).toContain('missing argument');
    expect(await run(['backup', t.path, '--force'])).toMatchObject({ code: 2, stderr: `${t.path} is the database itself: back it up to another file` });
    expect(await run(['backup', `${t.path}-wal`, '--force'])).toMatchObject({ code: 2 });
  });

  it('vacuums once, after which the file shrinks with each prune', async () => {
    seed();
    const vacuum = await run(['vacuum']);
    expect(vacuum.stdout).toMatch(/^vacuumed: [\d.]+ [KM]?B → [\d.]+ [KM]?B; from now on the file shrinks after each prune\.$/);
    expect((await run(['stats'])).stdout).not.toContain('does not shrink');
  });
});

describe('/metrics storage gauges', () => {
  it('serves the database and WAL sizes, the last prune and the oldest event kept', async () => {
    seed();
    await run(['prune']);
    const bot = createBot({ db: t.db, config: testConfig(), log: memoryLogger().log, adapters: [] });
    addStorageMetrics(bot.metrics, storageReadings(t.db, t.path));
    const text = await (await bot.app.request('/metrics')).text();
    expect(text).toMatch(/^coinsentry_database_bytes\{file="database"\} [1-9]\d*$/m);
    expect(text).toMatch(/^coinsentry_database_bytes\{file="wal"\} \d+$/m);
    expect(text).toContain(`coinsentry_prune_last_run_timestamp_seconds ${NOW_MS / 1000}`);
    expect(text).toContain('coinsentry_prune_last_removed_rows{table="deliveries"} 1');
    expect(text).toContain('coinsentry_prune_last_removed_rows{table="events"} 1');
    expect(text).toContain(`coinsentry_oldest_event_timestamp_seconds ${(NOW_MS - 40 * DAY_MS) / 1000}`);
  });
});
