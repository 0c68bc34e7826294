// The real bot wired in-process for the latency and fan-out benchmarks: createBot with the real Telegram adapter
// (grammY) pointed at a fake Bot API, on a temp SQLite file, served on 127.0.0.1 by @hono/node-server. Logs are
// produced at the production level (info) and thrown away, so their cost is counted but they do not flood the output.
import { join } from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import { createBot, type Bot } from '../src/bot.js';
import { parseConfig } from '../src/config.js';
import { openDatabase, type Db } from '../src/db/open-database.js';
import { createLogger } from '../src/logger.js';
import type { PlatformAdapter } from '../src/platforms/port.js';
import { createTelegramAdapter } from '../src/platforms/telegram/telegram-adapter.js';
import { makeTempDir, removeTempDir } from './child-processes.js';
import { BENCH_SECRET, WEBHOOK_PATH } from './signed-webhooks.js';

export interface InProcessBot {
  bot: Bot;
  db: Db;
  adapter: PlatformAdapter;
  baseUrl: string;
  /** performance.now() when the app produced the 200 for each event id (after the commit). */
  acceptedAt: Map<string, number>;
  close(): Promise<void>;
}

/** Opens a temp database and lets `seed` fill it, then starts the bot and its HTTP server. */
export async function startInProcessBot(
  telegram: { token: string; apiRoot: string },
  seed: (db: Db) => void,
): Promise<InProcessBot> {
  const dir = makeTempDir('bot');
  const db = openDatabase(join(dir, 'bot.db'));
  let bot: Bot | undefined;
  let server: ServerType | undefined;
  const close = async () => {
    await bot?.stop();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    db.$client.close();
    removeTempDir(dir);
  };
  try {
    seed(db);
    const config = parseConfig({ COINGECKO_WEBHOOK_SECRET: BENCH_SECRET, LOG_LEVEL: 'info' });
    const log = createLogger(config.logLevel, { write: () => {} });
    const adapter = createTelegramAdapter({ ...telegram, log: log.child({ platform: 'telegram' }) });
    bot = createBot({ db, config, log, adapters: [adapter] });
    await bot.start();
    const acceptedAt = new Map<string, number>();
    const app = bot.app;
    const port = await new Promise<number>((resolve) => {
      server = serve(
        {
          fetch: async (request: Request) => {
            const response = await app.fetch(request);
            if (response.status === 200 && request.url.endsWith(WEBHOOK_PATH)) {
              acceptedAt.set(request.headers.get('x-cg-event-id') ?? '', performance.now());
            }
            return response;
          },
          port: 0,
          hostname: '127.0.0.1',
        },
        (info) => resolve(info.port),
      );
    });
    const baseUrl = `http://127.0.0.1:${port}`;
    return { bot, db, adapter, baseUrl, acceptedAt, close };
  } catch (error) {
    await close();
    throw error;
  }
}
