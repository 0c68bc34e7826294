// Loading CoinGecko's directory into SQLite: GET /asset_platforms (a few hundred chains, read whole), then
// GET /coins/list?include_platform=true streamed element by element into the staging tables in batches, then swapped
// in by one transaction. Memory stays bounded by one batch, whatever the size of the list.
import { z } from 'zod';
import { beginDirectoryLoad, stageCoins, swapDirectory, type DirectoryCounts, type ListedCoin } from '../db/coin-directory.js';
import type { Db } from '../db/open-database.js';
import type { ApiClient, ApiResult } from './api-client.js';
import { JsonStreamError, jsonArrayElements } from './json-array-stream.js';

export type RefreshResult =
  | { kind: 'refreshed'; counts: DirectoryCounts; skipped: number }
  | { kind: 'refused'; reason: string }
  | { kind: 'unreachable'; reason: string };

const listedCoin = z.object({
  id: z.string().min(1).max(200),
  symbol: z.string().max(200),
  name: z.string().max(500),
  platforms: z.record(z.string(), z.string().max(500).nullable()).optional(),
});
const platformList = z.array(z.object({ id: z.string().min(1).max(200), name: z.string().max(500).nullable().optional() }).loose());

const BATCH = 500;
/** Listing the whole directory can take a while on a slow link: the time allowed for one attempt. */
const LIST_TIMEOUT_MS = 120_000;

/** Fetches the asset platforms and the coins list and replaces the directory with them. */
export async function refreshDirectory(db: Db, client: ApiClient, now: () => number): Promise<RefreshResult> {
  const platforms = await client.get('/asset_platforms', { endpoint: '/asset_platforms' });
  if (platforms.kind !== 'ok') return failure(platforms);
  let chains: Array<{ id: string; name: string }>;
  try {
    chains = platformList.parse(await platforms.response.json()).map((p) => ({ id: p.id, name: p.name ?? p.id }));
  } catch {
    return { kind: 'unreachable', reason: 'GET /asset_platforms answered something that is not a list of platforms' };
  }
  const list = await client.get('/coins/list?include_platform=true', { endpoint: '/coins/list', timeoutMs: LIST_TIMEOUT_MS });
  if (list.kind !== 'ok') return failure(list);
  if (!list.response.body) return { kind: 'unreachable', reason: 'GET /coins/list answered without a body' };
  beginDirectoryLoad(db);
  let batch: ListedCoin[] = [];
  let skipped = 0;
  try {
    for await (const element of jsonArrayElements(list.response.body)) {
      const parsed = listedCoin.safeParse(element);
      if (!parsed.success) {
        skipped += 1;
        continue;
      }
      batch.push({ ...parsed.data, platforms: parsed.data.platforms ?? {} });
      if (batch.length >= BATCH) {
        stageCoins(db, batch);
        batch = [];
      }
    }
  } catch (error) {
    beginDirectoryLoad(db);
    const reason = error instanceof JsonStreamError ? `GET /coins/list: ${error.message}` : `GET /coins/list was cut off (${error instanceof Error ? error.message : String(error)})`;
    return { kind: 'unreachable', reason };
  }
  stageCoins(db, batch);
  return { kind: 'refreshed', counts: swapDirectory(db, chains, now()), skipped };
}

function failure(result: Exclude<ApiResult, { kind: 'ok' }>): RefreshResult {
  if (result.kind === 'refused') return result;
  return { kind: 'unreachable', reason: result.kind === 'not_found' ? 'HTTP 404' : result.reason };
}
