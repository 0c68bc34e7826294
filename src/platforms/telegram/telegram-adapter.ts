// Telegram through grammY: commands in private chats, groups and channels (long polling, or webhook mode at
// POST /telegram/webhook), admin checks in groups, chat lifecycle (blocked, removed, upgraded to a supergroup), and
// alert sending with Bot API answers mapped to dispatcher outcomes.
import { Bot, GrammyError, HttpError, webhookCallback, type Context } from 'grammy';
import type { Chat } from 'grammy/types';
import { Hono } from 'hono';
import type { CommandHandler } from '../../core/command-service.js';
import type { Logger } from '../../logger.js';
import { PlatformUnauthorizedError, type ReportState } from '../platform-state.js';
import type { ChatKind, ChatRef, PlatformAdapter, SendOutcome } from '../port.js';
import { packLines, shorten } from '../../core/text.js';
import { MAX_MESSAGE_LENGTH, renderTelegramAlert, renderTelegramDigest } from './render-telegram.js';

export interface TelegramOptions {
  token: string;
  apiRoot: string;
  webhook?: { url: string; secret: string };
  log: Logger;
  /** Most one Bot API call may take before it counts as failed and is retried later (default 60 s). */
  timeoutSeconds?: number;
  /** Messages per second across all chats (default 30, the public Bot API's limit). */
  ratePerSecond?: number;
}

const COMMANDS = [
  { command: 'watch', description: 'Watch coins or fields: /watch bitcoin, /watch public_notices, /watch listings binance' },
  { command: 'unwatch', description: 'Stop watching: /unwatch bitcoin, /unwatch all' },
  { command: 'list', description: "This chat's subscriptions" },
  { command: 'mention', description: 'Ping @someone on high-severity alerts: /mention @oncall, /mention off' },
  { command: 'mute', description: 'Silence low-severity alerts for a while: /mute 2h, /mute 1d categories' },
  { command: 'unmute', description: 'End mutes: /unmute, /unmute categories' },
  { command: 'recent', description: 'The last recorded changes: /recent, /recent bitcoin 20' },
  { command: 'help', description: 'What this bot does, with examples' },
];
const ALLOWED_UPDATES = ['message', 'channel_post', 'my_chat_member'] as const;

export function createTelegramAdapter(options: TelegramOptions): PlatformAdapter {
  const log = options.log.child({ platform: 'telegram' });
  const bot = new Bot(options.token, { client: { apiRoot: options.apiRoot, timeoutSeconds: options.timeoutSeconds ?? 60 } });
  let installed = false;
  let report: ReportState | undefined;
  // Every Bot API call tells the connection state: an answer means connected, a network failure connecting, a 401 a
  // refused token. The state tracker logs only changes, so polling retries stay quiet.
  bot.api.config.use(async (call, method, payload, signal) => {
    try {
      const result = await call(method, payload, signal);
      report?.('connected');
      return result;
    } catch (error) {
      if (error instanceof HttpError) report?.('connecting', unreachable(error));
      // getMe is start()'s own call: a refusal there is reported by the caller, with when it tries again.
      else if (isRefusedToken(error) && method !== 'getMe') report?.('unauthorized', refusedToken(error).message);
      throw error;
    }
  });

  /** Why Telegram could not be reached, without the token (a network error can carry the request URL). */
  function unreachable(error: HttpError): string {
    const cause = error.error instanceof Error ? error.error.message : String(error.error);
    return `cannot reach Telegram at ${options.apiRoot}: ${cause}`.split(options.token).join('[token]');
  }

  function install(commands: CommandHandler): void {
    if (installed) return;
    installed = true;

    bot.command(['start', 'help', 'watch', 'unwatch', 'list', 'mention'], async (ctx) => {
      const name = /^\/([A-Za-z_]+)/.exec(ctx.msg.text ?? '')?.[1] ?? 'help';
      const reply = await commands.run({
        chat: chatRef(ctx.chat),
        name,
        args: typeof ctx.match === 'string' ? ctx.match : '',
        canManage: () => canManage(ctx, log),
        parseMention: (text) => (/^@[A-Za-z0-9_]{5,32}$/.test(text) ? text : undefined),
      });
      // A long /list can exceed Telegram's 4096 characters: send it as a few messages, never silence.
      for (const part of replyParts(reply)) await ctx.reply(part, { link_preview_options: { is_disabled: true } });
    });

    bot.on('my_chat_member', (ctx) => {
      const status = ctx.myChatMember.new_chat_member.status;
      if (status === 'kicked' || status === 'left') {
        commands.chatGone(chatRef(ctx.chat), status === 'kicked' ? 'bot was blocked or removed (kicked)' : 'bot left the chat');
      } else if (status === 'member' || status === 'administrator') {
        commands.chatReturned(chatRef(ctx.chat));
      }
    });

    bot.on('message:migrate_to_chat_id', (ctx) => {
      commands.chatMoved(chatRef(ctx.chat), String(ctx.msg.migrate_to_chat_id));
    });

    bot.catch((error) => {
      log.error({ err: error.error, update_id: error.ctx.update.update_id }, 'telegram update failed');
    });
  }

  async function sendHtml(chat: ChatRef, html: string): Promise<SendOutcome> {
    try {
      await bot.api.sendMessage(chat.platformChatId, html, { parse_mode: 'HTML', link_preview_options: { is_disabled: true } });
      return { kind: 'sent' };
    } catch (error) {
      return telegramOutcome(error);
    }
  }

  return {
    platform: 'telegram',
    limits: { perSecond: options.ratePerSecond ?? 30, perChatIntervalMs: 1000, perGroupPerMinute: 20 },

    send: (chat: ChatRef, alert) => sendHtml(chat, renderTelegramAlert(alert, { mention: chat.opsMention })),
    sendDigest: (chat: ChatRef, digest) => sendHtml(chat, renderTelegramDigest(digest)),

    routes(commands) {
      install(commands);
      if (!options.webhook) return [];
      const app = new Hono();
      app.post('/', webhookCallback(bot, 'hono', { secretToken: options.webhook.secret }));
      return [{ path: '/telegram/webhook', app }];
    },

    async start(commands, reportState) {
      install(commands);
      report = reportState;
      // One getMe per attempt (bot.init() would retry a network error forever, silently): the caller retries and reports.
      if (!bot.isInited()) {
        try {
          bot.botInfo = await bot.api.getMe();
        } catch (error) {
          if (isRefusedToken(error)) throw refusedToken(error);
          throw new Error(error instanceof HttpError ? unreachable(error) : error instanceof Error ? error.message : String(error));
        }
      }
      await bot.api.setMyCommands(COMMANDS);
      if (options.webhook) {
        await bot.api.setWebhook(options.webhook.url, {
          secret_token: options.webhook.secret,
          allowed_updates: [...ALLOWED_UPDATES],
        });
        log.info({ username: bot.botInfo.username, mode: 'webhook' }, 'telegram ready');
        return;
      }
      void bot.start({ allowed_updates: [...ALLOWED_UPDATES] }).catch((error: unknown) => {
        // A refused token was reported by the API hook; anything else (another instance polling: 409) is said here.
        if (!isRefusedToken(error)) {
          const description = error instanceof GrammyError ? `${error.error_code}: ${error.description}` : String(error);
          report?.('connecting', `polling stopped (${description}); restart coinsentry once no other instance polls this bot`);
        }
      });
      log.info({ username: bot.botInfo.username, mode: 'polling' }, 'telegram ready');
    },

    async stop() {
      if (bot.isRunning()) await bot.stop();
    },
  };
}

/** A plain-text reply in messages Telegram accepts (at most 10, enough for a full /list; the rest summarised). */
export function replyParts(reply: string | undefined): string[] {
  if (!reply) return [];
  const lines = reply.split('\n').map((line) => shorten(line, MAX_MESSAGE_LENGTH));
  return packLines(lines, MAX_MESSAGE_LENGTH, 10, (hidden) => `… ${hidden} more line${hidden === 1 ? '' : 's'} not shown`);
}

export function chatKind(type: Chat['type']): ChatKind {
  if (type === 'private') return 'private';
  if (type === 'channel') return 'channel';
  return 'group';
}

function chatRef(chat: Chat): ChatRef {
  const title = 'title' in chat ? chat.title : 'username' in chat && chat.username ? `@${chat.username}` : null;
  return { platform: 'telegram', platformChatId: String(chat.id), kind: chatKind(chat.type), title: title ?? null };
}

/** Private chats and channels: whoever can post may manage. Groups: administrators, including anonymous ones. */
async function canManage(ctx: Context, log: Logger): Promise<boolean> {
  const chat = ctx.chat;
  if (!chat || chat.type === 'private' || chat.type === 'channel') return true;
  if (ctx.msg?.sender_chat?.id === chat.id) return true;
  if (!ctx.from) return false;
  try {
    const member = await ctx.getChatMember(ctx.from.id);
    return member.status === 'creator' || member.status === 'administrator';
  } catch (error) {
    log.warn({ err: error, chat: chat.id }, 'could not check chat administrator status; refusing the change');
    return false;
  }
}

/** 401 (or 404 on getMe): Telegram does not know this token. */
function isRefusedToken(error: unknown): error is GrammyError {
  return error instanceof GrammyError && (error.error_code === 401 || error.error_code === 404);
}

function refusedToken(error: GrammyError): PlatformUnauthorizedError {
  return new PlatformUnauthorizedError('TELEGRAM_BOT_TOKEN', `Telegram refused the bot token (${error.error_code}: ${error.description})`);
}

/** Bot API answers → what the dispatcher should do. */
export function telegramOutcome(error: unknown): SendOutcome {
  if (error instanceof GrammyError) {
    const description = `${error.error_code}: ${error.description}`;
    if (error.error_code === 429) {
      const seconds = error.parameters.retry_after ?? 1;
      return { kind: 'retry', error: description, afterMs: seconds * 1000 };
    }
    if (error.parameters.migrate_to_chat_id !== undefined) {
      return { kind: 'chat_moved', newPlatformChatId: String(error.parameters.migrate_to_chat_id) };
    }
    if (error.error_code === 403) return { kind: 'chat_gone', reason: description };
    if (error.error_code === 400 && /chat not found|group chat was deleted|channel_private|peer_id_invalid/i.test(error.description)) {
      return { kind: 'chat_gone', reason: description };
    }
    if (error.error_code === 401 || error.error_code === 404) return { kind: 'platform_down', error: description };
    if (error.error_code >= 500) return { kind: 'retry', error: description };
    return { kind: 'rejected', error: description };
  }
  if (error instanceof HttpError) return { kind: 'retry', error: `network: ${error.message}` };
  return { kind: 'retry', error: error instanceof Error ? error.message : String(error) };
}
