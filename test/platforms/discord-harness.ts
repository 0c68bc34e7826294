// The Discord adapter under the shared contract: the real adapter (discord.js) pointed at the fake Discord, commands
// pushed as INTERACTION_CREATE over the fake gateway, and the checks that say what a Discord user would see.
import { expect } from 'vitest';
import { createDiscordAdapter } from '../../src/platforms/discord/discord-adapter.js';
import type { ChatRef } from '../../src/platforms/port.js';
import { FAKE, apiError, rateLimited, startDiscordFake } from '../fakes/discord-fake.js';
import type { HarnessFactory } from './adapter-contract.js';

export const discordHarness: HarnessFactory = async ({ log }) => {
  const fake = await startDiscordFake();
  const adapter = createDiscordAdapter({ token: fake.token, apiBase: fake.apiBase, guildId: FAKE.guildId, log });
  const chat: ChatRef = { platform: 'discord', platformChatId: FAKE.channelId, kind: 'group', title: FAKE.channelName };
  return {
    adapter,
    chat,
    async command(text) {
      const match = /^\/(\w+)(?:\s+([\s\S]*))?$/.exec(text.trim());
      if (!match) throw new Error(`not a slash command: ${text}`);
      const answer = await fake.interact({ command: match[1]!, ...(match[2] && { targets: match[2] }) });
      return visibleText(answer.callback.data?.content ?? '');
    },
    alerts: (channelId) => fake.messages(channelId),
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
