// A fake Telegram Bot API on 127.0.0.1 for the real grammY client: long polling (getUpdates), commands, admin checks
// (getChatMember) and sendMessage, with failures that can be queued per chat (429, 403, migrate_to_chat_id), and the
// Bot API's rate limits enforced on request (429 with retry_after beyond 30 messages a second, or one a second in a chat).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SentMessage {
  chat_id: string;
  text: string;
  parse_mode?: string;
  link_preview_options?: { is_disabled?: boolean };
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
        this.sent.push({ ...(body as unknown as SentMessage), chat_id: chatId });
        return ok({ message_id: this.nextMessageId++, date: Math.floor(Date.now() / 1000), chat: { id: Number(chatId), type: 'private' }, text: body.text });
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
