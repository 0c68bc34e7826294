// Bulk /watch for one chat (admin CLI `import-watchlist`): every entry is planned like the chat command, in file order,
// against the chat's subscriptions so far, so the per-chat cap applies exactly as if each line were typed; all of it is
// applied in one transaction.
import { ANY } from '../core/fields.js';
import { planCommand, type Pair } from '../core/command-plan.js';
import { applySubscriptionChanges, coinNames, listSubscriptions } from './chats.js';
import type { Db } from './open-database.js';

export interface WatchTargets {
  coins: string[];
  fields: string[];
}

export interface WatchlistImport {
  added: Pair[];
  /** Watched before the import, or asked for again by a later line. */
  already: Pair[];
  /** Not added: the chat reached its subscription cap. */
  overCap: Pair[];
  /** Coin ids among the added ones that no recorded event has named yet (a typo check, as /watch warns). */
  unseenCoins: string[];
}

const NO_NAMES = new Map<string, never>();
const key = (p: Pair) => `${p.coinId}\u0000${p.field}`;

/** Slices of 1000: a statement stays well under SQLite's limit on bound parameters, whatever SUBSCRIPTION_LIMIT is. */
function* chunks<T>(items: readonly T[]): Generator<T[]> {
  for (let i = 0; i < items.length; i += 1000) yield items.slice(i, i + 1000);
}

/** Plans `entries` as /watch commands of `chatId` under `limit` and applies them, unless `dryRun`. */
export function importWatchlist(
  db: Db,
  chatId: number,
  entries: readonly WatchTargets[],
  options: { limit: number; dryRun?: boolean },
): WatchlistImport {
  const run = db.$client.transaction((): WatchlistImport => {
    const current = listSubscriptions(db, chatId);
    const result: WatchlistImport = { added: [], already: [], overCap: [], unseenCoins: [] };
    for (const { coins, fields } of entries) {
      const command = { name: 'watch' as const, coins, fields };
      // What the line asks for, as /watch reads it (with nothing watched and no cap, the plan adds exactly that).
      const asked = planCommand({ command, current: [], limit: Infinity, coinNames: NO_NAMES }).add;
      const plan = planCommand({ command, current, limit: options.limit, coinNames: NO_NAMES });
      const watched = new Set(current.map(key));
      const added = new Set(plan.add.map(key));
      for (const pair of asked) {
        if (added.has(key(pair))) continue;
        (watched.has(key(pair)) ? result.already : result.overCap).push(pair);
      }
      result.added.push(...plan.add);
      current.push(...plan.add);
    }
    const addedCoins = [...new Set(result.added.map((p) => p.coinId).filter((id) => id !== ANY))];
    for (const ids of chunks(addedCoins)) {
      const known = coinNames(db, ids);
      result.unseenCoins.push(...ids.filter((id) => !known.has(id)));
    }
    if (!options.dryRun) for (const pairs of chunks(result.added)) applySubscriptionChanges(db, chatId, pairs, []);
    return result;
  });
  return run.immediate();
}
