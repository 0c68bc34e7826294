// Permanent platform answers, through the real client libraries: a blocked bot, a kicked bot, an unknown or archived
// channel, missing permissions deactivate that chat only, with the reason stored on the chat (what the admin CLI's
// `chats` listing shows), and what was queued for it is cancelled; a command from that chat reactivates it. A revoked
// token stops sending on that platform alone, with one log line, and loses nothing.
import { afterEach, describe, expect, it } from 'vitest';
import { FAKE } from '../fakes/discord-fake.js';
import { signedSlash, slashForm } from '../platforms/slack-harness.js';
import { ANSWERS } from './support/platform-answers.js';
import { CREDENTIALS, PLATFORMS, chatId, nameChange, outboxCounts, startWorld, until, type Platform, type World } from './support/world.js';

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

interface ChatState {
  active: number;
  deactivated_reason: string | null;
}
const chatState = (w: World, platform: Platform, id: string) =>
  w.db.$client.prepare('select active, deactivated_reason from chats where platform = ? and platform_chat_id = ?').get(platform, id) as ChatState;

/** Runs `/list` in a chat through the platform's real command intake. */
async function listFrom(w: World, platform: Platform, id: string): Promise<void> {
  if (platform === 'telegram') {
    await w.telegram.fake.say({ id: Number(id), type: 'group', title: 'Ops' }, '/list');
  } else if (platform === 'discord') {
    if (id !== FAKE.channelId) throw new Error('the fake Discord takes commands in its own channel only');
    await w.discord.fake.interact({ command: 'list' });
  } else {
    const res = await w.bot.app.request(
      '/slack/commands',
      signedSlash(slashForm('/coinsentry list', { channelId: id }), { secret: CREDENTIALS.slackSigningSecret }),
    );
    expect(res.status).toBe(200);
  }
}

describe('permanent platform errors', () => {
  it.each(PLATFORMS)('%s: deactivates only the chats that are gone, with the reason, and a command there reactivates it', async (platform) => {
    world = await startWorld({ platforms: [platform] });
    const w = world;
    const cases = ANSWERS[platform].gone;
    // On Discord the chat that comes back must be the fake's own channel: that is where its commands come from.
    const goneIds = cases.map((_, i) => (platform === 'discord' && i === 0 ? FAKE.channelId : chatId(platform, i)));
    const healthy = [chatId(platform, 50), chatId(platform, 51)];
    for (const id of [...goneIds, ...healthy]) w.watch(platform, id, 'gone-coin');
    cases.forEach((c, i) => w.proxy(platform).fail(goneIds[i]!, c.fault));

    expect(await (await w.post(nameChange('gone-coin'))).json()).toMatchObject({ deliveries: goneIds.length + healthy.length });
    await until(() => goneIds.every((id) => chatState(w, platform, id).active === 0), 'the gone chats are deactivated');
    await until(() => healthy.every((id) => w.delivered(platform, id) === 1), 'the healthy chats have their alert');
    await w.bot.dispatcher.idle();

    cases.forEach((c, i) => {
      const state = chatState(w, platform, goneIds[i]!);
      expect(state.active, c.name).toBe(0);
      expect(state.deactivated_reason, c.name).toMatch(c.reason);
      // One request, no retries: a permanent answer is final.
      expect(w.proxy(platform).requestsFor(goneIds[i]!), c.name).toHaveLength(1);
    });
    for (const id of healthy) expect(chatState(w, platform, id)).toEqual({ active: 1, deactivated_reason: null });
    expect(outboxCounts(w.db)).toEqual({ sent: healthy.length, cancelled: goneIds.length });

    // Nothing more is queued for a deactivated chat.
    expect(await (await w.post(nameChange('gone-coin', 'Gone Coin II'))).json()).toMatchObject({ deliveries: healthy.length });

    // Someone uses a command there again (the bot was re-added, unblocked, the channel unarchived): alerts resume.
    const back = goneIds[0]!;
    await listFrom(w, platform, back);
    expect(chatState(w, platform, back)).toEqual({ active: 1, deactivated_reason: null });
    expect(await (await w.post(nameChange('gone-coin', 'Gone Coin III'))).json()).toMatchObject({ deliveries: healthy.length + 1 });
    await until(() => w.delivered(platform, back) === 1, 'the reactivated chat gets the next alert');
    for (const id of goneIds.slice(1)) expect(chatState(w, platform, id).active).toBe(0);
  });
});

describe('a revoked token', () => {
  it.each(PLATFORMS)('%s: stops sending there with one log line while the other platforms keep working; nothing is lost', async (revoked) => {
    world = await startWorld({ backoff: { baseMs: 100, maxMs: 200 } });
    const w = world;
    const perPlatform = 4;
    const ids = (p: Platform) => Array.from({ length: perPlatform }, (_, i) => chatId(p, i));
    for (const p of PLATFORMS) for (const id of ids(p)) w.watch(p, id, 'token-coin');
    const others = PLATFORMS.filter((p) => p !== revoked);
    w.proxy(revoked).failAll(ANSWERS[revoked].tokenRevoked, 'everything');

    await w.post(nameChange('token-coin', 'Token Coin I'));
    await until(() => others.every((p) => ids(p).every((id) => w.delivered(p, id) === 1)), 'the other platforms deliver');
    await w.bot.dispatcher.idle();
    const messageRequests = () => w.proxy(revoked).requests.filter((r) => r.chat !== undefined).length;
    const tried = messageRequests();
    const complaints = () => w.lines.filter((l) => /"level":(40|50)/.test(l) && l.includes('"component":"dispatcher"')).length;
    const complained = complaints();
    // The first refusal stops the platform; sends already started may be refused too, but none is started after.
    expect(tried).toBeGreaterThanOrEqual(1);
    expect(tried).toBeLessThanOrEqual(perPlatform);

    await w.post(nameChange('token-coin', 'Token Coin II'));
    await until(() => others.every((p) => ids(p).every((id) => w.delivered(p, id) === 2)), 'the other platforms deliver the second alert');
    await w.bot.dispatcher.idle();
    expect(messageRequests()).toBe(tried);
    // More alerts for the stopped platform add no delivery log lines: one line says it, not one per alert.
    expect(complaints()).toBe(complained);

    const refusals = w.lines.filter((l) => l.includes('refused our credentials'));
    expect(refusals).toHaveLength(1);
    expect(JSON.parse(refusals[0]!)).toMatchObject({ level: 50, platform: revoked });
    // The alerts for the stopped platform wait in the outbox, unspent: not dead, not cancelled.
    const waiting = w.db.$client
      .prepare("select d.status, d.attempts from deliveries d join chats c on c.id = d.chat_id where c.platform = ?")
      .all(revoked) as Array<{ status: string; attempts: number }>;
    expect(waiting).toHaveLength(perPlatform * 2);
    for (const row of waiting) expect(row).toEqual({ status: 'pending', attempts: 0 });
    for (const id of ids(revoked)) expect(w.delivered(revoked, id)).toBe(0);

    // The admin fixes the token and restarts: everything that waited is delivered, once.
    w.proxy(revoked).failAll(undefined);
    await w.restart();
    await until(() => ids(revoked).every((id) => w.delivered(revoked, id) === 2), 'the waiting alerts are delivered after the restart');
    await w.bot.dispatcher.idle();
    expect(outboxCounts(w.db)).toEqual({ sent: perPlatform * 3 * 2 });
  }, 30_000);
});
