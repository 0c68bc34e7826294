// Admin commands about the database file itself: `prune` (retention now), `backup` (an online copy), `vacuum` (the
// one-time rewrite that lets the file shrink), and the storage lines of `stats`.
import type { AdminCommand, Outcome } from './admin-commands.js';
import { backupDatabase } from '../db/backup.js';
import { clearDeadLetters, countPrunable, pruneNow, type PruneCounts } from '../db/retention.js';
import type { StorageStats } from '../db/storage-stats.js';
import { enableIncrementalVacuum, hasIncrementalVacuum } from '../db/vacuum.js';
import { acquireWriterLock, describeHeldLock } from '../db/writer-lock.js';
import { formatTime, plural } from './text-table.js';

/** `12.3 MB`. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

const describeCounts = (c: PruneCounts) =>
  `${c.deliveries} sent/cancelled/muted alerts, ${c.events} events with ${c.changes} changes, ${c.quarantine} quarantined bodies`;

/** The storage lines of `stats`. */
export function storageLines(s: StorageStats, retentionDays: number): string[] {
  const prune = s.lastPrune;
  return [
    `database: ${formatBytes(s.databaseBytes)} + ${formatBytes(s.walBytes)} WAL` +
      (s.autoVacuum ? '' : ' (does not shrink after a prune until vacuumed once: npm run cli -- vacuum, server stopped)'),
    `history: ${s.oldestEvent ? `oldest event kept received ${formatTime(s.oldestEvent.receivedAt)}` : 'no events'}; ` +
      (retentionDays === 0 ? 'RETENTION_DAYS=0 keeps everything' : `RETENTION_DAYS=${retentionDays}`),
    `last prune: ${prune ? `${formatTime(prune.ranAt)}, removed ${describeCounts(prune)}` : 'never'}`,
  ];
}

export const DATABASE_COMMANDS: Record<string, AdminCommand> = {
  prune: {
    synopsis: '[--dry-run]',
    summary: 'remove history older than RETENTION_DAYS now (what the server does hourly); --dry-run only counts it',
    options: { 'dry-run': { type: 'boolean' } },
    run: (args, { db, config, now }) => {
      const { retentionDays } = config;
      if (retentionDays === 0) return { code: 0, text: 'RETENTION_DAYS=0 keeps everything: nothing to prune.', json: { retentionDays } };
      const dryRun = args.values['dry-run'] === true;
      const horizon = `older than ${retentionDays} days (before ${formatTime(now - retentionDays * 86_400_000)})`;
      if (dryRun) {
        const counts = countPrunable(db, { now, retentionDays });
        return { code: 0, text: `would remove ${describeCounts(counts)} ${horizon} (dry run: nothing removed).`, json: { dryRun, ...counts } };
      }
      const report = pruneNow(db, { now, retentionDays });
      const freed = report.freedBytes > 0 ? `; ${formatBytes(report.freedBytes)} returned to the disk` : '';
      return { code: 0, text: `removed ${describeCounts(report)} ${horizon}${freed}.`, json: { dryRun, ...report } };
    },
  },

  'clear-dead-letters': {
    synopsis: '--id 12,13 | --all',
    summary: 'delete dead letters (these ids, or all) once you have seen to them; retention never removes them by itself',
    options: { id: { type: 'string' }, all: { type: 'boolean' } },
    check: (args) => {
      const id = args.values.id;
      if ((id === undefined) === (args.values.all !== true)) return 'clear-dead-letters needs either --id 12,13 or --all';
      return typeof id === 'string' && !/^\d+(,\d+)*$/.test(id) ? '--id takes delivery ids separated by commas, e.g. --id 12,13' : undefined;
    },
    run: (args, { db }) => {
      const ids = typeof args.values.id === 'string' ? [...new Set(args.values.id.split(',').map(Number))] : undefined;
      const cleared = clearDeadLetters(db, ids);
      const skipped = ids ? ids.length - cleared : 0;
      const text = `deleted ${plural(cleared, 'dead letter')}${skipped ? ` (${plural(skipped, 'given id')} not a dead letter)` : ''}.`;
      return { code: 0, text, json: { cleared, notDead: skipped } };
    },
  },

  backup: {
    synopsis: '<file> [--force]',
    summary: 'write a consistent copy of the database to <file>, also while the server runs (--force replaces an existing file)',
    options: { force: { type: 'boolean' } },
    positionals: 1,
    run: async (args, { db }): Promise<Outcome> => {
      const result = await backupDatabase(db, args.positionals[0]!, { force: args.values.force === true });
      if (result.kind === 'is_database') return { code: 2, text: `${result.path} is the database itself: back it up to another file` };
      if (result.kind === 'exists') return { code: 2, text: `${result.path} exists; choose a new file name, or add --force to replace it` };
      if (result.kind === 'failed') return { code: 2, text: `backup to ${result.path} failed: ${result.reason}` };
      const newest = result.newestEvent
        ? `newest event ${result.newestEvent.source} ${result.newestEvent.eventId}, received ${formatTime(result.newestEvent.receivedAt)}`
        : 'no events yet';
      return { code: 0, text: `backup written to ${result.path}: ${formatBytes(result.bytes)}, ${result.events} events, ${newest}.`, json: result };
    },
  },

  vacuum: {
    synopsis: '',
    summary: 'rewrite the database once so that pruned space goes back to the disk (with the server stopped; needs free space equal to the file)',
    options: {},
    run: (_args, { db, config }) => {
      const writer = acquireWriterLock(config.databasePath);
      if (writer.kind === 'held') return { code: 2, text: `${describeHeldLock(writer)}; vacuum needs the server stopped` };
      try {
        const already = hasIncrementalVacuum(db);
        const sizes = enableIncrementalVacuum(db, config.databasePath);
        const text = `vacuumed: ${formatBytes(sizes.beforeBytes)} → ${formatBytes(sizes.afterBytes)}` +
          (already ? '.' : '; from now on the file shrinks after each prune.');
        return { code: 0, text, json: sizes };
      } finally {
        writer.lock.release();
      }
    },
  },
};
