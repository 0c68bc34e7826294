// The command service: what every platform adapter calls when a chat user types a command, or when the platform
// tells us a chat went away or moved. Parsing and planning are pure (command-grammar, command-plan); this module
// applies the plan to the store and returns the reply text. Replies are plain text: adapters escape them.
import type { Logger } from '../logger.js';
import { EXPIRED, createPressHandler, type ButtonStore, type PressObserver, type PressRequest, type PressResult } from './alert-press.js';
import { chatAddress, type ChatAccess, type ChatRef } from './chat.js';
import type { CoinDirectory } from './coin-directory.js';
import { coinCard } from './coin-card.js';
import { parseCommand, type Command } from './command-grammar.js';
import { changesSettings, findCommand, openCommands, slashForm, usageLine, type CommandForm, type CommandName } from './commands.js';
import { createCommandRate } from './command-rate.js';
import { helpText } from './help.js';
import { planCommand, type CoinName, type Pair } from './command-plan.js';
import type { DirectoryCoin } from './coin-directory.js';
import { WATCHABLE_FIELDS, isFieldTarget } from './fields.js';
import { formatDuration, formatUtc, muteLabel, requestedMutes, type Mute } from './mutes.js';
import { describeRecent, type RecentEntry } from './recent.js';
import { resolveCommand, resolves } from './resolve-command.js';
import { closestCoins } from './resolve-target.js';

/** A chat as the store keeps it. */
export interface StoredChat {
  id: number;
  opsMention: string | null;
  access: string;
  accessNoticeAt: number | null;
}

/** The storage the service needs; implemented over SQLite in src/db/chats.ts. */
export interface ChatStore {
  /** Finds or creates the chat (a new one gets `access`), reactivating it: someone is talking to the bot there. */
  ensureChat(chat: ChatRef, access?: ChatAccess): StoredChat;
  setAccess(chatId: number, access: ChatAccess, by: string): void;
  markAccessNotice(chatId: number, now: number): void;
  setOpsMention(chatId: number, mention: string | null): void;
  findChat(chat: Pick<ChatRef, 'platform' | 'platformChatId'>): { id: number; active: boolean } | undefined;
  listSubscriptions(chatId: number): Pair[];
  applySubscriptionChanges(chatId: number, add: readonly Pair[], remove: readonly Pair[]): void;
  coinNames(ids: readonly string[]): Map<string, CoinName>;
  searchCoins(prefix: string, limit: number): Array<{ id: string; name: string | null }>;
  deactivateChat(chatId: number, reason: string): void;
  reactivateChat(chatId: number): void;
  moveChat(chatId: number, newPlatformChatId: string): number;
  setMutes(chatId: number, mutes: readonly Mute[], now: number): void;
  /** Ends the chat's mutes (all, or those of `targets`); returns the active ones that ended. */
  endMutes(chatId: number, now: number, targets?: ReadonlyArray<Pick<Mute, 'kind' | 'target'>>): Mute[];
  listMutes(chatId: number, now: number): Mute[];
  /** Recorded history, newest first: the chat's own alerts, or every event of a coin or of a field. */
  history(query: { chatId: number } | { coinId: string } | { field: string }, limit: number): RecentEntry[];
}

export interface CommandRequest {
  chat: ChatRef;
  /** The command name without slash or bot name: `watch`, `unwatch`, `list`, `help`, `start`. */
  name: string;
  /** Everything after the command name. */
  args: string;
  /**
   * Whether the sender may change this chat's settings. Asked only for commands that change them, so an adapter can
   * make an API call here (Telegram getChatMember) without slowing down /list and /help.
   */
  canManage: () => boolean | Promise<boolean>;
  /**
   * The platform's mention syntax: returns the mention to store for `/mention <text>`, or undefined when `text` is not a
   * role or user mention there (or one that would ping everyone). Absent on platforms without mentions.
   */
  parseMention?: (text: string) => string | undefined;
  /** Who may change settings here, where the platform's rule is not "chat administrators": `members with Manage Channels`. */
  managers?: string;
  /** How commands are typed here (`/coinsentry watch` through Slack's umbrella); replies name commands that way. */
  form?: CommandForm;
  /** The reply is posted for the whole chat to read (Telegram groups), not shown to the sender alone: keep it short. */
  publicReply?: boolean;
  /** The platform's id of who typed the command (for BOT_ADMINS); absent where none is known (a channel post). */
  senderId?: string;
  /** The platform waits for an answer to every command (Discord, Slack): the service never answers with silence. */
  answerRequired?: boolean;
}

export interface CommandHandler {
  /** Runs one command; undefined when `name` is not one of ours (the adapter stays silent). Never throws for bad input. */
  run(request: CommandRequest): Promise<string | undefined>;
  /** The platform says the bot was removed, blocked or the chat deleted. */
  chatGone(chat: Pick<ChatRef, 'platform' | 'platformChatId'>, reason: string): void;
  /** The platform says the bot is back in a chat it had left (re-added to a group, unblocked): alerts resume there. */
  chatReturned(chat: Pick<ChatRef, 'platform' | 'platformChatId'>): void;
  /** The platform says the chat now has another id. */
  chatMoved(chat: Pick<ChatRef, 'platform' | 'platformChatId'>, newPlatformChatId: string): void;
  /** Target suggestions for a partially typed word (Discord autocomplete); `command` where they are asked for (no fields for /coin). */
  suggest(partial: string, limit: number, command?: string): Array<{ name: string; value: string }>;
  /** A press of an alert button (see alert-press.ts): the toast, and the message as it now reads. Never throws for bad input. */
  press(request: PressRequest): Promise<PressResult>;
}

function describeMutes(mutes: readonly Mute[]): string {
  return ['Muted (low-severity alerts only):', ...mutes.map((m) => `• ${muteLabel(m)} until ${formatUtc(m.until)}`)].join('\n');
}

/** The refusal of a change by someone who may not make it, naming the commands anyone may use. */
export function notAllowed(managers = 'chat administrators', form: CommandForm = slashForm): string {
  return `Only ${managers} can change this chat's settings. Anyone can use ${openCommands(form)}.`;
}

export interface CommandServiceOptions {
  subscriptionLimit: number;
  /** Active mutes one chat may hold (MUTE_LIMIT; default 50). */
  muteLimit?: number;
  /** Milliseconds since the epoch; injected by tests of mute expiry. */
  clock?: () => number;
  /** One `info` line per command: platform, chat, command and outcome (never the text typed). */
  log?: Logger;
  /**
   * CHAT_ACCESS: `approval` serves only approved chats (a command from a `platform:userId` in `admins` approves the
   * chat it is typed in); `open` (the default here, as for a service built in a test) serves every chat.
   */
  access?: { mode: 'approval' | 'open'; admins: ReadonlySet<string> };
  /** Commands per minute a chat, and one person across the platform, may send (unlimited when absent). */
  rate?: { perChatPerMinute: number; perUserPerMinute: number };
  /**
   * CoinGecko's coin directory (COINGECKO_API_KEY): coin words are resolved against it (symbols, contract addresses,
   * typos) and /coin answers. Absent, or not ready, commands take CoinGecko ids as without it.
   */
  directory?: CoinDirectory;
  /** The alert buttons (absent: every press answers that the button has expired). */
  buttons?: ButtonStore;
  /** Counts presses and times acknowledgements (/metrics). */
  observe?: PressObserver;
}

const DEFAULT_MUTE_LIMIT = 50;

/** How often, at most, an unapproved chat is told that the bot is private (Telegram; Discord and Slack always answer). */
const ACCESS_NOTICE_MS = 3600_000;

/** What an unapproved chat is told: that the bot is private, and the exact command that approves it. */
export function privateNotice(access: string, address: string): string {
  const approve = `npm run cli -- approve ${address}`;
  return access === 'revoked'
    ? `coinsentry no longer serves this chat: its admin revoked it. To serve it again, the admin runs:\n${approve}`
    : `coinsentry is private: it serves only the chats its admin approves. To use it here, ask the admin to run:\n${approve}`;
}

/** What a chat is told when the admin approves or revokes it from the command line. */
export function accessChangedNotice(access: 'approved' | 'revoked', address: string): string {
  return access === 'approved'
    ? 'coinsentry now serves this chat: its admin approved it. Its help command lists what it can do, with examples.'
    : privateNotice('revoked', address);
}

/** What became of a command, for the log. */
type Outcome = 'answered' | 'usage' | 'unresolved' | 'refused' | 'not approved' | 'rate limited';

/** One command being run: its parsed form, the chat's row and how the user types commands there. */
interface Run<C extends Command = Command> {
  command: C;
  request: CommandRequest;
  chat: StoredChat;
  form: CommandForm;
  /** Names of the coins the directory resolved, and how each was found. */
  names: ReadonlyMap<string, CoinName>;
  /** How typed words were resolved, for replies that do not name each coin. */
  notes: readonly string[];
}

const NO_KEY = 'needs the CoinGecko API: the admin sets COINGECKO_API_KEY (docs/coin-directory.md).';

export function createCommandService(store: ChatStore, options: CommandServiceOptions): CommandHandler {
  const clock = options.clock ?? Date.now;
  const access = options.access ?? { mode: 'open', admins: new Set<string>() };
  const chatId = (run: Run) => run.chat.id;
  const rate = options.rate && createCommandRate({ ...options.rate, clock });
  const directory = options.directory;

  /** Names for replies: the coins webhooks named, the directory's for the others, and how typed words resolved. */
  function namesOf(ids: readonly string[], resolved: ReadonlyMap<string, CoinName>): Map<string, CoinName> {
    const names = store.coinNames(ids);
    const lookup = directory?.ready() ? directory.lookup : undefined;
    for (const id of new Set(ids)) {
      const known = lookup && !names.has(id) ? lookup.coin(id) : undefined;
      if (known) names.set(id, { name: known.name, symbol: known.symbol });
    }
    for (const [id, name] of resolved) names.set(id, { ...names.get(id), ...name, name: name.name ?? names.get(id)?.name ?? null });
    return names;
  }
  /** A usage reply with the coins closest to the words typed, when the directory is there to find them. */
  function withSuggestions(reply: string, args: string): string {
    if (!directory?.ready()) return reply;
    const words = args.split(/[\s,]+/).map((w) => w.replace(/[^A-Za-z0-9.-]/g, '').toLowerCase()).filter((w) => w.length >= 3 && !isFieldTarget(w)).slice(0, 3);
    const close = words.flatMap((word) => closestCoins(word, directory.lookup.everyCoin(), 3)).slice(0, 3);
    return close.length ? `${reply}\nClose matches: ${[...new Set(close.map((c) => `${c.id} (${c.name})`))].join(', ')}.` : reply;
  }
  const withNotes = (notes: readonly string[], reply: string) => (notes.length ? `${notes.join('\n')}\n${reply}` : reply);

  /**
   * The chat, when the bot serves it: approved, or approved now (CHAT_ACCESS=open, or a BOT_ADMINS user typed this).
   * Otherwise the private notice, or '' (silence) when the chat had it within the hour and the platform allows silence.
   */
  function admit(request: CommandRequest): { chat: StoredChat; note?: string } | { refusal: string } {
    const chat = store.ensureChat(request.chat, access.mode === 'open' ? 'approved' : 'pending');
    if (chat.access === 'approved') return { chat };
    if (access.mode === 'open' && chat.access === 'pending') {
      store.setAccess(chat.id, 'approved', 'open');
      return { chat };
    }
    const sender = request.senderId === undefined ? undefined : chatAddress({ platform: request.chat.platform, platformChatId: request.senderId });
    if (sender !== undefined && access.admins.has(sender)) {
      store.setAccess(chat.id, 'approved', sender);
      return { chat, note: `Approved this chat for coinsentry (${sender} is in BOT_ADMINS).` };
    }
    const now = clock();
    if (!request.answerRequired && chat.accessNoticeAt !== null && now - chat.accessNoticeAt < ACCESS_NOTICE_MS) return { refusal: '' };
    store.markAccessNotice(chat.id, now);
    return { refusal: privateNotice(chat.access, chatAddress(request.chat)) };
  }

  /** Subscriptions: the pure plan, applied. */
  function subscriptions({ command, chat, form, names }: Run<Extract<Command, { name: 'list' | 'watch' | 'unwatch' | 'unwatch_all' }>>): string {
    const current = store.listSubscriptions(chat.id);
    const mentioned = command.name === 'watch' || command.name === 'unwatch' ? command.coins : [];
    const plan = planCommand({
      command,
      current,
      limit: options.subscriptionLimit,
      coinNames: namesOf([...mentioned, ...current.map((p) => p.coinId)], names),
      form,
    });
    if (plan.add.length || plan.remove.length) store.applySubscriptionChanges(chat.id, plan.add, plan.remove);
    if (command.name !== 'list') return plan.reply;
    const mutes = store.listMutes(chat.id, clock());
    return mutes.length ? `${plan.reply}\n${describeMutes(mutes)}` : plan.reply;
  }

  function mention({ command, request, chat, form }: Run<Extract<Command, { name: 'mention' }>>): string {
    const usage = usageLine(findCommand('mention')!, form);
    if (!request.parseMention) return 'Mentions are not available on this platform.';
    if (command.value === undefined) {
      return chat.opsMention
        ? `High-severity alerts here ping ${chat.opsMention}. ${form('mention')} off stops that.`
        : `High-severity alerts here ping nobody.\n${usage}`;
    }
    if (command.value === null) {
      store.setOpsMention(chat.id, null);
      return 'High-severity alerts here no longer ping anyone.';
    }
    const parsed = request.parseMention(command.value);
    if (!parsed) return `That is not a role or user mention here (mentions of everyone are refused).\n${usage}`;
    store.setOpsMention(chat.id, parsed);
    return `High-severity alerts here (contract migrations, notices, security flags) will ping ${parsed}.`;
  }

  function mute(run: Run<Extract<Command, { name: 'mute' }>>): string {
    const { command, form } = run;
    const now = clock();
    const wanted = requestedMutes(command.coins, command.fields, now + command.durationMs);
    const active = store.listMutes(chatId(run), now);
    const added = wanted.filter((w) => !active.some((m) => m.kind === w.kind && m.target === w.target)).length;
    const limit = options.muteLimit ?? DEFAULT_MUTE_LIMIT;
    if (active.length + added > limit) {
      return (
        `This chat has ${active.length} active mute${active.length === 1 ? '' : 's'}, and holds at most ${limit} (MUTE_LIMIT): nothing changed. ` +
        `End some with ${form('unmute')} <coin-id|field>, or mute every low-severity alert at once with ${form('mute')} <duration>.`
      );
    }
    store.setMutes(chatId(run), wanted, now);
    const what = wanted.map(muteLabel).join(', ');
    return withNotes(
      run.notes,
      `Muted ${what} for ${formatDuration(command.durationMs)}, until ${formatUtc(now + command.durationMs)}. ` +
        `Contract migrations and notices still come through; muted alerts are kept and ${form('recent')} shows them. ${form('unmute')} ends it sooner.`,
    );
  }

  function unmute(run: Run<Extract<Command, { name: 'unmute' }>>): string {
    const { command } = run;
    const now = clock();
    const all = command.coins.length === 0 && command.fields.length === 0;
    const asked = all ? undefined : requestedMutes(command.coins, command.fields, now);
    const ended = store.endMutes(chatId(run), now, asked);
    const lines = ended.map((m) => `Unmuted ${muteLabel(m)}.`);
    const missing = asked?.filter((a) => !ended.some((m) => m.kind === a.kind && m.target === a.target)) ?? [];
    lines.push(...missing.map((m) => `${muteLabel(m)} was not muted.`));
    if (all && ended.length === 0) lines.push('Nothing is muted in this chat.');
    return lines.join('\n');
  }

  function recent(run: Run<Extract<Command, { name: 'recent' }>>): string {
    const { command, form } = run;
    const { target, limit } = command;
    if (!target) {
      return describeRecent(
        `The last ${limit} alerts of this chat (newest first; muted and held ones too):`,
        store.history({ chatId: chatId(run) }, limit),
        `No alerts for this chat yet. ${form('recent')} <coin-id|field> shows what was recorded for any coin or field.`,
      );
    }
    const entries = store.history(target.kind === 'coin' ? { coinId: target.value } : { field: target.value }, limit);
    return withNotes(run.notes, describeRecent(`The last ${limit} recorded changes of ${target.value} (newest first):`, entries, `Nothing recorded for ${target.value} yet.`));
  }

  /** /coin: the coin's current metadata from the API (the query was resolved to an id when the directory is ready). */
  async function coin(run: Run<Extract<Command, { name: 'coin' }>>): Promise<string> {
    if (!directory) return `${run.form('coin')} ${NO_KEY}`;
    const why = directory.unavailable();
    if (why) return `${run.form('coin')} is off: ${why}.`;
    const id = run.command.query.toLowerCase();
    const result = await directory.details(id);
    if (result.kind === 'not_found') return `No CoinGecko coin with id ${id}.`;
    if (result.kind === 'unreachable') return 'The CoinGecko API could not be reached (or answered too slowly); try again in a moment.';
    return coinCard(result.details, run.names.get(result.details.id)?.note);
  }

  /**
   * One handler per declared command, keyed by its name: the type requires every command of CHAT_COMMANDS to have
   * one, so none can be advertised and left unanswered.
   */
  const handlers: { [N in CommandName]: (run: Run) => string | Promise<string> } = {
    watch: (run) => subscriptions(run as Run<Extract<Command, { name: 'watch' }>>),
    unwatch: (run) => subscriptions(run as Run<Extract<Command, { name: 'unwatch' | 'unwatch_all' }>>),
    list: (run) => subscriptions(run as Run<Extract<Command, { name: 'list' }>>),
    mention: (run) => mention(run as Run<Extract<Command, { name: 'mention' }>>),
    mute: (run) => mute(run as Run<Extract<Command, { name: 'mute' }>>),
    unmute: (run) => unmute(run as Run<Extract<Command, { name: 'unmute' }>>),
    recent: (run) => recent(run as Run<Extract<Command, { name: 'recent' }>>),
    coin: (run) => coin(run as Run<Extract<Command, { name: 'coin' }>>),
    help: ({ request, form }) => {
      return helpText({ form, brief: request.publicReply === true && request.chat.kind !== 'private' });
    },
  };

  async function answer(request: CommandRequest, form: CommandForm): Promise<{ reply: string; outcome: Outcome } | undefined> {
    const spec = findCommand(request.name);
    if (!spec) return undefined;
    const parsed = parseCommand(spec.name, request.args, form, directory?.ready() ? 'typed' : 'ids');
    const verdict = rate?.take(chatAddress(request.chat), request.senderId && `${request.chat.platform}:${request.senderId}`);
    if (verdict && !verdict.ok) {
      const reply = verdict.warn || request.answerRequired ? `Slow down: too many commands here. Try again in ${verdict.retryInSeconds} s.` : '';
      return { reply, outcome: 'rate limited' };
    }
    const admitted = admit(request);
    if ('refusal' in admitted) return { reply: admitted.refusal, outcome: 'not approved' };
    if (!parsed?.ok) return { reply: withSuggestions(parsed?.reply ?? usageLine(spec, form), request.args), outcome: 'usage' };
    if (changesSettings(spec, request.args) && !(await request.canManage())) {
      return { reply: notAllowed(request.managers, form), outcome: 'refused' };
    }
    let run: Run = { command: parsed.command, request, chat: admitted.chat, form, names: new Map(), notes: [] };
    if (directory?.ready() && resolves(parsed.command)) {
      const resolved = await resolveCommand(parsed.command, directory, form(spec.name));
      if (!resolved.ok) return { reply: resolved.reply, outcome: 'unresolved' };
      run = { ...run, command: resolved.command, names: resolved.names, notes: resolved.notes };
    }
    const reply = await handlers[spec.name](run);
    return { reply: admitted.note ? `${admitted.note}\n${reply}` : reply, outcome: 'answered' };
  }

  /**
   * A button stands for a command (Mute 1d: `/mute 1d coin:<id>`): run through the same admission, rate limit and
   * handler as the typed command. The press handler checked the right already.
   */
  const press = options.buttons
    ? createPressHandler({
        store: options.buttons,
        clock,
        observe: options.observe,
        perform: async (request) => {
          const result = await answer({ ...request, canManage: () => true, answerRequired: true }, request.form ?? slashForm);
          options.log?.info({ platform: request.chat.platform, chat: request.chat.platformChatId, button: request.name, outcome: result?.outcome ?? 'unknown' }, 'button');
          return result;
        },
      })
    : async (): Promise<PressResult> => ({ outcome: 'expired', toast: EXPIRED });

  return {
    press,

    async run(request) {
      const result = await answer(request, request.form ?? slashForm);
      const { platform, platformChatId } = request.chat;
      options.log?.info({ platform, chat: platformChatId, command: request.name.toLowerCase().slice(0, 32), outcome: result?.outcome ?? 'unknown' }, 'command');
      return result?.reply;
    },

    chatGone(chatRef, reason) {
      const chat = store.findChat(chatRef);
      if (chat?.active) store.deactivateChat(chat.id, reason);
    },

    chatReturned(chatRef) {
      const chat = store.findChat(chatRef);
      if (chat && !chat.active) store.reactivateChat(chat.id);
    },

    chatMoved(chatRef, newPlatformChatId) {
      const chat = store.findChat(chatRef);
      if (chat) store.moveChat(chat.id, newPlatformChatId);
    },

    suggest(partial, limit, command) {
      const word = partial.split(/[\s,]+/).pop()?.toLowerCase() ?? '';
      const head = partial.slice(0, partial.length - word.length);
      const fields = command === 'coin' ? [] : WATCHABLE_FIELDS.filter((f) => f.startsWith(word)).map((f) => ({ name: `${f} (field, every coin)`, value: f }));
      const coins: Array<{ name: string; value: string }> =
        directory?.ready() && word
          ? directory.lookup.search(word, limit).map((c: DirectoryCoin) => ({ name: `${c.id} (${c.name}, ${c.symbol.toUpperCase()})`, value: c.id }))
          : store.searchCoins(word, limit).map((c) => ({ name: c.name ? `${c.id} (${c.name})` : c.id, value: c.id }));
      return [...fields, ...coins].slice(0, limit).map((s) => ({ name: `${head}${s.name}`.slice(0, 100), value: `${head}${s.value}`.slice(0, 100) }));
    },
  };
}
