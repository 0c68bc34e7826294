// A fake CoinGecko API on 127.0.0.1 for the real HTTP client (global fetch): GET /key, /asset_platforms, /coins/list
// (17,000 coins by default, streamed in uneven chunks), /search and /coins/{id}; the key header checked; and failures
// queued per endpoint: 429 with Retry-After, 5xx, a request that never answers, a refused key (401/403, or an error code).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type CoinGeckoFailure =
  | { kind: 'rate_limited'; retryAfterSeconds: number }
  | { kind: 'http'; status: number }
  /** The request is held open and never answered. */
  | { kind: 'hang' }
  /** The key refused: HTTP `status` with CoinGecko's `{"status":{"error_code":…}}` body. */
  | { kind: 'refused'; status: number; errorCode?: number };

export interface FakeCoin {
  id: string;
  symbol: string;
  name: string;
  platforms: Record<string, string>;
  rank?: number;
  publicNotice?: string;
  additionalNotices?: string[];
}

export const USDT_ETHEREUM = '0xdac17f958d2ee523a2206206994597c13d831ec7';
export const USDT_TRON = 'TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t';
export const USDC_SOLANA = 'EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v';

/** The coins the scenarios name: ambiguous symbols (btc, usdt, gm), contracts on two chains, a notice. */
export const NAMED_COINS: FakeCoin[] = [
  { id: 'bitcoin', symbol: 'btc', name: 'Bitcoin', platforms: { '': '' }, rank: 1 },
  { id: 'wrapped-bitcoin-wormhole', symbol: 'btc', name: 'Bitcoin (Wormhole)', platforms: { solana: '3NZ9JMVBmGAqocybic2c7LQCJScmgsAZ6vQqTDzcqmJh' }, rank: 1800 },
  { id: 'bitcoin-bep2', symbol: 'btc', name: 'Bitcoin BEP2', platforms: {} },
  { id: 'ethereum', symbol: 'eth', name: 'Ethereum', platforms: { '': '' }, rank: 2 },
  {
    id: 'tether',
    symbol: 'usdt',
    name: 'Tether',
    platforms: { ethereum: USDT_ETHEREUM, tron: USDT_TRON },
    rank: 3,
    publicNotice: 'USDT on <b>Omni</b> is no longer supported &amp; redeemable.',
    additionalNotices: ['Tether froze addresses linked to an exploit.'],
  },
  { id: 'bridged-tether-kava', symbol: 'usdt', name: 'Bridged Tether (Kava)', platforms: { kava: '0x919c1c267bc06a7039e03fcc2ef738525769109c' }, rank: 400 },
  { id: 'usd-coin', symbol: 'usdc', name: 'USDC', platforms: { ethereum: '0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48', solana: USDC_SOLANA }, rank: 6 },
  { id: 'gm-token', symbol: 'gm', name: 'GM Token', platforms: {}, rank: 2100 },
  { id: 'gm-wagmi', symbol: 'gm', name: 'GM Wagmi', platforms: {}, rank: 2500 },
  { id: 'odd-name-coin', symbol: 'odd', name: 'Odd "[{Coin}]" \\ Name, ]', platforms: {} },
];

export const PLATFORMS = [
  { id: 'ethereum', chain_identifier: 1, name: 'Ethereum', shortname: 'Ethereum' },
  { id: 'tron', chain_identifier: null, name: 'TRON', shortname: 'tron' },
  { id: 'solana', chain_identifier: null, name: 'Solana', shortname: '' },
  { id: 'binance-smart-chain', chain_identifier: 56, name: 'BNB Smart Chain', shortname: 'BSC' },
  { id: 'kava', chain_identifier: 2222, name: 'Kava', shortname: 'kava' },
  { id: 'base', chain_identifier: 8453, name: 'Base', shortname: '' },
];

/** `count` coins: the named ones, then generated ones, every third with an address on ethereum and binance-smart-chain. */
export function fakeCoins(count: number): FakeCoin[] {
  const coins = [...NAMED_COINS];
  for (let i = coins.length; i < count; i += 1) {
    const hex = i.toString(16).padStart(40, '0');
    coins.push({
      id: `filler-coin-${i}`,
      symbol: `f${i}`,
      name: `Filler Coin ${i}`,
      platforms: i % 3 === 0 ? { ethereum: `0x${hex}`, 'binance-smart-chain': `0x${hex.slice(0, 39)}f` } : {},
    });
  }
  return coins;
}

export interface FakeRequest {
  path: string;
  query: URLSearchParams;
  key: string | undefined;
}

export class CoinGeckoFake {
  readonly requests: FakeRequest[] = [];
  readonly coins: FakeCoin[];
  private readonly failures = new Map<string, CoinGeckoFailure[]>();
  private readonly server = createServer((req, res) => void this.handle(req, res));
  root = '';
  rateLimitPerMinute = 500;
  remainingCredits = 987_650;

  constructor(
    count = 17_000,
    readonly key = 'CG-fake-pro-key-123456',
    readonly keyHeader = 'x-cg-pro-api-key',
  ) {
    this.coins = fakeCoins(count);
  }

  async listen(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.root = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/api/v3`;
    return this;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Answers the next requests to `endpoint` (`/key`, `/coins/list`, `/search`, `/coins/{id}`, `/asset_platforms`) with these failures, in order. */
  failNext(endpoint: string, ...failures: CoinGeckoFailure[]): void {
    this.failures.set(endpoint, [...(this.failures.get(endpoint) ?? []), ...failures]);
  }

  /** Every request from now on is refused as with a bad key. */
  refuseAll(failure: Extract<CoinGeckoFailure, { kind: 'refused' }>): void {
    this.refusal = failure;
  }

  private refusal: Extract<CoinGeckoFailure, { kind: 'refused' }> | undefined;

  /** Requests made to an endpoint. */
  calls(endpoint: string): FakeRequest[] {
    return this.requests.filter((r) => endpointOf(r.path) === endpoint);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const path = url.pathname.replace(/^\/api\/v3/, '');
    const key = req.headers[this.keyHeader];
    this.requests.push({ path, query: url.searchParams, key: typeof key === 'string' ? key : undefined });
    const endpoint = endpointOf(path);
    const failure = this.refusal ?? this.failures.get(endpoint)?.shift();
    if (failure) return this.fail(res, failure);
    if (key !== this.key) return this.fail(res, { kind: 'refused', status: 401, errorCode: key === undefined ? 10002 : 10011 });
    switch (endpoint) {
      case '/key':
        return json(res, 200, {
          plan: 'Analyst',
          rate_limit_request_per_minute: this.rateLimitPerMinute,
          monthly_call_credit: 1_000_000,
          current_total_monthly_calls: 1_000_000 - this.remainingCredits,
          current_remaining_monthly_calls: this.remainingCredits,
        });
      case '/asset_platforms':
        return json(res, 200, PLATFORMS);
      case '/coins/list':
        return this.streamList(res, url.searchParams.get('include_platform') === 'true');
      case '/search': {
        const query = (url.searchParams.get('query') ?? '').toLowerCase();
        const found = this.coins.filter((c) => c.symbol === query || c.id.startsWith(query) || c.name.toLowerCase().startsWith(query)).slice(0, 25);
        return json(res, 200, { coins: found.map((c) => ({ id: c.id, name: c.name, symbol: c.symbol.toUpperCase(), market_cap_rank: c.rank ?? null })), exchanges: [], categories: [], nfts: [] });
      }
      case '/coins/{id}': {
        const coin = this.coins.find((c) => c.id === decodeURIComponent(path.slice('/coins/'.length)));
        if (!coin) return json(res, 404, { error: 'coin not found' });
        return json(res, 200, {
          id: coin.id,
          symbol: coin.symbol,
          name: coin.name,
          web_slug: coin.id,
          asset_platform_id: Object.keys(coin.platforms)[0] ?? null,
          platforms: coin.platforms,
          public_notice: coin.publicNotice ?? null,
          additional_notices: coin.additionalNotices ?? [],
          market_cap_rank: coin.rank ?? null,
          categories: ['Stablecoins'],
        });
      }
      default:
        return json(res, 404, { error: 'not found' });
    }
  }

  private fail(res: ServerResponse, failure: CoinGeckoFailure): void {
    switch (failure.kind) {
      case 'rate_limited':
        res.writeHead(429, { 'content-type': 'application/json', 'retry-after': String(failure.retryAfterSeconds) });
        res.end(JSON.stringify({ status: { error_code: 429, error_message: "You've exceeded the Rate Limit." } }));
        return;
      case 'http':
        res.writeHead(failure.status, { 'content-type': 'text/html' });
        res.end('<html>upstream error</html>');
        return;
      case 'hang':
        return;
      case 'refused':
        json(res, failure.status, failure.errorCode === undefined ? { error: 'Unauthorized' } : { status: { error_code: failure.errorCode, error_message: 'API key refused' } });
        return;
    }
  }

  /** The list as CoinGecko sends it, written in uneven chunks so element boundaries fall anywhere (mid-string, mid-escape). */
  private async streamList(res: ServerResponse, platforms: boolean): Promise<void> {
    res.writeHead(200, { 'content-type': 'application/json' });
    let pending = '[';
    let cut = 997;
    for (const [i, coin] of this.coins.entries()) {
      pending += `${i ? ',' : ''}${JSON.stringify({ id: coin.id, symbol: coin.symbol, name: coin.name, ...(platforms && { platforms: coin.platforms }) })}`;
      while (pending.length >= cut) {
        if (!res.write(pending.slice(0, cut))) await new Promise((resolve) => res.once('drain', resolve));
        pending = pending.slice(cut);
        cut = cut === 997 ? 8191 : 997;
      }
    }
    res.end(`${pending}]`);
  }
}

function endpointOf(path: string): string {
  return path.startsWith('/coins/') && path !== '/coins/list' ? '/coins/{id}' : path;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
