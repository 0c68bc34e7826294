// A fake Slack Web API on 127.0.0.1 for the real @slack/web-api client: auth.test, chat.postMessage, chat.update (a
// pressed alert edited) and chat.postEphemeral (the presser's toast), a bearer-token check, Block Kit limit checks answered with invalid_blocks / msg_blocks_too_long as Slack does, and failures queued
// per channel: 429 with Retry-After, ok:false errors, 5xx answers and dropped connections.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type SlackFailure =
  /** HTTP 429, with `Retry-After` when `retryAfterSeconds` is given. */
  | { kind: 'rate_limited'; retryAfterSeconds?: number }
  /** HTTP 200 `{ ok: false, error }`, how Slack reports most failures. */
  | { kind: 'error'; error: string }
  /** A bare HTTP status (500, 503, …). */
  | { kind: 'http'; status: number }
  /** The connection is cut before any answer. */
  | { kind: 'drop' };

export interface ApiCall {
  method: string;
  /** The request body, decoded: form fields as strings, with `blocks` parsed from its JSON. */
  body: Record<string, unknown>;
  authorized: boolean;
}

export const SLACK_TEAM = 'coinsentry-test';
const TOTAL_TEXT_MAX = 12_000;

export class SlackFake {
  /** Every API call, answered or not. */
  readonly calls: ApiCall[] = [];
  /** chat.postMessage bodies that Slack would have posted. */
  readonly messages: Array<Record<string, unknown>> = [];
  /** chat.postEphemeral bodies: what one user was shown. */
  readonly ephemerals: Array<{ channel: string; user: string; text: string }> = [];
  /** Each posted message's ts (chat.update names the message by channel and ts). */
  readonly tsOf = new Map<Record<string, unknown>, string>();
  private readonly failures = new Map<string, SlackFailure[]>();
  private readonly server = createServer((req, res) => void this.handle(req, res));
  private nextTs = 1;
  apiUrl = '';

  constructor(readonly token = 'xoxb-test-token') {}

  async listen(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.apiUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/api/`;
    return this;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Messages posted to a channel, as the bodies the client sent. */
  alerts(channel: string): Array<Record<string, unknown>> {
    return this.messages.filter((m) => m.channel === channel);
  }

  /** chat.postMessage attempts to a channel, including the ones answered with a failure. */
  attempts(channel: string): ApiCall[] {
    return this.calls.filter((c) => c.method === 'chat.postMessage' && c.body.channel === channel);
  }

  /** Answers the next chat.postMessage to `channel` with `failure` (queued in order). */
  failNext(channel: string, failure: SlackFailure): void {
    const queue = this.failures.get(channel) ?? [];
    queue.push(failure);
    this.failures.set(channel, queue);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = decode(Buffer.concat(chunks).toString('utf8'), req.headers['content-type'] ?? '');
    const method = /^\/api\/([\w.]+)$/.exec(req.url ?? '')?.[1] ?? '';
    const authorized = req.headers.authorization === `Bearer ${this.token}`;
    this.calls.push({ method, body, authorized });
    const reply = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
      res.end(JSON.stringify(payload));
    };

    if (req.method !== 'POST' || !method) return reply(404, { ok: false, error: 'unknown_method' });
    // Slack answers auth failures with HTTP 200 and ok:false, like every other API error.
    if (!authorized) return reply(200, { ok: false, error: req.headers.authorization ? 'invalid_auth' : 'not_authed' });

    switch (method) {
      case 'auth.test':
        return reply(200, { ok: true, url: 'https://coinsentry-test.slack.com/', team: SLACK_TEAM, user: 'coinsentry', team_id: 'T0TEST', user_id: 'U0BOT', bot_id: 'B0BOT' });
      case 'chat.postMessage': {
        const channel = typeof body.channel === 'string' ? body.channel : '';
        const failure = this.failures.get(channel)?.shift();
        if (failure) return this.fail(res, failure, reply);
        if (!channel) return reply(200, { ok: false, error: 'channel_not_found' });
        const problems = blockProblems(body.blocks);
        if (problems.length) return reply(200, { ok: false, error: 'invalid_blocks', errors: problems });
        if (totalText(body.blocks) > TOTAL_TEXT_MAX) return reply(200, { ok: false, error: 'msg_blocks_too_long' });
        if (typeof body.text === 'string' && body.text.length > 40_000) return reply(200, { ok: false, error: 'msg_too_long' });
        this.messages.push(body);
        const ts = `1776066000.${String(this.nextTs++).padStart(6, '0')}`;
        this.tsOf.set(body, ts);
        return reply(200, { ok: true, channel, ts, message: { type: 'message', text: body.text, ts } });
      }
      case 'chat.update': {
        const message = this.messages.find((m) => m.channel === body.channel && this.tsOf.get(m) === body.ts);
        if (!message) return reply(200, { ok: false, error: 'message_not_found' });
        const problems = blockProblems(body.blocks);
        if (problems.length) return reply(200, { ok: false, error: 'invalid_blocks', errors: problems });
        Object.assign(message, { text: body.text, blocks: body.blocks });
        return reply(200, { ok: true, channel: body.channel, ts: body.ts, text: body.text });
      }
      case 'chat.postEphemeral': {
        if (typeof body.text !== 'string' || typeof body.user !== 'string' || typeof body.channel !== 'string') return reply(200, { ok: false, error: 'invalid_arguments' });
        this.ephemerals.push({ channel: body.channel, user: body.user, text: body.text });
        return reply(200, { ok: true, message_ts: `1776066000.${String(this.nextTs++).padStart(6, '0')}` });
      }
      default:
        return reply(200, { ok: false, error: 'unknown_method' });
    }
  }

  private fail(res: ServerResponse, failure: SlackFailure, reply: (status: number, payload: unknown, headers?: Record<string, string>) => void): void {
    switch (failure.kind) {
      case 'rate_limited':
        return reply(
          429,
          { ok: false, error: 'ratelimited' },
          failure.retryAfterSeconds === undefined ? {} : { 'retry-after': String(failure.retryAfterSeconds) },
        );
      case 'error':
        return reply(200, { ok: false, error: failure.error });
      case 'http':
        res.writeHead(failure.status, { 'content-type': 'text/html' });
        res.end('<html>upstream trouble</html>');
        return;
      case 'drop':
        res.socket?.destroy();
        return;
    }
  }
}

/** A request body as the client sent it: a form (the client's default) or JSON. */
function decode(raw: string, contentType: string): Record<string, unknown> {
  if (!raw) return {};
  if (contentType.includes('application/json')) return JSON.parse(raw) as Record<string, unknown>;
  const body: Record<string, unknown> = Object.fromEntries(new URLSearchParams(raw));
  for (const key of ['blocks', 'attachments']) {
    if (typeof body[key] === 'string') body[key] = JSON.parse(body[key]) as unknown;
  }
  return body;
}

type Obj = Record<string, unknown>;
const isObj = (value: unknown): value is Obj => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Slack's documented Block Kit limits for the blocks coinsentry uses; anything else is reported as a problem. */
export function blockProblems(blocks: unknown): string[] {
  if (blocks === undefined) return [];
  if (!Array.isArray(blocks)) return ['blocks must be an array'];
  const problems: string[] = [];
  if (blocks.length > 50) problems.push(`${blocks.length} blocks (at most 50)`);
  const text = (where: string, value: unknown, max: number, types = ['plain_text', 'mrkdwn']) => {
    if (!isObj(value) || typeof value.text !== 'string' || !types.includes(String(value.type))) {
      problems.push(`${where}: not a ${types.join(' or ')} text object`);
      return;
    }
    if (value.text.trim().length === 0) problems.push(`${where}: empty text`);
    if (value.text.length > max) problems.push(`${where}: ${value.text.length} characters (at most ${max})`);
  };
  blocks.forEach((block: unknown, i) => {
    const where = `blocks[${i}]`;
    if (!isObj(block)) return problems.push(`${where}: not an object`);
    switch (block.type) {
      case 'header':
        return text(`${where}.text`, block.text, 150, ['plain_text']);
      case 'section': {
        if (block.text === undefined && block.fields === undefined) return problems.push(`${where}: needs text or fields`);
        if (block.text !== undefined) text(`${where}.text`, block.text, 3000);
        if (block.fields === undefined) return;
        if (!Array.isArray(block.fields) || block.fields.length > 10) return problems.push(`${where}.fields: at most 10`);
        return block.fields.forEach((field: unknown, j) => text(`${where}.fields[${j}]`, field, 2000));
      }
      case 'context': {
        if (!Array.isArray(block.elements) || block.elements.length === 0 || block.elements.length > 10) {
          return problems.push(`${where}.elements: 1 to 10`);
        }
        return block.elements.forEach((element: unknown, j) => text(`${where}.elements[${j}]`, element, 3000));
      }
      case 'divider':
        return;
      case 'actions': {
        if (!Array.isArray(block.elements) || block.elements.length === 0 || block.elements.length > 25) return problems.push(`${where}.elements: 1 to 25`);
        if (typeof block.block_id === 'string' && block.block_id.length > 255) problems.push(`${where}.block_id: at most 255 characters`);
        const ids = new Set<string>();
        return block.elements.forEach((element: unknown, j) => {
          const at = `${where}.elements[${j}]`;
          if (!isObj(element) || element.type !== 'button') return problems.push(`${at}: only buttons are faked`);
          text(`${at}.text`, element.text, 75, ['plain_text']);
          if (typeof element.action_id !== 'string' || element.action_id.length > 255 || ids.has(element.action_id)) problems.push(`${at}.action_id: unique, at most 255`);
          ids.add(String(element.action_id));
          if (element.value !== undefined && (typeof element.value !== 'string' || element.value.length > 2000)) problems.push(`${at}.value: at most 2000`);
          if (element.style !== undefined && element.style !== 'primary' && element.style !== 'danger') problems.push(`${at}.style: primary or danger`);
        });
      }
      default:
        return problems.push(`${where}: block type ${String(block.type)} not faked`);
    }
  });
  return problems;
}

/** Every text string inside the blocks, for the cumulative limit. */
function totalText(blocks: unknown): number {
  if (Array.isArray(blocks)) return blocks.reduce((n: number, b) => n + totalText(b), 0);
  if (!isObj(blocks)) return 0;
  return Object.entries(blocks).reduce((n, [key, value]) => n + (key === 'text' && typeof value === 'string' ? value.length : totalText(value)), 0);
}
