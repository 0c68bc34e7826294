// Minimal fakes of the Slack Web API and Discord's REST API for the fan-out benchmark: each accepts the one call that
// posts an alert (chat.postMessage; POST /channels/{id}/messages), stamps its arrival, and enforces the shape of that
// platform's limit, answering 429 the way the platform does when it is broken:
// - Slack: 1 message per second per channel (chat.postMessage's documented limit), and an overall cap per second;
// - Discord: 50 requests per second per bot (global) and 5 messages per 5 s per channel (the message route's bucket).
// Windows are sliding, by arrival time. Discord's gateway is not faked: the bot logs that its slash commands are
// unavailable and sends alerts over REST, as it does when the gateway is unreachable.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Window {
  /** Most requests accepted in any sliding window of `windowMs`. */
  max: number;
  windowMs: number;
}

export interface Arrival {
  chatId: string;
  arrivedAt: number;
}

/** Sliding-window counters over arrival times: overall and per chat. */
class Enforcer {
  readonly accepted: Arrival[] = [];
  tooManyRequests = 0;
  private readonly byChat = new Map<string, number[]>();

  constructor(
    private readonly overall: Window,
    private readonly perChat: Window,
  ) {}

  /** Milliseconds until this send would be allowed, or 0 when it is accepted (and counted). */
  take(chatId: string, now: number): { retryAfterMs: number; global: boolean } {
    const recent = this.byChat.get(chatId) ?? [];
    const inChatWindow = recent.filter((t) => now - t < this.perChat.windowMs);
    if (inChatWindow.length >= this.perChat.max) {
      this.tooManyRequests += 1;
      return { retryAfterMs: inChatWindow[inChatWindow.length - this.perChat.max]! + this.perChat.windowMs - now, global: false };
    }
    let inWindow = 0;
    for (let i = this.accepted.length - 1; i >= 0 && now - this.accepted[i]!.arrivedAt < this.overall.windowMs; i -= 1) inWindow += 1;
    if (inWindow >= this.overall.max) {
      this.tooManyRequests += 1;
      const oldest = this.accepted[this.accepted.length - this.overall.max]!.arrivedAt;
      return { retryAfterMs: oldest + this.overall.windowMs - now, global: true };
    }
    inChatWindow.push(now);
    this.byChat.set(chatId, inChatWindow);
    this.accepted.push({ chatId, arrivedAt: now });
    return { retryAfterMs: 0, global: false };
  }
}

abstract class RateLimitedFake {
  readonly enforcer: Enforcer;
  protected readonly server = createServer((req, res) => void this.receive(req, res, performance.now()));
  protected port = 0;

  constructor(overall: Window, perChat: Window) {
    this.enforcer = new Enforcer(overall, perChat);
  }

  get sends(): readonly Arrival[] {
    return this.enforcer.accepted;
  }

  get tooManyRequests(): number {
    return this.enforcer.tooManyRequests;
  }

  async listen(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Environment for the server (tokens and API roots pointing here). */
  abstract env(): Record<string, string>;

  protected abstract handle(req: IncomingMessage, body: string, res: ServerResponse, arrivedAt: number): void;

  private async receive(req: IncomingMessage, res: ServerResponse, arrivedAt: number): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    this.handle(req, Buffer.concat(chunks).toString('utf8'), res, arrivedAt);
  }

  protected reply(res: ServerResponse, status: number, payload: unknown, headers: Record<string, string> = {}): void {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(payload));
  }
}

/** Slack: auth.test and chat.postMessage; 1/s per channel and `perSecond` overall. */
export class SlackApiFake extends RateLimitedFake {
  readonly token = 'xoxb-bench-token';
  private ts = 1;

  constructor(perSecond: number) {
    super({ max: perSecond, windowMs: 1000 }, { max: 1, windowMs: 1000 });
  }

  env(): Record<string, string> {
    return { SLACK_BOT_TOKEN: this.token, SLACK_SIGNING_SECRET: 'bench-slack-signing-secret', SLACK_API_URL: `http://127.0.0.1:${this.port}/api/` };
  }

  protected handle(req: IncomingMessage, body: string, res: ServerResponse, arrivedAt: number): void {
    const method = /^\/api\/([\w.]+)/.exec(req.url ?? '')?.[1];
    if (req.headers.authorization !== `Bearer ${this.token}`) return this.reply(res, 200, { ok: false, error: 'invalid_auth' });
    if (method === 'auth.test') return this.reply(res, 200, { ok: true, user_id: 'UBENCH', team_id: 'TBENCH', team: 'bench', user: 'coinsentry' });
    if (method !== 'chat.postMessage') return this.reply(res, 200, { ok: false, error: 'unknown_method' });
    const channel = (req.headers['content-type'] ?? '').includes('json')
      ? String((JSON.parse(body) as { channel?: unknown }).channel)
      : String(new URLSearchParams(body).get('channel'));
    const verdict = this.enforcer.take(channel, arrivedAt);
    if (verdict.retryAfterMs > 0) {
      return this.reply(res, 429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(Math.max(1, Math.ceil(verdict.retryAfterMs / 1000))) });
    }
    this.ts += 1;
    return this.reply(res, 200, { ok: true, channel, ts: `${Math.floor(Date.now() / 1000)}.${String(this.ts).padStart(6, '0')}` });
  }
}

/** Discord REST: POST /channels/{id}/messages; 50/s per bot (global) and 5 per 5 s per channel. */
export class DiscordApiFake extends RateLimitedFake {
  readonly token = 'bench.discord.token';
  private id = 1_000_000_000_000_000_000n;

  constructor(perSecond = 50) {
    super({ max: perSecond, windowMs: 1000 }, { max: 5, windowMs: 5000 });
  }

  env(): Record<string, string> {
    return { DISCORD_BOT_TOKEN: this.token, DISCORD_API_BASE: `http://127.0.0.1:${this.port}/api` };
  }

  protected handle(req: IncomingMessage, _body: string, res: ServerResponse, arrivedAt: number): void {
    const channel = /^\/api\/v\d+\/channels\/(\d+)\/messages$/.exec(req.url ?? '')?.[1];
    if (req.method !== 'POST' || !channel) return this.reply(res, 404, { message: '404: Not Found', code: 0 });
    if (req.headers.authorization !== `Bot ${this.token}`) return this.reply(res, 401, { message: '401: Unauthorized', code: 0 });
    const verdict = this.enforcer.take(channel, arrivedAt);
    if (verdict.retryAfterMs > 0) {
      const seconds = verdict.retryAfterMs / 1000;
      return this.reply(
        res,
        429,
        { message: 'You are being rate limited.', retry_after: seconds, global: verdict.global },
        { 'retry-after': String(Math.ceil(seconds)), ...(verdict.global ? { 'x-ratelimit-global': 'true', 'x-ratelimit-scope': 'global' } : { 'x-ratelimit-scope': 'user' }) },
      );
    }
    this.id += 1n;
    return this.reply(res, 200, {
      id: String(this.id),
      channel_id: channel,
      type: 0,
      content: '',
      embeds: [],
      timestamp: new Date().toISOString(),
      author: { id: '4242', username: 'coinsentry', discriminator: '0', bot: true },
    });
  }
}
