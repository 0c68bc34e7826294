// The ops mention on Discord (/mention): which input is a role or member mention, the ping an alert carries for it,
// and how a reply shows it. This is the only way a coinsentry message pings anyone, and then only the one id named.

const MENTION = /^<@([&!]?)(\d{17,20})>$/;

/**
 * A role or member mention as Discord puts it in a string option when the user picks one from the list (`<@&id>`,
 * `<@id>`, `<@!id>`), normalised; anything else (plain `@name`, `@everyone`, `@here`) is refused.
 */
export function parseDiscordMention(text: string): string | undefined {
  const match = MENTION.exec(text.trim());
  if (!match) return undefined;
  return match[1] === '&' ? `<@&${match[2]}>` : `<@${match[2]}>`;
}

export interface MentionPing {
  content: string;
  allowed_mentions: { parse: []; roles?: [string]; users?: [string] };
}

/** The message content and allow-list that ping exactly `stored`, or undefined when it is not a valid mention. */
export function mentionPing(stored: string | null | undefined): MentionPing | undefined {
  const mention = stored ? parseDiscordMention(stored) : undefined;
  if (!mention) return undefined;
  const id = mention.replace(/\D/g, '');
  const allowed = mention.startsWith('<@&') ? { roles: [id] as [string] } : { users: [id] as [string] };
  return { content: `🔔 ${mention}`, allowed_mentions: { parse: [], ...allowed } };
}

/**
 * Shows role and member mentions in an escaped reply as Discord's mention chips again (escaping turned `<@&1>` into
 * `\<@\u200b&1\>`). Safe for /mention replies: they are ephemeral and sent with `allowed_mentions: { parse: [] }`.
 */
export function showMentions(escaped: string): string {
  return escaped.replace(/\\<@\u200b([&!]?\d{17,20})\\>/g, '<@$1>');
}
