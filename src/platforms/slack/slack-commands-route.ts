// POST /slack/commands: Slack slash commands. Size limit → signature and freshness (before the body is even parsed) →
// form → command service. The answer goes back in the HTTP response itself as an ephemeral message, so only the
// person who typed the command sees it; Slack needs it within 3 seconds, and our commands answer from SQLite at once.
import { Hono } from 'hono';
import type { CommandHandler } from '../../core/command-service.js';
import type { Logger } from '../../logger.js';
import { parseSlashCommand, routeSlashCommand, slackForm, type SlashCommand } from './slash-command.js';
import { fitSlack, shortenForSlack } from './slack-text.js';
import { signedForm, slackBodyLimit } from './signed-form.js';

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
/** Who may change settings in a channel, as the refusal names them. */
export const MANAGERS = 'the Slack users this bot allows (SLACK_ALLOWED_USERS)';

/**
 * A user or user group as Slack escapes them in command text (with "Escape channels, users, and links" on for the
 * command): `<@U123|ada>`, `<!subteam^S123|@oncall>`. Stored without the label. `<!here>`, `<!channel>` and
 * `<!everyone>` are refused: an alert must never ping a whole channel because of a setting.
 */
export function parseSlackMention(text: string): string | undefined {
  const match = /^<(@[UW][A-Z0-9]{2,20}|!subteam\^[A-Z0-9]{2,20})(?:\|[^<>]{0,100})?>$/.exec(text);
  return match ? `<${match[1]}>` : undefined;
}

/** Shows stored user and user-group mentions in an escaped /mention reply as Slack's chips again (ephemeral: no ping). */
export function showSlackMentions(escaped: string): string {
  return escaped.replace(/&lt;(@[UW][A-Z0-9]{2,20}|!subteam\^[A-Z0-9]{2,20})&gt;/g, '<$1>');
}

/** DESIGN §3: only group chats restrict who manages subscriptions; a DM is its owner's own. Empty allow-list: everyone. */
export function slackMayManage(allowed: ReadonlySet<string>, chat: { kind: string }, userId: string): boolean {
  return chat.kind === 'private' || allowed.size === 0 || allowed.has(userId);
}

export function slackCommandsRoute(deps: SlackCommandsDeps): Hono {
  const { commands, log } = deps;
  const allowed = new Set(deps.allowedUsers);
  const maxBodyBytes = deps.maxBodyBytes ?? COMMAND_MAX_BODY_BYTES;
  const app = new Hono();
  const ephemeral = (text: string, mentions = false) => {
    const escaped = fitSlack(text, REPLY_MAX);
    return { response_type: 'ephemeral' as const, text: mentions ? showSlackMentions(escaped) : escaped };
  };

  app.post('/', slackBodyLimit(maxBodyBytes), async (c) => {
    const signed = await signedForm(c, deps, 'slack command');
    if ('refused' in signed) return signed.refused;
    const { form } = signed;
    // Slack checks the certificate of a new endpoint with a signed `ssl_check=1` request and wants a plain 200.
    if (form.get('ssl_check') === '1') return c.body(null, 200);
    const slash = parseSlashCommand(form);
    if (!slash) return c.json({ error: 'not a slash command' }, 400);

    const { name, reply } = await answer(slash);
    return c.json(ephemeral(reply, name === 'mention'));
  });

  // Slack shows a bare 500 as "failed with the error http_service_error"; tell the user instead (and log the cause).
  app.onError((error, c) => {
    log.error({ err: error }, 'slack command failed');
    return c.json(ephemeral(FAILED));
  });

  /** The command's reply, in the form the user typed it; an unknown word gets the help that lists the real ones. */
  async function answer(slash: SlashCommand): Promise<{ name: string; reply: string }> {
    const routed = routeSlashCommand(slash.command, slash.text);
    const form = slackForm(slash.command, routed.kind === 'unknown' || routed.umbrella);
    const run = (name: string, args: string) =>
      commands.run({
        chat: slash.chat,
        name,
        args,
        canManage: () => slackMayManage(allowed, slash.chat, slash.userId),
        managers: MANAGERS,
        senderId: slash.userId,
        answerRequired: true,
        parseMention: parseSlackMention,
        form,
      });
    if (routed.kind === 'run') {
      const reply = await run(routed.name, routed.args);
      if (reply !== undefined) return { name: routed.name, reply };
    }
    const word = routed.kind === 'run' ? routed.name : routed.word;
    return { name: 'help', reply: `Unknown command "${shortenForSlack(word, 40)}".\n\n${(await run('help', '')) ?? ''}` };
  }

  return app;
}
