// The Slack side of the adapter contract: the real adapter (@slack/web-api) against SlackFake, slash commands posted
// to the app in-process with a real signature. Also the signed-request helpers the other Slack tests use.
import type { Hono } from 'hono';
import { expect } from 'vitest';
import type { Logger } from '../../src/logger.js';
import { createSlackAdapter } from '../../src/platforms/slack/slack-adapter.js';
import { escapeSlack } from '../../src/platforms/slack/slack-text.js';
import { signSlackRequest } from '../../src/platforms/slack/verify-slack-signature.js';
import { SlackFake } from '../fakes/slack-fake.js';
import { slackForm } from '../../src/platforms/slack/slash-command.js';
import { slackManifest } from '../../src/platforms/slack/slack-manifest.js';
import type { HarnessFactory, IntakeContext, SendAnswer } from './adapter-contract.js';
import type { SlackFailure } from '../fakes/slack-fake.js';

export const SIGNING_SECRET = 'slack-signing-secret-for-tests';
export const ADMIN_USER = 'U0ADMIN';
export const CHANNEL = { id: 'C0ALERTS', name: 'crypto-alerts' };

export interface SlashOptions {
  channelId?: string;
  channelName?: string;
  userId?: string;
  /** Seconds since the epoch (default: now). */
  timestamp?: string;
  secret?: string;
  headers?: Record<string, string>;
}

/** The form fields Slack posts for `text` typed as `/command args…`. */
export function slashForm(text: string, options: SlashOptions = {}): string {
  const [, command = '', args = ''] = /^(\S+)\s*([\s\S]*)$/.exec(text) ?? [];
  return new URLSearchParams({
    token: 'legacy-verification-token',
    team_id: 'T0TEST',
    team_domain: 'coinsentry-test',
    channel_id: options.channelId ?? CHANNEL.id,
    channel_name: options.channelName ?? CHANNEL.name,
    user_id: options.userId ?? ADMIN_USER,
    user_name: 'ada',
    command,
    text: args,
    api_app_id: 'A0TEST',
    response_url: 'https://hooks.slack.com/commands/T0TEST/1/abc',
    trigger_id: '1.2.3',
  }).toString();
}

/** A RequestInit for POST /slack/commands, signed the way Slack signs it. */
export function signedSlash(body: string, options: SlashOptions = {}): RequestInit {
  const timestamp = options.timestamp ?? String(Math.floor(Date.now() / 1000));
  return {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': timestamp,
      'x-slack-signature': signSlackRequest(options.secret ?? SIGNING_SECRET, timestamp, body),
      ...options.headers,
    },
    body,
  };
}

/** A RequestInit for POST /slack/interactions: a block_actions press of the button carrying `value`, signed as Slack signs it. */
export function signedPress(value: string, options: { channelId?: string; userId?: string; ts?: string; timestamp?: string; secret?: string } = {}): RequestInit {
  const channel = options.channelId ?? CHANNEL.id;
  const payload = {
    type: 'block_actions',
    user: { id: options.userId ?? ADMIN_USER, username: 'ada', name: 'ada', team_id: 'T0TEST' },
    api_app_id: 'A0TEST',
    token: 'legacy-verification-token',
    container: { type: 'message', message_ts: options.ts ?? '1776066000.000001', channel_id: channel, is_ephemeral: false },
    trigger_id: '1.2.3',
    team: { id: 'T0TEST', domain: 'coinsentry-test' },
    channel: { id: channel, name: CHANNEL.name },
    response_url: 'https://hooks.slack.com/actions/T0TEST/1/abc',
    actions: [{ action_id: 'coinsentry_actions_press', block_id: 'coinsentry_actions', value, type: 'button', action_ts: '1776066001.000001' }],
  };
  return signedSlash(new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), options);
}

/** Types `text` in Slack; resolves with the HTTP status and the ephemeral reply (still escaped, as Slack gets it). */
export async function slash(app: Hono, text: string, options: SlashOptions = {}): Promise<{ status: number; reply: string }> {
  const res = await app.request('/slack/commands', signedSlash(slashForm(text, options), options));
  const raw = await res.text();
  if (res.status !== 200) return { status: res.status, reply: raw };
  const body = JSON.parse(raw) as { response_type: string; text: string };
  expect(body.response_type).toBe('ephemeral');
  return { status: res.status, reply: body.text };
}

/** What a person reads: Slack shows the three entities as their characters. */
export const unescapeSlack = (text: string) => text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

export async function slackSetup(log: Logger, allowedUsers: readonly string[] = [ADMIN_USER], clock?: () => number) {
  const fake = await new SlackFake().listen();
  const adapter = createSlackAdapter({ token: fake.token, signingSecret: SIGNING_SECRET, apiUrl: fake.apiUrl, allowedUsers, log, clock });
  return { fake, adapter };
}

/** Every text object in a list of blocks, with where it sits. */
export function textObjects(blocks: unknown): Array<{ type: string; text: string; verbatim?: boolean }> {
  const found: Array<{ type: string; text: string; verbatim?: boolean }> = [];
  const walk = (node: unknown) => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (typeof node !== 'object' || node === null) return;
    const o = node as Record<string, unknown>;
    if ((o.type === 'plain_text' || o.type === 'mrkdwn') && typeof o.text === 'string') {
      found.push({ type: o.type, text: o.text, ...(typeof o.verbatim === 'boolean' && { verbatim: o.verbatim }) });
      return;
    }
    Object.values(o).forEach(walk);
  };
  walk(blocks);
  return found;
}

/**
 * Fails unless `hostile` is inert in a posted message: it is shown (escaped) in plain_text only, where Slack applies no
 * formatting and parses no mentions; mrkdwn holds only our words and links to CoinGecko or a block explorer.
 */
export function assertSlackInert(message: unknown, hostile: string): void {
  const body = message as { text: string; blocks: unknown; parse?: string; link_names?: string };
  expect(body.parse).toBeUndefined();
  expect(body.link_names).toBeUndefined();
  const json = JSON.stringify(body);
  for (const raw of ['<!', '<@', '<#', '<https://evil.example', '<b>']) expect(json).not.toContain(raw);
  expect(body.text).toContain(escapeSlack(hostile));
  const objects = textObjects(body.blocks);
  expect(objects.some((o) => o.type === 'plain_text' && o.text.includes(escapeSlack(hostile)))).toBe(true);
  for (const object of objects) {
    // No raw control character: every < and > is an entity, every & starts one.
    const outsideLinks = object.type === 'mrkdwn' ? object.text.replace(/<https:\/\/[^<>|\s]+\|[^<>]*>/g, '') : object.text;
    expect(outsideLinks).not.toMatch(/[<>]|&(?!amp;|lt;|gt;)/);
    if (object.type === 'mrkdwn') {
      expect(object.verbatim).toBe(true);
      expect(object.text).not.toContain('Evil');
      for (const [, url] of object.text.matchAll(/<(https:\/\/[^|>]+)\|/g)) expect(url).not.toContain('evil.example');
    }
  }
}

export const MEMBER_USER = 'U0MEMBER';
const DM_CHANNEL = 'D0ADAONLY';

/**
 * What the Slack app advertises: the commands its manifest registers (deploy/slack-app-manifest.json is this output)
 * and the sub-commands the umbrella's usage hint lists.
 */
export function slackAdvertised(): string[] {
  const commands = slackManifest().features.slash_commands;
  const direct = commands.filter((c) => c.command !== '/coinsentry').map((c) => c.command.slice(1));
  const umbrella = commands.find((c) => c.command === '/coinsentry')?.usage_hint.split(' · ').map((form) => form.split(' ')[0]!) ?? [];
  return [...new Set([...direct, ...umbrella])];
}

export const slackHarness: HarnessFactory = async ({ log }) => {
  const { fake, adapter } = await slackSetup(log);
  let nextEphemeral = 0;
  const context = (label: string, typed: string, options: SlashOptions, manages: boolean): IntakeContext => {
    const form = slackForm(typed, typed === '/coinsentry');
    return {
      label,
      platformChatId: options.channelId ?? CHANNEL.id,
      manages,
      form,
      // A command without a slash command of its own is typed through the umbrella, and its reply then reads that way.
      replyForm: (name) => (form(name).startsWith('/coinsentry ') ? slackForm('/coinsentry', true) : form),
      aliases: typed === '/coinsentry',
      async say(name, args, { app }) {
        const { status, reply } = await slash(app, `${form(name)}${args ? ` ${args}` : ''}`, options);
        expect(status).toBe(200);
        return unescapeSlack(reply);
      },
    };
  };
  const fail = (failure: SlackFailure) => (channel: string) => fake.failNext(channel, failure);
  const sendAnswers: SendAnswer[] = [
    { answer: 'ok', arrange: () => undefined, outcome: 'sent' },
    { answer: '429 Retry-After 3', arrange: fail({ kind: 'rate_limited', retryAfterSeconds: 3 }), outcome: 'retry' },
    { answer: '503 twice', arrange: (c) => (fail({ kind: 'http', status: 503 })(c), fail({ kind: 'http', status: 503 })(c)), outcome: 'retry' },
    { answer: 'channel_not_found', arrange: fail({ kind: 'error', error: 'channel_not_found' }), outcome: 'chat_gone' },
    { answer: 'is_archived', arrange: fail({ kind: 'error', error: 'is_archived' }), outcome: 'chat_gone' },
    { answer: 'invalid_blocks', arrange: fail({ kind: 'error', error: 'invalid_blocks' }), outcome: 'rejected' },
    { answer: 'token_revoked', arrange: fail({ kind: 'error', error: 'token_revoked' }), outcome: 'platform_down' },
  ];
  return {
    adapter,
    chat: { platform: 'slack', platformChatId: CHANNEL.id, kind: 'group', title: CHANNEL.name },
    advertised: slackAdvertised,
    contexts: [
      context('direct message, typed directly', '/watch', { channelId: DM_CHANNEL, channelName: 'directmessage', userId: MEMBER_USER }, true),
      context('channel, allowed user, umbrella command', '/coinsentry', { userId: ADMIN_USER }, true),
      context('channel, allowed user, typed directly', '/watch', { userId: ADMIN_USER }, true),
      context('channel, user outside SLACK_ALLOWED_USERS', '/coinsentry', { userId: MEMBER_USER }, false),
    ],
    mention: '<!subteam^S0ONCALL|@oncall>',
    sendAnswers,
    buttons: {
      chat: { platform: 'slack', platformChatId: CHANNEL.id, kind: 'group', title: CHANNEL.name },
      async command(text, { app }) {
        const [, name = '', args = ''] = /^\/(\w+)(.*)$/s.exec(text.trim()) ?? [];
        const { status, reply } = await slash(app, `${slackForm('/coinsentry', false)(name)}${args}`);
        expect(status).toBe(200);
        return unescapeSlack(reply);
      },
      managerName: 'ada',
      buttons: (message) =>
        ((message as { blocks?: Array<{ type: string; elements?: Array<{ text: { text: string }; value: string }> }> }).blocks ?? [])
          .filter((block) => block.type === 'actions')
          .flatMap((block) => block.elements ?? [])
          .map((b) => ({ label: b.text.text, payload: b.value })),
      text: (message) => textObjects((message as { blocks: unknown }).blocks).map((t) => unescapeSlack(t.text)).join('\n'),
      async press(message, payload, asManager, { app }) {
        // Presses at once each take the next ephemeral line, whichever of them it answers.
        const seen = Math.max(fake.ephemerals.length, nextEphemeral);
        nextEphemeral = seen + 1;
        const ts = fake.tsOf.get(message as Record<string, unknown>);
        const res = await app.request('/slack/interactions', signedPress(payload, { userId: asManager ? ADMIN_USER : MEMBER_USER, ...(ts && { ts }) }));
        expect(res.status).toBe(200);
        // Slack got its 200; the edit and the presser's ephemeral line follow.
        const deadline = Date.now() + 5000;
        while (fake.ephemerals.length <= seen && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
        return unescapeSlack(fake.ephemerals[seen]?.text ?? '');
      },
    },
    impossible: { chat_moved: 'a Slack channel keeps its id when renamed or converted' },
    async command(text, { app }) {
      const { status, reply } = await slash(app, text);
      expect(status).toBe(200);
      return unescapeSlack(reply);
    },
    alerts: (channel) => fake.alerts(channel),
    notices: (channel) => fake.alerts(channel).filter((m) => !m.blocks).map((m) => unescapeSlack(String(m.text))),
    assertInert: assertSlackInert,
    failNextAlert(channel, failure) {
      fake.failNext(
        channel,
        failure.kind === 'rate_limited'
          ? { kind: 'rate_limited', retryAfterSeconds: failure.retryAfterSeconds }
          : { kind: 'error', error: 'channel_not_found' },
      );
    },
    close: () => fake.close(),
  };
};
