// Property-based tests (fast-check) of what outsiders control: the webhook route and the command parser. Arbitrary
// bodies, headers and command strings never produce a 5xx or a throw; an unsigned request never stores a row; a signed
// one is recorded or quarantined, never refused by a crash; commands only ever store valid coin ids and fields.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCommand, parseCommandText } from '../../src/core/command-grammar.js';
import { createCommandService } from '../../src/core/command-service.js';
import { WATCHABLE_FIELDS } from '../../src/core/fields.js';
import { sqliteChatStore } from '../../src/db/chat-store.js';
import { signWebhook } from '../../src/sources/coingecko/verify-signature.js';
import { signedSlash } from '../platforms/slack-harness.js';
import { createBot } from '../../src/bot.js';
import { createTelegramAdapter } from '../../src/platforms/telegram/telegram-adapter.js';
import { TelegramFake } from '../fakes/telegram-fake.js';
import { NOW_MS, SECRET, fixture, fixtureNames, memoryLogger, tempDb, testApp, testConfig, type TempDb, type TestApp } from '../support/harness.js';
import { CREDENTIALS, startWorld, type World } from './support/world.js';

const URL_PATH = '/webhooks/coingecko';
const NOW_S = String(NOW_MS / 1000);
const COIN_ID = /^[a-z0-9](?:[a-z0-9._-]*[a-z0-9])?$/;
const FIELD_TOPS = new Set<string>(WATCHABLE_FIELDS);

/** Text a header can carry (the Fetch API refuses NUL, CR, LF and anything above U+00FF). */
const headerText = (maxLength = 80) =>
  fc.string({ unit: fc.integer({ min: 0x20, max: 0xff }).filter((c) => c !== 0x7f).map((c) => String.fromCharCode(c)), maxLength });

/** Hostile fragments mixed into generated text, so the properties meet them often. */
const FRAGMENTS = ['__proto__', 'constructor', '<script>', '<!channel>', '@everyone', "'; drop table events; --", '\u202e', '\u200b', '\u0000', '../', '%00', '{}', '[]', 'null', '"', '\\'];
const text = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.string({ unit: 'grapheme', maxLength: 30 }),
  fc.constantFrom(...FRAGMENTS),
  fc.array(fc.constantFrom(...FRAGMENTS, 'bitcoin', 'platforms', ' ', ',', 'coin:', '.'), { maxLength: 8 }).map((parts) => parts.join('')),
);

/** Bodies: noise, JSON of any shape, and payloads close to CoinGecko's with every field possibly of the wrong kind. */
const change = fc.record(
  {
    field: fc.oneof(fc.constantFrom('name', 'symbol', 'platforms.ethereum', 'categories', 'public_notices', 'links.homepage', 'additional_notices.can_mint_new_tokens', '__proto__'), text, fc.jsonValue()),
    change_type: fc.oneof(fc.constantFrom('addition', 'update', 'removal'), text, fc.jsonValue()),
    old_value: fc.jsonValue({ maxDepth: 4 }),
    new_value: fc.jsonValue({ maxDepth: 4 }),
  },
  { requiredKeys: [] },
);
const payload = fc
  .record(
    {
      event_type: fc.oneof(fc.constant('cg.coin.info.updated'), fc.constant('cg.coin.listed'), text, fc.jsonValue()),
      data: fc.oneof(
        fc.record({ id: fc.oneof(fc.constantFrom('bitcoin', 'wild-goat-coin-2'), text, fc.jsonValue()), symbol: fc.oneof(text, fc.jsonValue()), name: fc.oneof(text, fc.jsonValue()), changes: fc.oneof(fc.array(change, { maxLength: 6 }), fc.jsonValue()) }, { requiredKeys: [] }),
        fc.jsonValue(),
      ),
    },
    { requiredKeys: [] },
  )
  .map((p) => JSON.stringify(p));
const body = fc.oneof(
  payload,
  fc.json({ maxDepth: 5 }),
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.uint8Array({ maxLength: 300 }),
  fc.constantFrom(...fixtureNames()).map(fixture),
  fc.tuple(fc.constantFrom(...fixtureNames()), fc.nat(), text).map(([name, at, insert]) => {
    const original = fixture(name);
    const cut = at % (original.length + 1);
    return original.slice(0, cut) + insert + original.slice(cut);
  }),
);

const count = (t: TestApp, table: string) => (t.db.$client.prepare(`select count(*) as n from ${table}`).get() as { n: number }).n;

describe('the webhook route under arbitrary input', () => {
  let t: TestApp;
  beforeAll(() => {
    t = testApp();
  });
  afterAll(() => t.cleanup());

  it('never answers 5xx and never stores anything for a request that is not correctly signed', async () => {
    const timestamp = fc.oneof(fc.constant(NOW_S), fc.integer({ min: -1e12, max: 1e13 }).map(String), headerText(20));
    const signature = fc.oneof(fc.stringMatching(/^[0-9a-f]{64}$/), headerText(100), fc.constant(''));
    await fc.assert(
      fc.asyncProperty(
        body,
        fc.record({ 'x-cg-timestamp': timestamp, 'x-cg-event-id': headerText(250), 'x-cg-signature': signature }, { requiredKeys: [] }),
        fc.dictionary(fc.stringMatching(/^x-[a-z-]{1,20}$/), headerText(), { maxKeys: 3 }),
        async (sent, cgHeaders, extra) => {
          const res = await t.app.request(URL_PATH, { method: 'POST', headers: { ...extra, ...cgHeaders }, body: sent });
          expect([400, 401, 413]).toContain(res.status);
          expect(() => JSON.parse(JSON.stringify(res.headers))).not.toThrow();
          await res.arrayBuffer();
        },
      ),
      { numRuns: 1000 },
    );
    expect(count(t, 'events') + count(t, 'quarantine') + count(t, 'deliveries')).toBe(0);
    expect(Object.prototype).not.toHaveProperty('polluted');
  });

  it('records or quarantines every correctly signed request, whatever its body', async () => {
    // A chat that watches everything, so recorded events go through matching and the outbox too.
    t.db.$client.exec("insert into chats (platform, platform_chat_id, kind) values ('console', 'everything', 'private')");
    t.db.$client.exec("insert into subscriptions (chat_id, coin_id, field) select id, '*', '*' from chats");
    const eventId = headerText(200).map((s) => s.trim()).filter((s) => s.length > 0);
    let stored = 0;
    await fc.assert(
      fc.asyncProperty(body, eventId, async (sent, id) => {
        const res = await t.app.request(URL_PATH, {
          method: 'POST',
          headers: { 'x-cg-timestamp': NOW_S, 'x-cg-event-id': id, 'x-cg-signature': signWebhook(SECRET, NOW_S, id, sent) },
          body: sent,
        });
        const answer = (await res.json()) as { status?: string };
        expect([200, 202]).toContain(res.status);
        if (answer.status !== 'duplicate') stored += 1;
        expect(count(t, 'events') + count(t, 'quarantine')).toBe(stored);
      }),
      { numRuns: 1000 },
    );
    expect(Object.prototype).not.toHaveProperty('polluted');
    // The generators do reach the recording path, not only the quarantine.
    expect(count(t, 'events')).toBeGreaterThan(0);
    expect(count(t, 'deliveries')).toBeGreaterThan(0);
  });
});

describe('the Telegram webhook route under arbitrary input', () => {
  it('refuses every update without the secret token, whatever it carries, and changes nothing', async () => {
    const store = tempDb();
    const fake = await new TelegramFake().listen();
    try {
      const adapter = createTelegramAdapter({
        token: fake.token,
        apiRoot: fake.apiRoot,
        log: memoryLogger().log,
        webhook: { url: 'https://bot.example.org/telegram/webhook', secret: 'telegram-webhook-secret-for-properties' },
      });
      const bot = createBot({ db: store.db, config: testConfig(), log: memoryLogger().log, adapters: [adapter] });
      const update = fc.oneof(
        body,
        fc.record({ update_id: fc.nat(), message: fc.record({ message_id: fc.nat(), date: fc.nat(), chat: fc.record({ id: fc.integer(), type: fc.constantFrom('private', 'group') }), text: fc.oneof(text, fc.constant('/watch bitcoin')) }) }).map((u) => JSON.stringify(u)),
      );
      await fc.assert(
        fc.asyncProperty(update, fc.option(headerText(300), { nil: undefined }), async (sent, secret) => {
          const headers: Record<string, string> = { 'content-type': 'application/json', ...(secret !== undefined && { 'x-telegram-bot-api-secret-token': secret }) };
          const res = await bot.app.request('/telegram/webhook', { method: 'POST', headers, body: sent });
          expect(res.status).toBe(401);
        }),
        { numRuns: 300 },
      );
      expect(store.db.$client.prepare('select count(*) as n from chats').get()).toEqual({ n: 0 });
      // Nothing said, not even getMe: the secret is checked before grammY sees the request.
      expect(fake.calls).toEqual([]);
    } finally {
      await fake.close();
      store.cleanup();
    }
  });
});

describe('the command parser under arbitrary input', () => {
  const commandName = fc.oneof(fc.constantFrom('start', 'help', 'watch', 'unwatch', 'list', 'mention', 'mute', 'unmute', 'recent', 'WATCH', 'Watch'), text);
  const args = fc.oneof(text, fc.array(fc.oneof(text, fc.constantFrom('bitcoin', 'coin:name', 'platforms.ethereum', 'all', '2h', 'off')), { maxLength: 60 }).map((w) => w.join(' ')));

  it('parses any text without throwing, and a parsed target is always a valid coin id or field', () => {
    fc.assert(
      fc.property(fc.oneof(text.map((s) => `/${s}`), fc.tuple(commandName, args).map(([n, a]) => `/${n} ${a}`), text), (line) => {
        const parsed = parseCommandText(line);
        if (!parsed) return;
        if (!parsed.ok) {
          expect(typeof parsed.reply).toBe('string');
          return;
        }
        const command = parsed.command as { coins?: string[]; fields?: string[] };
        for (const coin of command.coins ?? []) {
          expect(coin).toMatch(COIN_ID);
          expect(coin.length).toBeLessThanOrEqual(100);
        }
        for (const field of command.fields ?? []) expect(FIELD_TOPS.has(field.split('.')[0]!)).toBe(true);
        expect((command.coins?.length ?? 0) + (command.fields?.length ?? 0)).toBeLessThanOrEqual(50);
      }),
      { numRuns: 2000 },
    );
    fc.assert(fc.property(commandName, args, (name, a) => void parseCommand(name, a)), { numRuns: 1000 });
  });

  describe('through the command service and SQLite', () => {
    let store: TempDb;
    beforeAll(() => {
      store = tempDb();
    });
    afterAll(() => store.cleanup());

    it('answers every command with text or silence, never a throw, and stores only valid subscriptions', async () => {
      const service = createCommandService(sqliteChatStore(store.db), { subscriptionLimit: 500 });
      const chat = fc.record({
        platform: fc.constantFrom('telegram', 'discord', 'slack'),
        platformChatId: fc.oneof(fc.constantFrom('1', '-100', 'C0X'), text.filter((s) => s.length > 0)),
        kind: fc.constantFrom('private' as const, 'group' as const, 'channel' as const),
        title: fc.option(text, { nil: null }),
      });
      await fc.assert(
        fc.asyncProperty(chat, commandName, args, fc.boolean(), async (ref, name, a, manager) => {
          const reply = await service.run({ chat: ref, name, args: a, canManage: () => manager, parseMention: (m) => (m.startsWith('@') ? m : undefined) });
          if (reply !== undefined) expect(typeof reply).toBe('string');
        }),
        { numRuns: 800 },
      );
      const rows = store.db.$client.prepare('select coin_id, field from subscriptions').all() as Array<{ coin_id: string; field: string }>;
      for (const row of rows) {
        expect(row.coin_id === '*' || COIN_ID.test(row.coin_id), row.coin_id).toBe(true);
        expect(row.field === '*' || FIELD_TOPS.has(row.field.split('.')[0]!), row.field).toBe(true);
      }
    });
  });

  describe('through Slack slash commands over HTTP', () => {
    let world: World;
    beforeAll(async () => {
      world = await startWorld({ platforms: ['slack'] });
    });
    afterAll(() => world.close());

    it('answers every signed command with 200 and an ephemeral reply, and every unsigned one with 401 and no change', async () => {
      const form = fc.record({ command: fc.oneof(fc.constantFrom('/coinsentry', '/watch', '/unwatch', '/list'), text), text: args, channel_id: fc.oneof(fc.constant('C0PROP'), text), user_id: fc.oneof(fc.constant('U0PROP'), text) }, { requiredKeys: [] });
      await fc.assert(
        fc.asyncProperty(form, fc.boolean(), async (fields, sign) => {
          const raw = new URLSearchParams(fields as Record<string, string>).toString();
          const before = world.db.$client.prepare('select count(*) as n from subscriptions').get();
          const init = sign
            ? signedSlash(raw, { secret: CREDENTIALS.slackSigningSecret })
            : signedSlash(raw, { secret: 'not-the-signing-secret' });
          const res = await world.bot.app.request('/slack/commands', init);
          if (!sign) {
            expect(res.status).toBe(401);
            expect(world.db.$client.prepare('select count(*) as n from subscriptions').get()).toEqual(before);
          } else {
            expect([200, 400]).toContain(res.status);
            if (res.status === 200) expect(((await res.json()) as { response_type: string }).response_type).toBe('ephemeral');
          }
        }),
        { numRuns: 300 },
      );
    });
  });
});
