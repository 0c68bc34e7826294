// A fault-injecting HTTP proxy on 127.0.0.1 between a real platform client library and its fake platform server. It
// forwards every request unchanged, counts requests per chat (what "no retry storm" is measured with), and answers
// the next requests of a chat, or every request, with a scripted fault instead: a connection reset, a connection that
// never answers (the client's timeout), an HTTP answer of our choosing (5xx, 429 with a retry-after, 401, a platform
// error), or a slow answer.
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type Fault =
  /** The connection is reset before any answer. */
  | { kind: 'reset' }
  /** The request is accepted and never answered (until the proxy closes): the client's timeout decides. */
  | { kind: 'hang' }
  /** This answer instead of the platform's. */
  | { kind: 'respond'; status: number; headers?: Record<string, string>; body?: unknown }
  /** The platform's own answer, `ms` late. */
  | { kind: 'delay'; ms: number };

export interface ProxiedRequest {
  /** performance.now() when the request was read. */
  at: number;
  method: string;
  path: string;
  chat: string | undefined;
  /** The fault injected, or `forwarded`. */
  outcome: Fault['kind'] | 'forwarded';
  /** performance.now() when the answer (or the reset) went back to the client; unset while open. */
  answeredAt?: number;
  /** The status the client got, when it got one. */
  status?: number;
}

/** How to tell which chat a request is about: from its path and body. Undefined for requests about no chat. */
export type ChatOf = (request: { method: string; path: string; body: Buffer; contentType: string }) => string | undefined;

export class FaultProxy {
  readonly requests: ProxiedRequest[] = [];
  url = '';
  private readonly queued = new Map<string, Fault[]>();
  private always: Fault | undefined;
  private alwaysScope: 'chats' | 'everything' = 'chats';
  private readonly hanging = new Set<Socket>();
  private readonly server = createServer((req, res) => void this.handle(req, res));

  constructor(
    private readonly target: string,
    private readonly chatOf: ChatOf,
  ) {}

  async listen(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    for (const socket of this.hanging) socket.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** The next requests about `chat` get these faults, in order; later ones are forwarded. */
  fail(chat: string, ...faults: Fault[]): void {
    this.queued.set(chat, [...(this.queued.get(chat) ?? []), ...faults]);
  }

  /**
   * Every request gets `fault` until this is called again with undefined: every request about a chat (a platform
   * outage for messages), or with `everything`, every request at all (a revoked token).
   */
  failAll(fault: Fault | undefined, scope: 'chats' | 'everything' = 'chats'): void {
    this.always = fault;
    this.alwaysScope = scope;
  }

  /** Requests about `chat`, faulted or not, in arrival order. */
  requestsFor(chat: string): ProxiedRequest[] {
    return this.requests.filter((r) => r.chat === chat);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const path = req.url ?? '/';
    const method = req.method ?? 'GET';
    const chat = this.chatOf({ method, path, body, contentType: String(req.headers['content-type'] ?? '') });
    const always = this.always && (this.alwaysScope === 'everything' || chat !== undefined) ? this.always : undefined;
    const fault = always ?? (chat === undefined ? undefined : this.queued.get(chat)?.shift());
    const record: ProxiedRequest = { at: performance.now(), method, path, chat, outcome: fault?.kind ?? 'forwarded' };
    this.requests.push(record);
    const answered = (status?: number) => {
      record.answeredAt = performance.now();
      if (status !== undefined) record.status = status;
    };

    if (fault?.kind === 'reset') {
      answered();
      req.socket.resetAndDestroy();
      return;
    }
    if (fault?.kind === 'hang') {
      this.hanging.add(req.socket);
      req.socket.once('close', () => this.hanging.delete(req.socket));
      return;
    }
    if (fault?.kind === 'respond') {
      const text = typeof fault.body === 'string' ? fault.body : JSON.stringify(fault.body ?? {});
      res.writeHead(fault.status, { 'content-type': 'application/json', ...fault.headers });
      res.end(text);
      answered(fault.status);
      return;
    }
    if (fault?.kind === 'delay') await new Promise((resolve) => setTimeout(resolve, fault.ms));
    this.forward(req, res, method, path, body, answered);
  }

  private forward(req: IncomingMessage, res: ServerResponse, method: string, path: string, body: Buffer, answered: (status?: number) => void): void {
    const target = new URL(this.target);
    const headers = { ...req.headers, host: target.host, 'content-length': String(body.length) };
    delete headers['transfer-encoding'];
    const upstream = httpRequest(
      { host: target.hostname, port: target.port, method, path, headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
        answer.once('end', () => answered(answer.statusCode));
      },
    );
    upstream.once('error', () => {
      answered();
      req.socket.destroy();
    });
    upstream.end(body);
  }
}

/** Telegram Bot API: `POST /bot<token>/sendMessage` with `chat_id` in a JSON (or form) body. */
export const telegramChatOf: ChatOf = ({ path, body, contentType }) => {
  if (!/\/sendMessage$/.test(path)) return undefined;
  return String(decodeBody(body, contentType).chat_id ?? '') || undefined;
};

/** Discord REST: `POST /api/v10/channels/<id>/messages`. */
export const discordChatOf: ChatOf = ({ method, path }) =>
  method === 'POST' ? /\/channels\/(\d+)\/messages(?:\?|$)/.exec(path)?.[1] : undefined;

/** Slack Web API: `POST /api/chat.postMessage` with `channel` in a form (or JSON) body. */
export const slackChatOf: ChatOf = ({ path, body, contentType }) => {
  if (!/\/chat\.postMessage$/.test(path)) return undefined;
  return String(decodeBody(body, contentType).channel ?? '') || undefined;
};

function decodeBody(body: Buffer, contentType: string): Record<string, unknown> {
  const text = body.toString('utf8');
  if (!text) return {};
  if (contentType.includes('json')) {
    try {
      return JSON.parse(text) as Record<string, unknown>;
    } catch {
      return {};
    }
  }
  return Object.fromEntries(new URLSearchParams(text));
}
