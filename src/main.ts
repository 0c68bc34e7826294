// The composition root: the only file that reads process.env, opens the database, creates clients and starts
// listeners. Everything else receives what it needs as arguments.
import { existsSync, readFileSync } from 'node:fs';
import { serve } from '@hono/node-server';
import { createBot } from './bot.js';
import { ConfigError, parseConfig, type Config } from './config.js';
import { openDatabase } from './db/open-database.js';
import { createRetentionJob } from './db/retention-job.js';
import { storageReadings } from './db/storage-stats.js';
import { vacuumAtStart } from './db/vacuum.js';
import { acquireWriterLock, describeHeldLock } from './db/writer-lock.js';
import { createLogger, secretsOf, type Logger } from './logger.js';
import { addStorageMetrics } from './metrics.js';
import type { PlatformAdapter } from './platforms/port.js';
import { webhookSources } from './sources/index.js';
import { createDiscordAdapter } from './platforms/discord/discord-adapter.js';
import { createSlackAdapter } from './platforms/slack/slack-adapter.js';
import { createTelegramAdapter } from './platforms/telegram/telegram-adapter.js';

function loadConfig(): Config {
  const dotenvPath = process.env.DOTENV_PATH ?? '.env';
  const dotenvText = existsSync(dotenvPath) ? readFileSync(dotenvPath, 'utf8') : '';
  try {
    return parseConfig(process.env, dotenvText);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`coinsentry: invalid configuration: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}

/** One adapter per platform whose credentials are set; the log says once which ones are off. */
function createAdapters(config: Config, log: Logger): PlatformAdapter[] {
  const adapters: PlatformAdapter[] = [];
  if (config.telegram) {
    adapters.push(createTelegramAdapter({ ...config.telegram, log }));
  } else log.info('telegram is off (TELEGRAM_BOT_TOKEN is not set)');
  if (config.discord) adapters.push(createDiscordAdapter({ ...config.discord, log }));
  else log.info('discord is off (DISCORD_BOT_TOKEN is not set)');
  if (config.slack) adapters.push(createSlackAdapter({ ...config.slack, log }));
  else log.info('slack is off (SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET are not set)');
  return adapters;
}

async function main(): Promise<void> {
  const config = loadConfig();
  // Before the database is opened for writing: a second server on the same file would send every alert twice.
  const writer = acquireWriterLock(config.databasePath);
  if (writer.kind === 'held') {
    process.stderr.write(`coinsentry: ${describeHeldLock(writer)}\n`);
    process.exit(1);
  }
  const log = createLogger(config.logLevel, undefined, secretsOf(config));
  const db = openDatabase(config.databasePath, { synchronous: config.databaseSynchronous });
  const vacuum = vacuumAtStart(db, config.databasePath);
  if (vacuum.kind === 'vacuumed') log.info({ database: config.databasePath, ...vacuum }, 'database vacuumed once, so that pruned space goes back to the disk');
  if (vacuum.kind === 'too_large') {
    log.warn(
      { database: config.databasePath, bytes: vacuum.bytes },
      'the database file cannot shrink after a prune until it is vacuumed once: stop the server and run npm run cli -- vacuum',
    );
  }
  for (const line of webhookSources(config).off) log.info(line);
  const bot = createBot({ db, config, log, adapters: createAdapters(config, log), processMetrics: true });
  addStorageMetrics(bot.metrics, storageReadings(db, config.databasePath));
  const retention = createRetentionJob({ db, retentionDays: config.retentionDays, log: log.child({ component: 'retention' }) });

  // Listen first: webhooks are recorded (and their alerts queued) even while a platform is still connecting.
  const server = serve({ fetch: bot.app.fetch, port: config.port, hostname: config.host }, (info) =>
    log.info({ port: info.port, host: config.host, database: config.databasePath }, 'listening'),
  );
  server.on('error', (error: NodeJS.ErrnoException) => {
    process.stderr.write(`coinsentry: cannot listen on ${config.host}:${config.port}: ${error.code ?? error.message}\n`);
    process.exit(1);
  });
  bot.start().catch((error: unknown) => log.error({ err: error }, 'start failed'));
  retention.start();

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down: no new requests, finishing the ones in flight');
    const force = setTimeout(() => {
      log.warn('in-flight requests did not finish within 10 s; closing anyway');
      process.exit(1);
    }, 10_000);
    force.unref();
    server.close(() => {
      Promise.all([retention.stop(), bot.stop()])
        .catch((error: unknown) => log.error({ err: error }, 'error while stopping the platforms'))
        .finally(() => {
          db.$client.close();
          writer.lock.release();
          log.info('stopped');
          process.exit(0);
        });
    });
    if ('closeIdleConnections' in server) server.closeIdleConnections();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  process.stderr.write(`coinsentry: failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
