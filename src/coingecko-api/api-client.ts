// The one HTTP client for the CoinGecko API: every call carries the key header, has a timeout, and is paced under the
// plan's rate (read from GET /key); a 429 waits for Retry-After, 5xx answers, timeouts and network errors are retried
// with backoff, and a refused key (HTTP 401/403, or error codes 10002/10005/10010/10011) is reported as such, once
// per call, never retried. Outcomes are values: callers fall back to today's behaviour when the API cannot be reached.
import { backoffDelay } from '../delivery/backoff.js';

export type ApiResult =
  | { kind: 'ok'; response: Response }
  | { kind: 'not_found' }
  /** The key was refused: the feature goes off; `reason` never holds the key. */
  | { kind: 'refused'; reason: string }
  | { kind: 'unreachable'; reason: string };

/** How one call ended, for /metrics (`coinsentry_coingecko_api_calls_total{endpoint,outcome}`). */
export type CallOutcome = 'ok' | 'not_found' | 'refused' | 'rate_limited' | 'server_error' | 'timeout' | 'network_error' | 'client_error';

/** CoinGecko's error codes of a key it will not serve: missing, not for this endpoint's plan, pro key on demo root, demo key on pro root. */
const REFUSING_CODES = new Set([10002, 10005, 10010, 10011]);

export interface ApiClientOptions {
  /** The API root without a trailing slash (`https://pro-api.coingecko.com/api/v3`). */
  root: string;
  key: string;
  keyHeader: string;
  fetch?: typeof fetch;
  /** Milliseconds since the epoch. */
  clock?: () => number;
  /** Waits (pacing, Retry-After, backoff); tests pass one that records the wait and returns at once. */
  sleep?: (ms: number) => Promise<void>;
  /** Per attempt, unless the call gives its own (default 10 s). */
  timeoutMs?: number;
  /** Attempts per call for 429, 5xx, timeouts and network errors (default 4). */
  attempts?: number;
  backoff?: { baseMs?: number; maxMs?: number; random?: () => number };
  /** Requests per minute until GET /key says (default 30, the demo plan's). */
  requestsPerMinute?: number;
  onCall?: (endpoint: string, outcome: CallOutcome) => void;
}

export interface CallOptions {
  /** The label for /metrics: the path with ids replaced (`/coins/{id}`). */
  endpoint: string;
  /** Milliseconds per attempt. */
  timeoutMs?: number;
  /** Give up (unreachable) once this much time has passed since the call began: a chat reply cannot wait long. */
  budgetMs?: number;
}

export interface ApiClient {
  /** GET `path` (with its query string) under the root. */
  get(path: string, options: CallOptions): Promise<ApiResult>;
  /** The plan's rate, from GET /key. */
  setRate(requestsPerMinute: number): void;
}

const MAX_RETRY_AFTER_MS = 5 * 60_000;

export function createApiClient(options: ApiClientOptions): ApiClient {
  const doFetch = options.fetch ?? fetch;
  const clock = options.clock ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const attempts = options.attempts ?? 4;
  let intervalMs = 60_000 / (options.requestsPerMinute ?? 30);
  /** When the next request may start: requests are spaced evenly, and a 429 pushes this out for everyone. */
  let nextSlot = 0;

  /** Reserves the next slot; undefined when it lies beyond `deadline`. */
  function reserve(deadline: number): number | undefined {
    const now = clock();
    const slot = Math.max(now, nextSlot);
    if (slot > deadline) return undefined;
    nextSlot = slot + intervalMs;
    return slot - now;
  }

  async function attempt(url: string, timeoutMs: number): Promise<{ response: Response } | { error: 'timeout' | 'network_error'; detail: string }> {
    try {
      const response = await doFetch(url, {
        headers: { accept: 'application/json', [options.keyHeader]: options.key },
        signal: AbortSignal.timeout(timeoutMs),
      });
      return { response };
    } catch (error) {
      const name = (error as { name?: string }).name;
      if (name === 'TimeoutError' || name === 'AbortError') return { error: 'timeout', detail: `no answer within ${timeoutMs} ms` };
      const cause = (error as { cause?: { code?: string } }).cause?.code;
      return { error: 'network_error', detail: cause ?? (error instanceof Error ? error.message : String(error)) };
    }
  }

  return {
    setRate(requestsPerMinute) {
      if (requestsPerMinute > 0) intervalMs = 60_000 / requestsPerMinute;
    },

    async get(path, call) {
      const began = clock();
      const deadline = began + (call.budgetMs ?? Infinity);
      const timeoutMs = call.timeoutMs ?? options.timeoutMs ?? 10_000;
      const url = `${options.root}${path}`;
      let last = 'no attempt made';
      for (let n = 1; n <= attempts; n += 1) {
        const wait = reserve(deadline);
        if (wait === undefined) break;
        if (wait > 0) await sleep(wait);
        const remaining = deadline - clock();
        const result = await attempt(url, Math.max(1, Math.min(timeoutMs, remaining)));
        if ('error' in result) {
          options.onCall?.(call.endpoint, result.error);
          last = result.detail;
        } else {
          const { response } = result;
          const status = response.status;
          if (response.ok) {
            options.onCall?.(call.endpoint, 'ok');
            return { kind: 'ok', response };
          }
          const refusal = await refusalOf(response);
          if (refusal) {
            options.onCall?.(call.endpoint, 'refused');
            return { kind: 'refused', reason: refusal };
          }
          if (status === 404) {
            options.onCall?.(call.endpoint, 'not_found');
            return { kind: 'not_found' };
          }
          if (status === 429) {
            options.onCall?.(call.endpoint, 'rate_limited');
            const retryAfter = retryAfterMs(response.headers.get('retry-after'), clock()) ?? backoffDelay(n, undefined, { baseMs: 1000, ...options.backoff });
            nextSlot = Math.max(nextSlot, clock() + Math.min(retryAfter, MAX_RETRY_AFTER_MS));
            last = `HTTP 429 (retry after ${Math.round(retryAfter / 1000)} s)`;
            continue;
          }
          if (status < 500) {
            options.onCall?.(call.endpoint, 'client_error');
            return { kind: 'unreachable', reason: `HTTP ${status}` };
          }
          options.onCall?.(call.endpoint, 'server_error');
          last = `HTTP ${status}`;
        }
        if (n < attempts) {
          const delay = backoffDelay(n, undefined, { baseMs: 1000, maxMs: 30_000, ...options.backoff });
          if (clock() + delay > deadline) break;
          nextSlot = Math.max(nextSlot, clock() + delay);
        }
      }
      return { kind: 'unreachable', reason: last };
    },
  };
}

/** Why CoinGecko refused the key (401/403, or a refusing error code in the body), or undefined. Consumes the body. */
async function refusalOf(response: Response): Promise<string | undefined> {
  const body = await response.text().catch(() => '');
  let code: number | undefined;
  let message: string | undefined;
  try {
    const json = JSON.parse(body) as { status?: { error_code?: unknown; error_message?: unknown }; error_code?: unknown; error_message?: unknown; error?: unknown };
    const rawCode = json.status?.error_code ?? json.error_code;
    code = typeof rawCode === 'number' ? rawCode : typeof rawCode === 'string' && /^\d+$/.test(rawCode) ? Number(rawCode) : undefined;
    const rawMessage = json.status?.error_message ?? json.error_message ?? json.error;
    message = typeof rawMessage === 'string' ? rawMessage.slice(0, 200) : undefined;
  } catch {
    // not JSON: the status decides
  }
  const refused = response.status === 401 || response.status === 403 || (code !== undefined && REFUSING_CODES.has(code));
  if (!refused) return undefined;
  const detail = [code !== undefined ? `error ${code}` : undefined, message].filter(Boolean).join(': ');
  return `HTTP ${response.status}${detail ? ` (${detail})` : ''}`;
}

/** `Retry-After` as seconds or an HTTP date, in milliseconds from now. */
function retryAfterMs(header: string | null, now: number): number | undefined {
  if (!header) return undefined;
  if (/^\d+(\.\d+)?$/.test(header.trim())) return Number(header) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
