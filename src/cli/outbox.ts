// Admin view of the outbox: dead letters, what is pending, and requeueing. Reads DATABASE_PATH like the server.
// Usage: npm run outbox -- [--dead | --pending | --cancelled] [--limit 50] [--requeue-dead | --requeue <id>,<id>]
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parse as parseDotenv } from 'dotenv';
import { openDatabase } from '../db/open-database.js';
import { listDeliveries, requeueDead } from '../db/outbox.js';

const USAGE = 'usage: npm run outbox -- [--dead | --pending | --cancelled] [--limit 50] [--requeue-dead | --requeue 12,13]';

const { values } = parseArgs({
  options: {
    dead: { type: 'boolean', default: false },
    pending: { type: 'boolean', default: false },
    cancelled: { type: 'boolean', default: false },
    limit: { type: 'string', default: '50' },
    'requeue-dead': { type: 'boolean', default: false },
    requeue: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}

const dotenv = existsSync('.env') ? parseDotenv(readFileSync('.env', 'utf8')) : {};
const path = process.env.DATABASE_PATH ?? dotenv.DATABASE_PATH ?? './data/coinsentry.db';
if (!existsSync(path)) {
  console.error(`no database at ${path} (set DATABASE_PATH)`);
  process.exit(2);
}
const db = openDatabase(path);

if (values['requeue-dead'] || values.requeue) {
  const ids = values.requeue?.split(',').map((s) => Number(s.trim()));
  if (ids?.some((id) => !Number.isInteger(id))) {
    console.error(`--requeue takes delivery ids separated by commas\n${USAGE}`);
    process.exit(2);
  }
  const count = requeueDead(db, ids);
  console.log(`requeued ${count} dead letter${count === 1 ? '' : 's'}; a running bot sends them at its next sweep (≤ 30 s)`);
} else {
  const statuses = [values.dead && 'dead', values.pending && 'pending', values.pending && 'sending', values.cancelled && 'cancelled'].filter(
    (s): s is string => typeof s === 'string',
  );
  const rows = listDeliveries(db, statuses.length ? statuses : ['dead'], Number(values.limit) || 50);
  if (rows.length === 0) console.log('nothing to show');
  for (const row of rows) {
    const chat = `${row.platform}:${row.platformChatId}${row.chatTitle ? ` (${row.chatTitle})` : ''}`;
    console.log(
      `#${row.id} ${row.status} · attempts ${row.attempts} · ${new Date(row.createdAt).toISOString()} · event ${row.eventId} · ${row.coinId ?? '-'} → ${chat}` +
        (row.lastError ? `\n    last error: ${row.lastError}` : ''),
    );
  }
}
db.$client.close();
