// A minimal fake Telegram Bot API for the latency and fan-out benchmarks. Unlike test/fakes/telegram-fake.ts it
// stamps the arrival time of every sendMessage (for latency) and can enforce Telegram's rates, answering 429 with
// retry_after the way the real API does when a bot sends faster than 30 msg/s overall or 1 msg/s to one chat.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface EnforcedRates {
  /** Messages accepted in any sliding 1 s window, across every chat. */
  perSecond: number;
  /** Least spacing between two accepted messages to one chat. */
  perChatIntervalMs: number;
}

export interface FakeSend {
  chatId: string;
  /** performance.now() when the request reached the fake (headers received). */
  arrivedAt: number;
}

export class TelegramApiFake {
  readonly token = '123456:BENCH-TOKEN';
  apiRoot = '';
  /** Accepted sendMessage calls, in arrival order. */
  readonly sends: FakeSend[] = [];
  tooManyRequests = 0;
  onSend: ((send: FakeSend) => void) | undefined;
  private windowStart = 0;
  private readonly lastByChat = new Map<string, number>();
  private readonly pollers = new Set<() => void>();
  private readonly server = createServer((req, res) => void this.handle(req, res, performance.now()));

  constructor(private readonly rates?: EnforcedRates) {}

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

  private async handle(req: IncomingMessage, res: ServerResponse, arrivedAt: number): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const body = (raw ? JSON.parse(raw) : {}) as Record<string, unknown>;
    const reply = (status: number, payload: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(payload));
    };
    const ok = (result: unknown) => reply(200, { ok: true, result });
    const match = /^\/bot([^/]+)\/(\w+)$/.exec(req.url ?? '');
    if (!match || match[1] !== this.token) return reply(404, { ok: false, error_code: 404, description: 'Not Found' });

    switch (match[2]) {
      case 'getMe':
        return ok({ id: 4242, is_bot: true, first_name: 'coinsentry', username: 'coinsentry_bench_bot' });
      case 'getUpdates':
        await this.hold(Math.min(Number(body.timeout ?? 0), 1) * 1000);
        return ok([]);
      case 'deleteWebhook':
      case 'setMyCommands':
        return ok(true);
      case 'sendMessage': {
        const chatId = String(body.chat_id);
        const retryAfter = this.limited(chatId, arrivedAt);
        if (retryAfter !== undefined) {
          this.tooManyRequests += 1;
          return reply(429, {
            ok: false,
            error_code: 429,
            description: `Too Many Requests: retry after ${retryAfter}`,
            parameters: { retry_after: retryAfter },
          });
        }
        const send = { chatId, arrivedAt };
        this.sends.push(send);
        this.lastByChat.set(chatId, arrivedAt);
        this.onSend?.(send);
        return ok({ message_id: this.sends.length, date: Math.floor(Date.now() / 1000), chat: { id: Number(chatId), type: 'private' } });
      }
      default:
        return reply(400, { ok: false, error_code: 400, description: `Bad Request: method ${match[2]} not faked` });
    }
  }

  /** Seconds to wait when this send would break the enforced rates; undefined when it may go. */
  private limited(chatId: string, now: number): number | undefined {
    if (!this.rates) return undefined;
    const last = this.lastByChat.get(chatId);
    if (last !== undefined && now - last < this.rates.perChatIntervalMs) {
      return Math.max(1, Math.ceil((this.rates.perChatIntervalMs - (now - last)) / 1000));
    }
    while (this.windowStart < this.sends.length && this.sends[this.windowStart]!.arrivedAt <= now - 1000) this.windowStart += 1;
    if (this.sends.length - this.windowStart >= this.rates.perSecond) return 1;
    return undefined;
  }

  /** getUpdates long polling: nothing ever arrives, so hold the request up to `ms` (released on close). */
  private hold(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        this.pollers.delete(wake);
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.pollers.add(wake);
    });
  }
}
