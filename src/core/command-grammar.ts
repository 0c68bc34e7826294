// The command grammar of DESIGN.md §3, the same on every platform. Pure: text in, a parsed command or a refusal out.
import { ANY, WATCHABLE_FIELDS, isFieldTarget, topLevel } from './fields.js';

export const MAX_TARGETS_PER_COMMAND = 50;
export const MAX_ID_LENGTH = 100;

/** Fields that have sub-fields (`platforms.ethereum`, `additional_notices.can_mint_new_tokens`, `links.homepage`). */
const WITH_SUBFIELDS = new Set(['platforms', 'additional_notices', 'links']);
const COIN_ID = /^[a-z0-9](?:[a-z0-9._-]*[a-z0-9])?$/;
const SUBFIELD = /^[a-z0-9_-]+$/;

export const USAGE = {
  watch: 'Usage: /watch <coin-id|field>… e.g. /watch bitcoin, /watch public_notices, /watch bitcoin platforms',
  unwatch: 'Usage: /unwatch <coin-id|field>… or /unwatch all',
  list: 'Usage: /list',
  mention: 'Usage: /mention <@role or @user> to ping them on high-severity alerts, /mention off to stop, /mention to show',
} as const;

export type Command =
  | { name: 'help' }
  | { name: 'list' }
  | { name: 'watch'; coins: string[]; fields: string[] }
  | { name: 'unwatch'; coins: string[]; fields: string[] }
  | { name: 'unwatch_all' }
  /** `value` undefined: show the current mention; null: clear it; a string: set it (the adapter checks its syntax). */
  | { name: 'mention'; value: string | null | undefined };

export type ParseResult = { ok: true; command: Command } | { ok: false; reply: string };

const COMMANDS = new Set(['start', 'help', 'watch', 'unwatch', 'list', 'mention']);

/** Parses `/watch bitcoin` (or `/watch@BotName bitcoin`): the whole text of a chat message. */
export function parseCommandText(text: string): ParseResult | undefined {
  const match = /^\/([A-Za-z_]+)(?:@[A-Za-z0-9_]+)?(?:\s+([\s\S]*))?$/.exec(text.trim());
  if (!match) return undefined;
  return parseCommand(match[1]!, match[2] ?? '');
}

/** Parses a command given by name and its argument text (how Discord and Slack deliver them). */
export function parseCommand(name: string, args: string): ParseResult | undefined {
  const command = name.toLowerCase();
  if (!COMMANDS.has(command)) return undefined;
  if (command === 'start' || command === 'help') return { ok: true, command: { name: 'help' } };
  if (command === 'mention') return parseMention(args.trim());
  const words = args.split(/[\s,]+/).filter(Boolean);
  if (command === 'list') {
    return words.length === 0 ? { ok: true, command: { name: 'list' } } : { ok: false, reply: USAGE.list };
  }
  const usage = command === 'watch' ? USAGE.watch : USAGE.unwatch;
  if (words.length === 0) return { ok: false, reply: usage };
  if (command === 'unwatch' && words.length === 1 && words[0]!.toLowerCase() === 'all') {
    return { ok: true, command: { name: 'unwatch_all' } };
  }
  if (words.length > MAX_TARGETS_PER_COMMAND) {
    return { ok: false, reply: `Too many targets (${words.length}): at most ${MAX_TARGETS_PER_COMMAND} in one command.\n${usage}` };
  }

  const coins = new Set<string>();
  const fields = new Set<string>();
  for (const word of words) {
    const target = classifyTarget(word);
    if (!target.ok) return { ok: false, reply: `${target.reason}\n${usage}` };
    (target.kind === 'coin' ? coins : fields).add(target.value);
  }
  return { ok: true, command: { name: command === 'watch' ? 'watch' : 'unwatch', coins: [...coins], fields: [...fields] } };
}

function parseMention(value: string): ParseResult {
  if (value === '') return { ok: true, command: { name: 'mention', value: undefined } };
  if (/^(off|none|clear)$/i.test(value)) return { ok: true, command: { name: 'mention', value: null } };
  if (value.length > 200 || /\s/.test(value)) return { ok: false, reply: USAGE.mention };
  return { ok: true, command: { name: 'mention', value } };
}

type Target = { ok: true; kind: 'coin' | 'field'; value: string } | { ok: false; reason: string };

function classifyTarget(word: string): Target {
  if (word.length > MAX_ID_LENGTH + 'coin:'.length) return { ok: false, reason: `"${preview(word)}" is too long (at most ${MAX_ID_LENGTH} characters).` };
  const forcedCoin = word.toLowerCase().startsWith('coin:');
  const value = (forcedCoin ? word.slice('coin:'.length) : word).toLowerCase();
  if (!forcedCoin && isFieldTarget(value)) {
    const top = topLevel(value);
    if (value === top) return { ok: true, kind: 'field', value };
    const sub = value.slice(top.length + 1);
    if (!WITH_SUBFIELDS.has(top) || !SUBFIELD.test(sub) || sub.length > MAX_ID_LENGTH) {
      return { ok: false, reason: `"${preview(word)}" is not a field. Fields: ${WATCHABLE_FIELDS.join(', ')} (sub-fields such as platforms.ethereum).` };
    }
    return { ok: true, kind: 'field', value };
  }
  if (value.length === 0) return { ok: false, reason: 'coin: needs a coin id after it, e.g. coin:bitcoin.' };
  if (value.length > MAX_ID_LENGTH) return { ok: false, reason: `"${preview(word)}" is too long (at most ${MAX_ID_LENGTH} characters).` };
  if (value === ANY || !COIN_ID.test(value)) {
    return { ok: false, reason: `"${preview(word)}" is not a CoinGecko coin id (lowercase letters, digits, - . _).` };
  }
  return { ok: true, kind: 'coin', value };
}

/** The offending input, shortened and stripped of control characters, safe to echo back. */
function preview(word: string): string {
  // eslint-disable-next-line no-control-regex
  const printable = word.replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069]/g, '?');
  return printable.length > 40 ? `${printable.slice(0, 40)}…` : printable;
}
