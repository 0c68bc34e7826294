// The composition root: the only file that reads process.env, opens the database, creates clients and starts
// listeners. Everything else receives what it needs as arguments.
import { serve } from '@hono/node-server';
import { createBot } from './bot.js';
import { createCoinGeckoDirectory } from './coingecko-api/coingecko-directory.js';
import { ConfigError, parseConfig, type Config } from './config.js';
import { openDatabase } from './db/open-database.js';
import { createRetentionJob } from './db/retention-job.js';
import { storageReadings } from './db/storage-stats.js';
import { vacuumAtStart } from './db/vacuum.js';
import { acquireWriterLock, describeHeldLock } from './db/writer-lock.js';
import { readDotenvFile } from './dotenv-file.js';
import { createLogger, secretsOf } from './logger.js';
import { addStorageMetrics } from './metrics.js';
import { chatPlatforms } from './platforms/index.js';
import { webhookSources } from './sources/index.js';
import { unknownVariableWarnings } from './unknown-variables.js';

/** The configuration, and warnings about variables that look like settings but are not known. */
function loadConfig(): { config: Config; warnings: string[] } {
  try {
    const dotenvText = readDotenvFile(process.env);
    return { config: parseConfig(process.env, dotenvText), warnings: unknownVariableWarnings(process.env, dotenvText) };
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`coinsentry: invalid configuration: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}

async function main(): Promise<void> {
  const { config, warnings } = loadConfig();
  // Before the database is opened for writing: a second server on the same file would send every alert twice.
  const writer = acquireWriterLock(config.databasePath);
  if (writer.kind === 'held') {
    process.stderr.write(`coinsentry: ${describeHeldLock(writer)}\n`);
    process.exit(1);
  }
  const secrets = secretsOf(config);
  const log = createLogger(config.logLevel, undefined, secrets);
  for (const warning of warnings) log.warn(warning);
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
  const platforms = await chatPlatforms(config, log);
  for (const line of platforms.off) log.info(line);
  if (platforms.enabled.length === 0) {
    log.warn('no chat platform is configured: webhooks are recorded but alerts go nowhere (set TELEGRAM_BOT_TOKEN, DISCORD_BOT_TOKEN or SLACK_BOT_TOKEN)');
  }
  if (!config.coingeckoApi) log.info('the CoinGecko API is off (COINGECKO_API_KEY is not set): commands take CoinGecko coin ids, /coin is unavailable');
  const directory = config.coingeckoApi && createCoinGeckoDirectory({ db, api: config.coingeckoApi, log: log.child({ component: 'coingecko-api' }) });
  const bot = createBot({ db, config, log, adapters: platforms.enabled, processMetrics: true, secrets, directory });
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
