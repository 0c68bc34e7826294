// The Discord adapter under the shared contract: the real adapter (discord.js) pointed at the fake Discord, commands
// pushed as INTERACTION_CREATE over the fake gateway, and the checks that say what a Discord user would see.
import { PermissionFlagsBits } from 'discord.js';
import { expect } from 'vitest';
import { findCommand, slashForm } from '../../src/core/commands.js';
import { createDiscordAdapter } from '../../src/platforms/discord/discord-adapter.js';
import type { ChatRef } from '../../src/platforms/port.js';
import { FAKE, apiError, rateLimited, startDiscordFake, type DiscordFake, type InteractionRequest } from '../fakes/discord-fake.js';
import type { HarnessFactory, IntakeContext, SendAnswer } from './adapter-contract.js';

/**
 * The options a Discord user fills in for what would be typed as `/name args`: each declared argument in turn, a
 * duration as one word, a count as a trailing number, targets and mentions as the rest. Undefined when a required
 * option would be empty (Discord's client does not send such a command).
 */
export function slashOptions(name: string, args: string): InteractionRequest | undefined {
  const command = findCommand(name);
  const words = args.split(/\s+/).filter(Boolean);
  const options: Record<string, string | number> = {};
  for (const arg of command?.args ?? []) {
    if (arg.kind === 'duration' && words.length) options[arg.name] = words.shift()!;
    else if (arg.kind === 'count' && words.length && /^\d+$/.test(words.at(-1)!)) options[arg.name] = Number(words.pop());
  }
  for (const arg of command?.args ?? []) {
    if ((arg.kind === 'targets' || arg.kind === 'mention') && words.length) options[arg.name] = words.splice(0).join(' ');
  }
  if (command?.args.some((arg) => arg.required && options[arg.name] === undefined)) return undefined;
  return { command: name, options };
}

const MEMBER_PERMISSIONS = PermissionFlagsBits.ViewChannel | PermissionFlagsBits.SendMessages | PermissionFlagsBits.UseApplicationCommands;

export const discordHarness: HarnessFactory = async ({ log }) => {
  const fake = await startDiscordFake();
  const adapter = createDiscordAdapter({ token: fake.token, apiBase: fake.apiBase, guildId: FAKE.guildId, log });
  const chat: ChatRef = { platform: 'discord', platformChatId: FAKE.channelId, kind: 'group', title: FAKE.channelName };
  const context = (label: string, manages: boolean, extra: Partial<InteractionRequest>, platformChatId: string): IntakeContext => ({
    label,
    platformChatId,
    manages,
    form: slashForm,
    aliases: false,
    async say(name, args) {
      const request = slashOptions(name, args);
      return request ? shownReply(fake, { ...request, ...extra }) : undefined;
    },
  });
  const fail =
    (...answers: Parameters<DiscordFake['failNext']>[1][]) =>
    (channelId: string) =>
      fake.failNext(channelId, ...answers);
  const sendAnswers: SendAnswer[] = [
    { answer: '200 ok', arrange: () => undefined, outcome: 'sent' },
    { answer: '429 for 30 s', arrange: fail(rateLimited(30)), outcome: 'retry' },
    { answer: '500 twice', arrange: fail(apiError(500, 0, '500: Internal Server Error'), apiError(500, 0, '500: Internal Server Error')), outcome: 'retry' },
    { answer: '404 10003 Unknown Channel', arrange: fail(apiError(404, 10003, 'Unknown Channel')), outcome: 'chat_gone' },
    { answer: '403 50013 Missing Permissions', arrange: fail(apiError(403, 50013, 'Missing Permissions')), outcome: 'chat_gone' },
    { answer: '400 50035 Invalid Form Body', arrange: fail(apiError(400, 50035, 'Invalid Form Body')), outcome: 'rejected' },
    { answer: '401 Unauthorized', arrange: fail(apiError(401, 0, '401: Unauthorized')), outcome: 'platform_down' },
  ];
  return {
    adapter,
    chat,
    advertised: () => {
      const body = fake.registrations().at(-1)?.body;
      return Array.isArray(body) ? (body as Array<{ name: string }>).map((c) => c.name) : [];
    },
    contexts: [
      context('channel, member with Manage Channels', true, {}, FAKE.channelId),
      context('channel, member without Manage Channels', false, { permissions: MEMBER_PERMISSIONS }, FAKE.channelId),
      context('direct message', true, { where: 'dm' }, FAKE.dmChannelId),
    ],
    mention: '<@&1800000000000000001>',
    sendAnswers,
    buttons: {
      chat,
      async command(text) {
        const match = /^\/(\w+)(?:\s+([\s\S]*))?$/.exec(text.trim());
        const request = match && slashOptions(match[1]!, match[2] ?? '');
        if (!request) throw new Error(`not a slash command Discord would send: ${text}`);
        return shownReply(fake, request);
      },
      managerName: 'Alice',
      buttons: (message) =>
        ((message as { components?: Array<{ components: Array<{ label: string; custom_id: string }> }> }).components ?? [])
          .flatMap((row) => row.components)
          .map((b) => ({ label: b.label, payload: b.custom_id })),
      text: (message) => markdownTexts(message).map(visibleText).join('\n'),
      async press(message, payload, asManager) {
        const answer = await fake.pressButton(message, payload, asManager ? {} : { permissions: MEMBER_PERMISSIONS });
        // An update (type 7) is followed by the presser's ephemeral line; an answer alone (type 4) is that line.
        if (answer.callback.type === 4) return visibleText(answer.callback.data?.content ?? '');
        const deadline = Date.now() + 5000;
        while (answer.followUps().length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
        return visibleText(answer.followUps()[0]?.content ?? '');
      },
    },
    impossible: { chat_moved: 'a Discord channel keeps its id for life' },
    async command(text) {
      const match = /^\/(\w+)(?:\s+([\s\S]*))?$/.exec(text.trim());
      if (!match) throw new Error(`not a slash command: ${text}`);
      const answer = await fake.interact({ command: match[1]!, ...(match[2] && { targets: match[2] }) });
      return visibleText(answer.callback.data?.content ?? '');
    },
    alerts: (channelId) => fake.messages(channelId),
    notices: (channelId) =>
      (fake.messages(channelId) as Array<{ content?: string; embeds?: unknown[]; allowed_mentions?: unknown }>)
        .filter((m) => !m.embeds?.length)
        .map((m) => {
          expect(m.allowed_mentions).toEqual({ parse: [] });
          return visibleText(m.content ?? '');
        }),
    assertInert,
    failNextAlert(channelId, failure) {
      fake.failNext(channelId, failure.kind === 'rate_limited' ? rateLimited(failure.retryAfterSeconds) : apiError(404, 10003, 'Unknown Channel'));
    },
    async close() {
      await adapter.stop?.();
      await fake.close();
    },
  };
};

/** Runs a slash command through the fake gateway; the reply (and its follow-ups) as the user reads them. */
async function shownReply(fake: DiscordFake, request: InteractionRequest): Promise<string> {
  const answer = await fake.interact(request);
  return [answer.callback.data, ...answer.followUps()].map((m) => visibleText(m?.content ?? '')).join('\n');
}

/** Characters that act as markup in Discord when not escaped with a backslash. */
const ACTIVE = new Set(['\\', '*', '_', '~', '`', '|', '>', '<', '[', ']', '(', ')', ':', '#']);

interface Shown {
  ch: string;
  escaped: boolean;
  /** A zero-width space follows (how `@` is made inert). */
  broken: boolean;
}

/** How Discord reads markdown text, character by character: a backslash before punctuation makes it literal. */
function read(markdown: string): Shown[] {
  const shown: Shown[] = [];
  for (let i = 0; i < markdown.length; i += 1) {
    const ch = markdown[i]!;
    const next = markdown[i + 1];
    if (ch === '\\' && next !== undefined && /[^0-9A-Za-z\s]/.test(next)) {
      shown.push({ ch: next, escaped: true, broken: false });
      i += 1;
    } else if (ch === '\u200b') {
      const previous = shown[shown.length - 1];
      if (previous) previous.broken = true;
    } else {
      shown.push({ ch, escaped: false, broken: false });
    }
  }
  return shown;
}

/** The text a Discord user sees for `markdown` that contains only escapes (no formatting of its own). */
export function visibleText(markdown: string): string {
  return read(markdown)
    .map((c) => c.ch)
    .join('');
}

/** The strings of a message that Discord renders as markdown. */
export function markdownTexts(message: unknown): string[] {
  const body = message as {
    content?: string;
    embeds?: Array<{ title?: string; description?: string; fields?: Array<{ name: string; value: string }> }>;
  };
  return [
    ...(body.content ? [body.content] : []),
    ...(body.embeds ?? []).flatMap((e) => [e.title ?? '', e.description ?? '', ...(e.fields ?? []).flatMap((f) => [f.name, f.value])]),
  ];
}

/**
 * Fails unless `hostile` is shown (at least once) and every occurrence is inert: each markup character escaped, each
 * `@` broken by a zero-width space; and the message asks Discord to ping no one.
 */
export function assertInert(message: unknown, hostile: string): void {
  expect((message as { allowed_mentions?: unknown }).allowed_mentions).toEqual({ parse: [] });
  let occurrences = 0;
  for (const text of markdownTexts(message)) {
    const shown = read(text);
    const plain = shown.map((c) => c.ch).join('');
    for (let at = plain.indexOf(hostile); at !== -1; at = plain.indexOf(hostile, at + 1)) {
      occurrences += 1;
      shown.slice(at, at + hostile.length).forEach((c, offset) => {
        const where = `${JSON.stringify(c.ch)} at ${offset} of ${JSON.stringify(hostile)} in ${JSON.stringify(text)}`;
        if (ACTIVE.has(c.ch)) expect(c.escaped, `unescaped ${where}`).toBe(true);
        if (c.ch === '@') expect(c.broken, `mention not broken: ${where}`).toBe(true);
      });
    }
  }
  expect(occurrences, `${JSON.stringify(hostile)} is not shown in ${JSON.stringify(message)}`).toBeGreaterThan(0);
}
