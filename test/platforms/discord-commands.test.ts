import { PermissionFlagsBits } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { CHAT_COMMANDS } from '../../src/core/commands.js';
import { createCommandService } from '../../src/core/command-service.js';
import { sqliteChatStore } from '../../src/db/chat-store.js';
import { createDiscordAdapter } from '../../src/platforms/discord/discord-adapter.js';
import { PlatformUnauthorizedError } from '../../src/platforms/platform-state.js';
import type { PlatformAdapter } from '../../src/platforms/port.js';
import { FAKE, startDiscordFake, type DiscordFake, type InteractionRequest } from '../fakes/discord-fake.js';
import { directIntake, memoryLogger, tempDb, type TempDb } from '../support/harness.js';
import { visibleText } from './discord-harness.js';

const EPHEMERAL = 64;
const ROLE = '<@&1800000000000000001>';

let fake: DiscordFake;
let store: TempDb;
let adapter: PlatformAdapter;
let lines: string[];

async function connect(options: { guildId?: string | null; token?: string } = {}): Promise<void> {
  fake = await startDiscordFake();
  store = tempDb();
  const logged = memoryLogger();
  lines = logged.lines;
  const guildId = options.guildId === null ? undefined : (options.guildId ?? FAKE.guildId);
  adapter = createDiscordAdapter({ token: options.token ?? fake.token, apiBase: fake.apiBase, guildId, log: logged.log });
  await adapter.start!(directIntake(createCommandService(sqliteChatStore(store.db), { subscriptionLimit: 500 })));
}

afterEach(async () => {
  await adapter?.stop?.();
  await fake?.close();
  store?.cleanup();
});

/** Runs a slash command through the gateway; resolves with the raw reply and what the user sees. */
async function run(request: InteractionRequest) {
  const answer = await fake.interact(request);
  const data = answer.callback.data ?? {};
  return { ...answer, data, shown: visibleText(data.content ?? '') };
}

const chats = () => store.db.$client.prepare('select platform, platform_chat_id, kind, title, active, deactivated_reason from chats').all();
const subscriptions = () => store.db.$client.prepare('select coin_id, field from subscriptions').all();

describe('Discord command intake', () => {
  it('connects to the gateway with the Guilds intent only, uncompressed JSON, API v10', async () => {
    await connect();
    expect(fake.identifies).toEqual([expect.objectContaining({ intents: 1, compress: false })]);
    expect(fake.gatewayQueries).toEqual(['v=10&encoding=json']);
  });

  it('registers every declared command in the configured guild', async () => {
    await connect();
    const [registration] = fake.registrations();
    expect(registration?.path).toBe(`/applications/${FAKE.applicationId}/guilds/${FAKE.guildId}/commands`);
    const commands = registration!.body as Array<{ name: string; default_member_permissions?: string; options?: unknown[] }>;
    expect(commands.map((c) => c.name)).toEqual(CHAT_COMMANDS.map((c) => c.name));
    for (const name of ['watch', 'unwatch']) {
      const command = commands.find((c) => c.name === name)!;
      expect(command.default_member_permissions).toBe(String(PermissionFlagsBits.ManageChannels));
      expect(command.options).toEqual([expect.objectContaining({ type: 3, name: 'targets', required: true, autocomplete: true })]);
    }
    const mention = commands.find((c) => c.name === 'mention')!;
    expect(mention.default_member_permissions).toBe(String(PermissionFlagsBits.ManageChannels));
    expect(mention.options).toEqual([expect.objectContaining({ type: 3, name: 'who', required: false })]);
    for (const name of ['list', 'recent', 'help']) expect(commands.find((c) => c.name === name)!.default_member_permissions).toBeUndefined();
    expect(commands.find((c) => c.name === 'help')!.options).toBeUndefined();
    expect(commands.find((c) => c.name === 'list')!.options).toEqual([expect.objectContaining({ type: 3, name: 'targets', required: false, autocomplete: true })]);
  });

  it('registers the commands globally, usable in servers and DMs, when no guild is configured', async () => {
    await connect({ guildId: null });
    const [registration] = fake.registrations();
    expect(registration?.path).toBe(`/applications/${FAKE.applicationId}/commands`);
    expect(registration?.body).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'watch', contexts: [0, 1], integration_types: [0] })]));
  });

  it('keeps running and says what to check when registration in the guild is refused', async () => {
    await connect({ guildId: '1299999999999999999' });
    expect(fake.registrations()).toEqual([]);
    expect(lines.some((l) => l.includes('DISCORD_GUILD_ID'))).toBe(true);
    expect((await run({ command: 'help' })).shown).toContain('/watch');
  });

  it('subscribes the channel for someone who manages it, with an ephemeral reply that pings no one', async () => {
    await connect();
    const reply = await run({ command: 'watch', targets: 'bitcoin public_notices' });
    expect(reply.callback.type).toBe(4);
    expect(reply.data.flags).toBe(EPHEMERAL);
    expect(reply.data.allowed_mentions).toEqual({ parse: [] });
    expect(reply.shown).toContain('Watching bitcoin');
    expect(chats()).toEqual([
      { platform: 'discord', platform_chat_id: FAKE.channelId, kind: 'group', title: FAKE.channelName, active: 1, deactivated_reason: null },
    ]);
    expect(subscriptions()).toEqual([{ coin_id: 'bitcoin', field: 'public_notices' }]);
  });

  it('refuses /watch and /unwatch to members without Manage Channels, whatever the command permissions say', async () => {
    await connect();
    const member = { permissions: PermissionFlagsBits.SendMessages | PermissionFlagsBits.ViewChannel };
    const refusal = "Only members who can manage this channel (Manage Channels) can change this chat's settings. Anyone can use /list, /recent, /coin, /help.";
    expect((await run({ command: 'watch', targets: 'bitcoin', ...member })).shown).toBe(refusal);
    expect((await run({ command: 'unwatch', targets: 'all', ...member })).shown).toBe(refusal);
    expect((await run({ command: 'mention', who: ROLE, ...member })).shown).toBe(refusal);
    expect(subscriptions()).toEqual([]);
    expect((await run({ command: 'list', ...member })).shown).toContain('watches nothing yet');
  });

  it('lets administrators manage subscriptions (Administrator implies Manage Channels)', async () => {
    await connect();
    const reply = await run({ command: 'watch', targets: 'ethereum', permissions: PermissionFlagsBits.Administrator });
    expect(reply.shown).toContain('Watching ethereum');
  });

  it('treats the bot DM as the user’s own private chat', async () => {
    await connect();
    const reply = await run({ command: 'watch', targets: 'solana', where: 'dm' });
    expect(reply.shown).toContain('Watching solana');
    expect(chats()).toEqual([expect.objectContaining({ platform_chat_id: FAKE.dmChannelId, kind: 'private', title: FAKE.username })]);
  });

  it('escapes markdown and breaks mentions in replies that echo what the user typed', async () => {
    await connect();
    const reply = await run({ command: 'watch', targets: '@everyone' });
    expect(reply.data.content).not.toMatch(/@everyone/);
    expect(reply.shown).toContain('"@everyone" is not a CoinGecko coin id');
    expect(reply.data.allowed_mentions).toEqual({ parse: [] });
    const help = await run({ command: 'help' });
    expect(help.data.content).toContain('public\\_notices');
    expect(help.shown).toContain('/watch bitcoin platforms public_notices');
  });

  it('sets, shows and clears the role that high-severity alerts ping', async () => {
    await connect();
    const set = await run({ command: 'mention', who: ROLE });
    expect(set.data.content).toContain(`will ping ${ROLE}`);
    expect(set.data.allowed_mentions).toEqual({ parse: [] });
    expect(store.db.$client.prepare('select ops_mention from chats').get()).toEqual({ ops_mention: ROLE });
    expect((await run({ command: 'mention' })).data.content).toContain(`ping ${ROLE}`);
    expect((await run({ command: 'mention', who: 'off' })).shown).toBe('High-severity alerts here no longer ping anyone.');
    expect(store.db.$client.prepare('select ops_mention from chats').get()).toEqual({ ops_mention: null });
  });

  it('accepts only a picked role or member for /mention, never @everyone or plain text', async () => {
    await connect();
    for (const who of ['@everyone', '@here', '@oncall', '<@&123>', `${ROLE} extra`]) {
      const reply = await run({ command: 'mention', who });
      expect(reply.shown, who).toMatch(/^(That is not a role or user mention here|Usage: \/mention)/);
      expect(reply.data.content).not.toMatch(/@(everyone|here)/);
    }
    expect(store.db.$client.prepare('select ops_mention from chats where ops_mention is not null').all()).toEqual([]);
  });

  it('answers a command it does not know instead of leaving Discord waiting', async () => {
    await connect();
    expect((await run({ command: 'price', targets: 'bitcoin', stale: true })).shown).toBe('Unknown command. Try /help.');
  });

  it('sends a long /list as several ephemeral messages within Discord’s 2000 characters', async () => {
    await connect();
    const coins = Array.from({ length: 150 }, (_, i) => `example-coin-with-a-long-id-${String(i).padStart(3, '0')}`);
    for (let i = 0; i < coins.length; i += 50) await run({ command: 'watch', targets: coins.slice(i, i + 50).join(' ') });
    const reply = await run({ command: 'list' });
    await expect.poll(() => [reply.data, ...reply.followUps()].map((m) => visibleText(m.content ?? '')).join('\n')).toContain(coins[149]);
    for (const m of [reply.data, ...reply.followUps()]) {
      expect(m.content!.length).toBeLessThanOrEqual(2000);
      expect(m.flags).toBe(EPHEMERAL);
      expect(m.allowed_mentions).toEqual({ parse: [] });
    }
    expect(reply.data.content).toContain('This chat watches \\(150 subscriptions\\)');
  });

  it('suggests fields and known coins while the user types targets', async () => {
    await connect();
    const answer = await fake.interact({ command: 'watch', targets: 'bitcoin pla', autocomplete: true });
    expect(answer.callback.type).toBe(8);
    expect(answer.callback.data?.choices).toEqual([{ name: 'bitcoin platforms (field, every coin)', value: 'bitcoin platforms' }]);
    const all = await fake.interact({ command: 'unwatch', targets: '', autocomplete: true });
    expect(all.callback.data?.choices?.length).toBeGreaterThan(0);
    expect(all.callback.data?.choices?.length).toBeLessThanOrEqual(25);
  });

  it('deactivates a subscribed channel when Discord says it was deleted', async () => {
    await connect();
    await run({ command: 'watch', targets: 'bitcoin' });
    fake.dispatch('CHANNEL_DELETE', { id: FAKE.channelId, type: 0, guild_id: FAKE.guildId, name: FAKE.channelName, position: 0, permission_overwrites: [] });
    await expect.poll(() => chats()).toEqual([expect.objectContaining({ active: 0, deactivated_reason: 'the Discord channel was deleted' })]);
  });

  it('closes the gateway connection on stop', async () => {
    await connect();
    expect(fake.sockets()).toBe(1);
    await adapter.stop!();
    await expect.poll(() => fake.sockets()).toBe(0);
  });

  it('fails to start with a clear error when Discord refuses the token, and never logs the token', async () => {
    fake = await startDiscordFake();
    store = tempDb();
    const logged = memoryLogger();
    adapter = createDiscordAdapter({ token: 'wrong-token', apiBase: fake.apiBase, guildId: FAKE.guildId, log: logged.log });
    const commands = createCommandService(sqliteChatStore(store.db), { subscriptionLimit: 500 });
    const refused = adapter.start!(directIntake(commands));
    await expect(refused).rejects.toBeInstanceOf(PlatformUnauthorizedError);
    await expect(refused).rejects.toThrow('Discord refused the bot token; check DISCORD_BOT_TOKEN');
    expect(fake.sockets()).toBe(0);
    expect(logged.lines.join('\n')).not.toContain('wrong-token');
  });

  it('fails to start with a clear error when the API root does not answer', async () => {
    fake = await startDiscordFake();
    store = tempDb();
    const apiBase = fake.apiBase;
    await fake.close();
    adapter = createDiscordAdapter({ token: fake.token, apiBase, log: memoryLogger().log });
    const commands = createCommandService(sqliteChatStore(store.db), { subscriptionLimit: 500 });
    await expect(adapter.start!(directIntake(commands))).rejects.toThrow(`could not connect to Discord at ${apiBase}`);
  });
});
