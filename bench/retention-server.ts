// The server side of the retention benchmark, forked by bench/retention.ts: the webhook pipeline and the retention job
// wired as src/main.ts wires them (no chat platform: alerts stay queued), on the database the parent seeded. It reports
// its port, and on the message 'prune' runs the job's prune now and reports when it is done.
import { serve } from '@hono/node-server';
import { createBot } from '../src/bot.js';
import { parseConfig } from '../src/config.js';
import { openDatabase } from '../src/db/open-database.js';
import { createRetentionJob } from '../src/db/retention-job.js';
import { createLogger } from '../src/logger.js';
import { BENCH_SECRET } from './signed-webhooks.js';

const [databasePath = '', retentionDays = '30'] = process.argv.slice(2);
const config = parseConfig({ COINGECKO_WEBHOOK_SECRET: BENCH_SECRET, DATABASE_PATH: databasePath, RETENTION_DAYS: retentionDays });
const log = createLogger('warn');
const db = openDatabase(databasePath);
const bot = createBot({ db, config, log, adapters: [] });
const job = createRetentionJob({ db, retentionDays: config.retentionDays, log });
serve({ fetch: bot.app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => process.send?.({ port: info.port }));
process.on('message', (message) => {
  if (message !== 'prune') return;
  const started = performance.now();
  void job.runNow().then((report) => process.send?.({ report, ms: performance.now() - started }));
});
