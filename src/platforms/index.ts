// Every chat platform coinsentry knows, in one list. A new platform is a folder in src/platforms/ exporting a
// PlatformModule, plus one line here (and its variables in config.ts and .env.example).
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { discord } from './discord/discord-adapter.js';
import type { PlatformAdapter, PlatformModule } from './port.js';
import { slack } from './slack/slack-adapter.js';
import { telegram } from './telegram/telegram-adapter.js';

export const PLATFORMS: readonly PlatformModule[] = [telegram, discord, slack];

/** The adapters this configuration enables, and a line for each platform that is off. */
export function chatPlatforms(config: Config, log: Logger): { enabled: PlatformAdapter[]; off: string[] } {
  const enabled: PlatformAdapter[] = [];
  const off: string[] = [];
  for (const module of PLATFORMS) {
    const created = module.create(config, { log });
    if ('off' in created) off.push(created.off);
    else enabled.push(created);
  }
  return { enabled, off };
}
