// A coin directory from a file instead of the API, for the offline demo: the file holds CoinGecko's shapes (asset
// platforms, and coins as GET /coins/{id} answers them), loaded into the same tables a real refresh fills, so the demo
// runs the same resolution, /coin and autocomplete code as a deployment with COINGECKO_API_KEY.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { CoinDirectory, DetailsResult } from '../core/coin-directory.js';
import { beginDirectoryLoad, sqliteDirectoryLookup, stageCoins, swapDirectory } from '../db/coin-directory.js';
import type { Db } from '../db/open-database.js';
import { parseCoinDetails } from './coin-details.js';

const bundle = z.object({
  asset_platforms: z.array(z.object({ id: z.string(), name: z.string() })),
  coins: z.array(
    z.object({ id: z.string(), symbol: z.string(), name: z.string(), platforms: z.record(z.string(), z.string()), market_cap_rank: z.number().nullable().optional() }).loose(),
  ),
});

/** Loads the directory in `path` into the database and answers as the API would, from the file. */
export function loadBundledDirectory(db: Db, path: string, now: number): CoinDirectory {
  const file = bundle.parse(JSON.parse(readFileSync(path, 'utf8')));
  beginDirectoryLoad(db);
  stageCoins(db, file.coins);
  swapDirectory(db, file.asset_platforms, now);
  const byId = new Map(file.coins.map((coin) => [coin.id, coin]));
  return {
    lookup: sqliteDirectoryLookup(db),
    ready: () => true,
    unavailable: () => undefined,
    ranks: async () => new Map(file.coins.map((coin) => [coin.id, coin.market_cap_rank ?? null])),
    async details(id): Promise<DetailsResult> {
      const details = byId.has(id) ? parseCoinDetails(byId.get(id)) : undefined;
      return details ? { kind: 'found', details } : { kind: 'not_found' };
    },
  };
}
