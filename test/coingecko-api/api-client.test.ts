// The CoinGecko HTTP client against the fake API through real fetch: the key header on every call, pacing under the
// plan's rate, Retry-After honoured, 5xx and a hanging request retried with backoff and then given up, and a refused
// key reported at once and never retried. Waits go through an injected sleep on an injected clock: nothing sleeps.
import { afterEach, describe, expect, it } from 'vitest';
import { createApiClient, type ApiClientOptions, type CallOutcome } from '../../src/coingecko-api/api-client.js';
import { CoinGeckoFake } from '../fakes/coingecko-fake.js';

let fake: CoinGeckoFake;
afterEach(async () => fake?.close());

async function setUp(options: Partial<ApiClientOptions> = {}) {
  fake = await new CoinGeckoFake(20).listen();
  let now = 1_776_066_000_000;
  const waits: number[] = [];
  const outcomes: Array<[string, CallOutcome]> = [];
  const client = createApiClient({
    root: fake.root,
    key: fake.key,
    keyHeader: fake.keyHeader,
    clock: () => now,
    sleep: async (ms) => {
      waits.push(ms);
      now += ms;
    },
    backoff: { random: () => 0 },
    onCall: (endpoint, outcome) => outcomes.push([endpoint, outcome]),
    ...options,
  });
  return { client, waits, outcomes, advance: (ms: number) => (now += ms) };
}

describe('CoinGecko API client', () => {
  it('sends the key in the plan header and reads the answer', async () => {
    const { client, outcomes } = await setUp();
    const result = await client.get('/key', { endpoint: '/key' });
    expect(result.kind).toBe('ok');
    expect(result.kind === 'ok' && (await result.response.json())).toMatchObject({ rate_limit_request_per_minute: 500 });
    expect(fake.requests[0]).toMatchObject({ path: '/key', key: fake.key });
    expect(outcomes).toEqual([['/key', 'ok']]);
  });

  it('paces requests evenly under the rate GET /key gave', async () => {
    const { client, waits } = await setUp();
    client.setRate(60);
    for (let i = 0; i < 3; i += 1) expect((await client.get('/key', { endpoint: '/key' })).kind).toBe('ok');
    expect(waits).toEqual([1000, 1000]);
  });

  it('waits for Retry-After on a 429, then succeeds', async () => {
    const { client, waits, outcomes } = await setUp();
    fake.failNext('/key', { kind: 'rate_limited', retryAfterSeconds: 7 });
    expect((await client.get('/key', { endpoint: '/key' })).kind).toBe('ok');
    expect(waits.some((ms) => ms >= 7000 && ms < 7100)).toBe(true);
    expect(outcomes.map(([, o]) => o)).toEqual(['rate_limited', 'ok']);
  });

  it('retries 5xx answers with growing backoff, then gives up saying why', async () => {
    const { client, waits, outcomes } = await setUp({ attempts: 3, requestsPerMinute: 6000 });
    fake.failNext('/asset_platforms', { kind: 'http', status: 502 }, { kind: 'http', status: 503 }, { kind: 'http', status: 500 });
    expect(await client.get('/asset_platforms', { endpoint: '/asset_platforms' })).toEqual({ kind: 'unreachable', reason: 'HTTP 500' });
    expect(waits).toEqual([500, 1000]);
    expect(outcomes.map(([, o]) => o)).toEqual(['server_error', 'server_error', 'server_error']);
    expect(fake.calls('/asset_platforms')).toHaveLength(3);
  });

  it('times out a request that never answers, and succeeds on the retry', async () => {
    const { client, outcomes } = await setUp({ timeoutMs: 150 });
    fake.failNext('/search', { kind: 'hang' });
    const result = await client.get('/search?query=btc', { endpoint: '/search' });
    expect(result.kind).toBe('ok');
    expect(outcomes.map(([, o]) => o)).toEqual(['timeout', 'ok']);
  });

  it('gives up within the budget of a chat reply instead of waiting out a long Retry-After', async () => {
    const { client } = await setUp();
    fake.failNext('/search', { kind: 'rate_limited', retryAfterSeconds: 60 });
    const result = await client.get('/search?query=btc', { endpoint: '/search', budgetMs: 2000 });
    expect(result).toEqual({ kind: 'unreachable', reason: 'HTTP 429 (retry after 60 s)' });
    expect(fake.calls('/search')).toHaveLength(1);
  });

  it.each([
    ['401 without a body code', { status: 401 }, 'HTTP 401 (Unauthorized)'],
    ['403', { status: 403 }, 'HTTP 403 (Unauthorized)'],
    ['10002 (key missing)', { status: 400, errorCode: 10002 }, 'HTTP 400 (error 10002: API key refused)'],
    ['10005 (endpoint not in the plan)', { status: 400, errorCode: 10005 }, 'HTTP 400 (error 10005: API key refused)'],
    ['10010 (a pro key on the demo root)', { status: 400, errorCode: 10010 }, 'HTTP 400 (error 10010: API key refused)'],
    ['10011 (a demo key on the pro root)', { status: 400, errorCode: 10011 }, 'HTTP 400 (error 10011: API key refused)'],
  ])('reports a refused key (%s) at once, without retrying', async (_label, refusal, reason) => {
    const { client, outcomes } = await setUp();
    fake.failNext('/key', { kind: 'refused', ...refusal });
    expect(await client.get('/key', { endpoint: '/key' })).toEqual({ kind: 'refused', reason });
    expect(fake.calls('/key')).toHaveLength(1);
    expect(outcomes).toEqual([['/key', 'refused']]);
  });

  it('says not_found for an unknown coin', async () => {
    const { client } = await setUp();
    expect(await client.get('/coins/no-such-coin', { endpoint: '/coins/{id}' })).toEqual({ kind: 'not_found' });
  });

  it('reports a connection refused as unreachable after its retries', async () => {
    const { client, outcomes } = await setUp({ attempts: 2 });
    const root = fake.root;
    await fake.close();
    const offline = createApiClient({ root, key: 'k', keyHeader: 'x-cg-pro-api-key', sleep: async () => undefined, attempts: 2, onCall: () => undefined });
    const result = await offline.get('/key', { endpoint: '/key' });
    expect(result).toMatchObject({ kind: 'unreachable', reason: expect.stringMatching(/ECONNREFUSED|fetch failed/) });
    expect(outcomes).toEqual([]);
    void client;
  });
});
