// What a typed coin target means, against the coin directory. Pure: a word and a lookup in, a resolution out; the one
// question that needs the API (which of several coins owns a symbol) is answered by `pickByRank` from ranks the caller
// fetched. The words for each outcome are here too, so every command says them the same way.
import type { ContractMatch, DirectoryCoin, DirectoryLookup } from './coin-directory.js';

export type Resolution =
  /** A known coin id (from the directory or from webhooks). */
  | { kind: 'id'; coin: DirectoryCoin }
  /** A symbol one coin holds (`btc`, `$BTC`), or clearly owns by market cap. */
  | { kind: 'symbol'; symbol: string; coin: DirectoryCoin; rank?: number }
  /** A symbol several coins hold: nothing is done, the candidates are listed. */
  | { kind: 'ambiguous'; symbol: string; candidates: Array<DirectoryCoin & { rank?: number | null }>; unranked?: boolean }
  /** A contract address one coin's platforms hold. */
  | { kind: 'contract'; match: ContractMatch }
  /** An address several coins list (bridged tokens sharing an address): listed like an ambiguous symbol. */
  | { kind: 'contracts'; address: string; matches: ContractMatch[] }
  | { kind: 'unknown'; word: string; suggestions: DirectoryCoin[] };

const EVM_ADDRESS = /^0x[0-9a-fA-F]{40}$/;

/**
 * Resolves one word typed as a coin: a `$SYMBOL`, a contract address, a known id, a symbol, in that order; the grammar
 * already turned coingecko.com URLs into ids. Ambiguous symbols come back with their candidates, unranked.
 */
export function resolveCoinWord(word: string, lookup: DirectoryLookup): Resolution {
  if (word.startsWith('$')) return bySymbol(word.slice(1), lookup) ?? unknown(word, lookup);
  const contracts = lookup.contracts(word);
  if (contracts.length === 1) return { kind: 'contract', match: contracts[0]! };
  if (contracts.length > 1) return { kind: 'contracts', address: word, matches: contracts };
  if (EVM_ADDRESS.test(word)) return { kind: 'unknown', word, suggestions: [] };
  const coin = lookup.coin(word.toLowerCase());
  if (coin) return { kind: 'id', coin };
  return bySymbol(word, lookup) ?? unknown(word, lookup);
}

function bySymbol(symbol: string, lookup: DirectoryLookup): Resolution | undefined {
  const candidates = lookup.coinsBySymbol(symbol.toLowerCase());
  if (candidates.length === 0) return undefined;
  if (candidates.length === 1) return { kind: 'symbol', symbol: symbol.toUpperCase(), coin: candidates[0]! };
  return { kind: 'ambiguous', symbol: symbol.toUpperCase(), candidates };
}

function unknown(word: string, lookup: DirectoryLookup): Resolution {
  return { kind: 'unknown', word, suggestions: closestCoins(word.replace(/^\$/, ''), lookup.everyCoin(), 3) };
}

/**
 * An ambiguous symbol with market-cap ranks: the coin that clearly owns it (the only ranked one, or ranked at least ten
 * times higher than the next), else the candidates best-ranked first. `ranks` undefined: the API could not be reached.
 */
export function pickByRank(resolution: Extract<Resolution, { kind: 'ambiguous' }>, ranks: ReadonlyMap<string, number | null> | undefined): Resolution {
  if (!ranks) return { ...resolution, unranked: true };
  const rankOf = (coin: DirectoryCoin) => ranks.get(coin.id) ?? null;
  const candidates = resolution.candidates
    .map((coin) => ({ ...coin, rank: rankOf(coin) }))
    .sort((a, b) => (a.rank ?? Infinity) - (b.rank ?? Infinity) || a.id.localeCompare(b.id));
  const [top, next] = candidates;
  if (top?.rank != null && (next?.rank == null || next.rank >= top.rank * 10)) {
    return { kind: 'symbol', symbol: resolution.symbol, coin: top, rank: top.rank };
  }
  return { ...resolution, candidates };
}

/** The coin a resolution settled on, if it settled. */
export function resolvedCoin(resolution: Resolution): DirectoryCoin | undefined {
  switch (resolution.kind) {
    case 'id':
    case 'symbol':
      return resolution.coin;
    case 'contract':
      return resolution.match.coin;
    default:
      return undefined;
  }
}

/** `tether (Tether, USDT)`. */
export function coinTitle(coin: DirectoryCoin): string {
  return `${coin.id} (${[coin.name, coin.symbol.toUpperCase()].filter(Boolean).join(', ')})`;
}

/** `0xdac17f…` for an EVM address, the first 12 characters of a longer one, else the whole. */
export function shortAddress(address: string): string {
  if (EVM_ADDRESS.test(address)) return `${address.slice(0, 8)}…`;
  return address.length > 16 ? `${address.slice(0, 12)}…` : address;
}

/** How a settled resolution is explained beside the coin (`0xdac17f… is its contract on ethereum`); undefined for plain ids. */
export function resolutionNote(resolution: Resolution): string | undefined {
  switch (resolution.kind) {
    case 'contract':
      return `${shortAddress(resolution.match.address)} is its contract on ${resolution.match.chain}`;
    case 'symbol':
      return resolution.rank === undefined ? `the coin with symbol ${resolution.symbol}` : `the largest coin with symbol ${resolution.symbol} (#${resolution.rank})`;
    default:
      return undefined;
  }
}

const MAX_LISTED = 6;

/**
 * Why nothing was done for an unsettled resolution, naming what to type instead; `verb` is the command's action
 * (`watch`, `mute`), `typed` how the command is typed here (`/watch`).
 */
export function unsettledReply(resolution: Resolution, typed: string): string | undefined {
  switch (resolution.kind) {
    case 'ambiguous': {
      const listed = resolution.candidates.slice(0, MAX_LISTED).map((c) => `${c.id} (${c.name}${c.rank ? `, #${c.rank}` : ''})`);
      const more = resolution.candidates.length > MAX_LISTED ? `, and ${resolution.candidates.length - MAX_LISTED} more` : '';
      const why = resolution.unranked ? ' (the CoinGecko API could not be reached to rank them by market cap)' : '';
      return `${resolution.symbol} is the symbol of several coins${why}: ${listed.join(', ')}${more} — ${typed} one by its id, e.g. ${typed} ${resolution.candidates[0]!.id}. Nothing changed.`;
    }
    case 'contracts': {
      const listed = resolution.matches.slice(0, MAX_LISTED).map((m) => `${m.coin.id} (${m.coin.name}, on ${m.chain})`);
      return `${shortAddress(resolution.address)} is a contract of several coins: ${listed.join(', ')} — ${typed} one by its id. Nothing changed.`;
    }
    case 'unknown': {
      const guess = resolution.suggestions.length ? ` — did you mean ${resolution.suggestions.map((c) => `${c.id} (${c.name})`).join(', ')}?` : '';
      return `No CoinGecko coin with id, symbol or contract ${preview(resolution.word)}${guess} Nothing changed.`;
    }
    default:
      return undefined;
  }
}

/** A chain `platforms.<chain>` names that CoinGecko does not have, with the closest chains it has. */
export function unknownChainReply(field: string, chains: readonly string[]): string {
  const chain = field.slice(field.indexOf('.') + 1);
  const close = closestWords(chain, chains, 3);
  const guess = close.length ? ` — did you mean ${close.map((c) => `platforms.${c}`).join(', ')}?` : '';
  return `${preview(chain)} is not one of CoinGecko's chains${guess} Nothing changed.`;
}

function preview(word: string): string {
  return word.length > 50 ? `${word.slice(0, 50)}…` : word;
}

/** The coins whose id or name is closest to `word` (a few edits at most), best first. */
export function closestCoins(word: string, coins: Iterable<DirectoryCoin>, limit: number): DirectoryCoin[] {
  const target = word.toLowerCase();
  const budget = Math.max(1, Math.min(3, Math.floor(target.length / 3)));
  const found: Array<{ coin: DirectoryCoin; distance: number }> = [];
  for (const coin of coins) {
    const distance = Math.min(editDistance(target, coin.id, budget), editDistance(target, coin.name.toLowerCase(), budget));
    if (distance <= budget) found.push({ coin, distance });
  }
  return found
    .sort((a, b) => a.distance - b.distance || a.coin.id.length - b.coin.id.length || a.coin.id.localeCompare(b.coin.id))
    .slice(0, limit)
    .map((f) => f.coin);
}

/** The words of `candidates` closest to `word`, within a few edits. */
export function closestWords(word: string, candidates: readonly string[], limit: number): string[] {
  const budget = Math.max(1, Math.min(3, Math.floor(word.length / 3)));
  return candidates
    .map((candidate) => ({ candidate, distance: editDistance(word, candidate, budget) }))
    .filter((c) => c.distance <= budget)
    .sort((a, b) => a.distance - b.distance || a.candidate.localeCompare(b.candidate))
    .slice(0, limit)
    .map((c) => c.candidate);
}

/**
 * Damerau-Levenshtein distance (adjacent transpositions count as one edit: `bitconi` is one from `bitcoin`), or
 * `budget + 1` as soon as it must exceed `budget` (most of 17,000 ids are rejected by their length alone).
 */
export function editDistance(a: string, b: string, budget: number): number {
  if (Math.abs(a.length - b.length) > budget) return budget + 1;
  let before: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) value = Math.min(value, before[j - 2]! + 1);
      current.push(value);
      rowMin = Math.min(rowMin, value);
    }
    if (rowMin > budget) return budget + 1;
    before = previous;
    previous = current;
  }
  return previous[b.length]!;
}
