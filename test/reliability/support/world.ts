// The whole bot in-process with all three platforms: the real adapters (grammY, discord.js, @slack/web-api) talk to the
// fake platform servers of test/fakes through a FaultProxy each, so a test can reset, stall or refuse any platform's
// requests per chat and count what reached the platform. A fresh SQLite file with the real migrations, logs kept in
// memory, webhooks posted in-process with app.request().
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createBot, type Bot } from '../../../src/bot.js';
import { parseConfig, type Config } from '../../../src/config.js';
import { applySubscriptionChanges, ensureChat } from '../../../src/db/chats.js';
import { openDatabase, type Db } from '../../../src/db/open-database.js';
import type { BackoffOptions } from '../../../src/delivery/backoff.js';
import { createLogger, secretsOf } from '../../../src/logger.js';
import { createDiscordAdapter } from '../../../src/platforms/discord/discord-adapter.js';
import type { ChatKind, PlatformAdapter } from '../../../src/platforms/port.js';
import { createSlackAdapter } from '../../../src/platforms/slack/slack-adapter.js';
import { createTelegramAdapter } from '../../../src/platforms/telegram/telegram-adapter.js';
import { signWebhook } from '../../../src/sources/coingecko/verify-signature.js';
import { FAKE, startDiscordFake, type DiscordFake } from '../../fakes/discord-fake.js';
import { SlackFake } from '../../fakes/slack-fake.js';
import { TelegramFake } from '../../fakes/telegram-fake.js';
import { FaultProxy, discordChatOf, slackChatOf, telegramChatOf } from './fault-proxy.js';

export type Platform = 'telegram' | 'discord' | 'slack';
export const PLATFORMS: readonly Platform[] = ['telegram', 'discord', 'slack'];

/** Recognisable credentials: no log line may ever contain them. */
export const CREDENTIALS = {
  webhookSecret: 'whsec_RELIABILITY-webhook-secret-9f1c',
  telegramToken: '777000111:RELIABILITY-telegram-token-AAbbCC',
  discordToken: 'RELIABILITY-discord-token.MTA0.xyz987',
  slackToken: 'xoxb-RELIABILITY-slack-token-4242',
  slackSigningSecret: 'RELIABILITY-slack-signing-secret-8d2e',
} as const;

export interface WorldOptions {
  platforms?: readonly Platform[];
  /** How long a write waits for another connection's lock before the webhook answers 503. */
  busyTimeoutMs?: number;
  maxAttempts?: number;
  backoff?: BackoffOptions;
  sweepMs?: number;
  /** Per-request timeout of every platform client. */
  clientTimeoutMs?: number;
  clock?: () => number;
  /** Scrub configured secrets from log lines, as main.ts does (default). Off: see what the code itself would write. */
  scrubSecrets?: boolean;
}

export interface World {
  db: Db;
  path: string;
  readonly bot: Bot;
  config: Config;
  /** Every log line, as written (JSON), scrubbed of configured secrets exactly as in production. */
  lines: string[];
  telegram: { fake: TelegramFake; proxy: FaultProxy };
  discord: { fake: DiscordFake; proxy: FaultProxy };
  slack: { fake: SlackFake; proxy: FaultProxy };
  /** Creates the chat if needed and subscribes it to `coinId` (every field by default). Returns the chat row id. */
  watch(platform: Platform, platformChatId: string, coinId: string, options?: { field?: string; kind?: ChatKind }): number;
  /** POSTs a webhook signed with the configured secret and the current time. */
  post(body: string, eventId?: string): Promise<Response>;
  /** Alert messages the fake platform accepted for a chat. */
  delivered(platform: Platform, platformChatId: string): number;
  /** The proxy in front of a platform. */
  proxy(platform: Platform): FaultProxy;
  /** Stops the bot (as a graceful shutdown does) and starts a new one on the same database, as after a restart. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

let sequence = 0;

export async function startWorld(options: WorldOptions = {}): Promise<World> {
  const platforms = options.platforms ?? PLATFORMS;
  const dir = mkdtempSync(join(tmpdir(), 'coinsentry-reliability-'));
  const path = join(dir, 'coinsentry.db');
  const db = openDatabase(path, { busyTimeoutMs: options.busyTimeoutMs ?? 5000 });

  const telegramFake = await new TelegramFake(CREDENTIALS.telegramToken).listen();
  const telegramProxy = await new FaultProxy(telegramFake.apiRoot, telegramChatOf).listen();
  const discordFake = await startDiscordFake({ token: CREDENTIALS.discordToken, anyChannel: true });
  const discordProxy = await new FaultProxy(discordFake.apiBase.replace(/\/api$/, ''), discordChatOf).listen();
  const slackFake = await new SlackFake(CREDENTIALS.slackToken).listen();
  const slackProxy = await new FaultProxy(slackFake.apiUrl.replace(/\/api\/$/, ''), slackChatOf).listen();

  const env: Record<string, string> = {
    COINGECKO_WEBHOOK_SECRET: CREDENTIALS.webhookSecret,
    DELIVERY_MAX_ATTEMPTS: String(options.maxAttempts ?? 10),
    DATABASE_PATH: path,
    ...(platforms.includes('telegram') && { TELEGRAM_BOT_TOKEN: CREDENTIALS.telegramToken, TELEGRAM_API_ROOT: telegramProxy.url }),
    ...(platforms.includes('discord') && {
      DISCORD_BOT_TOKEN: CREDENTIALS.discordToken,
      DISCORD_API_BASE: `${discordProxy.url}/api`,
      DISCORD_GUILD_ID: FAKE.guildId,
    }),
    ...(platforms.includes('slack') && {
      SLACK_BOT_TOKEN: CREDENTIALS.slackToken,
      SLACK_SIGNING_SECRET: CREDENTIALS.slackSigningSecret,
      SLACK_API_URL: `${slackProxy.url}/api/`,
    }),
  };
  const config = parseConfig(env);
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      callback();
    },
  });
  // As main.ts makes it: every configured secret is scrubbed from finished lines.
  const log = createLogger('debug', stream, options.scrubSecrets === false ? [] : secretsOf(config));
  const timeoutMs = options.clientTimeoutMs ?? 10_000;
  const makeBot = async (): Promise<Bot> => {
    const adapters: PlatformAdapter[] = [];
    if (config.telegram) {
      adapters.push(createTelegramAdapter({ ...config.telegram, log, timeoutSeconds: Math.max(1, Math.ceil(timeoutMs / 1000)) }));
    }
    if (config.discord) adapters.push(createDiscordAdapter({ ...config.discord, log, restTimeoutMs: timeoutMs }));
    if (config.slack) adapters.push(createSlackAdapter({ ...config.slack, log, requestTimeoutMs: timeoutMs }));
    const made = createBot({
      db,
      config,
      log,
      adapters,
      sweepMs: options.sweepMs ?? 200,
      backoff: options.backoff ?? { baseMs: 100, maxMs: 400 },
      ...(options.clock && { clock: options.clock }),
    });
    await made.start();
    return made;
  };
  let bot = await makeBot();

  const world: World = {
    db,
    path,
    get bot() {
      return bot;
    },
    config,
    lines,
    telegram: { fake: telegramFake, proxy: telegramProxy },
    discord: { fake: discordFake, proxy: discordProxy },
    slack: { fake: slackFake, proxy: slackProxy },
    watch(platform, platformChatId, coinId, { field = '*', kind = 'group' } = {}) {
      const chat = ensureChat(db, { platform, platformChatId, kind });
      applySubscriptionChanges(db, chat.id, [{ coinId, field }], []);
      return chat.id;
    },
    async post(body, eventId) {
      sequence += 1;
      const id = eventId ?? `evt-rel-${process.pid}-${sequence}`;
      const timestamp = String(Math.floor((options.clock ?? Date.now)() / 1000));
      return world.bot.app.request('/webhooks/coingecko', {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-cg-timestamp': timestamp,
          'x-cg-event-id': id,
          'x-cg-signature': signWebhook(CREDENTIALS.webhookSecret, timestamp, id, body),
        },
        body,
      });
    },
    delivered(platform, platformChatId) {
      if (platform === 'telegram') return telegramFake.alerts(platformChatId).length;
      if (platform === 'discord') return discordFake.messages(platformChatId).length;
      return slackFake.alerts(platformChatId).length;
    },
    proxy: (platform) => ({ telegram: telegramProxy, discord: discordProxy, slack: slackProxy })[platform],
    async restart() {
      await bot.stop();
      bot = await makeBot();
    },
    async close() {
      await bot.stop();
      await Promise.allSettled([telegramProxy.close(), discordProxy.close(), slackProxy.close()]);
      await Promise.allSettled([telegramFake.close(), discordFake.close(), slackFake.close()]);
      try {
        db.$client.close();
      } catch {
        // closed by the test
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return world;
}

/** A `cg.coin.info.updated` body: one name change of `coinId` (a medium-severity alert). */
export function nameChange(coinId: string, name = `Coin ${coinId}`): string {
  return JSON.stringify({
    event_type: 'cg.coin.info.updated',
    data: {
      id: coinId,
      symbol: 'rel',
      name,
      changes: [{ field: 'name', change_type: 'update', old_value: `${name} (old)`, new_value: name }],
    },
  });
}

/** Outbox rows by status. */
export function outboxCounts(db: Db): Record<string, number> {
  const rows = db.$client.prepare('select status, count(*) as n from deliveries group by status').all() as Array<{ status: string; n: number }>;
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}

/** Polls `check` every 20 ms until it holds; fails with `what` after `timeoutMs`. */
export async function until(check: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Platform ids that look real: Telegram numbers, Discord snowflakes, Slack channel ids. */
export function chatId(platform: Platform, n: number): string {
  if (platform === 'telegram') return String(-1_000_000_000 - n);
  if (platform === 'discord') return String(1_310_000_000_000_000_000n + BigInt(n));
  return `C0REL${String(n).padStart(6, '0')}`;
}
