// Every chat platform coinsentry knows, in one list. A new platform is a folder in src/platforms/ with its adapter, plus
// one entry here (and its variables in config.ts and .env.example). A platform's client library is loaded only when
// the platform is on: discord.js alone takes most of a start's time.
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { PlatformAdapter, PlatformModule } from './port.js';

export const PLATFORMS: readonly PlatformModule[] = [
  {
    name: 'telegram',
    async create(config, { log }) {
      if (!config.telegram) return { off: 'telegram is off (TELEGRAM_BOT_TOKEN is not set)' };
      const { createTelegramAdapter } = await import('./telegram/telegram-adapter.js');
      return createTelegramAdapter({ ...config.telegram, log });
    },
  },
  {
    name: 'discord',
    async create(config, { log }) {
      if (!config.discord) return { off: 'discord is off (DISCORD_BOT_TOKEN is not set)' };
      const { createDiscordAdapter } = await import('./discord/discord-adapter.js');
      return createDiscordAdapter({ ...config.discord, log });
    },
  },
  {
    name: 'slack',
    async create(config, { log }) {
      if (!config.slack) return { off: 'slack is off (SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET are not set)' };
      const { createSlackAdapter } = await import('./slack/slack-adapter.js');
      return createSlackAdapter({ ...config.slack, log });
    },
  },
];

/** The adapters this configuration enables, and a line for each platform that is off. */
export async function chatPlatforms(config: Config, log: Logger): Promise<{ enabled: PlatformAdapter[]; off: string[] }> {
  const enabled: PlatformAdapter[] = [];
  const off: string[] = [];
  for (const module of PLATFORMS) {
    const created = await module.create(config, { log });
    if ('off' in created) off.push(created.off);
    else enabled.push(created);
  }
  return { enabled, off };
}
