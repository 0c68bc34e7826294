// The fake platform servers the server child (dist/main.js) needs for every platform src/platforms/index.ts lists:
// Telegram always (test/fakes/telegram-fake.ts), Slack and Discord when their fakes exist in test/fakes (loaded
// dynamically, so the benchmarks keep working while a platform is being built).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PLATFORMS } from '../src/platforms/index.js';
import { TelegramFake } from '../test/fakes/telegram-fake.js';
import { REPO_ROOT } from './child-processes.js';

export interface PlatformFakes {
  telegram: TelegramFake;
  /** Environment for main.ts: tokens and API roots pointing at the fakes. */
  env: Record<string, string>;
  /** Platforms connected, e.g. `telegram`, `slack`. */
  connected: string[];
  /** Why a platform is not connected. */
  notes: string[];
  /** Platforms whose fake saw the bot log in (Telegram getMe, Slack auth.test, Discord gateway IDENTIFY). */
  loggedIn(): string[];
  close(): Promise<void>;
}

interface SlackFakeModule {
  SlackFake: new () => {
    token: string;
    apiUrl: string;
    calls: Array<{ method: string }>;
    listen(): Promise<unknown>;
    close(): Promise<void>;
  };
}
interface DiscordFakeModule {
  startDiscordFake: () => Promise<{ token: string; apiBase: string; identifies: unknown[]; close(): Promise<void> }>;
  FAKE: { guildId: string };
}

const fakePath = (platform: string) => join(REPO_ROOT, `test/fakes/${platform}-fake.ts`);

/** Whether the server knows this platform (src/platforms/index.ts), and whether a fake exists to point it at. */
function availability(platform: 'slack' | 'discord'): { ok: true } | { ok: false; why: string } {
  if (!PLATFORMS.some((p) => p.name === platform)) return { ok: false, why: `${platform}: not in src/platforms/index.ts — not connected` };
  if (!existsSync(fakePath(platform))) return { ok: false, why: `${platform}: no test/fakes/${platform}-fake.ts — not connected` };
  return { ok: true };
}

export async function startPlatformFakes(): Promise<PlatformFakes> {
  const closers: Array<() => Promise<void>> = [];
  const logins: Array<[string, () => boolean]> = [];
  const notes: string[] = [];
  const connected = ['telegram'];
  const telegram = await new TelegramFake().listen();
  closers.push(() => telegram.close());
  logins.push(['telegram', () => telegram.calls.some((c) => c.method === 'getMe')]);
  const env: Record<string, string> = { TELEGRAM_BOT_TOKEN: telegram.token, TELEGRAM_API_ROOT: telegram.apiRoot };
  try {
    const slack = availability('slack');
    if (slack.ok) {
      const { SlackFake } = (await import(pathToFileURL(fakePath('slack')).href)) as SlackFakeModule;
      const fake = new SlackFake();
      await fake.listen();
      closers.push(() => fake.close());
      logins.push(['slack', () => fake.calls.some((c) => c.method === 'auth.test')]);
      Object.assign(env, { SLACK_BOT_TOKEN: fake.token, SLACK_SIGNING_SECRET: 'bench-slack-signing-secret', SLACK_API_URL: fake.apiUrl });
      connected.push('slack');
    } else notes.push(slack.why);

    const discord = availability('discord');
    if (discord.ok) {
      const { startDiscordFake, FAKE } = (await import(pathToFileURL(fakePath('discord')).href)) as DiscordFakeModule;
      const fake = await startDiscordFake();
      closers.push(() => fake.close());
      logins.push(['discord', () => fake.identifies.length > 0]);
      Object.assign(env, { DISCORD_BOT_TOKEN: fake.token, DISCORD_API_BASE: fake.apiBase, DISCORD_GUILD_ID: FAKE.guildId });
      connected.push('discord');
    } else notes.push(discord.why);
  } catch (error) {
    await Promise.allSettled(closers.map((close) => close()));
    throw error;
  }
  return {
    telegram,
    env,
    connected,
    notes,
    loggedIn: () => logins.filter(([, seen]) => seen()).map(([platform]) => platform),
    close: async () => {
      await Promise.allSettled(closers.map((close) => close()));
    },
  };
}
