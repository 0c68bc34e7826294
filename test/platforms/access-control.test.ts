// Who the bot serves and how much, through each platform's real intake: with CHAT_ACCESS=approval a stranger's command
// gets the exact approval line and stores nothing, a BOT_ADMINS user approves a chat by typing in it, the CLI approves
// and revokes (alerts stop and resume), an upgraded database keeps serving the chats that already watch something;
// MUTE_LIMIT and the commands-per-minute buckets hold, each with its reply.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { afterEach, describe, expect, it } from 'vitest';
import { createBot, type Bot } from '../../src/bot.js';
import { runAdmin } from '../../src/cli/admin-cli.js';
import { openDatabase } from '../../src/db/open-database.js';
import { createDiscordAdapter } from '../../src/platforms/discord/discord-adapter.js';
import { createTelegramAdapter } from '../../src/platforms/telegram/telegram-adapter.js';
import { FAKE, startDiscordFake, type DiscordFake } from '../fakes/discord-fake.js';
import { TelegramFake, type FakeChat } from '../fakes/telegram-fake.js';
import { UNPACED_CHATS, memoryLogger, signed, tempDb, testConfig, type TempDb } from '../support/harness.js';
import { visibleText } from './discord-harness.js';
import { slackSetup, slash, unescapeSlack } from './slack-harness.js';

const ADMIN = { id: 91, first_name: 'Ada' };
const STRANGER = { id: 666, first_name: 'Eve' };
const dm: FakeChat = { id: 5001, type: 'private' };
const group: FakeChat = { id: -1005002, type: 'supergroup', title: 'Ops desk' };
const APPROVAL = { CHAT_ACCESS: 'approval', BOT_ADMINS: 'telegram:91,discord:1400000000000000001' };

let store: TempDb;
let bot: Bot | undefined;
let closers: Array<() => Promise<void>> = [];
let now = Date.now();
const clock = () => now;

afterEach(async () => {
  await bot?.stop();
  bot = undefined;
  for (const close of closers) await close();
  closers = [];
  store?.cleanup();
});

async function telegramBot(env: Record<string, string> = APPROVAL, noticeSweepMs?: number): Promise<TelegramFake> {
  const fake = await new TelegramFake().listen();
  closers.push(() => fake.close());
  store = tempDb();
  now = Date.now();
  const { log } = memoryLogger();
  const adapter = createTelegramAdapter({ token: fake.token, apiRoot: fake.apiRoot, log, chatLimits: UNPACED_CHATS });
  bot = createBot({ db: store.db, config: testConfig(env), log, adapters: [adapter], clock, sweepMs: 100, noticeSweepMs });
  await bot.start();
  return fake;
}

const sql = () => store.db.$client;
const access = (chatId: number | string) => sql().prepare('select access from chats where platform_chat_id = ?').pluck().get(String(chatId));
const subscriptionCount = () => sql().prepare('select count(*) from subscriptions').pluck().get();
const postBitcoin = async (name: string) => {
  const body = JSON.stringify({
    event_type: 'cg.coin.info.updated',
    data: { id: 'bitcoin', symbol: 'btc', name, changes: [{ field: 'name', change_type: 'update', old_value: 'Bitcoin', new_value: name }] },
  });
  const res = await bot!.app.request('/webhooks/coingecko', signed(body, { timestamp: String(Math.floor(now / 1000)) }));
  return ((await res.json()) as { deliveries: number }).deliveries;
};
async function cli(...argv: string[]) {
  const out: string[] = [];
  const code = await runAdmin(argv, { env: { DATABASE_PATH: store.path }, dotenvText: '', now: clock, stdout: (t) => out.push(t), stderr: (t) => out.push(t) });
  return { code, text: out.join('\n') };
}

describe('CHAT_ACCESS=approval on Telegram', () => {
  it('tells a stranger the bot is private with the exact approval command, stores nothing, and says it once an hour', async () => {
    const fake = await telegramBot();
    const reply = await fake.say(dm, '/watch bitcoin', STRANGER);
    expect(reply).toContain('coinsentry is private');
    expect(reply).toContain(`npm run cli -- approve telegram:${dm.id}`);
    expect(subscriptionCount()).toBe(0);
    expect(access(dm.id)).toBe('pending');

    // Within the hour: silence. grammY handles updates in order, so the admin's answer is the next message there.
    const before = fake.sent.length;
    fake.type(dm, '/help', STRANGER);
    now += 30 * 60_000;
    expect(await fake.say(dm, '/list', ADMIN)).toContain('Approved this chat for coinsentry (telegram:91 is in BOT_ADMINS)');
    expect(fake.sent.slice(before)).toHaveLength(1);
  });

  it('is approved by a BOT_ADMINS user typing a command in the group, and then serves everyone there', async () => {
    const fake = await telegramBot();
    fake.memberStatus.set(ADMIN.id, 'administrator');
    expect(await fake.say(group, '/watch bitcoin', ADMIN)).toMatch(/^Approved this chat for coinsentry[^\n]*\nWatching bitcoin/);
    expect(access(group.id)).toBe('approved');
    expect(await fake.say(group, '/list', STRANGER)).toContain('bitcoin');
    expect(await postBitcoin('Bitcoin Approved')).toBe(1);
  });

  it('approves and revokes from the CLI: alerts stop at once and resume, subscriptions are kept', async () => {
    const fake = await telegramBot();
    await fake.say(dm, '/watch bitcoin', STRANGER);
    expect((await cli('chats', '--pending')).text).toContain(`telegram:${dm.id}`);
    expect(await cli('approve', `telegram:${dm.id}`)).toMatchObject({ code: 0, text: expect.stringContaining('approved') });
    expect(await fake.say(dm, '/watch bitcoin', STRANGER)).toContain('Watching bitcoin');
    expect(await postBitcoin('Bitcoin One')).toBe(1);

    expect(await cli('revoke', `telegram:${dm.id}`)).toMatchObject({ code: 0, text: expect.stringContaining('revoked') });
    expect(await postBitcoin('Bitcoin Two')).toBe(0);
    now += 3600_000 + 1; // the first command had the notice: the next one is due an hour later
    expect(await fake.say(dm, '/list', STRANGER)).toContain('no longer serves this chat');
    expect(subscriptionCount()).toBe(1);

    await cli('approve', `telegram:${dm.id}`);
    expect(await postBitcoin('Bitcoin Three')).toBe(1);
    expect(await cli('approve', 'telegram:424242')).toMatchObject({ code: 2, text: expect.stringContaining('no chat telegram:424242') });
    expect(await cli('revoke', 'nonsense')).toMatchObject({ code: 2 });
  });

  it('tells the chat once when the CLI approves or revokes it, sent by the running server', async () => {
    const fake = await telegramBot(APPROVAL, 50);
    await fake.say(group, '/watch bitcoin', STRANGER);
    const notices = () => fake.sent.filter((m) => m.chat_id === String(group.id) && /^coinsentry (now|no longer) serves this chat/.test(m.text)).map((m) => m.text);
    expect((await cli('approve', `telegram:${group.id}`)).text).toContain('the running server tells the chat');
    await expect.poll(notices).toEqual(['coinsentry now serves this chat: its admin approved it. Its help command lists what it can do, with examples.']);
    await cli('revoke', `telegram:${group.id}`);
    await expect.poll(() => notices().length).toBe(2);
    expect(notices()[1]).toBe(`coinsentry no longer serves this chat: its admin revoked it. To serve it again, the admin runs:\nnpm run cli -- approve telegram:${group.id}`);
    await new Promise((resolve) => setTimeout(resolve, 200)); // several sweeps: each notice is sent once
    expect(notices()).toHaveLength(2);
    expect(sql().prepare('select count(*) from chats where pending_notice is not null').pluck().get()).toBe(0);
  });

  it('keeps a notice owed while no server runs, and sends it at the next start', async () => {
    const fake = await telegramBot(APPROVAL);
    await fake.say(dm, '/list', STRANGER);
    await bot!.stop();
    bot = undefined;
    await cli('approve', `telegram:${dm.id}`);
    const { log } = memoryLogger();
    bot = createBot({ db: store.db, config: testConfig(APPROVAL), log, adapters: [createTelegramAdapter({ token: fake.token, apiRoot: fake.apiRoot, log })], clock });
    await bot.start();
    expect((await fake.waitFor((m) => m.chat_id === String(dm.id) && m.text.startsWith('coinsentry now serves'))).text).toContain('approved');
  });

  it('serves anyone with CHAT_ACCESS=open, except a chat an admin revoked', async () => {
    const fake = await telegramBot({ CHAT_ACCESS: 'open' });
    expect(await fake.say(dm, '/watch bitcoin', STRANGER)).toContain('Watching bitcoin');
    await cli('revoke', `telegram:${dm.id}`);
    expect(await fake.say(dm, '/list', STRANGER)).toContain('no longer serves this chat');
  });

  it('holds MUTE_LIMIT mutes per chat and says so when a /mute would pass it', async () => {
    const fake = await telegramBot({ CHAT_ACCESS: 'open', MUTE_LIMIT: '3' });
    expect(await fake.say(dm, '/mute 1d bitcoin ethereum', STRANGER)).toContain('Muted');
    expect(await fake.say(dm, '/mute 2h bitcoin categories', STRANGER)).toContain('Muted');
    expect(await fake.say(dm, '/mute 2h solana', STRANGER)).toMatch(/^This chat has 3 active mutes, and holds at most 3 \(MUTE_LIMIT\): nothing changed/);
    expect(sql().prepare('select count(*) from mutes').pluck().get()).toBe(3);
    now += 2 * 3600_000 + 1;
    expect(await fake.say(dm, '/mute 2h solana', STRANGER)).toContain('Muted solana');
  });
});

describe('commands per minute', () => {
  it('asks Telegram who is an administrator once a minute per person, not once per command', async () => {
    const fake = await telegramBot({ CHAT_ACCESS: 'open' });
    for (let i = 0; i < 5; i += 1) expect(await fake.say(group, `/watch coin-${i}`, STRANGER)).toContain('Only chat administrators');
    expect(fake.calls.filter((c) => c.method === 'getChatMember')).toHaveLength(1);
  });

  it('answers a flood from one person with its allowance, one "slow down", then silence, without holding up others', async () => {
    const fake = await telegramBot({ CHAT_ACCESS: 'open', CHAT_COMMANDS_PER_MINUTE: '30', CHAT_USER_COMMANDS_PER_MINUTE: '10' });
    const before = fake.sent.length;
    for (let i = 0; i < 25; i += 1) fake.type(group, '/list', STRANGER);
    // Someone else's command in the same group comes after the flood, and is answered.
    fake.type(group, '/help', ADMIN);
    await fake.waitFor((m) => m.text.startsWith('coinsentry alerts'), before);
    const replies = fake.sent.slice(before).map((m) => m.text);
    expect(replies.filter((t) => t.includes('watches nothing'))).toHaveLength(10);
    expect(replies.filter((t) => t.startsWith('Slow down: too many commands here. Try again in'))).toHaveLength(1);
    expect(replies).toHaveLength(12);
    now += 60_000;
    expect(await fake.say(group, '/list', STRANGER)).toContain('watches nothing');
  });
});

describe('CHAT_ACCESS=approval on Discord and Slack', () => {
  it('answers a stranger on Discord with the approval line every time (interactions must be answered); a BOT_ADMINS user approves', async () => {
    const fake: DiscordFake = await startDiscordFake();
    closers.push(() => fake.close());
    store = tempDb();
    const { log } = memoryLogger();
    const adapter = createDiscordAdapter({ token: fake.token, apiBase: fake.apiBase, guildId: FAKE.guildId, log });
    closers.unshift(async () => adapter.stop?.());
    bot = createBot({ db: store.db, config: testConfig({ CHAT_ACCESS: 'approval', BOT_ADMINS: 'discord:999' }), log, adapters: [adapter] });
    await bot.start();
    for (let i = 0; i < 2; i += 1) {
      const answer = await fake.interact({ command: 'watch', targets: 'bitcoin' });
      expect(visibleText(answer.callback.data?.content ?? '')).toContain(`npm run cli -- approve discord:${FAKE.channelId}`);
    }
    expect(subscriptionCount()).toBe(0);
    await bot.stop();
    bot = createBot({ db: store.db, config: testConfig({ CHAT_ACCESS: 'approval', BOT_ADMINS: `discord:${FAKE.userId}` }), log, adapters: [] });
    // The same person, now in BOT_ADMINS, approves by using any command (through the service as the adapter calls it).
    const reply = await bot.commands.run({
      chat: { platform: 'discord', platformChatId: FAKE.channelId, kind: 'group' },
      name: 'list',
      args: '',
      canManage: () => true,
      senderId: FAKE.userId,
      answerRequired: true,
    });
    expect(reply).toContain(`Approved this chat for coinsentry (discord:${FAKE.userId} is in BOT_ADMINS)`);
  });

  it('treats a Slack DM like any other chat: approval needed', async () => {
    store = tempDb();
    const { log } = memoryLogger();
    const { fake, adapter } = await slackSetup(log);
    closers.push(() => fake.close());
    bot = createBot({ db: store.db, config: testConfig({ CHAT_ACCESS: 'approval' }), log, adapters: [adapter] });
    const { reply } = await slash(bot.app, '/coinsentry watch bitcoin', { channelId: 'D0STRANGER', userId: 'U0STRANGER' });
    expect(unescapeSlack(reply)).toContain('npm run cli -- approve slack:D0STRANGER');
    expect(subscriptionCount()).toBe(0);
  });
});

describe('upgrading a database from before CHAT_ACCESS', () => {
  it('approves the chats that already watch something, and asks for approval of the others', () => {
    const dir = mkdtempSync(join(tmpdir(), 'coinsentry-upgrade-'));
    try {
      // The migrations as they were before this release: 0000-0004.
      const old = join(dir, 'migrations');
      cpSync('migrations', old, { recursive: true });
      const journal = JSON.parse(readFileSync(join(old, 'meta/_journal.json'), 'utf8')) as { entries: Array<{ tag: string }> };
      journal.entries = journal.entries.filter((e) => /^000[0-4]_/.test(e.tag));
      writeFileSync(join(old, 'meta/_journal.json'), JSON.stringify(journal));
      const path = join(dir, 'old.db');
      const sqlite = new Database(path);
      migrate(drizzle(sqlite), { migrationsFolder: old });
      sqlite.exec(`insert into chats (platform, platform_chat_id, kind) values ('telegram', '1', 'private'), ('telegram', '2', 'group');
                   insert into subscriptions (chat_id, coin_id, field) values (1, 'bitcoin', '*');`);
      sqlite.close();

      const db = openDatabase(path);
      expect(db.$client.prepare('select platform_chat_id, access, access_by from chats order by id').all()).toEqual([
        { platform_chat_id: '1', access: 'approved', access_by: 'upgrade' },
        { platform_chat_id: '2', access: 'pending', access_by: null },
      ]);
      db.$client.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
