// Telegram through grammY: commands in private chats, groups and channels (long polling, or webhook mode at
// POST /telegram/webhook), admin checks in groups, chat lifecycle (blocked, removed, upgraded to a supergroup), and
// alert sending with Bot API answers mapped to dispatcher outcomes.
import { Bot, GrammyError, HttpError, webhookCallback, type Context } from 'grammy';
import type { Chat, InlineKeyboardMarkup, User } from 'grammy/types';
import { createHash, timingSafeEqual } from 'node:crypto';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { CHAT_COMMANDS, HANDLED_NAMES } from '../../core/commands.js';
import type { PressResult } from '../../core/alert-press.js';
import type { Logger } from '../../logger.js';
import { PlatformUnauthorizedError, type ReportState } from '../platform-state.js';
import type { ChatKind, ChatRef, Intake, PlatformAdapter, RateLimits, ReplyLane, SendOutcome } from '../port.js';
import { packLines, shorten } from '../../core/text.js';
import { MAX_MESSAGE_LENGTH, renderTelegramAlert, renderTelegramDigest, telegramKeyboard } from './render-telegram.js';

export interface TelegramOptions {
  token: string;
  apiRoot: string;
  webhook?: { url: string; secret: string };
  log: Logger;
  /** Most one Bot API call may take before it counts as failed and is retried later (default 60 s). */
  timeoutSeconds?: number;
  /** Messages per second across all chats (default 30, the public Bot API's limit). */
  ratePerSecond?: number;
  /**
   * Pacing per chat (default Telegram's: one message a second in a chat, 20 a minute in a group). Tests that type
   * many commands into one chat relax it; alerts and replies always share it.
   */
  chatLimits?: Pick<RateLimits, 'perChatIntervalMs' | 'perGroupPerMinute'>;
  /** Milliseconds since the epoch; times the administrator cache. */
  clock?: () => number;
}

/** The menu Telegram shows under "/": every declared command, in declaration order (aliases such as /start are not listed). */
export const TELEGRAM_MENU = CHAT_COMMANDS.map((c) => ({ command: c.name, description: c.summary }));
/** The one line a private chat gets for text that is not one of our commands. */
export const HELP_POINTER = 'I only understand commands. /help lists them, with examples.';
const ALLOWED_UPDATES = ['message', 'channel_post', 'my_chat_member', 'callback_query'] as const;

export function createTelegramAdapter(options: TelegramOptions): PlatformAdapter {
  const log = options.log.child({ platform: 'telegram' });
  const bot = new Bot(options.token, { client: { apiRoot: options.apiRoot, timeoutSeconds: options.timeoutSeconds ?? 60 } });
  let installed = false;
  const admins = adminCheck(log, options.clock ?? Date.now);
  const canManage = admins.command;
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

  /**
   * Sends reply messages through the lane, one after another, without holding the update: grammY handles updates one
   * at a time, so waiting here for a slot would stall every other chat's commands behind one busy group.
   */
  function answer(replies: ReplyLane, ctx: Context, parts: readonly string[], extra: Parameters<Context['reply']>[1] = {}): void {
    const chat = chatRef(ctx.chat!);
    const attempt = (part: string) => () => ctx.reply(part, extra).then(SENT, telegramOutcome);
    void parts.reduce<Promise<unknown>>((previous, part) => previous.then(() => replies.send(chat, attempt(part))), Promise.resolve());
  }

  function install({ commands, replies }: Intake): void {
    if (installed) return;
    installed = true;

    bot.command([...HANDLED_NAMES], async (ctx) => {
      const name = /^\/([A-Za-z_]+)/.exec(ctx.msg.text ?? ctx.msg.caption ?? '')?.[1] ?? 'help';
      const reply = await commands.run({
        chat: chatRef(ctx.chat),
        name,
        args: typeof ctx.match === 'string' ? ctx.match : '',
        canManage: () => canManage(ctx),
        parseMention: (text) => (/^@[A-Za-z0-9_]{5,32}$/.test(text) ? text : undefined),
        publicReply: ctx.chat.type !== 'private',
        ...(ctx.from && { senderId: String(ctx.from.id) }),
      });
      // In a group the reply answers the command's message, so a busy chat sees what it answers. A long /list can
      // exceed Telegram's 4096 characters: it goes as a few messages, never silence.
      const answering = ctx.chat.type === 'private' ? {} : { reply_parameters: { message_id: ctx.msg.message_id, allow_sending_without_reply: true } };
      const parts = ctx.chat.type === 'private' ? replyParts(reply) : replyParts(reply, GROUP_REPLY_MESSAGES);
      answer(replies, ctx, parts, { link_preview_options: { is_disabled: true }, ...answering });
    });

    // Anything else typed in a private chat (plain text, another bot's command) gets a pointer to /help. In groups and
    // channels the bot stays silent: other people's conversation and other bots' commands are normal there.
    bot.chatType('private').on('message:text', (ctx) => answer(replies, ctx, [HELP_POINTER]));

    // A press of an alert button: the alert is edited in place to show what was done, then the press is answered with a
    // toast (Telegram shows a spinner until then), whatever became of the edit.
    bot.on('callback_query:data', async (ctx) => {
      const message = ctx.callbackQuery.message;
      if (!ctx.chat || !message) return void (await ctx.answerCallbackQuery());
      const result = await commands.press({
        payload: ctx.callbackQuery.data,
        chat: chatRef(ctx.chat),
        user: { id: String(ctx.from.id), name: displayName(ctx.from) },
        canManage: () => admins.press(ctx),
      });
      try {
        if (result.edit) await edit(ctx.chat.id, message.message_id, result.edit);
      } finally {
        await ctx.answerCallbackQuery({ text: result.toast });
      }
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

  function sendHtml(chat: ChatRef, html: string, keyboard?: InlineKeyboardMarkup): Promise<SendOutcome> {
    const markup = keyboard?.inline_keyboard.length ? { reply_markup: keyboard } : {};
    return bot.api.sendMessage(chat.platformChatId, html, { parse_mode: 'HTML', link_preview_options: { is_disabled: true }, ...markup }).then(SENT, telegramOutcome);
  }

  /** The pressed message, drawn again with its new controls. "Not modified" (a double tap's second edit) is fine. */
  async function edit(chatId: number, messageId: number, { message, mention }: NonNullable<PressResult['edit']>): Promise<void> {
    const [html, controls] =
      message.kind === 'alert' ? [renderTelegramAlert(message.alert, { mention }), message.alert.controls] : [renderTelegramDigest(message.digest), message.digest.controls];
    try {
      await bot.api.editMessageText(chatId, messageId, html, {
        parse_mode: 'HTML',
        link_preview_options: { is_disabled: true },
        reply_markup: telegramKeyboard(controls) ?? { inline_keyboard: [] },
      });
    } catch (error) {
      if (!(error instanceof GrammyError && /message is not modified/i.test(error.description))) throw error;
    }
  }

  return {
    platform: 'telegram',
    limits: { perSecond: options.ratePerSecond ?? 30, ...(options.chatLimits ?? { perChatIntervalMs: 1000, perGroupPerMinute: 20 }) },

    send: (chat: ChatRef, alert) => sendHtml(chat, renderTelegramAlert(alert, { mention: chat.opsMention }), telegramKeyboard(alert.controls)),
    sendDigest: (chat: ChatRef, digest) => sendHtml(chat, renderTelegramDigest(digest), telegramKeyboard(digest.controls)),
    sendNotice: (chat, text) =>
      bot.api.sendMessage(chat.platformChatId, shorten(text, MAX_MESSAGE_LENGTH), { link_preview_options: { is_disabled: true } }).then(SENT, telegramOutcome),

    routes(intake) {
      install(intake);
      if (!options.webhook) return [];
      return [{ path: '/telegram/webhook', app: webhookRoute(bot, options.webhook.secret) }];
    },

    async start(intake) {
      install(intake);
      report = intake.report;
      // One getMe per attempt (bot.init() would retry a network error forever, silently): the caller retries and reports.
      if (!bot.isInited()) {
        try {
          bot.botInfo = await bot.api.getMe();
        } catch (error) {
          if (isRefusedToken(error)) throw refusedToken(error);
          throw new Error(error instanceof HttpError ? unreachable(error) : error instanceof Error ? error.message : String(error));
        }
      }
      await bot.api.setMyCommands(TELEGRAM_MENU);
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

const SENT = (): SendOutcome => ({ kind: 'sent' });

/** Telegram's updates are a few kilobytes; a larger body is not from Telegram. */
export const UPDATE_MAX_BYTES = 1024 * 1024;

/**
 * POST /telegram/webhook: the secret header first, in constant time (an unauthenticated request costs nothing and never
 * reaches grammY, which would call getMe), then the size (413 over 1 MiB), then 503 until the bot knows who it is
 * (start() has run getMe; Telegram retries), and only then grammY's handler.
 */
function webhookRoute(bot: Bot, secret: string): Hono {
  const app = new Hono();
  const expected = createHash('sha256').update(secret).digest();
  const handle = webhookCallback(bot, 'hono');
  app.post(
    '/',
    async (c, next) => {
      const given = createHash('sha256').update(c.req.header('x-telegram-bot-api-secret-token') ?? '').digest();
      if (!timingSafeEqual(given, expected)) return c.json({ error: 'wrong or missing secret token' }, 401);
      await next();
    },
    bodyLimit({ maxSize: UPDATE_MAX_BYTES, onError: (c) => c.json({ error: `update larger than ${UPDATE_MAX_BYTES} bytes` }, 413) }),
    (c) => (bot.isInited() ? handle(c) : c.json({ error: 'the bot is starting; Telegram will retry' }, 503)),
  );
  return app;
}

/** In a group a reply takes at most this many messages: a long /list must not flood everyone's chat. */
export const GROUP_REPLY_MESSAGES = 2;

/**
 * A plain-text reply in messages Telegram accepts: at most `maxMessages` (10 in a private chat, enough for a full /list
 * of 500; 2 in a group), the rest summarised with a pointer to /list's filter.
 */
export function replyParts(reply: string | undefined, maxMessages = 10): string[] {
  if (!reply) return [];
  const lines = reply.split('\n').map((line) => shorten(line, MAX_MESSAGE_LENGTH));
  return packLines(
    lines,
    MAX_MESSAGE_LENGTH,
    maxMessages,
    (hidden) => `… ${hidden} more line${hidden === 1 ? '' : 's'} not shown here; /list <coin-id|field> shows part of the list.`,
  );
}

export function chatKind(type: Chat['type']): ChatKind {
  if (type === 'private') return 'private';
  if (type === 'channel') return 'channel';
  return 'group';
}

/** `Ada Lovelace`, as an acknowledgement names who took the alert (`@username` when there is no name). */
function displayName(user: User): string {
  const name = [user.first_name, user.last_name].filter(Boolean).join(' ').trim();
  return name || (user.username ? `@${user.username}` : String(user.id));
}

function chatRef(chat: Chat): ChatRef {
  const title = 'title' in chat ? chat.title : 'username' in chat && chat.username ? `@${chat.username}` : null;
  return { platform: 'telegram', platformChatId: String(chat.id), kind: chatKind(chat.type), title: title ?? null };
}

/** How long a getChatMember answer is trusted, and how many are kept: a burst of commands costs one call per person. */
const ADMIN_CACHE_MS = 60_000;
const ADMIN_CACHE_MAX = 10_000;

/**
 * Commands: in private chats and channels whoever can post may manage; in groups administrators, including anonymous
 * ones. Button presses: in a private chat its owner; elsewhere administrators only (in a channel every subscriber can
 * press a button). Administrators are asked with getChatMember at most once a minute per (chat, person).
 */
function adminCheck(log: Logger, clock: () => number): { command: (ctx: Context) => Promise<boolean>; press: (ctx: Context) => Promise<boolean> } {
  const known = new Map<string, { admin: boolean; until: number }>();
  const command = async (ctx: Context) => {
    const chat = ctx.chat;
    if (!chat || chat.type === 'private' || chat.type === 'channel') return true;
    if (ctx.msg?.sender_chat?.id === chat.id) return true;
    return isAdmin(ctx);
  };
  const press = async (ctx: Context) => (ctx.chat?.type === 'private' ? true : isAdmin(ctx));
  return { command, press };

  async function isAdmin(ctx: Context): Promise<boolean> {
    const chat = ctx.chat;
    if (!chat || !ctx.from) return false;
    const key = `${chat.id}:${ctx.from.id}`;
    const cached = known.get(key);
    if (cached && cached.until > clock()) return cached.admin;
    try {
      const member = await ctx.getChatMember(ctx.from.id);
      const admin = member.status === 'creator' || member.status === 'administrator';
      if (known.size >= ADMIN_CACHE_MAX) known.delete(known.keys().next().value!);
      known.delete(key);
      known.set(key, { admin, until: clock() + ADMIN_CACHE_MS });
      return admin;
    } catch (error) {
      log.warn({ err: error, chat: chat.id }, 'could not check chat administrator status; refusing the change');
      return false;
    }
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

