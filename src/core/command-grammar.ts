// The command grammar of DESIGN.md §3, the same on every platform. Pure: text in, a parsed command or a refusal out.
import { EXCHANGE_FIELDS, isExchangeField, isKnownExchange } from './exchanges.js';
import { CHAT_COMMANDS, findCommand, slashForm, usageLine, type CommandForm, type CommandName } from './commands.js';
import { ANY, WATCHABLE_FIELDS, isFieldTarget, topLevel } from './fields.js';

export const MAX_TARGETS_PER_COMMAND = 50;
export const MAX_ID_LENGTH = 100;

/**
 * Fields that have sub-fields (`platforms.ethereum`, `additional_notices.can_mint_new_tokens`, `links.homepage`, and
 * an exchange for the exchange-event fields: `listings.binance`).
 */
const WITH_SUBFIELDS = new Set<string>(['platforms', 'additional_notices', 'links', ...EXCHANGE_FIELDS]);
const COIN_ID = /^[a-z0-9](?:[a-z0-9._-]*[a-z0-9])?$/;
const SUBFIELD = /^[a-z0-9_-]+$/;

/** The usage line of every command, as typed with a slash (replies in other forms use `usageLine` directly). */
export const USAGE = Object.fromEntries(CHAT_COMMANDS.map((c) => [c.name, usageLine(c)])) as Record<CommandName, string>;

export const DEFAULT_RECENT = 10;
export const MAX_RECENT = 50;
export const MAX_MUTE_MS = 30 * 24 * 3600_000;
const DURATION_UNITS: Record<string, number> = { m: 60_000, h: 3600_000, d: 24 * 3600_000, w: 7 * 24 * 3600_000 };

export type Command =
  | { name: 'help' }
  /** No coins and no fields: every subscription; else only those about these coins or fields. */
  | { name: 'list'; coins: string[]; fields: string[] }
  | { name: 'watch'; coins: string[]; fields: string[] }
  | { name: 'unwatch'; coins: string[]; fields: string[] }
  | { name: 'unwatch_all' }
  /** `value` undefined: show the current mention; null: clear it; a string: set it (the adapter checks its syntax). */
  | { name: 'mention'; value: string | null | undefined }
  /** Low-severity alerts of the chat (no coins and no fields), of those coins, or of those fields, for `durationMs`. */
  | { name: 'mute'; durationMs: number; coins: string[]; fields: string[] }
  /** No coins and no fields: every mute of the chat. */
  | { name: 'unmute'; coins: string[]; fields: string[] }
  /** The last recorded changes: of this chat's alerts, or of one coin or field. */
  | { name: 'recent'; target?: { kind: 'coin' | 'field'; value: string }; limit: number }
  /** A coin's current metadata: `query` as typed (an id, a symbol, a contract address or a coingecko.com URL's id). */
  | { name: 'coin'; query: string };

/**
 * How coin words are read. `ids` (without a coin directory): CoinGecko ids only, lower-cased, as ever. `typed` (with
 * one): a coin word is kept as typed (`$USDT`, a contract address, a Solana address whose case matters) for the
 * resolver to look up; fields, exchanges and URLs are read the same in both.
 */
export type CoinWords = 'ids' | 'typed';

export type ParseResult = { ok: true; command: Command } | { ok: false; reply: string };

/** Parses `/watch bitcoin` (or `/watch@BotName bitcoin`): the whole text of a chat message. */
export function parseCommandText(text: string): ParseResult | undefined {
  const match = /^\/([A-Za-z_]+)(?:@[A-Za-z0-9_]+)?(?:\s+([\s\S]*))?$/.exec(text.trim());
  if (!match) return undefined;
  return parseCommand(match[1]!, match[2] ?? '');
}

/**
 * Parses a command given by name and its argument text (how Discord and Slack deliver them); undefined when the name
 * is not one of ours. Refusals carry the usage line in `form`, the way the user typed the command.
 */
export function parseCommand(name: string, args: string, form: CommandForm = slashForm, coinWords: CoinWords = 'ids'): ParseResult | undefined {
  const spec = findCommand(name);
  if (!spec) return undefined;
  const usage = usageLine(spec, form);
  const words = args.split(/[\s,]+/).filter(Boolean);
  const parseTargets = (targetWords: readonly string[], usageText: string) => parseTargetList(targetWords, usageText, coinWords);
  switch (spec.name) {
    case 'coin': {
      if (words.length !== 1) return { ok: false, reply: usage };
      const target = classifyTarget(words[0]!, 'typed');
      if (!target.ok) return { ok: false, reply: `${target.reason}\n${usage}` };
      if (target.kind === 'field') return { ok: false, reply: `${words[0]} is a field, not a coin (coin:${target.value} for a coin with that id).\n${usage}` };
      return { ok: true, command: { name: 'coin', query: target.value } };
    }
    case 'help':
      return { ok: true, command: { name: 'help' } };
    case 'list': {
      const targets = parseTargets(words, usage);
      return targets.ok ? { ok: true, command: { name: 'list', ...targets.value } } : targets;
    }
    case 'mention':
      return parseMention(args.trim(), usage);
    case 'mute':
      return parseMute(words, usage, coinWords);
    case 'unmute': {
      const targets = parseTargets(words, usage);
      return targets.ok ? { ok: true, command: { name: 'unmute', ...targets.value } } : targets;
    }
    case 'recent':
      return parseRecent(words, usage, coinWords);
    case 'watch':
    case 'unwatch': {
      if (words.length === 0) return { ok: false, reply: usage };
      if (spec.name === 'unwatch' && words.length === 1 && words[0]!.toLowerCase() === 'all') {
        return { ok: true, command: { name: 'unwatch_all' } };
      }
      const targets = parseTargets(words, usage);
      return targets.ok ? { ok: true, command: { name: spec.name, ...targets.value } } : targets;
    }
  }
}

type Targets = { ok: true; value: { coins: string[]; fields: string[] } } | { ok: false; reply: string };

const tooMany = (count: number, usage: string): Targets => ({
  ok: false,
  reply: `Too many targets (${count}): at most ${MAX_TARGETS_PER_COMMAND} in one command.\n${usage}`,
});

/** Coin ids and fields, each once; the first bad word is refused with the command's usage line. */
function parseTargetList(words: readonly string[], usage: string, coinWords: CoinWords): Targets {
  if (words.length > MAX_TARGETS_PER_COMMAND) return tooMany(words.length, usage);
  const coins = new Set<string>();
  const fields = new Set<string>();
  const exchanges = new Set<string>();
  for (const word of words) {
    const target = classifyTarget(word, coinWords);
    if (!target.ok) return { ok: false, reply: `${target.reason}\n${usage}` };
    if (target.kind === 'coin' && isKnownExchange(word.toLowerCase())) exchanges.add(target.value);
    else (target.kind === 'coin' ? coins : fields).add(target.value);
  }
  // `/watch listings binance`: known exchanges beside a bare exchange-event field narrow it to them (`listings.binance`);
  // without such a field they are coin ids as ever (`/watch binance`), and `coin:binance` is always a coin.
  const narrowed = [...fields].filter(isExchangeField);
  if (exchanges.size > 0 && narrowed.length > 0) {
    for (const field of narrowed) {
      fields.delete(field);
      for (const exchange of exchanges) fields.add(`${field}.${exchange}`);
    }
  } else for (const exchange of exchanges) coins.add(exchange);
  if (coins.size + fields.size > MAX_TARGETS_PER_COMMAND) return tooMany(coins.size + fields.size, usage);
  return { ok: true, value: { coins: [...coins], fields: [...fields] } };
}

/** `30m`, `2h`, `1d`, `1w` (also `90min`, `12hours`, `3days`): milliseconds, or undefined when not a duration. */
export function parseDuration(word: string): number | undefined {
  const match = /^(\d{1,6})\s*(m|min|mins|minutes?|h|hrs?|hours?|d|days?|w|weeks?)$/i.exec(word);
  if (!match) return undefined;
  return Number(match[1]) * DURATION_UNITS[match[2]![0]!.toLowerCase()]!;
}

function parseMute(words: readonly string[], usage: string, coinWords: CoinWords): ParseResult {
  const [first, ...rest] = words;
  const durationMs = first === undefined ? undefined : parseDuration(first);
  if (durationMs === undefined) {
    const reason = first === undefined ? '' : `"${preview(first)}" is not a duration.\n`;
    return { ok: false, reply: `${reason}${usage}` };
  }
  if (durationMs <= 0 || durationMs > MAX_MUTE_MS) return { ok: false, reply: `A mute lasts from 1 minute to 30 days.\n${usage}` };
  const targets = parseTargetList(rest, usage, coinWords);
  return targets.ok ? { ok: true, command: { name: 'mute', durationMs, ...targets.value } } : targets;
}

function parseRecent(words: readonly string[], usage: string, coinWords: CoinWords): ParseResult {
  let limit: number | undefined;
  let target: { kind: 'coin' | 'field'; value: string } | undefined;
  for (const word of words) {
    if (/^\d+$/.test(word) && limit === undefined) {
      limit = Number(word);
      if (limit < 1 || limit > MAX_RECENT) return { ok: false, reply: `Count ${preview(word)} is out of range.\n${usage}` };
      continue;
    }
    // `/recent listings binance`, as /watch reads it: a known exchange after a bare exchange-event field narrows it.
    if (target?.kind === 'field' && isExchangeField(target.value) && isKnownExchange(word.toLowerCase())) {
      target = { kind: 'field', value: `${target.value}.${word.toLowerCase()}` };
      continue;
    }
    if (target !== undefined) return { ok: false, reply: usage };
    const classified = classifyTarget(word, coinWords);
    if (!classified.ok) return { ok: false, reply: `${classified.reason}\n${usage}` };
    target = { kind: classified.kind, value: classified.value };
  }
  return { ok: true, command: { name: 'recent', limit: limit ?? DEFAULT_RECENT, ...(target && { target }) } };
}

function parseMention(value: string, usage: string): ParseResult {
  if (value === '') return { ok: true, command: { name: 'mention', value: undefined } };
  if (/^(off|none|clear)$/i.test(value)) return { ok: true, command: { name: 'mention', value: null } };
  if (value.length > 200 || /\s/.test(value)) return { ok: false, reply: usage };
  return { ok: true, command: { name: 'mention', value } };
}

type Target = { ok: true; kind: 'coin' | 'field'; value: string } | { ok: false; reason: string };

/**
 * `https://www.coingecko.com/en/coins/bitcoin` (any language segment, or none) → `bitcoin`; also as Slack escapes a
 * link (`<https://…>`, `<https://…|label>`).
 */
const COINGECKO_URL = /^<?(?:https?:\/\/)?(?:www\.)?coingecko\.com\/(?:[a-z]{2}(?:-[a-z]{2,4})?\/)?coins\/([^/?#\s|<>]+)\/?(?:[?#][^\s|<>]*)?(?:\|[^<>]*)?>?$/i;
/** A coin word kept as typed for the directory: an optional `$`, then letters, digits and `. _ - :` (Sui's `0x…::usdc::USDC`). */
const TYPED_COIN = /^\$?[A-Za-z0-9](?:[A-Za-z0-9._:-]*[A-Za-z0-9])?$/;

function classifyTarget(word: string, coinWords: CoinWords = 'ids'): Target {
  const url = COINGECKO_URL.exec(word);
  if (url) word = decodeURIComponentSafe(url[1]!);
  if (word.length > MAX_ID_LENGTH + 'coin:'.length) return { ok: false, reason: `"${preview(word)}" is too long (at most ${MAX_ID_LENGTH} characters).` };
  const forcedCoin = word.toLowerCase().startsWith('coin:');
  const typed = forcedCoin ? word.slice('coin:'.length) : word;
  const value = typed.toLowerCase();
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
  if (coinWords === 'typed' && !url && TYPED_COIN.test(typed)) return { ok: true, kind: 'coin', value: typed };
  if (value === ANY || !COIN_ID.test(value)) {
    return { ok: false, reason: `"${preview(word)}" is not a CoinGecko coin id (lowercase letters, digits, - . _).` };
  }
  return { ok: true, kind: 'coin', value };
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** The offending input, shortened and stripped of control characters, safe to echo back. */
function preview(word: string): string {
  // eslint-disable-next-line no-control-regex
  const printable = word.replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069]/g, '?');
  return printable.length > 40 ? `${printable.slice(0, 40)}…` : printable;
}
