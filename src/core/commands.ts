// The chat commands, declared once. The grammar, /help, the admin check, Telegram's menu and handlers, Discord's slash
// commands and autocomplete, Slack's sub-commands and its app manifest all read this list, and the command service
// needs a handler for every name in it (a typed record), so a command cannot be advertised without being wired.

/** What an argument holds: the grammar reads them in declaration order, joined by spaces. */
export type ArgumentKind = 'targets' | 'duration' | 'mention' | 'count';

export interface CommandArgument {
  /** The option name where a platform has named options (Discord). */
  name: string;
  kind: ArgumentKind;
  /** One line for the option (Discord: at most 100 characters). */
  description: string;
  required: boolean;
  /** Text arguments: the most characters accepted. */
  maxLength?: number;
  /** Count arguments: the range accepted. */
  min?: number;
  max?: number;
  /** Offers coin and field suggestions as the user types (Discord autocomplete). */
  suggests?: boolean;
}

/** Who may run a command in a group chat: anyone, or only those who manage the chat (administrators). */
export type Changes =
  /** Read-only: anyone may run it. */
  | 'never'
  /** Always changes the chat's settings. */
  | 'always'
  /** Reads without arguments (`/mention` shows the mention), changes with them (`/mention @oncall`). */
  | 'with-arguments';

export interface ChatCommand {
  name: string;
  /** Other names that run the same command (Telegram's `/start`); handled everywhere, advertised nowhere. */
  aliases?: readonly string[];
  /** One line for menus (Telegram: ≤ 256 characters; Discord: ≤ 100). */
  summary: string;
  /** The argument patterns, first the main one: `<coin-id|field>…`, `all`. Empty: the command takes none. */
  forms: readonly string[];
  /** Arguments as typed after the command, for usage lines and /help. */
  examples: readonly string[];
  /** An extra sentence for the usage line. */
  note?: string;
  args: readonly CommandArgument[];
  changes: Changes;
  /** Registered as its own Slack slash command besides the umbrella (`/watch` as well as `/coinsentry watch`). */
  slackDirect?: boolean;
}

const TARGETS = { name: 'targets', kind: 'targets', maxLength: 6000, suggests: true } as const;

export const CHAT_COMMANDS = [
  {
    name: 'watch',
    summary: 'Get alerts here for coins or fields (CoinGecko changes, listings)',
    forms: ['<coin-id|field>…'],
    examples: ['bitcoin', 'public_notices', 'bitcoin platforms', 'listings binance'],
    args: [{ ...TARGETS, description: 'Coin ids and/or fields, e.g. "bitcoin", "public_notices", "listings binance"', required: true }],
    changes: 'always',
    slackDirect: true,
  },
  {
    name: 'unwatch',
    summary: 'Stop alerts for coins or fields ("all": every one)',
    forms: ['<coin-id|field>…', 'all'],
    examples: ['bitcoin', 'all'],
    args: [{ ...TARGETS, description: 'Coin ids and/or fields to stop watching, or "all"', required: true }],
    changes: 'always',
    slackDirect: true,
  },
  {
    name: 'list',
    summary: 'What this chat watches, and its mutes (or only some coins or fields)',
    forms: ['', '<coin-id|field>…'],
    examples: ['', 'bitcoin', 'platforms'],
    args: [{ ...TARGETS, description: 'Only the subscriptions of these coins or fields (empty: all)', required: false }],
    changes: 'never',
    slackDirect: true,
  },
  {
    name: 'mention',
    summary: 'Who high-severity alerts ping here ("off" to stop)',
    forms: ['<@role or @user>', 'off'],
    examples: ['@oncall', 'off'],
    args: [{ name: 'who', kind: 'mention', description: 'A @role or @member (pick it from the list), or "off"', required: false, maxLength: 200 }],
    changes: 'with-arguments',
  },
  {
    name: 'mute',
    summary: 'Pause low-severity alerts for a while (migrations still come)',
    forms: ['<duration> [coin-id|field]…'],
    examples: ['2h', '1d categories'],
    note: 'Durations: 30m, 2h, 1d, 1w; at most 30d.',
    args: [
      { name: 'duration', kind: 'duration', description: 'How long: 30m, 2h, 1d, 1w (at most 30d)', required: true, maxLength: 20 },
      { ...TARGETS, description: 'Only these coins or fields (empty: every low-severity alert)', required: false },
    ],
    changes: 'always',
  },
  {
    name: 'unmute',
    summary: 'End mutes (all, or of some coins or fields)',
    forms: ['', '<coin-id|field>…'],
    examples: ['', 'categories'],
    args: [{ ...TARGETS, description: 'Coins or fields whose mute ends (empty: every mute)', required: false }],
    changes: 'always',
  },
  {
    name: 'recent',
    summary: "The last changes: this chat's alerts, or a coin's or field's",
    forms: ['[coin-id|field] [count]'],
    examples: ['', 'bitcoin', 'platforms 20'],
    note: 'Count 1-50, default 10.',
    args: [
      { ...TARGETS, description: 'A coin id or field (empty: the alerts of this chat)', required: false },
      { name: 'count', kind: 'count', description: 'How many (default 10)', required: false, min: 1, max: 50 },
    ],
    changes: 'never',
  },
  {
    name: 'coin',
    summary: "A coin's contracts per chain, notices and security flags, from CoinGecko",
    forms: ['<coin-id|symbol|address|url>'],
    examples: ['tether', '$USDT', '0xdac17f958d2ee523a2206206994597c13d831ec7'],
    note: 'Needs the CoinGecko API (COINGECKO_API_KEY).',
    args: [{ name: 'coin', kind: 'targets', description: 'A coin id, $SYMBOL, contract address or coingecko.com URL', required: true, maxLength: 200, suggests: true }],
    changes: 'never',
  },
  {
    name: 'help',
    aliases: ['start'],
    summary: 'What coinsentry does, with examples',
    forms: [],
    examples: [],
    args: [],
    changes: 'never',
  },
] as const satisfies readonly ChatCommand[];

export type CommandName = (typeof CHAT_COMMANDS)[number]['name'];

const BY_NAME = new Map<string, ChatCommand>(
  CHAT_COMMANDS.flatMap((command: ChatCommand) => [command.name, ...(command.aliases ?? [])].map((name) => [name, command] as const)),
);

/** The command a typed name (or alias) stands for, case-insensitively; undefined when it is not one of ours. */
export function findCommand(name: string): (ChatCommand & { name: CommandName }) | undefined {
  return BY_NAME.get(name.toLowerCase()) as (ChatCommand & { name: CommandName }) | undefined;
}

/** Every name a platform must handle: each command and its aliases. */
export const HANDLED_NAMES: readonly string[] = [...BY_NAME.keys()];

/** Whether running `command` with `args` changes the chat's settings (in groups: administrators only). */
export function changesSettings(command: ChatCommand, args: string): boolean {
  if (command.changes === 'with-arguments') return args.trim() !== '';
  return command.changes === 'always';
}

/** The commands anyone may run, as the refusal names them: `/list, /recent, /coin, /help`. */
export function openCommands(form: CommandForm = slashForm): string {
  return CHAT_COMMANDS.filter((c: ChatCommand) => c.changes === 'never')
    .map((c) => form(c.name))
    .join(', ');
}

/**
 * How a command is typed where the user is: `/watch` on Telegram and Discord; `/coinsentry watch` through Slack's
 * umbrella command. Replies and usage lines name commands through it, so they read as the user would type them.
 */
export type CommandForm = (name: string) => string;

export const slashForm: CommandForm = (name) => `/${name}`;

/** `Usage: /watch <coin-id|field>… e.g. /watch bitcoin, /watch public_notices`. */
export function usageLine(command: ChatCommand, form: CommandForm = slashForm): string {
  const typed = form(command.name);
  const forms = command.forms.length ? command.forms.map((f) => (f ? `${typed} ${f}` : typed)).join(' or ') : typed;
  const examples = command.examples.map((e) => (e ? `${typed} ${e}` : typed));
  const tail = [examples.length ? ` e.g. ${examples.join(', ')}` : '', command.note ? `. ${command.note}` : ''].join('');
  return `Usage: ${forms}${tail}`;
}

/** `/watch <coin-id|field>… — Get alerts here …`: one line per command, for /help and the README. */
export function commandLines(form: CommandForm = slashForm): string[] {
  return CHAT_COMMANDS.map((c: ChatCommand) => `${form(c.name)}${c.forms[0] ? ` ${c.forms[0]}` : ''} — ${c.summary}`);
}
