import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { NOW_MS, SECRET, fixture, fixtureNames, nextEventId, signed, testApp, type TestApp } from '../../support/harness.js';

const URL = '/webhooks/coingecko';
let t: TestApp;
afterEach(() => t?.cleanup());

function count(table: string, db = t.db.$client): number {
  return (db.prepare(`select count(*) as n from ${table}`).get() as { n: number }).n;
}
const nothingStored = () => ['events', 'changes', 'quarantine', 'deliveries'].every((table) => count(table) === 0);

describe('POST /webhooks/coingecko', () => {
  it('records a valid event with its changes and answers 200', async () => {
    t = testApp();
    const res = await t.app.request(URL, signed(fixture('name-update'), { eventId: 'evt-name' }));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'recorded', event_id: 'evt-name', handled: true });
    const event = t.db.$client.prepare('select * from events').get() as Record<string, unknown>;
    expect(event).toMatchObject({
      source: 'coingecko',
      event_id: 'evt-name',
      event_type: 'cg.coin.info.updated',
      coin_id: 'wild-goat-coin-2',
      coin_symbol: 'WGC',
      coin_name: 'Wild Goat Coin [OLD]',
      occurred_at: NOW_MS / 1000,
      raw_body: fixture('name-update'),
    });
    expect(t.db.$client.prepare('select field, change_type, old_value, new_value from changes').all()).toEqual([
      { field: 'name', change_type: 'update', old_value: '"Wild Goat Coin"', new_value: '"Wild Goat Coin [OLD]"' },
    ]);
  });

  it('answers a retry of the same event id with 200 duplicate and records nothing new', async () => {
    t = testApp();
    const first = await t.app.request(URL, signed(fixture('name-update'), { eventId: 'evt-dup' }));
    const again = await t.app.request(URL, signed(fixture('name-update'), { eventId: 'evt-dup' }));
    expect(first.status).toBe(200);
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ status: 'duplicate' });
    expect(count('events')).toBe(1);
    expect(count('changes')).toBe(1);
  });

  it('records concurrent deliveries of the same event id once', async () => {
    t = testApp();
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => t.app.request(URL, signed(fixture('rebrand-multi-change'), { eventId: 'evt-par' }))),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(20).fill(200));
    const bodies = await Promise.all(responses.map((r) => r.json() as Promise<{ status: string }>));
    expect(bodies.filter((b) => b.status === 'recorded')).toHaveLength(1);
    expect(count('events')).toBe(1);
    expect(count('changes')).toBe(4);
  });

  it('quarantines a signed body that is not JSON and answers 202', async () => {
    t = testApp();
    const res = await t.app.request(URL, signed('not json {', { eventId: 'evt-q' }));
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ status: 'quarantined', reason: 'body is not JSON' });
    expect(t.db.$client.prepare('select event_id, raw_body from quarantine').all()).toEqual([
      { event_id: 'evt-q', raw_body: 'not json {' },
    ]);
    expect(count('events')).toBe(0);
  });

  it('quarantines a signed body of the wrong shape', async () => {
    t = testApp();
    const wrong = JSON.stringify({ event_type: 'cg.coin.info.updated', data: { id: 'x', changes: [{ field: 'name' }] } });
    const res = await t.app.request(URL, signed(wrong));
    expect(res.status).toBe(202);
    expect(((await res.json()) as { reason: string }).reason).toContain('change_type');
    expect(count('quarantine')).toBe(1);
    expect(count('events')).toBe(0);
  });

  it('records an event with a very long name instead of quarantining it', async () => {
    t = testApp();
    const body = JSON.stringify({
      event_type: 'cg.coin.info.updated',
      data: { id: 'long', symbol: 'L'.repeat(5000), name: 'N'.repeat(20_000), changes: [{ field: 'platforms.ethereum', change_type: 'update', old_value: '0x1', new_value: '0x2' }] },
    });
    const res = await t.app.request(URL, signed(body));
    expect(res.status).toBe(200);
    expect(count('quarantine')).toBe(0);
  });

  it('records an unknown event type with 200 and sends no alerts', async () => {
    t = testApp();
    const res = await t.app.request(URL, signed(fixture('unknown-event-type')));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ handled: false, deliveries: 0 });
    expect(t.db.$client.prepare('select event_type, coin_id from events').get()).toEqual({
      event_type: 'cg.coin.listed',
      coin_id: 'example-new-listing',
    });
  });

  it.each(['x-cg-timestamp', 'x-cg-event-id', 'x-cg-signature'])('answers 400 when %s is missing or empty', async (header) => {
    t = testApp();
    for (const value of [undefined, '', '   ']) {
      const init = signed(fixture('name-update'));
      const headers = init.headers as Record<string, string>;
      if (value === undefined) delete headers[header];
      else headers[header] = value;
      const res = await t.app.request(URL, init);
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({ error: `missing header: ${header}` });
    }
    expect(nothingStored()).toBe(true);
  });

  it('reads the headers whatever their letter case', async () => {
    t = testApp();
    const init = signed(fixture('name-update'));
    const upper = Object.fromEntries(Object.entries(init.headers as Record<string, string>).map(([k, v]) => [k.toUpperCase(), v]));
    const res = await t.app.request(URL, { ...init, headers: upper });
    expect(res.status).toBe(200);
  });

  it('answers 401 for a signature made with another secret', async () => {
    t = testApp();
    const res = await t.app.request(URL, signed(fixture('name-update'), { secret: 'whsec_other' }));
    expect(res.status).toBe(401);
    expect(nothingStored()).toBe(true);
  });

  it('accepts a signature made with the second of several secrets', async () => {
    t = testApp({ env: { COINGECKO_WEBHOOK_SECRET: `whsec_old, ${SECRET}` } });
    const res = await t.app.request(URL, signed(fixture('name-update'), { secret: SECRET }));
    expect(res.status).toBe(200);
  });

  it('answers 401 for a body tampered with by one byte', async () => {
    t = testApp();
    const init = signed(fixture('name-update'));
    const res = await t.app.request(URL, { ...init, body: fixture('name-update').replace('OLD', 'OLE') });
    expect(res.status).toBe(401);
    expect(nothingStored()).toBe(true);
  });

  it('answers 401 for a signature of the wrong length', async () => {
    t = testApp();
    const res = await t.app.request(URL, signed(fixture('name-update'), { headers: { 'x-cg-signature': 'abc123' } }));
    expect(res.status).toBe(401);
  });

  it.each([
    ['stale', -301],
    ['future', 301],
  ])('answers 401 for a %s timestamp, even when correctly signed', async (_name, offset) => {
    t = testApp();
    const res = await t.app.request(URL, signed(fixture('name-update'), { timestamp: String(NOW_MS / 1000 + offset) }));
    expect(res.status).toBe(401);
    expect(nothingStored()).toBe(true);
  });

  it('honours WEBHOOK_TOLERANCE_SECONDS', async () => {
    t = testApp({ env: { WEBHOOK_TOLERANCE_SECONDS: '3600' } });
    const res = await t.app.request(URL, signed(fixture('name-update'), { timestamp: String(NOW_MS / 1000 - 3000) }));
    expect(res.status).toBe(200);
  });

  it('answers 413 for a body over the limit and stores nothing', async () => {
    t = testApp();
    const huge = JSON.stringify({ event_type: 'cg.coin.info.updated', data: { id: 'x', name: 'a'.repeat(300 * 1024) } });
    const res = await t.app.request(URL, signed(huge));
    expect(res.status).toBe(413);
    expect(nothingStored()).toBe(true);
  });

  it('answers 503 when the database cannot commit, and stores nothing', async () => {
    t = testApp();
    t.db.$client.pragma('busy_timeout = 50');
    const blocker = new Database(t.path);
    blocker.exec('begin immediate');
    try {
      const res = await t.app.request(URL, signed(fixture('name-update')));
      expect(res.status).toBe(503);
    } finally {
      blocker.exec('rollback');
      blocker.close();
    }
    expect(nothingStored()).toBe(true);
  });

  it('returns 2xx only once the event is readable from a fresh connection', async () => {
    t = testApp();
    for (const name of fixtureNames()) {
      const eventId = nextEventId();
      const res = await t.app.request(URL, signed(fixture(name), { eventId }));
      expect(res.status).toBe(200);
      const fresh = new Database(t.path, { readonly: true });
      expect(fresh.prepare('select count(*) as n from events where event_id = ?').get(eventId)).toEqual({ n: 1 });
      fresh.close();
    }
  });

  it.each(fixtureNames())('records fixture %s with every change and value intact', async (name) => {
    t = testApp();
    const body = fixture(name);
    const res = await t.app.request(URL, signed(body));
    expect(res.status).toBe(200);
    const payload = JSON.parse(body) as { data: { changes?: Array<Record<string, unknown>> } };
    const stored = t.db.$client.prepare('select * from changes order by position').all() as Array<{ field: string; change_type: string; old_value: string | null; new_value: string | null }>;
    const expected = payload.data.changes ?? [];
    expect(stored).toHaveLength(expected.length);
    expected.forEach((change, i) => {
      const row = stored[i]!;
      expect(row.field).toBe(change.field as string);
      expect(row.change_type).toBe(change.change_type as string);
      expect(row.old_value === null ? undefined : JSON.parse(row.old_value)).toEqual(change.old_value);
      expect(row.new_value === null ? undefined : JSON.parse(row.new_value)).toEqual(change.new_value);
    });
  });

  it('keeps Unicode, booleans and arrays exactly', async () => {
    t = testApp();
    const body = JSON.stringify({
      event_type: 'cg.coin.info.updated',
      data: {
        id: 'émoji-coin',
        symbol: '🚀',
        name: 'Ünïcode <b>&amp;',
        changes: [
          { field: 'additional_notices.can_mint_new_tokens', change_type: 'update', old_value: false, new_value: null },
          { field: 'links.homepage', change_type: 'update', old_value: ['a', ''], new_value: ['日本語', ''] },
        ],
      },
    });
    expect((await t.app.request(URL, signed(body))).status).toBe(200);
    expect(t.db.$client.prepare('select coin_name, coin_symbol, raw_body from events').get()).toEqual({
      coin_name: 'Ünïcode <b>&amp;',
      coin_symbol: '🚀',
      raw_body: body,
    });
    expect(t.db.$client.prepare('select old_value, new_value from changes order by position').all()).toEqual([
      { old_value: 'false', new_value: 'null' },
      { old_value: '["a",""]', new_value: '["日本語",""]' },
    ]);
  });

  it('never writes the secret or the signature to the log', async () => {
    t = testApp();
    const init = signed(fixture('name-update'));
    const signature = (init.headers as Record<string, string>)['x-cg-signature']!;
    await t.app.request(URL, init);
    await t.app.request(URL, signed(fixture('name-update'), { secret: 'whsec_other' }));
    expect(t.lines.length).toBeGreaterThanOrEqual(2);
    const all = t.lines.join('\n');
    expect(all).not.toContain(SECRET);
    expect(all).not.toContain(signature);
    expect(JSON.parse(t.lines[0]!)).toMatchObject({ event_id: expect.any(String), coin: 'wild-goat-coin-2', outcome: 'accepted' });
  });
});

describe('health and metrics', () => {
  it('GET /healthz answers 200 while the database answers and 503 after it is closed', async () => {
    t = testApp();
    expect((await t.app.request('/healthz')).status).toBe(200);
    t.db.$client.close();
    const res = await t.app.request('/healthz');
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ database: 'unreachable' });
  });

  it('GET /metrics counts requests by outcome and reason', async () => {
    t = testApp();
    await t.app.request(URL, signed(fixture('name-update'), { eventId: 'a' }));
    await t.app.request(URL, signed(fixture('name-update'), { eventId: 'a' }));
    await t.app.request(URL, signed(fixture('name-update'), { secret: 'whsec_bad' }));
    await t.app.request(URL, signed('nope'));
    const res = await t.app.request('/metrics');
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(text).toContain('coinsentry_webhook_requests_total{source="coingecko",outcome="accepted",reason=""} 1');
    expect(text).toContain('coinsentry_webhook_requests_total{source="coingecko",outcome="duplicate",reason=""} 1');
    expect(text).toContain('coinsentry_webhook_requests_total{source="coingecko",outcome="rejected",reason="bad_signature"} 1');
    expect(text).toContain('coinsentry_webhook_requests_total{source="coingecko",outcome="quarantined",reason="malformed_payload"} 1');
    expect(text).toMatch(/coinsentry_db_write_seconds_count 3/);
  });
});
