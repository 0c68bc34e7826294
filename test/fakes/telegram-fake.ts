// A fake Telegram Bot API on 127.0.0.1 for the real grammY client: long polling (getUpdates), commands, admin checks
// (getChatMember) and sendMessage, with failures that can be queued per chat (429, 403, migrate_to_chat_id), and the
// Bot API's rate limits enforced on request (429 with retry_after beyond 30 messages a second, or one a second in a chat);
// presses of inline buttons (callback_query updates), their answers (answerCallbackQuery) and message edits (editMessageText).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface InlineButton {
  text: string;
  callback_data: string;
}

export interface SentMessage {
  chat_id: string;
  text: string;
  parse_mode?: string;
  link_preview_options?: { is_disabled?: boolean };
  reply_markup?: { inline_keyboard: InlineButton[][] };
  /** The id Telegram gave the message (set by the fake). */
  message_id: number;
  /** Edits applied so far (editMessageText), oldest first. */
  edits?: number;
}

/** answerCallbackQuery's body: the toast a press shows. */
export interface CallbackAnswer {
  callback_query_id: string;
  text?: string;
  show_alert?: boolean;
}

export interface ApiFailure {
  error_code: number;
  description: string;
  parameters?: { retry_after?: number; migrate_to_chat_id?: number };
}

export interface FakeChat {
  id: number;
  type: 'private' | 'group' | 'supergroup' | 'channel';
  title?: string;
}

export const BOT_USERNAME = 'coinsentry_test_bot';
const BOT_ID = 4242;

export class TelegramFake {
  readonly sent: SentMessage[] = [];
  readonly calls: Array<{ method: string; body: Record<string, unknown> }> = [];
  /** user id → status in every group (default `member`). */
  readonly memberStatus = new Map<number, string>();
  private readonly updates: Array<Record<string, unknown>> = [];
  private readonly failures = new Map<string, ApiFailure[]>();
  private readonly pollers = new Set<() => void>();
  /** sendMessage calls answered 429 because they broke `enforceLimits`. */
  tooMany = 0;
  private limits?: { perSecond: number; perChatMs: number };
  private readonly recentSends: number[] = [];
  private readonly lastSendTo = new Map<string, number>();
  /** callback_query id → its answer, once the bot answered it. */
  readonly answers = new Map<string, CallbackAnswer>();
  private nextQueryId = 1;
  private nextUpdateId = 1;
  private nextMessageId = 1;
  private server = createServer((req, res) => void this.handle(req, res));
  apiRoot = '';

  constructor(readonly token = '123456:TEST-TOKEN') {}

  async listen(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.apiRoot = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    for (const wake of this.pollers) wake();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Queues an update, as if a user had done something. */
  push(update: Record<string, unknown>): void {
    this.updates.push({ update_id: this.nextUpdateId++, ...update });
    for (const wake of this.pollers) wake();
  }

  /** A user types `text` in `chat`, without waiting for an answer. */
  type(chat: FakeChat, text: string, from = { id: 77, first_name: 'Ada' }): void {
    const command = /^\/\S+/.exec(text)?.[0] ?? '';
    const message = {
      message_id: this.nextMessageId++,
      date: Math.floor(Date.now() / 1000),
      chat,
      text,
      ...(chat.type === 'channel' ? { sender_chat: chat } : { from: { ...from, is_bot: false } }),
      ...(command && { entities: [{ type: 'bot_command', offset: 0, length: command.length }] }),
    };
    this.push(chat.type === 'channel' ? { channel_post: message } : { message });
  }

  /** A user types `text` in `chat`; resolves with the bot's next plain-text reply there. */
  async say(chat: FakeChat, text: string, from = { id: 77, first_name: 'Ada' }): Promise<string> {
    const before = this.sent.length;
    this.type(chat, text, from);
    const reply = await this.waitFor((m) => m.chat_id === String(chat.id) && m.parse_mode === undefined, before);
    return reply.text;
  }

  /**
   * A user presses the inline button whose callback_data is `data` under a message the bot sent; resolves with the
   * bot's answer (the toast), after which the message holds any edit that came before it.
   */
  async press(message: SentMessage, data: string, from: { id: number; first_name: string; username?: string }, chat?: FakeChat): Promise<CallbackAnswer> {
    const id = String(this.nextQueryId++);
    const where: FakeChat = chat ?? { id: Number(message.chat_id), type: Number(message.chat_id) < 0 ? 'supergroup' : 'private', title: 'Ops desk' };
    this.push({
      callback_query: {
        id,
        from: { ...from, is_bot: false },
        chat_instance: `instance-${where.id}`,
        data,
        message: { message_id: message.message_id, date: Math.floor(Date.now() / 1000), chat: where, text: message.text },
      },
    });
    const deadline = Date.now() + 5000;
    for (;;) {
      const answer = this.answers.get(id);
      if (answer) return answer;
      if (Date.now() > deadline) throw new Error('the bot did not answer the callback query in time');
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  /** Messages with HTML parse mode (alerts) sent to a chat. */
  alerts(chatId: string | number): SentMessage[] {
    return this.sent.filter((m) => m.chat_id === String(chatId) && m.parse_mode === 'HTML');
  }

  /** From now on, answers sendMessage with 429 beyond `perSecond` messages in any second, or two within `perChatMs` to one chat. */
  enforceLimits(limits: { perSecond: number; perChatMs: number }): void {
    this.limits = limits;
  }

  /** The 429 Telegram gives a send over the limits, or undefined when it is within them (and then it is counted). */
  private overLimit(chatId: string): ApiFailure | undefined {
    if (!this.limits) return undefined;
    const now = performance.now();
    while (this.recentSends.length > 0 && this.recentSends[0]! <= now - 1000) this.recentSends.shift();
    const last = this.lastSendTo.get(chatId);
    if (this.recentSends.length >= this.limits.perSecond || (last !== undefined && now - last < this.limits.perChatMs)) {
      this.tooMany += 1;
      return { error_code: 429, description: 'Too Many Requests: retry after 1', parameters: { retry_after: 1 } };
    }
    this.recentSends.push(now);
    this.lastSendTo.set(chatId, now);
    return undefined;
  }

  failNext(chatId: string | number, failure: ApiFailure): void {
    const queue = this.failures.get(String(chatId)) ?? [];
    queue.push(failure);
    this.failures.set(String(chatId), queue);
  }

  async waitFor(match: (m: SentMessage) => boolean, from = 0, timeoutMs = 5000): Promise<SentMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.sent.slice(from).find(match);
      if (found) return found;
      if (Date.now() > deadline) throw new Error('the bot sent no matching message in time');
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const match = /^\/bot([^/]+)\/(\w+)$/.exec(req.url ?? '');
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const body = (raw ? JSON.parse(raw) : {}) as Record<string, unknown>;
    const reply = (status: number, payload: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(payload));
    };
    if (!match || match[1] !== this.token) return reply(404, { ok: false, error_code: 404, description: 'Not Found' });
    const method = match[2]!;
    this.calls.push({ method, body });
    const ok = (result: unknown) => reply(200, { ok: true, result });

    switch (method) {
      case 'getMe':
        return ok({ id: BOT_ID, is_bot: true, first_name: 'coinsentry', username: BOT_USERNAME, can_join_groups: true });
      case 'getUpdates':
        return ok(await this.poll(Number(body.offset ?? 0), Number(body.timeout ?? 0)));
      case 'deleteWebhook':
      case 'setWebhook':
      case 'setMyCommands':
        return ok(true);
      case 'getChatMember': {
        const userId = Number(body.user_id);
        return ok({ status: this.memberStatus.get(userId) ?? 'member', user: { id: userId, is_bot: false, first_name: 'U' } });
      }
      case 'sendMessage': {
        const chatId = String(body.chat_id);
        const failure = this.failures.get(chatId)?.shift() ?? this.overLimit(chatId);
        if (failure) return reply(failure.error_code, { ok: false, ...failure });
        const messageId = this.nextMessageId++;
        this.sent.push({ ...(body as unknown as SentMessage), chat_id: chatId, message_id: messageId });
        return ok({ message_id: messageId, date: Math.floor(Date.now() / 1000), chat: { id: Number(chatId), type: 'private' }, text: body.text });
      }
      case 'answerCallbackQuery': {
        const text = typeof body.text === 'string' ? body.text : undefined;
        if (text !== undefined && text.length > 200) return reply(400, { ok: false, error_code: 400, description: 'Bad Request: message is too long' });
        this.answers.set(String(body.callback_query_id), body as unknown as CallbackAnswer);
        return ok(true);
      }
      case 'editMessageText': {
        const message = this.sent.find((m) => m.chat_id === String(body.chat_id) && m.message_id === Number(body.message_id));
        if (!message) return reply(400, { ok: false, error_code: 400, description: 'Bad Request: message to edit not found' });
        const next = { text: String(body.text), reply_markup: body.reply_markup as SentMessage['reply_markup'] };
        if (next.text === message.text && JSON.stringify(next.reply_markup) === JSON.stringify(message.reply_markup)) {
          return reply(400, { ok: false, error_code: 400, description: 'Bad Request: message is not modified: specified new message content and reply markup are exactly the same' });
        }
        Object.assign(message, next, { parse_mode: body.parse_mode, edits: (message.edits ?? 0) + 1 });
        return ok({ message_id: message.message_id, date: Math.floor(Date.now() / 1000), chat: { id: Number(message.chat_id), type: 'private' }, text: message.text });
      }
      default:
        return reply(400, { ok: false, error_code: 400, description: `Bad Request: method ${method} not faked` });
    }
  }

  /** getUpdates: answers at once when updates are waiting, else holds the request briefly (long polling). */
  private async poll(offset: number, timeoutSeconds: number): Promise<unknown[]> {
    const pending = () => this.updates.filter((u) => Number(u.update_id) >= offset);
    if (pending().length === 0 && timeoutSeconds > 0) {
      await new Promise<void>((resolve) => {
        const wake = () => {
          this.pollers.delete(wake);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(wake, Math.min(timeoutSeconds * 1000, 250));
        this.pollers.add(wake);
      });
    }
    return pending();
  }
}
