// POST /slack/interactions: presses of alert buttons are verified exactly like slash commands (SLACK_SIGNING_SECRET,
// 300 s window, 401 before anything else), and only our own buttons are acted on.
import { Hono } from 'hono';
import { afterEach, describe, expect, it } from 'vitest';
import type { CommandHandler } from '../../src/core/command-service.js';
import type { PressRequest } from '../../src/core/alert-press.js';
import type { SlackFake } from '../fakes/slack-fake.js';
import { directIntake, memoryLogger } from '../support/harness.js';
import { ADMIN_USER, CHANNEL, signedPress, signedSlash, slackSetup } from './slack-harness.js';

describe('Slack button presses (POST /slack/interactions)', () => {
  let fake: SlackFake | undefined;
  afterEach(async () => {
    await fake?.close();
    fake = undefined;
  });

  /** The real Slack adapter's routes, with a command service that records the presses it is handed. */
  async function appRecordingPresses() {
    const { log, lines } = memoryLogger();
    const setup = await slackSetup(log);
    fake = setup.fake;
    const presses: PressRequest[] = [];
    const commands: CommandHandler = {
      run: async () => undefined,
      chatGone: () => undefined,
      chatReturned: () => undefined,
      chatMoved: () => undefined,
      suggest: () => [],
      press: async (request) => {
        presses.push(request);
        return { outcome: 'refused', toast: 'Only the Slack users this bot allows can use these buttons.' };
      },
    };
    const app = new Hono();
    for (const route of setup.adapter.routes?.(directIntake(commands)) ?? []) app.route(route.path, route.app);
    return { app, presses, lines, fake: setup.fake };
  }

  it('refuses a press signed with another secret, or too old, with 401 and without acting', async () => {
    const { app, presses, lines } = await appRecordingPresses();
    expect((await app.request('/slack/interactions', signedPress('cs:AAAAAAAAAAAA', { secret: 'not-the-secret' }))).status).toBe(401);
    const stale = String(Math.floor(Date.now() / 1000) - 301);
    expect((await app.request('/slack/interactions', signedPress('cs:AAAAAAAAAAAA', { timestamp: stale }))).status).toBe(401);
    const unsigned = { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'payload=%7B%7D' };
    expect((await app.request('/slack/interactions', unsigned)).status).toBe(401);
    expect(presses).toEqual([]);
    expect(lines.filter((line) => line.includes('slack interaction refused'))).toHaveLength(3);
  });

  it('hands our button to the press handler and shows the presser its answer; ignores what is not ours', async () => {
    const { app, presses, fake: slack } = await appRecordingPresses();
    const res = await app.request('/slack/interactions', signedPress('cs:AAAAAAAAAAAA', { userId: 'U0SOMEONE' }));
    expect(res.status).toBe(200);
    expect(presses).toHaveLength(1);
    expect(presses[0]).toMatchObject({ payload: 'cs:AAAAAAAAAAAA', chat: { platform: 'slack', platformChatId: CHANNEL.id }, user: { id: 'U0SOMEONE' } });
    // The allow-list decides: ADMIN_USER is on it, U0SOMEONE is not.
    expect(await presses[0]!.canManage()).toBe(false);
    const deadline = Date.now() + 5000;
    while (slack.ephemerals.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(slack.ephemerals).toEqual([{ channel: CHANNEL.id, user: 'U0SOMEONE', text: 'Only the Slack users this bot allows can use these buttons.' }]);
    await app.request('/slack/interactions', signedPress('cs:AAAAAAAAAAAA', { userId: ADMIN_USER }));
    expect(await presses[1]!.canManage()).toBe(true);

    const shortcut = new URLSearchParams({ payload: JSON.stringify({ type: 'shortcut', callback_id: 'x' }) }).toString();
    expect((await app.request('/slack/interactions', signedSlash(shortcut))).status).toBe(200);
    expect((await app.request('/slack/interactions', signedSlash('payload=not-json'))).status).toBe(400);
    expect(presses).toHaveLength(2);
  });
});
