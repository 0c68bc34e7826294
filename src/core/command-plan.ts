// What a parsed command does to a chat's subscriptions, and the reply that says exactly that. Pure: the caller
// supplies the chat's current subscriptions and the coin names it knows, and applies the returned additions/removals.
import type { Command } from './command-grammar.js';
import { slashForm, type CommandForm } from './commands.js';
import { ANY, topLevel } from './fields.js';

export interface Pair {
  coinId: string;
  field: string;
}

export interface CoinName {
  name: string | null;
  symbol: string | null;
  /** How the coin was found from what was typed (`0xdac17f… is its contract on ethereum`), said beside it. */
  note?: string;
}

export interface PlanInput {
  command: Extract<Command, { name: 'list' | 'watch' | 'unwatch' | 'unwatch_all' }>;
  current: readonly Pair[];
  limit: number;
  coinNames: ReadonlyMap<string, CoinName>;
  /** How the user types commands here, for the replies that name one (default `/watch`). */
  form?: CommandForm;
}

export interface Plan {
  add: Pair[];
  remove: Pair[];
  reply: string;
}


const key = (p: Pair) => `${p.coinId}\u0000${p.field}`;

export function planCommand(input: PlanInput): Plan {
  const { command } = input;
  switch (command.name) {
    case 'list': {
      const { coins, fields } = command;
      if (coins.length === 0 && fields.length === 0) return { add: [], remove: [], reply: describeList(input.current, input.coinNames, input.form ?? slashForm) };
      const shown = input.current.filter((p) => coins.includes(p.coinId) || fields.some((f) => p.field === f || topLevel(p.field) === f));
      const what = [...coins, ...fields].join(', ');
      const reply = shown.length
        ? [`This chat's subscriptions about ${what} (${shown.length} of ${input.current.length}):`, ...describePairs(shown, input.coinNames).map((l) => `• ${l}`)].join('\n')
        : `None of this chat's ${input.current.length} subscriptions is about ${what}.`;
      return { add: [], remove: [], reply };
    }
    case 'unwatch_all':
      return {
        add: [],
        remove: [...input.current],
        reply: input.current.length
          ? `Removed all ${input.current.length} subscription${input.current.length === 1 ? '' : 's'} of this chat.`
          : 'This chat watches nothing; nothing to remove.',
      };
    case 'watch':
      return planWatch(command.coins, command.fields, input);
    case 'unwatch':
      return planUnwatch(command.coins, command.fields, input);
  }
}

function requested(coins: readonly string[], fields: readonly string[]): Pair[] {
  if (coins.length === 0) return fields.map((field) => ({ coinId: ANY, field }));
  if (fields.length === 0) return coins.map((coinId) => ({ coinId, field: ANY }));
  return coins.flatMap((coinId) => fields.map((field) => ({ coinId, field })));
}

function planWatch(coins: string[], fields: string[], input: PlanInput): Plan {
  const existing = new Set(input.current.map(key));
  const add: Pair[] = [];
  const already: Pair[] = [];
  const overLimit: Pair[] = [];
  for (const pair of requested(coins, fields)) {
    if (existing.has(key(pair))) already.push(pair);
    else if (input.current.length + add.length >= input.limit) overLimit.push(pair);
    else {
      add.push(pair);
      existing.add(key(pair));
    }
  }
  const lines = [
    ...describePairs(add, input.coinNames).map((line) => `Watching ${line}`),
    ...describePairs(already, input.coinNames).map((line) => `Already watching ${line}`),
  ];
  if (overLimit.length) {
    lines.push(
      `Subscription limit reached (${input.limit} per chat): not added: ${describePairs(overLimit, input.coinNames).join('; ')}. ` +
        `Remove some with ${(input.form ?? slashForm)('unwatch')} first.`,
    );
  }
  const unseen = coins.filter((c) => !input.coinNames.has(c));
  if (add.length && unseen.length) {
    lines.push(`Not seen in any CoinGecko event yet: ${unseen.join(', ')}. Check the id on coingecko.com if that is unexpected.`);
  }
  return { add, remove: [], reply: lines.join('\n') };
}

function planUnwatch(coins: string[], fields: string[], input: PlanInput): Plan {
  const remove: Pair[] = [];
  const missing: Pair[] = [];
  const take = (test: (p: Pair) => boolean, asked: Pair) => {
    const found = input.current.filter(test);
    if (found.length) remove.push(...found);
    else missing.push(asked);
  };
  if (fields.length === 0) {
    // Only coins: every subscription about those coins, whatever its field.
    for (const coinId of coins) take((p) => p.coinId === coinId, { coinId, field: ANY });
  } else if (coins.length === 0) {
    // Only fields: the every-coin subscriptions of those fields and of their sub-fields.
    for (const field of fields) take((p) => p.coinId === ANY && (p.field === field || topLevel(p.field) === field && p.field.startsWith(`${field}.`)), { coinId: ANY, field });
  } else {
    for (const pair of requested(coins, fields)) take((p) => key(p) === key(pair), pair);
  }
  const unique = [...new Map(remove.map((p) => [key(p), p])).values()];
  const lines = [
    ...describePairs(unique, input.coinNames).map((line) => `Stopped watching ${line}`),
    ...describePairs(missing, input.coinNames).map((line) => `Not watching ${line}`),
  ];
  return { add: [], remove: unique, reply: lines.join('\n') };
}

/** `bitcoin (Bitcoin): all changes`, `bitcoin: platforms, public_notices`, `public_notices for every coin`. */
export function describePairs(pairs: readonly Pair[], names: ReadonlyMap<string, CoinName>): string[] {
  const byCoin = new Map<string, string[]>();
  for (const pair of pairs) {
    const fields = byCoin.get(pair.coinId) ?? [];
    fields.push(pair.field);
    byCoin.set(pair.coinId, fields);
  }
  const lines: string[] = [];
  const everyCoin = byCoin.get(ANY);
  if (everyCoin) lines.push(`${everyCoin.sort().join(', ')} for every coin`);
  for (const [coinId, fields] of [...byCoin].sort(([a], [b]) => a.localeCompare(b))) {
    if (coinId === ANY) continue;
    const what = fields.includes(ANY) ? 'all changes' : fields.sort().join(', ');
    const note = names.get(coinId)?.note;
    lines.push(`${coinLabel(coinId, names)}: ${what}${note ? ` — ${note}` : ''}`);
  }
  return lines;
}

function coinLabel(coinId: string, names: ReadonlyMap<string, CoinName>): string {
  const known = names.get(coinId);
  const detail = [known?.name, known?.symbol?.toUpperCase()].filter(Boolean).join(', ');
  return detail ? `${coinId} (${detail})` : coinId;
}

function describeList(current: readonly Pair[], names: ReadonlyMap<string, CoinName>, form: CommandForm): string {
  if (current.length === 0) return `This chat watches nothing yet. Try ${form('watch')} bitcoin or ${form('watch')} public_notices.`;
  const lines = describePairs(current, names).map((line) => `• ${line}`);
  return [`This chat watches (${current.length} subscription${current.length === 1 ? '' : 's'}):`, ...lines].join('\n');
}
