// Slack request signatures: the pure check against Slack's documented example, and the route refusing every request
// that is not signed, signed with another secret, replayed late or from the future, before it changes anything.
import { afterEach, describe, expect, it } from 'vitest';
import { createBot, type Bot } from '../../src/bot.js';
import { signSlackRequest, verifySlackRequest } from '../../src/platforms/slack/verify-slack-signature.js';
import type { SlackFake } from '../fakes/slack-fake.js';
import { memoryLogger, tempDb, testConfig, type TempDb } from '../support/harness.js';
import { SIGNING_SECRET, signedSlash, slackSetup, slashForm } from './slack-harness.js';

// Slack's own worked example (api.slack.com, "Verifying requests from Slack").
const EXAMPLE = {
  secret: '8f742231b10e8888abcd99yyyzzz85a5',
  timestamp: '1531420618',
  body:
    'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar' +
    '&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com' +
    '%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c',
  signature: 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
};
const EXAMPLE_NOW = 1531420618 * 1000;

describe('verifySlackRequest', () => {
  const check = (overrides: { signature?: string; timestamp?: string; body?: string; secret?: string }, nowMs = EXAMPLE_NOW) =>
    verifySlackRequest(
      overrides.secret ?? EXAMPLE.secret,
      { timestamp: overrides.timestamp ?? EXAMPLE.timestamp, signature: overrides.signature ?? EXAMPLE.signature, rawBody: overrides.body ?? EXAMPLE.body },
      nowMs,
    );

  it("signs Slack's documented example exactly as Slack does", () => {
    expect(signSlackRequest(EXAMPLE.secret, EXAMPLE.timestamp, EXAMPLE.body)).toBe(EXAMPLE.signature);
    expect(check({})).toEqual({ ok: true });
  });

  it('accepts raw bytes as well as text', () => {
    expect(verifySlackRequest(EXAMPLE.secret, { ...EXAMPLE, rawBody: new TextEncoder().encode(EXAMPLE.body) }, EXAMPLE_NOW)).toEqual({ ok: true });
  });

  it('rejects a signature made with another secret', () => {
    expect(check({ secret: 'another-secret' })).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('rejects a body changed after signing', () => {
    expect(check({ body: EXAMPLE.body.replace('text=', 'text=watch+bitcoin') })).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('rejects signatures of the wrong length or shape without throwing', () => {
    for (const signature of ['v0=', 'v0=abc', `${EXAMPLE.signature}00`, 'v1=' + EXAMPLE.signature.slice(3), 'é'.repeat(67)]) {
      expect(check({ signature })).toEqual({ ok: false, reason: 'bad_signature' });
    }
  });

  it('rejects missing headers and a timestamp that is not UNIX seconds', () => {
    expect(check({ signature: '' })).toEqual({ ok: false, reason: 'missing_headers' });
    expect(verifySlackRequest(EXAMPLE.secret, { timestamp: undefined, signature: EXAMPLE.signature, rawBody: EXAMPLE.body }, EXAMPLE_NOW)).toEqual({
      ok: false,
      reason: 'missing_headers',
    });
    expect(check({ timestamp: '1531420618.5' })).toEqual({ ok: false, reason: 'bad_timestamp' });
  });

  it('accepts five minutes of clock difference either way, and nothing beyond', () => {
    expect(check({}, EXAMPLE_NOW + 300_000)).toEqual({ ok: true });
    expect(check({}, EXAMPLE_NOW - 300_000)).toEqual({ ok: true });
    expect(check({}, EXAMPLE_NOW + 301_000)).toEqual({ ok: false, reason: 'stale_timestamp' });
    expect(check({}, EXAMPLE_NOW - 301_000)).toEqual({ ok: false, reason: 'future_timestamp' });
  });
});

describe('POST /slack/commands signature check', () => {
  const NOW = 1_776_066_000_000;
  const nowSeconds = String(NOW / 1000);
  let store: TempDb;
  let fake: SlackFake;
  let bot: Bot;
  let lines: string[];

  async function setUp() {
    store = tempDb();
    const logger = memoryLogger();
    lines = logger.lines;
    const setup = await slackSetup(logger.log, [], () => NOW);
    fake = setup.fake;
    bot = createBot({ db: store.db, config: testConfig(), log: logger.log, adapters: [setup.adapter] });
  }
  afterEach(async () => {
    await fake?.close();
    store?.cleanup();
  });

  const count = (table: string) => (store.db.$client.prepare(`select count(*) as n from ${table}`).get() as { n: number }).n;
  const send = (init: RequestInit) => bot.app.request('/slack/commands', init);
  const watch = slashForm('/watch bitcoin');

  it('runs a correctly signed command', async () => {
    await setUp();
    const res = await send(signedSlash(watch, { timestamp: nowSeconds }));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ response_type: 'ephemeral', text: expect.stringContaining('Watching bitcoin') });
    expect(count('subscriptions')).toBe(1);
  });

  const refusals: Array<[string, () => RequestInit]> = [
    ['made with another secret', () => signedSlash(watch, { timestamp: nowSeconds, secret: 'not-the-secret' })],
    ['older than five minutes', () => signedSlash(watch, { timestamp: String(NOW / 1000 - 301) })],
    ['from more than five minutes ahead', () => signedSlash(watch, { timestamp: String(NOW / 1000 + 301) })],
    ['without a signature', () => signedSlash(watch, { timestamp: nowSeconds, headers: { 'x-slack-signature': '' } })],
    ['without a timestamp', () => signedSlash(watch, { timestamp: nowSeconds, headers: { 'x-slack-request-timestamp': '' } })],
    ['with a truncated signature', () => signedSlash(watch, { timestamp: nowSeconds, headers: { 'x-slack-signature': 'v0=12' } })],
    [
      'whose body was changed after signing',
      () => ({ ...signedSlash(watch, { timestamp: nowSeconds }), body: slashForm('/watch ethereum') }),
    ],
  ];
  for (const [situation, init] of refusals) {
    it(`answers 401 to a request ${situation} and changes nothing`, async () => {
      await setUp();
      const res = await send(init());
      expect(res.status).toBe(401);
      expect(count('chats')).toBe(0);
      expect(count('subscriptions')).toBe(0);
    });
  }

  it('never logs the signature or the signing secret', async () => {
    await setUp();
    const init = signedSlash(watch, { timestamp: nowSeconds, secret: 'not-the-secret' });
    await send(init);
    await send(signedSlash(watch, { timestamp: nowSeconds }));
    const signature = (init.headers as Record<string, string>)['x-slack-signature']!;
    expect(lines.join('\n')).not.toContain(signature.slice(3));
    expect(lines.join('\n')).not.toContain(SIGNING_SECRET);
    expect(lines.some((line) => line.includes('bad_signature'))).toBe(true);
  });

  it('answers 413 to a body over 64 KiB without looking further', async () => {
    await setUp();
    const big = `${watch}&padding=${'x'.repeat(70 * 1024)}`;
    const res = await send(signedSlash(big, { timestamp: nowSeconds }));
    expect(res.status).toBe(413);
    expect(count('chats')).toBe(0);
  });

  it("answers Slack's signed ssl_check with an empty 200", async () => {
    await setUp();
    const res = await send(signedSlash('ssl_check=1&token=legacy', { timestamp: nowSeconds }));
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
  });

  it('answers 400 to a signed form that is not a slash command', async () => {
    await setUp();
    const res = await send(signedSlash('hello=world', { timestamp: nowSeconds }));
    expect(res.status).toBe(400);
    expect(count('chats')).toBe(0);
  });
});
