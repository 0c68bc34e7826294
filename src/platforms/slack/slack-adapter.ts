// Slack through @slack/web-api: slash commands arrive over HTTP (POST /slack/commands, see slack-commands-route.ts),
// button presses too (POST /slack/interactions), and alerts leave through chat.postMessage as Block Kit, with Web API
// answers mapped to dispatcher outcomes; a pressed alert is edited with chat.update. Rate limits
// are not waited out inside the client: a 429 goes back to the dispatcher, which pauses only that channel.
import { LogLevel, WebClient, type Logger as SlackLogger } from '@slack/web-api';
import type { Logger } from '../../logger.js';
import { PlatformUnauthorizedError } from '../platform-state.js';
import type { ChatRef, PlatformAdapter, SendOutcome } from '../port.js';
import type { PressResult } from '../../core/alert-press.js';
import { renderSlackAlert, renderSlackDigest, type SlackMessage } from './render-slack.js';
import { slackCommandsRoute } from './slack-commands-route.js';
import { slackInteractionsRoute, type PressTarget } from './slack-interactions-route.js';
import { slackOutcome } from './slack-outcome.js';
import { fitSlack } from './slack-text.js';

export interface SlackOptions {
  token: string;
  signingSecret: string;
  /** Web API root, `https://slack.com/api/` in production, a fake in tests. */
  apiUrl: string;
  /** Slack user ids who may change subscriptions in channels; empty means everyone. */
  allowedUsers: readonly string[];
  log: Logger;
  /** Milliseconds since the epoch; checks the freshness of signed requests. */
  clock?: () => number;
  /** Most one Web API call may take before it counts as failed (default 15 s). */
  requestTimeoutMs?: number;
}

/** Above this, a hung connection is given up and the dispatcher retries later. */
const REQUEST_TIMEOUT_MS = 15_000;

export function createSlackAdapter(options: SlackOptions): PlatformAdapter {
  const log = options.log.child({ platform: 'slack' });
  const client = new WebClient(options.token, {
    slackApiUrl: options.apiUrl,
    // The outbox owns retries and Retry-After; the client only smooths over a single blip, quickly.
    rejectRateLimitedCalls: true,
    retryConfig: { retries: 1, factor: 1, minTimeout: 300, maxTimeout: 300, randomize: false },
    timeout: options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS,
    logger: quietLogger(log),
  });

  async function post(chat: ChatRef, { text, blocks }: Pick<SlackMessage, 'text'> & Partial<SlackMessage>): Promise<SendOutcome> {
    try {
      await client.chat.postMessage({ channel: chat.platformChatId, text, blocks, unfurl_links: false, unfurl_media: false });
      return { kind: 'sent' };
    } catch (error) {
      return slackOutcome(error);
    }
  }

  /** After a press: the message drawn again with its new controls, then the toast, seen by the presser only. */
  async function answerPress(target: PressTarget, result: PressResult): Promise<void> {
    if (result.edit && target.ts) {
      const { message, mention } = result.edit;
      const { text, blocks } = message.kind === 'alert' ? renderSlackAlert(message.alert, { mention }) : renderSlackDigest(message.digest);
      await client.chat.update({ channel: target.channel, ts: target.ts, text, blocks });
    }
    await client.chat.postEphemeral({ channel: target.channel, user: target.user, text: fitSlack(result.toast, 3000) });
  }

  return {
    platform: 'slack',
    // Slack allows about one message per second per channel, with short bursts; the overall cap is ours.
    limits: { perSecond: 20, perChatIntervalMs: 1000 },

    send: (chat, alert) => post(chat, renderSlackAlert(alert, { mention: chat.opsMention })),
    sendDigest: (chat, digest) => post(chat, renderSlackDigest(digest)),
    sendNotice: (chat, text) => post(chat, { text: fitSlack(text, 3000) }),

    // Replies are the HTTP answer to the slash command itself (no chat.postMessage): intake.replies is not needed.
    routes({ commands }) {
      const signed = { commands, signingSecret: options.signingSecret, allowedUsers: options.allowedUsers, clock: options.clock ?? Date.now, log };
      return [
        { path: '/slack/commands', app: slackCommandsRoute(signed) },
        { path: '/slack/interactions', app: slackInteractionsRoute({ ...signed, answer: answerPress }) },
      ];
    },

    async start() {
      // Slash commands arrive over HTTP, so connecting is checking the token: auth.test says early whether it works.
      let me: Awaited<ReturnType<typeof client.auth.test>>;
      try {
        me = await client.auth.test();
      } catch (error) {
        const outcome = slackOutcome(error);
        const reason = 'error' in outcome ? outcome.error : outcome.kind;
        if (outcome.kind === 'platform_down') throw new PlatformUnauthorizedError('SLACK_BOT_TOKEN', `Slack refused the bot token (${reason.split(':')[0]})`);
        throw new Error(`cannot reach Slack at ${options.apiUrl}: ${reason}`);
      }
      log.info({ team: me.team, bot_user: me.user }, 'slack ready');
    },
  };
}

/**
 * The client's own logger, routed into ours at debug level at most. Its debug lines hold whole request bodies, so
 * they are dropped; its warnings (a failed request, a deprecation) are kept as debug lines for troubleshooting.
 */
function quietLogger(log: Logger): SlackLogger {
  const keep = (...msg: unknown[]) => log.debug({ source: '@slack/web-api' }, msg.map(String).join(' '));
  return {
    debug: () => undefined,
    info: () => undefined,
    warn: keep,
    error: keep,
    setLevel: () => undefined,
    getLevel: () => LogLevel.WARN,
    setName: () => undefined,
  };
}

