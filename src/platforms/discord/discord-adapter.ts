// The Discord platform adapter: alerts go out as embeds over REST (POST /channels/{id}/messages), slash commands come
// in over the gateway and are registered at start. discord.js speaks the protocol (gateway session, heartbeats,
// rate-limit buckets); this module wires it to the platform port and maps Discord's answers to outcomes.
import { once } from 'node:events';
import { Events, RESTEvents, Routes } from 'discord.js';
import type { CommandHandler } from '../../core/command-service.js';
import type { Logger } from '../../logger.js';
import { PlatformUnauthorizedError, type ReportState } from '../platform-state.js';
import type { ChatRef, PlatformAdapter, SendOutcome } from '../port.js';
import { createDiscordClient } from './discord-client.js';
import { registerCommands } from './discord-commands.js';
import { createInteractionHandler } from './discord-interactions.js';
import { escapeWithin } from './discord-markdown.js';
import { renderDiscordAlert, renderDiscordDigest } from './render-discord.js';
import { outcomeOfError } from './send-outcome.js';

export interface DiscordAdapterOptions {
  token: string;
  /** REST root, e.g. `https://discord.com/api`; the gateway URL is read from `{apiBase}/v10/gateway/bot`. */
  apiBase: string;
  /** Register the slash commands in this guild only (instant) instead of globally. */
  guildId?: string;
  log: Logger;
  /** Most a REST call may take (default 10 s). */
  restTimeoutMs?: number;
  /** Most the gateway session may take to become ready at start (default 30 s). */
  readyTimeoutMs?: number;
}

/** The adapter could not start: bad token, or Discord (or the configured API root) unreachable. */
export class DiscordStartError extends Error {
  override name = 'DiscordStartError';
}

const SNOWFLAKE = /^\d{1,25}$/;

export function createDiscordAdapter(options: DiscordAdapterOptions): PlatformAdapter {
  const log = options.log.child({ platform: 'discord' });
  const client = createDiscordClient(options);
  // Sending needs only REST: alerts can go out even while the gateway (command intake) is reconnecting.
  client.rest.setToken(options.token);
  let stopping = false;
  let listening = false;
  let report: ReportState | undefined;
  watchConnection(client, log, (status, error) => {
    if (!stopping) report?.(status, error);
  });

  async function connect(): Promise<void> {
    const ready = once(client, Events.ClientReady, { signal: AbortSignal.timeout(options.readyTimeoutMs ?? 30_000) });
    ready.catch(() => undefined);
    try {
      await client.login(options.token);
      await ready;
    } catch (error) {
      await client.destroy();
      // destroy() forgets the token; put it back so alerts can still be sent (and report their own outcome).
      client.rest.setToken(options.token);
      const tokenRefused = error instanceof Error && (error as { code?: unknown }).code === 'TokenInvalid';
      if (tokenRefused) throw new PlatformUnauthorizedError('DISCORD_BOT_TOKEN', 'Discord refused the bot token');
      throw new DiscordStartError(`could not connect to Discord at ${options.apiBase}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  async function register(): Promise<void> {
    try {
      // READY always names the application; without it there is nothing to register commands for.
      const applicationId = client.application?.id;
      if (!applicationId) throw new Error('the gateway did not say which application the bot token belongs to');
      await registerCommands(client.rest, applicationId, options.guildId);
      log.info({ guild: options.guildId ?? 'global' }, 'discord slash commands registered');
    } catch (error) {
      // Alerts still work, and commands registered earlier stay usable: say what to fix and carry on.
      log.error(
        { error: error instanceof Error ? error.message : String(error), guild: options.guildId ?? 'global' },
        options.guildId
          ? 'could not register discord slash commands in the guild: is the bot in that server (DISCORD_GUILD_ID)?'
          : 'could not register discord slash commands',
      );
    }
  }

  async function post(chat: ChatRef, render: () => object): Promise<SendOutcome> {
    if (!SNOWFLAKE.test(chat.platformChatId)) return { kind: 'chat_gone', reason: 'not a Discord channel id' };
    try {
      await client.rest.post(Routes.channelMessages(chat.platformChatId), { body: render() });
      return { kind: 'sent' };
    } catch (error) {
      return outcomeOfError(error);
    }
  }

  return {
    platform: 'discord',
    // Discord allows 50 requests/s per bot; a channel takes about 5 messages per 5 s.
    limits: { perSecond: 50, perChatIntervalMs: 1000 },

    send: (chat, alert) => post(chat, () => renderDiscordAlert(alert, { mention: chat.opsMention })),
    sendDigest: (chat, digest) => post(chat, () => renderDiscordDigest(digest)),
    sendNotice: (chat, text) => post(chat, () => ({ content: escapeWithin(text, 2000), allowed_mentions: { parse: [] } })),

    // Replies are interaction responses, outside the bot's message budget: intake.replies is not needed.
    async start({ commands, report: reportState }) {
      report = reportState;
      // Listeners once, even when start() is tried again after a failed connection.
      if (!listening) listen(commands);
      await connect();
      await register();
      log.info({ user: client.user?.tag, guilds: client.guilds.cache.size }, 'discord gateway ready');
    },

    async stop() {
      stopping = true;
      await client.destroy();
    },
  };

  function listen(commands: CommandHandler): void {
    listening = true;
    client.on(Events.InteractionCreate, createInteractionHandler(commands, log));
    client.on(Events.ChannelDelete, (channel) => {
      try {
        commands.chatGone({ platform: 'discord', platformChatId: channel.id }, 'the Discord channel was deleted');
      } catch (error) {
        log.error({ err: error, channel: channel.id }, 'could not deactivate a deleted discord channel');
      }
    });
  }
}

/**
 * Turns the gateway's events into connection states (the state tracker logs each change once); discord.js reconnects
 * and resumes by itself, so its per-attempt errors are debug lines only.
 */
function watchConnection(client: ReturnType<typeof createDiscordClient>, log: Logger, report: ReportState): void {
  client.on(Events.Error, (error) => log.error({ error: error.message }, 'discord client error'));
  client.on(Events.Warn, (message) => log.warn({ message }, 'discord warning'));
  client.on(Events.ShardError, (error) => {
    log.debug({ error: error.message }, 'discord gateway connection error');
    report('connecting', `gateway connection error: ${error.message}`);
  });
  client.on(Events.ShardDisconnect, (event) => {
    // 4004: the gateway refused the token. Any other close for good: the gateway will not come back by itself.
    if (event.code === 4004) report('unauthorized', 'Discord refused the bot token (gateway close 4004); check DISCORD_BOT_TOKEN');
    else report('connecting', `gateway closed for good (code ${event.code}); restart coinsentry to reconnect`);
  });
  client.on(Events.ShardReconnecting, () => report('connecting', 'gateway reconnecting'));
  client.on(Events.ShardResume, () => report('connected'));
  client.on(Events.ShardReady, () => report('connected'));
  // The route and the wait only: the URL of an interaction callback carries its token.
  client.rest.on(RESTEvents.RateLimited, (info) =>
    log.info({ route: info.route, retry_after_ms: info.retryAfter, scope: info.scope, global: info.global }, 'discord rate limit'),
  );
}

