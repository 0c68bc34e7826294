// The coin directory as the core sees it (a port): CoinGecko's list of coins, their symbols and contract addresses, and
// its chains, read synchronously from the database; plus the two questions only the API can answer (which coin owns
// a symbol by market cap, and a coin's current metadata). Implemented over SQLite and the CoinGecko API in
// src/coingecko-api/; absent when COINGECKO_API_KEY is not set.

export interface DirectoryCoin {
  id: string;
  /** Lower-cased (`btc`). */
  symbol: string;
  name: string;
}

export interface ContractMatch {
  coin: DirectoryCoin;
  chain: string;
  /** As CoinGecko lists it. */
  address: string;
}

/** What resolution reads: the stored directory, synchronous. */
export interface DirectoryLookup {
  /** The coin with this id, from the directory or, failing that, from the coins webhooks named. */
  coin(id: string): DirectoryCoin | undefined;
  coinsBySymbol(symbol: string): DirectoryCoin[];
  /** The coins whose platforms hold `address` (EVM addresses compared case-insensitively, others exactly). */
  contracts(address: string): ContractMatch[];
  /** Whether `chain` is one of CoinGecko's asset platforms; undefined when the platforms were never loaded. */
  isPlatform(chain: string): boolean | undefined;
  platformIds(): string[];
  /** Every coin, for did-you-mean (visited once per unknown id). */
  everyCoin(): Iterable<DirectoryCoin>;
  /** Coins whose id, symbol or name starts with `prefix`, best first (autocomplete). */
  search(prefix: string, limit: number): DirectoryCoin[];
}

/** A coin's current metadata, from GET /coins/{id}. */
export interface CoinDetails {
  id: string;
  symbol: string;
  name: string;
  /** Chain → contract address (empty chains and addresses left out). */
  platforms: Array<{ chain: string; address: string }>;
  /** Public notices as plain text (CoinGecko sends HTML). */
  notices: string[];
  /** Security flags raised (`can_mint_new_tokens`), and additional notices given as text. */
  flags: string[];
  marketCapRank: number | null;
}

export type DetailsResult = { kind: 'found'; details: CoinDetails } | { kind: 'not_found' } | { kind: 'unreachable' };

export interface CoinDirectory {
  /**
   * Whether there is a directory to resolve against: a key is set, CoinGecko accepted it and the coins were loaded.
   * When false, commands behave exactly as without a key.
   */
  ready(): boolean;
  /** Why /coin cannot answer (no key, key refused), or undefined when it can. */
  unavailable(): string | undefined;
  lookup: DirectoryLookup;
  /** Market-cap ranks (GET /search) of the coins of a symbol, by id (null: unranked); undefined when the API cannot be reached. */
  ranks(symbol: string): Promise<Map<string, number | null> | undefined>;
  /** GET /coins/{id}, cached for a minute. */
  details(id: string): Promise<DetailsResult>;
}

/** The key a contract address is stored and looked up by: an EVM address lower-cased, anything else exactly as given. */
export function contractKey(address: string): string {
  return /^0x[0-9a-fA-F]{40}$/.test(address) ? address.toLowerCase() : address;
}
