// POST /slack/commands: Slack slash commands. Size limit → signature and freshness (before the body is even parsed) →
// form → command service. The answer goes back in the HTTP response itself as an ephemeral message, so only the
// person who typed the command sees it; Slack needs it within 3 seconds, and our commands answer from SQLite at once.
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { CommandHandler } from '../../core/command-service.js';
import type { Logger } from '../../logger.js';
import { parseSlashCommand, routeSlashCommand, type SlashCommand } from './slash-command.js';
import { fitSlack, shortenForSlack } from './slack-text.js';
import { verifySlackRequest } from './verify-slack-signature.js';

export interface SlackCommandsDeps {
  commands: CommandHandler;
  signingSecret: string;
  /** Slack user ids who may change subscriptions in channels; empty means everyone. */
  allowedUsers: readonly string[];
  clock: () => number;
  log: Logger;
  /** Slash-command bodies are a few hundred bytes; anything far larger is not from Slack. */
  maxBodyBytes?: number;
}

export const COMMAND_MAX_BODY_BYTES = 64 * 1024;
/** Slack truncates message text beyond 40,000 characters; stay under it, visibly. */
const REPLY_MAX = 39_000;
const FAILED = 'Sorry, that command failed on our side. Please try again in a moment.';
export const ALLOW_LIST_REFUSAL = 'Only the Slack users this bot allows (SLACK_ALLOWED_USERS) can change subscriptions in this channel. Anyone can use list and help.';

/**
 * A user, user group or @here/@channel as Slack escapes them in command text (with "Escape channels, users, and links"
 * on for the command): `<@U123|ada>`, `<!subteam^S123|@oncall>`, `<!here>`. Stored without the label.
 */
export function parseSlackMention(text: string): string | undefined {
  const match = /^<(@[UW][A-Z0-9]{2,20}|!subteam\^[A-Z0-9]{2,20}|!here|!channel)(?:\|[^<>]{0,100})?>$/.exec(text);
  return match ? `<${match[1]}>` : undefined;
}

export function slackCommandsRoute(deps: SlackCommandsDeps): Hono {
  const { commands, log } = deps;
  const allowed = new Set(deps.allowedUsers);
  const maxBodyBytes = deps.maxBodyBytes ?? COMMAND_MAX_BODY_BYTES;
  const app = new Hono();
  const ephemeral = (text: string) => ({ response_type: 'ephemeral' as const, text: fitSlack(text, REPLY_MAX) });

  app.post(
    '/',
    bodyLimit({ maxSize: maxBodyBytes, onError: (c) => c.json({ error: `body larger than ${maxBodyBytes} bytes` }, 413) }),
    async (c) => {
      const rawBody = new Uint8Array(await c.req.arrayBuffer());
      const verdict = verifySlackRequest(
        deps.signingSecret,
        { timestamp: c.req.header('x-slack-request-timestamp'), signature: c.req.header('x-slack-signature'), rawBody },
        deps.clock(),
      );
      if (!verdict.ok) {
        log.warn({ reason: verdict.reason }, 'slack command refused');
        return c.json({ error: 'invalid request signature' }, 401);
      }

      const form = new URLSearchParams(Buffer.from(rawBody).toString('utf8'));
      // Slack checks the certificate of a new endpoint with a signed `ssl_check=1` request and wants a plain 200.
      if (form.get('ssl_check') === '1') return c.body(null, 200);
      const slash = parseSlashCommand(form);
      if (!slash) return c.json({ error: 'not a slash command' }, 400);

      const reply = await answer(slash);
      log.info({ command: slash.command, chat: slash.chat.platformChatId, user: slash.userId }, 'slack command');
      return c.json(ephemeral(reply));
    },
  );

  // Slack shows a bare 500 as "failed with the error http_service_error"; tell the user instead (and log the cause).
  app.onError((error, c) => {
    log.error({ err: error }, 'slack command failed');
    return c.json(ephemeral(FAILED));
  });

  async function answer(slash: SlashCommand): Promise<string> {
    const routed = routeSlashCommand(slash.command, slash.text);
    const run = (name: string, args: string) =>
      commands.run({
        chat: slash.chat,
        name,
        args,
        // DESIGN §3: only group chats restrict who manages subscriptions; a DM is its owner's own.
        canManage: () => slash.chat.kind === 'private' || allowed.size === 0 || allowed.has(slash.userId),
        notAllowed: ALLOW_LIST_REFUSAL,
        parseMention: parseSlackMention,
      });
    if (routed.kind === 'run') {
      const reply = await run(routed.name, routed.args);
      if (reply === undefined) return unknown(slash.command, routed.name, await run('help', ''));
      return routed.umbrella && routed.name === 'help' ? `${reply}${umbrellaHint(slash.command)}` : reply;
    }
    return unknown(slash.command, routed.word, await run('help', ''));
  }

  return app;
}

function unknown(command: string, word: string, help: string | undefined): string {
  return `Unknown command "${shortenForSlack(word, 40)}".\n\n${help ?? ''}${umbrellaHint(command)}`;
}

/** The help text names /watch etc.; say how the same commands read through the umbrella command. */
function umbrellaHint(command: string): string {
  const c = shortenForSlack(command, 40);
  return `\n\nIn Slack: ${c} watch bitcoin · ${c} unwatch all · ${c} list · ${c} help`;
}
