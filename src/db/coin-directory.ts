// CoinGecko's coin directory in SQLite: loading a new copy (staged in small batches, swapped in by one transaction)
// and the lookups resolution and autocomplete make. Lookups are indexed: by id, by symbol, by a contract's address key.
import { eq } from 'drizzle-orm';
import { contractKey, type ContractMatch, type DirectoryCoin, type DirectoryLookup } from '../core/coin-directory.js';
import type { Db } from './open-database.js';
import { assetPlatforms, directoryState } from './schema.js';

/** One entry of GET /coins/list?include_platform=true. */
export interface ListedCoin {
  id: string;
  symbol: string;
  name: string;
  /** Chain → address; empty chains (native coins) and empty addresses are skipped. */
  platforms: Record<string, string | null | undefined>;
}

export interface DirectoryCounts {
  coins: number;
  contracts: number;
  platforms: number;
}

export interface DirectoryStateRow extends DirectoryCounts {
  refreshedAt: number;
}

/** Empties the staging tables before a load. */
export function beginDirectoryLoad(db: Db): void {
  db.$client.exec('delete from directory_coins_next; delete from directory_contracts_next;');
}

/** Adds a batch of listed coins to the staging tables, in one short transaction. A coin id seen twice keeps the last. */
export function stageCoins(db: Db, batch: readonly ListedCoin[]): void {
  const client = db.$client;
  const coin = client.prepare('insert or replace into directory_coins_next (id, symbol, name, name_key) values (?, ?, ?, ?)');
  const contract = client.prepare('insert into directory_contracts_next (address_key, chain, coin_id, address) values (?, ?, ?, ?)');
  client.transaction(() => {
    for (const listed of batch) {
      coin.run(listed.id, listed.symbol.toLowerCase(), listed.name, listed.name.toLowerCase());
      for (const [chain, address] of Object.entries(listed.platforms)) {
        if (chain && typeof address === 'string' && address.trim()) contract.run(contractKey(address.trim()), chain, listed.id, address.trim());
      }
    }
  })();
}

/**
 * Replaces the directory with what was staged and the asset platforms with `platforms`, in one transaction, and
 * records when; then empties the staging tables. Returns what the directory now holds.
 */
export function swapDirectory(db: Db, platforms: ReadonlyArray<{ id: string; name: string }>, now: number): DirectoryCounts {
  const client = db.$client;
  return client.transaction(() => {
    client.exec(`delete from directory_coins; delete from directory_contracts;
      insert into directory_coins select * from directory_coins_next;
      insert into directory_contracts select * from directory_contracts_next;
      delete from directory_coins_next; delete from directory_contracts_next;`);
    if (platforms.length > 0) {
      client.exec('delete from asset_platforms');
      const insert = client.prepare('insert or replace into asset_platforms (id, name) values (?, ?)');
      for (const platform of platforms) insert.run(platform.id, platform.name);
    }
    const count = (table: string) => (client.prepare(`select count(*) as n from ${table}`).get() as { n: number }).n;
    const counts = { coins: count('directory_coins'), contracts: count('directory_contracts'), platforms: count('asset_platforms') };
    client.prepare('insert or replace into directory_state (id, refreshed_at, coins, contracts, platforms) values (1, ?, ?, ?, ?)').run(now, counts.coins, counts.contracts, counts.platforms);
    return counts;
  })();
}

/** When the directory was last replaced and what it holds; undefined before the first load. */
export function readDirectoryState(db: Db): DirectoryStateRow | undefined {
  return db.select().from(directoryState).where(eq(directoryState.id, 1)).get();
}

const SUGGEST_SCAN = 200;

/** The DirectoryLookup of the core, over this database. */
export function sqliteDirectoryLookup(db: Db): DirectoryLookup {
  const client = db.$client;
  const byId = client.prepare<[string], DirectoryCoin>('select id, symbol, name from directory_coins where id = ?');
  const learned = client.prepare<[string], { id: string; symbol: string | null; name: string | null }>('select id, symbol, name from coins where id = ?');
  const bySymbol = client.prepare<[string], DirectoryCoin>('select id, symbol, name from directory_coins where symbol = ? order by id');
  const byAddress = client.prepare<[string], DirectoryCoin & { chain: string; address: string }>(
    `select c.id, c.symbol, c.name, k.chain, k.address from directory_contracts k join directory_coins c on c.id = k.coin_id
     where k.address_key = ? order by c.id, k.chain`,
  );
  const platform = client.prepare<[string], { id: string }>('select id from asset_platforms where id = ?');
  const anyPlatform = client.prepare('select 1 from asset_platforms limit 1').pluck();
  const every = client.prepare<[], DirectoryCoin>('select id, symbol, name from directory_coins');
  const range = (column: 'id' | 'symbol' | 'name_key') =>
    client.prepare<[string, string, number], DirectoryCoin>(`select id, symbol, name from directory_coins where ${column} >= ? and ${column} < ? order by length(${column}), ${column} limit ?`);
  const prefixes = { id: range('id'), symbol: range('symbol'), name: range('name_key') };
  return {
    coin(id) {
      const row = byId.get(id);
      if (row) return row;
      const seen = learned.get(id);
      return seen && { id: seen.id, symbol: (seen.symbol ?? '').toLowerCase(), name: seen.name ?? seen.id };
    },
    coinsBySymbol: (symbol) => bySymbol.all(symbol.toLowerCase()),
    contracts(address): ContractMatch[] {
      return byAddress.all(contractKey(address)).map(({ chain, address: listed, ...coin }) => ({ coin, chain, address: listed }));
    },
    isPlatform: (chain) => (anyPlatform.get() === undefined ? undefined : platform.get(chain) !== undefined),
    platformIds: () => db.select({ id: assetPlatforms.id }).from(assetPlatforms).orderBy(assetPlatforms.id).all().map((r) => r.id),
    everyCoin: () => every.iterate(),
    search(prefix, limit) {
      const key = prefix.trim().replace(/^\$/, '').toLowerCase();
      if (!key) return [];
      // Exact symbol and id first, then ids, symbols and names starting with the prefix, each shortest first.
      const seen = new Map<string, DirectoryCoin>();
      const upper = `${key}\u{10ffff}`;
      for (const list of [bySymbol.all(key), prefixes.id.all(key, upper, SUGGEST_SCAN), prefixes.symbol.all(key, upper, SUGGEST_SCAN), prefixes.name.all(key, upper, SUGGEST_SCAN)]) {
        for (const coin of list) if (!seen.has(coin.id)) seen.set(coin.id, coin);
        if (seen.size >= limit) break;
      }
      return [...seen.values()].slice(0, limit);
    },
  };
}
