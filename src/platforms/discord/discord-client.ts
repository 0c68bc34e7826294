// The discord.js Client as coinsentry needs it: the Guilds intent only (no privileged intents), caches cut to what
// slash commands use so memory stays flat, REST pointed at the configured root with few retries and bounded waits.
import { Client, GatewayIntentBits, Options, type RateLimitData } from 'discord.js';

/** Rate-limit waits longer than this go back to the outbox (retry with afterMs) instead of holding a send open. */
export const MAX_INLINE_RATE_LIMIT_WAIT_MS = 5000;

export interface DiscordClientOptions {
  apiBase: string;
  /** Most a REST call may take before it counts as failed (then retried once by discord.js). */
  restTimeoutMs?: number;
}

export function createDiscordClient(options: DiscordClientOptions): Client {
  const isSelf = (item: { id: string; client: Client }) => item.id === item.client.user?.id;
  return new Client({
    intents: [GatewayIntentBits.Guilds],
    // Channels and guilds stay cached (discord.js needs them); everything else is either unused or tiny.
    makeCache: Options.cacheWithLimits({
      ...Options.DefaultMakeCacheSettings,
      MessageManager: 0,
      DMMessageManager: 0,
      GuildMessageManager: 0,
      ReactionManager: 0,
      ReactionUserManager: 0,
      PresenceManager: 0,
      VoiceStateManager: 0,
      StageInstanceManager: 0,
      ThreadMemberManager: 0,
      GuildBanManager: 0,
      GuildInviteManager: 0,
      GuildEmojiManager: 0,
      BaseGuildEmojiManager: 0,
      GuildStickerManager: 0,
      GuildScheduledEventManager: 0,
      AutoModerationRuleManager: 0,
      ApplicationCommandManager: 0,
      EntitlementManager: 0,
      GuildMemberManager: { maxSize: 0, keepOverLimit: isSelf },
      UserManager: { maxSize: 0, keepOverLimit: isSelf },
    }),
    sweepers: {
      ...Options.DefaultSweeperSettings,
      messages: { interval: 3600, lifetime: 1800 },
    },
    // A second line of defence: every message this client sends mentions no one unless it says otherwise.
    allowedMentions: { parse: [] },
    rest: {
      api: options.apiBase.replace(/\/+$/, ''),
      retries: 1,
      timeout: options.restTimeoutMs ?? 10_000,
      rejectOnRateLimit: (data: RateLimitData) => data.retryAfter > MAX_INLINE_RATE_LIMIT_WAIT_MS,
    },
  });
}
