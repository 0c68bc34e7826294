import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { composeAlert } from '../../src/core/alert.js';
import { createDiscordAdapter } from '../../src/platforms/discord/discord-adapter.js';
import { renderDiscordAlert } from '../../src/platforms/discord/render-discord.js';
import type { ChatRef, PlatformAdapter, SendOutcome } from '../../src/platforms/port.js';
import { FAKE, apiError, rateLimited, startDiscordFake, type DiscordFake, type Scripted } from '../fakes/discord-fake.js';
import { memoryLogger } from '../support/harness.js';

const alert = composeAlert({
  eventId: 'evt-send',
  coin: { id: 'bitcoin', symbol: 'btc', name: 'Bitcoin' },
  changes: [{ field: 'name', changeType: 'update', oldValue: '"Bitcoin"', newValue: '"Bitcoin Core"' }],
});
const chat: ChatRef = { platform: 'discord', platformChatId: FAKE.channelId, kind: 'group' };

let fake: DiscordFake;
let adapter: PlatformAdapter;

/** The adapter without a gateway session: sending needs REST only. */
async function sender(token?: string): Promise<void> {
  fake = await startDiscordFake();
  adapter = createDiscordAdapter({ token: token ?? fake.token, apiBase: fake.apiBase, log: memoryLogger().log });
}

afterEach(async () => {
  await adapter?.stop?.();
  await fake?.close();
});

const posts = () => fake.requests.filter((r) => r.method === 'POST' && r.path === `/channels/${FAKE.channelId}/messages`);

describe('Discord alert sending', () => {
  it('posts the rendered embed to the channel', async () => {
    await sender();
    expect(await adapter.send(chat, alert)).toEqual({ kind: 'sent' });
    expect(fake.messages(FAKE.channelId)).toEqual([renderDiscordAlert(alert)]);
    expect(posts()[0]?.authorized).toBe(true);
  });

  it('pings the channel’s ops role on a high-severity alert, and no one else', async () => {
    await sender();
    const migration = composeAlert({
      eventId: 'evt-migration',
      coin: { id: 'example-bridge-token', symbol: 'ebt', name: 'Example Bridge Token' },
      changes: [{ field: 'platforms.ethereum', changeType: 'update', oldValue: '"0x1"', newValue: '"0x2"' }],
    });
    expect(await adapter.send({ ...chat, opsMention: '<@&1800000000000000001>' }, migration)).toEqual({ kind: 'sent' });
    expect(fake.messages(FAKE.channelId)).toEqual([
      expect.objectContaining({ content: '🔔 <@&1800000000000000001>', allowed_mentions: { parse: [], roles: ['1800000000000000001'] } }),
    ]);
  });

  it('hands a long rate limit back to the outbox with its wait instead of holding the send', async () => {
    await sender();
    fake.failNext(FAKE.channelId, rateLimited(30));
    const started = Date.now();
    const outcome = await adapter.send(chat, alert);
    expect(outcome).toMatchObject({ kind: 'retry' });
    expect((outcome as { afterMs: number }).afterMs).toBeGreaterThanOrEqual(29_000);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('waits out a short rate limit itself and sends once', async () => {
    await sender();
    fake.failNext(FAKE.channelId, rateLimited(0.3));
    expect(await adapter.send(chat, alert)).toEqual({ kind: 'sent' });
    expect(posts()).toHaveLength(2);
    expect(fake.messages(FAKE.channelId)).toHaveLength(1);
  });

  const cases: Array<[string, Scripted[], SendOutcome]> = [
    ['a deleted channel (10003)', [apiError(404, 10003, 'Unknown Channel')], { kind: 'chat_gone', reason: 'the Discord channel was deleted (10003 Unknown Channel)' }],
    ['lost access (50001)', [apiError(403, 50001, 'Missing Access')], { kind: 'chat_gone', reason: 'the bot lost access to the Discord channel (50001 Missing Access)' }],
    [
      'missing permissions (50013)',
      [apiError(403, 50013, 'Missing Permissions')],
      { kind: 'chat_gone', reason: 'the bot may no longer post in the Discord channel (50013 Missing Permissions)' },
    ],
    [
      'a user who closed their DMs (50007)',
      [apiError(403, 50007, 'Cannot send messages to this user')],
      { kind: 'chat_gone', reason: 'the Discord user does not accept messages from the bot (50007 Cannot send messages to this user)' },
    ],
    ['any other 404', [apiError(404, 0, '404: Not Found')], { kind: 'chat_gone', reason: 'Discord answered 404 for the channel: 404: Not Found' }],
    ['a refused token (401)', [apiError(401, 0, '401: Unauthorized')], { kind: 'platform_down', error: 'Discord refused the bot token (401 401: Unauthorized)' }],
    [
      'an invalid message (400 50035)',
      [apiError(400, 50035, 'Invalid Form Body')],
      { kind: 'rejected', error: 'Discord refused the message (400 code 50035: Invalid Form Body)' },
    ],
  ];

  it.each(cases)('maps %s to its outcome', async (_name, answers, expected) => {
    await sender();
    fake.failNext(FAKE.channelId, ...answers);
    expect(await adapter.send(chat, alert)).toEqual(expected);
    expect(posts()).toHaveLength(1);
  });

  it('retries a 5xx once, then hands it back to the outbox as a retry', async () => {
    await sender();
    fake.failNext(FAKE.channelId, { status: 502 }, { status: 502 });
    expect(await adapter.send(chat, alert)).toMatchObject({ kind: 'retry', error: expect.stringContaining('502') });
    expect(posts()).toHaveLength(2);
  });

  it('delivers when the one 5xx retry succeeds', async () => {
    await sender();
    fake.failNext(FAKE.channelId, { status: 500 });
    expect(await adapter.send(chat, alert)).toEqual({ kind: 'sent' });
    expect(fake.messages(FAKE.channelId)).toHaveLength(1);
  });

  it('treats a connection closed without an answer as transient', async () => {
    await sender();
    fake.failNext(FAKE.channelId, 'drop', 'drop');
    expect(await adapter.send(chat, alert)).toMatchObject({ kind: 'retry', error: expect.stringContaining('could not reach Discord') });
  });

  it('treats an unreachable API as transient', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    adapter = createDiscordAdapter({ token: 't', apiBase: `http://127.0.0.1:${port}/api`, log: memoryLogger().log });
    expect(await adapter.send(chat, alert)).toMatchObject({ kind: 'retry', error: expect.stringContaining('could not reach Discord') });
  });

  it('posts to the channel of a DM too, and never to a chat id that is not a Discord id', async () => {
    await sender();
    expect(await adapter.send({ ...chat, platformChatId: FAKE.dmChannelId, kind: 'private' }, alert)).toEqual({ kind: 'sent' });
    expect(await adapter.send({ ...chat, platformChatId: '../../users/@me' }, alert)).toEqual({ kind: 'chat_gone', reason: 'not a Discord channel id' });
    expect(fake.requests.map((r) => r.path)).toEqual([`/channels/${FAKE.dmChannelId}/messages`]);
  });

  it('declares Discord’s rates to the dispatcher', async () => {
    await sender();
    expect(adapter.platform).toBe('discord');
    expect(adapter.limits).toEqual({ perSecond: 50, perChatIntervalMs: 1000 });
  });
});
