// The three fake platforms for a server running in a child process (crash tests, the soak): each behind a FaultProxy,
// the environment that points dist/main.js at them, and how many alerts each chat received.
import { FAKE, startDiscordFake, type DiscordFake } from '../../fakes/discord-fake.js';
import { SlackFake } from '../../fakes/slack-fake.js';
import { TelegramFake } from '../../fakes/telegram-fake.js';
import { FaultProxy, discordChatOf, slackChatOf, telegramChatOf } from './fault-proxy.js';
import { CREDENTIALS, type Platform } from './world.js';

export interface FakePlatforms {
  telegram: TelegramFake;
  discord: DiscordFake;
  slack: SlackFake;
  proxy: Record<Platform, FaultProxy>;
  /** Tokens and API roots (through the proxies) for main.ts, with the webhook secret. */
  env: Record<string, string>;
  /** Alerts each chat of `platform` has received, by platform chat id (chats with none are absent). */
  received(platform: Platform): Map<string, number>;
  close(): Promise<void>;
}

export async function startFakePlatforms(): Promise<FakePlatforms> {
  const telegram = await new TelegramFake(CREDENTIALS.telegramToken).listen();
  const discord = await startDiscordFake({ token: CREDENTIALS.discordToken, anyChannel: true });
  const slack = await new SlackFake(CREDENTIALS.slackToken).listen();
  const proxy: Record<Platform, FaultProxy> = {
    telegram: await new FaultProxy(telegram.apiRoot, telegramChatOf).listen(),
    discord: await new FaultProxy(discord.apiBase.replace(/\/api$/, ''), discordChatOf).listen(),
    slack: await new FaultProxy(slack.apiUrl.replace(/\/api\/$/, ''), slackChatOf).listen(),
  };
  const tally = (ids: Iterable<string>) => {
    const counts = new Map<string, number>();
    for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1);
    return counts;
  };
  return {
    telegram,
    discord,
    slack,
    proxy,
    env: {
      COINGECKO_WEBHOOK_SECRET: CREDENTIALS.webhookSecret,
      TELEGRAM_BOT_TOKEN: CREDENTIALS.telegramToken,
      TELEGRAM_API_ROOT: proxy.telegram.url,
      DISCORD_BOT_TOKEN: CREDENTIALS.discordToken,
      DISCORD_API_BASE: `${proxy.discord.url}/api`,
      DISCORD_GUILD_ID: FAKE.guildId,
      SLACK_BOT_TOKEN: CREDENTIALS.slackToken,
      SLACK_SIGNING_SECRET: CREDENTIALS.slackSigningSecret,
      SLACK_API_URL: `${proxy.slack.url}/api/`,
    },
    received(platform) {
      if (platform === 'telegram') return tally(telegram.sent.filter((m) => m.parse_mode === 'HTML').map((m) => m.chat_id));
      if (platform === 'slack') return tally(slack.messages.map((m) => String(m.channel)));
      const posted = discord.requests.filter((r) => r.method === 'POST' && /^\/channels\/\d+\/messages$/.test(r.path));
      // Accepted messages only: the fake keeps them per channel.
      return new Map([...new Set(posted.map((r) => r.path.split('/')[2]!))].map((id) => [id, discord.messages(id).length] as const).filter(([, n]) => n > 0));
    },
    async close() {
      await Promise.allSettled(Object.values(proxy).map((p) => p.close()));
      await Promise.allSettled([telegram.close(), discord.close(), slack.close()]);
    },
  };
}
