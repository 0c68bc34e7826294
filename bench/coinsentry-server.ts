// coinsentry's whole webhook path as a child process for the ingest benchmark: the real bot (createBot) served by
// @hono/node-server on a SQLite file the parent seeded, with a console-like sink that renders each alert (Telegram HTML)
// and drops it, so matched events fill the outbox and the dispatcher drains it while the load runs. argv[2] is the database path, argv[3] the
// signing secret, argv[4] the log level. Reports its port over IPC.
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { createBot } from '../src/bot.js';
import { parseConfig } from '../src/config.js';
import { openDatabase } from '../src/db/open-database.js';
import { createLogger } from '../src/logger.js';
import type { PlatformAdapter } from '../src/platforms/port.js';
import { renderTelegramAlert, renderTelegramDigest } from '../src/platforms/telegram/render-telegram.js';

const [databasePath = '', secret = '', logLevel = 'info'] = process.argv.slice(2);
const config = parseConfig({ COINGECKO_WEBHOOK_SECRET: secret, DATABASE_PATH: databasePath, LOG_LEVEL: logLevel });
const db = openDatabase(config.databasePath);
const log = createLogger(config.logLevel);
// The console adapter's platform name and rates, without its memory of every alert sent (it would grow for the run).
const sink: PlatformAdapter = {
  platform: 'console',
  limits: { perSecond: 1000, perChatIntervalMs: 0 },
  async send(_chat, alert) {
    renderTelegramAlert(alert);
    return { kind: 'sent' };
  },
  async sendDigest(_chat, digest) {
    renderTelegramDigest(digest);
    return { kind: 'sent' };
  },
};
const bot = createBot({ db, config, log, adapters: [sink] });
await bot.start();

const server = serve({ fetch: bot.app.fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) => {
  process.send?.({ port: info.port });
});

process.on('disconnect', () => {
  server.close();
  void bot.stop().finally(() => {
    db.$client.close();
    process.exit(0);
  });
});
