// Telegram end to end: the real grammY adapter against the fake Bot API, the real app, SQLite and dispatcher.
import { afterEach, describe, expect, it } from 'vitest';
import { createBot, type Bot } from '../../src/bot.js';
import { CHAT_COMMANDS } from '../../src/core/commands.js';
import { applySubscriptionChanges, ensureChat } from '../../src/db/chats.js';
import { openDatabase } from '../../src/db/open-database.js';
import { HELP_POINTER, createTelegramAdapter } from '../../src/platforms/telegram/telegram-adapter.js';
import { BOT_USERNAME, TelegramFake, type FakeChat } from '../fakes/telegram-fake.js';
import { UNPACED_CHATS, fixture, memoryLogger, signed, tempDb, testConfig, type TempDb } from '../support/harness.js';

const ADMIN = { id: 1, first_name: 'Admin' };
const MEMBER = { id: 2, first_name: 'Member' };
const group: FakeChat = { id: -500, type: 'group', title: 'Ops <desk>' };
const dm: FakeChat = { id: 900, type: 'private' };

let fake: TelegramFake;
let store: TempDb;
let bot: Bot | undefined;

let logLines: string[] = [];

async function startBot(options: { webhookSecret?: string; db?: TempDb['db'] } = {}): Promise<Bot> {
  const { log, lines } = memoryLogger();
  logLines = lines;
  const adapter = createTelegramAdapter({
    token: fake.token,
    apiRoot: fake.apiRoot,
    log,
    chatLimits: UNPACED_CHATS,
    ...(options.webhookSecret && { webhook: { url: 'https://bot.example.org/telegram/webhook', secret: options.webhookSecret } }),
  });
  const instance = createBot({ db: options.db ?? store.db, config: testConfig(), log, adapters: [adapter], sweepMs: 100 });
  await instance.start();
  return instance;
}

const now = () => String(Math.floor(Date.now() / 1000));
const post = (b: Bot, body: string, eventId?: string) =>
  b.app.request('/webhooks/coingecko', signed(body, { timestamp: now(), ...(eventId && { eventId }) }));
const bitcoinRename = (name: string) =>
  JSON.stringify({
    event_type: 'cg.coin.info.updated',
    data: { id: 'bitcoin', symbol: 'btc', name, changes: [{ field: 'name', change_type: 'update', old_value: 'Bitcoin', new_value: name }] },
  });

describe('Telegram end to end', () => {
  afterEach(async () => {
    await bot?.stop();
    bot = undefined;
    await fake.close();
    store.cleanup();
  });

  async function setUp() {
    fake = await new TelegramFake().listen();
    fake.memberStatus.set(ADMIN.id, 'administrator');
    store = tempDb();
  }

  it('registers its commands and answers /watch, /list, /unwatch in a private chat', async () => {
    await setUp();
    bot = await startBot();
    expect(fake.calls.find((c) => c.method === 'setMyCommands')?.body.commands).toHaveLength(CHAT_COMMANDS.length);
    expect(await fake.say(dm, '/watch bitcoin public_notices')).toBe(
      'Watching bitcoin: public_notices\nNot seen in any CoinGecko event yet: bitcoin. Check the id on coingecko.com if that is unexpected.',
    );
    // Long polling asks for alert button presses (callback queries) too.
    expect(fake.calls.find((c) => c.method === 'getUpdates')?.body.allowed_updates).toEqual(expect.arrayContaining(['message', 'callback_query']));
    expect(await fake.say(dm, '/watch platforms')).toBe('Watching platforms for every coin');
    expect(await fake.say(dm, '/list')).toBe('This chat watches (2 subscriptions):\n• platforms for every coin\n• bitcoin: public_notices');
    expect(await fake.say(dm, '/unwatch all')).toBe('Removed all 2 subscriptions of this chat.');
    expect(await fake.say(dm, '/watch')).toContain('Usage: /watch');
    expect(await fake.say(dm, '/start')).toContain('/watch <coin-id|field>');
  });

  it('delivers a webhook to a watching chat as escaped HTML with previews off', async () => {
    await setUp();
    bot = await startBot();
    await fake.say(dm, '/watch bitcoin');
    const res = await post(bot, bitcoinRename('<b>Bit</b> &amp; </a> 🚀'));
    expect(await res.json()).toMatchObject({ deliveries: 1 });
    const alert = await fake.waitFor((m) => m.parse_mode === 'HTML');
    expect(alert.chat_id).toBe('900');
    expect(alert.link_preview_options).toEqual({ is_disabled: true });
    expect(alert.text).toContain('&lt;b&gt;Bit&lt;/b&gt; &amp;amp; &lt;/a&gt; 🚀');
    expect(alert.text).toContain('<a href="https://www.coingecko.com/en/coins/bitcoin">View on CoinGecko</a>');
  });

  it('accepts /watch@BotName from a group admin and refuses a non-admin, while anyone may /list', async () => {
    await setUp();
    bot = await startBot();
    expect(await fake.say(group, `/watch@${BOT_USERNAME} bitcoin`, ADMIN)).toMatch(/^Watching bitcoin: all changes\n/);
    expect(await fake.say(group, '/unwatch bitcoin', MEMBER)).toContain('Only chat administrators');
    expect(await fake.say(group, '/list', MEMBER)).toContain('bitcoin: all changes');
    expect(store.db.$client.prepare('select kind, title from chats').get()).toEqual({ kind: 'group', title: 'Ops <desk>' });
  });

  it('follows a group that was upgraded to a supergroup and resends there', async () => {
    await setUp();
    bot = await startBot();
    await fake.say(group, '/watch bitcoin', ADMIN);
    fake.failNext(group.id, { error_code: 400, description: 'Bad Request: group chat was upgraded to a supergroup chat', parameters: { migrate_to_chat_id: -1009999 } });
    await post(bot, bitcoinRename('Bitcoin Moved'));
    const alert = await fake.waitFor((m) => m.parse_mode === 'HTML');
    expect(alert.chat_id).toBe('-1009999');
    expect(store.db.$client.prepare('select platform_chat_id, active from chats').all()).toEqual([{ platform_chat_id: '-1009999', active: 1 }]);
    expect(await fake.say({ id: -1009999, type: 'supergroup', title: 'Ops' }, '/list', MEMBER)).toContain('bitcoin');
  });

  it('deactivates a chat whose user blocked the bot (my_chat_member)', async () => {
    await setUp();
    bot = await startBot();
    await fake.say(dm, '/watch bitcoin');
    fake.push({
      my_chat_member: {
        chat: dm,
        from: { id: 900, is_bot: false, first_name: 'U' },
        date: 1,
        old_chat_member: { status: 'member', user: { id: 4242, is_bot: true, first_name: 'bot' } },
        new_chat_member: { status: 'kicked', until_date: 0, user: { id: 4242, is_bot: true, first_name: 'bot' } },
      },
    });
    await expect.poll(() => store.db.$client.prepare('select active, deactivated_reason from chats').get()).toEqual({
      active: 0,
      deactivated_reason: 'bot was blocked or removed (kicked)',
    });
    expect(await (await post(bot, bitcoinRename('Nobody'))).json()).toMatchObject({ deliveries: 0 });
    // Unblocking the bot brings the chat back; so does talking to it (even /start).
    fake.push({
      my_chat_member: {
        chat: dm,
        from: { id: 900, is_bot: false, first_name: 'U' },
        date: 2,
        old_chat_member: { status: 'kicked', until_date: 0, user: { id: 4242, is_bot: true, first_name: 'bot' } },
        new_chat_member: { status: 'member', user: { id: 4242, is_bot: true, first_name: 'bot' } },
      },
    });
    await expect.poll(() => store.db.$client.prepare('select active from chats').get()).toEqual({ active: 1 });
    store.db.$client.prepare("update chats set active = 0, deactivated_reason = 'test'").run();
    await fake.say(dm, '/start');
    expect(store.db.$client.prepare('select active from chats').get()).toEqual({ active: 1 });
  });

  it('answers a /list longer than one Telegram message in several messages', async () => {
    await setUp();
    bot = await startBot();
    const chat = ensureChat(store.db, { platform: 'telegram', platformChatId: String(dm.id), kind: 'private' });
    const coins = Array.from({ length: 500 }, (_, i) => ({ coinId: `a-rather-long-coin-identifier-number-${i}`, field: '*' }));
    applySubscriptionChanges(store.db, chat.id, coins, []);
    const before = fake.sent.length;
    expect(await fake.say(dm, '/list')).toMatch(/^This chat watches \(500 subscriptions\):/);
    const listed = () => fake.sent.slice(before).flatMap((m) => m.text.split('\n').filter((line) => line.startsWith('• ')));
    await expect.poll(listed).toHaveLength(500);
    expect(fake.sent.slice(before).length).toBeGreaterThan(1);
    for (const part of fake.sent.slice(before)) expect(part.text.length).toBeLessThanOrEqual(4096);
  });

  it('sends after a restart what was pending when the process stopped', async () => {
    await setUp();
    bot = await startBot();
    await fake.say(dm, '/watch bitcoin');
    await bot.stop();
    bot = undefined;
    // The webhook lands while nothing is sending (the dispatcher is stopped): the row stays pending in the file.
    const { log } = memoryLogger();
    const offline = createBot({ db: store.db, config: testConfig(), log, adapters: [] });
    expect(await (await post(offline, bitcoinRename('Bitcoin Restarted'))).json()).toMatchObject({ deliveries: 1 });
    store.db.$client.prepare("update deliveries set status = 'sending'").run();
    store.db.$client.close();

    const reopened = openDatabase(store.path);
    bot = await startBot({ db: reopened });
    const alert = await fake.waitFor((m) => m.parse_mode === 'HTML');
    expect(alert.text).toContain('Bitcoin Restarted');
    await bot.dispatcher.idle();
    expect(reopened.$client.prepare('select status from deliveries').all()).toEqual([{ status: 'sent' }]);
    await bot.stop();
    bot = undefined;
    reopened.$client.close();
  });

  it('serves webhook mode at POST /telegram/webhook and checks the secret token header', async () => {
    await setUp();
    bot = await startBot({ webhookSecret: 'tg-secret_1' });
    expect(fake.calls.find((c) => c.method === 'setWebhook')?.body).toMatchObject({
      url: 'https://bot.example.org/telegram/webhook',
      secret_token: 'tg-secret_1',
      // Alert buttons arrive as callback queries: asked for in webhook mode as in polling.
      allowed_updates: expect.arrayContaining(['message', 'callback_query']),
    });
    const update = {
      update_id: 1,
      message: { message_id: 1, date: 1, chat: dm, from: { id: 900, is_bot: false, first_name: 'U' }, text: '/watch ethereum', entities: [{ type: 'bot_command', offset: 0, length: 6 }] },
    };
    const request = (secret?: string) =>
      bot!.app.request('/telegram/webhook', {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(secret && { 'x-telegram-bot-api-secret-token': secret }) },
        body: JSON.stringify(update),
      });
    expect((await request('wrong')).status).toBe(401);
    expect((await request()).status).toBe(401);
    expect(store.db.$client.prepare('select count(*) as n from subscriptions').get()).toEqual({ n: 0 });
    expect((await request('tg-secret_1')).status).toBe(200);
    expect(store.db.$client.prepare('select coin_id, field from subscriptions').all()).toEqual([{ coin_id: 'ethereum', field: '*' }]);
  });

  it('pings the ops mention a group admin set, on high-severity alerts only', async () => {
    await setUp();
    bot = await startBot();
    await fake.say(group, '/watch example-bridge-token genius-3', ADMIN);
    expect(await fake.say(group, '/mention @oncall_desk', MEMBER)).toContain('Only chat administrators');
    expect(await fake.say(group, '/mention not-a-handle!', ADMIN)).toContain('That is not a role or user mention here');
    expect(await fake.say(group, '/mention @oncall_desk', ADMIN)).toBe(
      'High-severity alerts here (contract migrations, notices, security flags) will ping @oncall_desk.',
    );
    expect(await fake.say(group, '/mention', MEMBER)).toBe('High-severity alerts here ping @oncall_desk. /mention off stops that.');
    await post(bot, fixture('contract-migration-same-chain'));
    await post(bot, fixture('category-addition'));
    await expect.poll(() => fake.alerts(group.id).length, { timeout: 5000 }).toBe(2);
    const [migration, category] = fake.alerts(group.id).map((m) => m.text);
    expect(migration?.startsWith('🔔 @oncall_desk\n🚨 <b>Contract migration')).toBe(true);
    expect(category).not.toContain('@oncall_desk');
    expect(await fake.say(group, '/mention off', ADMIN)).toBe('High-severity alerts here no longer ping anyone.');
  });

  it('delivers every fixture to a chat watching everything it touches', async () => {
    await setUp();
    bot = await startBot();
    await fake.say(dm, '/watch name symbol web_slug image categories platforms public_notices additional_notices links');
    const names = ['name-update', 'contract-migration-same-chain', 'chain-move-removal-addition', 'additional-notice', 'links-homepage-update'];
    for (const name of names) await post(bot, fixture(name));
    // One chat gets at most one message a second (Telegram's limit), so five alerts take about four seconds.
    await expect.poll(() => fake.alerts(dm.id).length, { timeout: 10_000 }).toBe(names.length);
    const texts = fake.alerts(dm.id).map((m) => m.text);
    expect(texts.find((t) => t.includes('Example Bridge Token'))).toContain('Contract migration');
    expect(texts.find((t) => t.includes('Example Mintable'))).toContain('Security flag raised</b>: Can mint new tokens\nWas: no\nNow: yes');
    expect(texts.find((t) => t.includes('Example Chain Mover'))).toContain('Contract migration</b>: xdai → ethereum');
  });

  it('points a private chat to /help for text and commands it does not understand', async () => {
    await setUp();
    bot = await startBot();
    expect(await fake.say(dm, 'hello bot')).toBe(HELP_POINTER);
    expect(await fake.say(dm, '/price bitcoin')).toBe(HELP_POINTER);
  });

  it('stays silent in a group on plain text and on other bots\' commands', async () => {
    await setUp();
    bot = await startBot();
    const before = fake.sent.length;
    fake.type(group, 'gm everyone', MEMBER);
    fake.type(group, '/price@other_bot bitcoin', MEMBER);
    fake.type(group, '/price', MEMBER);
    // grammY handles updates in order: the next command's answer is the first message after those three.
    expect(await fake.say(group, '/list', MEMBER)).toContain('watches nothing');
    expect(fake.sent.slice(before)).toHaveLength(1);
  });

  it('answers a command in a group as a reply to it, with the short help', async () => {
    await setUp();
    bot = await startBot();
    const help = await fake.say(group, '/help', MEMBER);
    expect(help).toContain('in a private chat with the bot');
    expect(help.length).toBeLessThan(1200);
    const reply = fake.sent.at(-1) as unknown as { reply_parameters?: { message_id: number } };
    expect(reply.reply_parameters?.message_id).toEqual(expect.any(Number));
    expect(await fake.say(dm, '/help')).toContain('Examples:');
  });

  it('logs each command with platform, chat and outcome, never the text typed', async () => {
    await setUp();
    bot = await startBot();
    await fake.say(dm, '/watch secret-coin-name');
    await fake.say(group, '/watch bitcoin', MEMBER);
    const commands = logLines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((l) => l.msg === 'command');
    expect(commands).toEqual([
      expect.objectContaining({ level: 30, platform: 'telegram', chat: String(dm.id), command: 'watch', outcome: 'answered' }),
      expect.objectContaining({ platform: 'telegram', chat: String(group.id), command: 'watch', outcome: 'refused' }),
    ]);
    expect(logLines.join('\n')).not.toContain('secret-coin-name');
  });

  it('checks the webhook secret before anything else, limits updates to 1 MiB, and answers 503 until started', async () => {
    await setUp();
    const { log } = memoryLogger();
    const adapter = createTelegramAdapter({
      token: fake.token,
      apiRoot: fake.apiRoot,
      log,
      webhook: { url: 'https://bot.example.org/telegram/webhook', secret: 'tg-secret_2' },
    });
    bot = createBot({ db: store.db, config: testConfig(), log, adapters: [adapter] });
    const request = (secret: string | undefined, body: string) =>
      bot!.app.request('/telegram/webhook', {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(secret && { 'x-telegram-bot-api-secret-token': secret }) },
        body,
      });
    const update = JSON.stringify({ update_id: 5, message: { message_id: 1, date: 1, chat: dm, from: { id: 900, is_bot: false, first_name: 'U' }, text: 'hi' } });
    expect((await request('nope', 'x'.repeat(5 * 1024 * 1024))).status).toBe(401);
    expect((await request('tg-secret_2', update)).status).toBe(503);
    expect(fake.calls).toEqual([]);
    await bot.start();
    expect((await request('tg-secret_2', `{"update_id":6,"pad":"${'x'.repeat(1024 * 1024)}"}`)).status).toBe(413);
    expect((await request('tg-secret_2', update)).status).toBe(200);
  });

  it('answers /list in a group in at most two messages, with a pointer to the filtered /list', async () => {
    await setUp();
    bot = await startBot();
    await fake.say(group, '/list', MEMBER);
    const chat = ensureChat(store.db, { platform: 'telegram', platformChatId: String(group.id), kind: 'group' });
    const coins = Array.from({ length: 500 }, (_, i) => ({ coinId: `example-coin-with-a-rather-long-id-${i}`, field: '*' }));
    applySubscriptionChanges(store.db, chat.id, coins, []);
    const before = fake.sent.length;
    fake.type(group, '/list', MEMBER);
    await fake.waitFor((m) => m.text.includes('more lines not shown here; /list <coin-id|field> shows part of the list.'), before);
    expect(fake.sent.slice(before)).toHaveLength(2);
    expect(await fake.say(group, '/list example-coin-with-a-rather-long-id-7', MEMBER)).toContain('(1 of 500)');
    const inPrivate = fake.sent.length;
    await fake.say(dm, '/help');
    expect(fake.sent.length - inPrivate).toBe(1);
  });
});
