// A parsed command's coin words resolved against the coin directory: each becomes a CoinGecko id (a symbol, a contract
// address, an id), or the command is answered with why not (several coins hold that symbol, no such coin, no such
// chain) and nothing is stored. Commands that add (`watch`, `mute`, `recent`, `coin`) refuse an unknown coin;
// commands that remove or show (`unwatch`, `unmute`, `list`) take it as typed, since a chat may hold it from before.
import type { CoinDirectory } from './coin-directory.js';
import type { Command } from './command-grammar.js';
import type { CoinName } from './command-plan.js';
import { pickByRank, resolutionNote, resolveCoinWord, resolvedCoin, unknownChainReply, unsettledReply, type Resolution } from './resolve-target.js';

export type ResolvedCommand =
  | {
      ok: true;
      command: Command;
      /** The names of the coins resolved, each with how it was found where that is worth saying. */
      names: Map<string, CoinName>;
      /** `0xdac17f… is its contract on ethereum`-style lines, for replies that do not name coins line by line. */
      notes: string[];
    }
  | { ok: false; reply: string };

/** Commands whose coin words are resolved, and whether an unknown coin (or chain) is refused. */
const STRICT: Partial<Record<Command['name'], boolean>> = { watch: true, mute: true, recent: true, coin: true, unwatch: false, unmute: false, list: false };

/** Whether `command` has coin words to resolve. */
export const resolves = (command: Command): boolean => STRICT[command.name] !== undefined;

/**
 * Resolves one word as `/coin` and each target do: against the stored directory, then, for a symbol several coins
 * hold, by market cap (GET /search). `rank` false skips the API (after it failed once in this command).
 */
export async function resolveWord(word: string, directory: CoinDirectory, rank = true): Promise<Resolution> {
  const resolution = resolveCoinWord(word, directory.lookup);
  if (resolution.kind !== 'ambiguous') return resolution;
  return pickByRank(resolution, rank ? await directory.ranks(resolution.symbol) : undefined);
}

/** Resolves the coin words of `command`; `typed` is how the command is typed here (`/watch`), for the replies. */
export async function resolveCommand(command: Command, directory: CoinDirectory, typed: string): Promise<ResolvedCommand> {
  const strict = STRICT[command.name];
  if (strict === undefined) return { ok: true, command, names: new Map(), notes: [] };
  const names = new Map<string, CoinName>();
  const notes: string[] = [];
  let rank = true;
  const resolveOne = async (word: string): Promise<{ id: string } | { reply: string }> => {
    const resolution = await resolveWord(word, directory, rank);
    if (resolution.kind === 'ambiguous' && resolution.unranked) rank = false;
    const coin = resolvedCoin(resolution);
    if (coin) {
      const note = resolutionNote(resolution);
      names.set(coin.id, { name: coin.name, symbol: coin.symbol, ...(note && { note }) });
      if (note) notes.push(`${word} → ${coin.id} (${coin.name}): ${note}.`);
      return { id: coin.id };
    }
    if (!strict && resolution.kind === 'unknown') return { id: word.toLowerCase() };
    return { reply: unsettledReply(resolution, typed) ?? `Nothing changed.` };
  };
  const chainReply = (fields: readonly string[]): string | undefined => {
    if (!strict) return undefined;
    const unknownChain = fields.find((f) => f.startsWith('platforms.') && directory.lookup.isPlatform(f.slice('platforms.'.length)) === false);
    return unknownChain && unknownChainReply(unknownChain, directory.lookup.platformIds());
  };

  switch (command.name) {
    case 'recent': {
      if (command.target?.kind === 'field') {
        const reply = chainReply([command.target.value]);
        return reply ? { ok: false, reply } : { ok: true, command, names, notes };
      }
      if (!command.target) return { ok: true, command, names, notes };
      const one = await resolveOne(command.target.value);
      if ('reply' in one) return { ok: false, reply: one.reply };
      return { ok: true, command: { ...command, target: { kind: 'coin', value: one.id } }, names, notes };
    }
    case 'coin': {
      const one = await resolveOne(command.query);
      return 'reply' in one ? { ok: false, reply: one.reply } : { ok: true, command: { name: 'coin', query: one.id }, names, notes };
    }
    case 'watch':
    case 'unwatch':
    case 'mute':
    case 'unmute':
    case 'list': {
      const reply = chainReply(command.fields);
      if (reply) return { ok: false, reply };
      const ids = new Set<string>();
      for (const word of command.coins) {
        const one = await resolveOne(word);
        if ('reply' in one) return { ok: false, reply: one.reply };
        ids.add(one.id);
      }
      return { ok: true, command: { ...command, coins: [...ids] }, names, notes };
    }
    default:
      return { ok: true, command, names, notes };
  }
}
