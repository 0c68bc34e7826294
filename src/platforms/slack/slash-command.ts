// Slack slash commands, parsed: the signed form Slack posts → the chat it came from, who sent it, and which of our
// commands it is. The declared commands marked `slackDirect` (`/watch`, `/unwatch`, `/list`) map directly; any other
// command name is the umbrella command (`/coinsentry watch bitcoin`), because Slack command names clash across the apps
// of one workspace.
import { CHAT_COMMANDS, HANDLED_NAMES, type ChatCommand, type CommandForm } from '../../core/commands.js';
import type { ChatRef } from '../port.js';

export interface SlashCommand {
  /** The command as the user typed it, e.g. `/coinsentry`. */
  command: string;
  text: string;
  userId: string;
  chat: ChatRef;
}

/** The umbrella command as the app manifest registers it (deploy/slack-app-manifest.json). */
export const UMBRELLA = '/coinsentry';
/** Command names registered as Slack commands of their own; everything else goes through the umbrella. */
export const DIRECT: ReadonlySet<string> = new Set(CHAT_COMMANDS.filter((c: ChatCommand) => c.slackDirect).map((c) => c.name));
/** Sub-commands of the umbrella: every declared command and alias. */
const SUBCOMMANDS: ReadonlySet<string> = new Set(HANDLED_NAMES);

/**
 * How commands read where the user typed one: through the umbrella they typed (`/coinsentry mute 2h`) when they used it,
 * else directly for the direct ones (`/watch`) and through the manifest's umbrella for the rest.
 */
export function slackForm(typed: string, umbrella: boolean): CommandForm {
  const through = umbrella ? typed : UMBRELLA;
  return (name) => (!umbrella && DIRECT.has(name) ? `/${name}` : `${through} ${name}`);
}

export type Routed =
  | { kind: 'run'; name: string; args: string; umbrella: boolean }
  | { kind: 'unknown'; word: string };

/** The slash-command fields of a signed form body; undefined when a field Slack always sends is missing. */
export function parseSlashCommand(form: URLSearchParams): SlashCommand | undefined {
  const command = form.get('command')?.trim() ?? '';
  const channelId = form.get('channel_id')?.trim() ?? '';
  const userId = form.get('user_id')?.trim() ?? '';
  if (!command || !channelId || !userId) return undefined;
  return {
    command,
    text: form.get('text') ?? '',
    userId,
    chat: {
      platform: 'slack',
      platformChatId: channelId,
      // Slack ids say what they are: D… is a direct message; C… (channels) and G… (private channels, group DMs) are
      // shared by several people.
      kind: channelId.startsWith('D') ? 'private' : 'group',
      title: form.get('channel_name') || null,
    },
  };
}

/** Which of our commands a slash command is: `/list` → list; `/coinsentry watch bitcoin` → watch `bitcoin`. */
export function routeSlashCommand(command: string, text: string): Routed {
  const name = command.replace(/^\//, '').toLowerCase();
  if (DIRECT.has(name)) return { kind: 'run', name, args: text, umbrella: false };
  const match = /^\s*\/?(\S+)\s*([\s\S]*)$/.exec(text);
  if (!match) return { kind: 'run', name: 'help', args: '', umbrella: true };
  const word = match[1]!;
  const sub = word.toLowerCase();
  if (!SUBCOMMANDS.has(sub)) return { kind: 'unknown', word };
  return { kind: 'run', name: sub, args: match[2] ?? '', umbrella: true };
}
