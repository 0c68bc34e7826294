// The coin directory with COINGECKO_API_KEY: at start GET /key (the key is checked, the plan's rate read, the credits
// left shown in /metrics; hourly after that), then the directory is loaded when it is empty or a day old, and again
// every day. Implements the core's CoinDirectory: lookups read SQLite; ranking a symbol (GET /search) and /coin
// (GET /coins/{id}, cached a minute) call the API within a short budget, so a chat reply never waits long.
import { Counter, Gauge, type Registry } from 'prom-client';
import { z } from 'zod';
import type { CoinGeckoApiConfig } from '../config.js';
import type { CoinDirectory, DetailsResult } from '../core/coin-directory.js';
import { readDirectoryState, sqliteDirectoryLookup } from '../db/coin-directory.js';
import type { Db } from '../db/open-database.js';
import type { Logger } from '../logger.js';
import { createApiClient, type ApiClientOptions } from './api-client.js';
import { parseCoinDetails } from './coin-details.js';
import { refreshDirectory, type RefreshResult } from './directory-refresh.js';

export interface CoinGeckoDirectoryOptions {
  db: Db;
  api: CoinGeckoApiConfig;
  log: Logger;
  /** Milliseconds since the epoch. */
  clock?: () => number;
  /** Client overrides for tests: fetch, sleep, timeouts, attempts, backoff. */
  client?: Partial<Omit<ApiClientOptions, 'root' | 'key' | 'keyHeader' | 'clock' | 'onCall'>>;
  /** How long a chat reply may wait for the API (default 2 s: Discord and Slack want an answer within 3 s). */
  replyBudgetMs?: number;
  /** How often the background timer looks for due work (default a minute); 0: no timer (tests call `tick`). */
  tickMs?: number;
}

export interface CoinGeckoDirectory extends CoinDirectory {
  /** Checks the key and loads the directory if due; the same promise for every caller. */
  start(): Promise<void>;
  stop(): void;
  /** Runs what is due now: the hourly key check, the daily refresh, a retry after a failure. */
  tick(): Promise<void>;
  /** Loads the directory now. */
  refresh(): Promise<RefreshResult>;
  /** Adds the API and directory metrics to /metrics. */
  registerMetrics(registry: Registry): void;
}

const DAY_MS = 24 * 3600_000;
const HOUR_MS = 3600_000;
/** After a failed load, the next try. */
const RETRY_MS = 15 * 60_000;
const DETAILS_TTL_MS = 60_000;

const keyInfo = z
  .object({
    rate_limit_request_per_minute: z.number().positive().optional(),
    current_remaining_monthly_calls: z.number().optional(),
  })
  .loose();
const searchAnswer = z.object({
  coins: z.array(z.object({ id: z.string(), market_cap_rank: z.number().nullable().optional() }).loose()).default([]),
}).loose();

export function createCoinGeckoDirectory(options: CoinGeckoDirectoryOptions): CoinGeckoDirectory {
  const { db, log } = options;
  const clock = options.clock ?? Date.now;
  const replyBudgetMs = options.replyBudgetMs ?? 2000;
  const calls = new Counter({
    name: 'coinsentry_coingecko_api_calls_total',
    help: 'CoinGecko API calls by endpoint and outcome (ok, not_found, refused, rate_limited, server_error, timeout, network_error, client_error)',
    labelNames: ['endpoint', 'outcome'] as const,
    registers: [],
  });
  const client = createApiClient({
    ...options.client,
    root: options.api.root,
    key: options.api.key,
    keyHeader: options.api.keyHeader,
    clock,
    onCall: (endpoint, outcome) => calls.inc({ endpoint, outcome }),
  });
  const lookup = sqliteDirectoryLookup(db);
  let refused: string | undefined;
  let credits: number | undefined;
  let nextKeyCheck = 0;
  let nextRefresh = 0;
  let started: Promise<void> | undefined;
  let running: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  const cache = new Map<string, { at: number; result: DetailsResult }>();

  function refuse(reason: string): void {
    if (refused) return;
    refused = reason;
    log.error(
      { reason },
      `COINGECKO_API_KEY was refused by CoinGecko (${reason}): the coin directory and /coin are off, commands take CoinGecko ids as without a key. Check the key and COINGECKO_API_PLAN (pro or demo), then restart.`,
    );
  }

  async function checkKey(): Promise<void> {
    const answer = await client.get('/key', { endpoint: '/key' });
    if (answer.kind === 'refused') return refuse(answer.reason);
    if (answer.kind !== 'ok') {
      log.warn({ reason: answer.kind === 'unreachable' ? answer.reason : 'HTTP 404' }, 'the CoinGecko API could not be reached to check the key; trying again later');
      nextKeyCheck = clock() + RETRY_MS;
      return;
    }
    const info = keyInfo.safeParse(await answer.response.json().catch(() => undefined));
    if (info.success) {
      if (info.data.rate_limit_request_per_minute) client.setRate(info.data.rate_limit_request_per_minute);
      if (info.data.current_remaining_monthly_calls !== undefined) credits = info.data.current_remaining_monthly_calls;
    }
    nextKeyCheck = clock() + HOUR_MS;
  }

  async function load(): Promise<RefreshResult> {
    const began = clock();
    const result = await refreshDirectory(db, client, clock);
    if (result.kind === 'refused') refuse(result.reason);
    if (result.kind === 'refreshed') {
      nextRefresh = clock() + DAY_MS;
      log.info({ ...result.counts, skipped: result.skipped, ms: clock() - began }, 'coin directory loaded from CoinGecko');
    } else {
      nextRefresh = clock() + RETRY_MS;
      if (result.kind === 'unreachable') log.warn({ reason: result.reason }, 'the coin directory could not be loaded from CoinGecko; the copy in the database stays, next try in 15 min');
    }
    return result;
  }

  async function due(): Promise<void> {
    if (refused) return;
    if (clock() >= nextKeyCheck) await checkKey();
    if (refused) return;
    if (nextRefresh === 0) {
      const state = readDirectoryState(db);
      nextRefresh = state && state.coins > 0 ? state.refreshedAt + DAY_MS : 0;
    }
    if (clock() >= nextRefresh) await load();
  }

  /** One run at a time: a tick while a load is in flight waits for it instead of starting another. */
  function tick(): Promise<void> {
    running ??= due().finally(() => {
      running = undefined;
    });
    return running;
  }

  return {
    lookup,
    ready: () => !refused && (readDirectoryState(db)?.coins ?? 0) > 0,
    unavailable: () => (refused ? `CoinGecko refused the API key (${refused}); the admin checks COINGECKO_API_KEY` : undefined),

    async ranks(symbol) {
      const answer = await client.get(`/search?query=${encodeURIComponent(symbol)}`, { endpoint: '/search', budgetMs: replyBudgetMs });
      if (answer.kind === 'refused') refuse(answer.reason);
      if (answer.kind !== 'ok') return undefined;
      const parsed = searchAnswer.safeParse(await answer.response.json().catch(() => undefined));
      if (!parsed.success) return undefined;
      return new Map(parsed.data.coins.map((c) => [c.id, c.market_cap_rank ?? null]));
    },

    async details(id) {
      const cached = cache.get(id);
      if (cached && clock() - cached.at < DETAILS_TTL_MS) return cached.result;
      const path = `/coins/${encodeURIComponent(id)}?localization=false&tickers=false&market_data=false&community_data=false&developer_data=false&sparkline=false`;
      const answer = await client.get(path, { endpoint: '/coins/{id}', budgetMs: replyBudgetMs });
      if (answer.kind === 'refused') refuse(answer.reason);
      let result: DetailsResult;
      if (answer.kind === 'not_found') result = { kind: 'not_found' };
      else if (answer.kind !== 'ok') result = { kind: 'unreachable' };
      else {
        const details = parseCoinDetails(await answer.response.json().catch(() => undefined));
        result = details ? { kind: 'found', details } : { kind: 'unreachable' };
      }
      if (result.kind !== 'unreachable') {
        for (const [key, entry] of cache) if (clock() - entry.at >= DETAILS_TTL_MS) cache.delete(key);
        cache.set(id, { at: clock(), result });
      }
      return result;
    },

    start() {
      started ??= tick().then(() => {
        const every = options.tickMs ?? 60_000;
        if (every > 0 && !refused) {
          timer = setInterval(() => void tick().catch((error: unknown) => log.error({ err: error }, 'coin directory job failed')), every);
          timer.unref();
        }
      });
      return started;
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
    },
    tick,
    refresh: load,

    registerMetrics(registry) {
      registry.registerMetric(calls);
      new Gauge({
        name: 'coinsentry_coin_directory_coins',
        help: 'Coins in the CoinGecko coin directory (0: not loaded)',
        registers: [registry],
        collect() {
          this.set(readDirectoryState(db)?.coins ?? 0);
        },
      });
      new Gauge({
        name: 'coinsentry_coin_directory_age_seconds',
        help: 'Time since the coin directory was last loaded from CoinGecko (-1: never)',
        registers: [registry],
        collect() {
          const state = readDirectoryState(db);
          this.set(state ? Math.max(0, (clock() - state.refreshedAt) / 1000) : -1);
        },
      });
      new Gauge({
        name: 'coinsentry_coingecko_credits_remaining',
        help: 'API credits left this month, from GET /key (checked hourly; each webhook delivery costs 10)',
        registers: [registry],
        collect() {
          if (credits !== undefined) this.set(credits);
        },
      });
    },
  };
}
