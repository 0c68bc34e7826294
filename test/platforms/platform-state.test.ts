// Each platform's connection state through the real client libraries against their fakes: connected once the
// platform answers, connecting (with the error) when it goes away, unauthorized when it refuses the token — one log
// line per change, and the state in bot.platformStates() (what /healthz and /metrics read).
import { afterEach, describe, expect, it } from 'vitest';
import { createBot, type Bot } from '../../src/bot.js';
import { createDiscordAdapter } from '../../src/platforms/discord/discord-adapter.js';
import { createSlackAdapter } from '../../src/platforms/slack/slack-adapter.js';
import { startDiscordFake, type DiscordFake } from '../fakes/discord-fake.js';
import { SlackFake } from '../fakes/slack-fake.js';
import { memoryLogger, tempDb, testConfig, type TempDb } from '../support/harness.js';

let store: TempDb | undefined;
let bot: Bot | undefined;
let discord: DiscordFake | undefined;
let slack: SlackFake | undefined;
afterEach(async () => {
  await bot?.stop();
  await discord?.close().catch(() => undefined);
  await slack?.close();
  store?.cleanup();
  [bot, discord, slack, store] = [undefined, undefined, undefined, undefined];
});

const stateLines = (lines: string[]) =>
  lines.filter((line) => line.includes('"state":')).map((line) => (JSON.parse(line) as { platform: string; state: string }).state);

describe('platform state', () => {
  it('Discord: connected once the gateway is ready, connecting when it drops, each change logged once', async () => {
    discord = await startDiscordFake();
    store = tempDb();
    const { log, lines } = memoryLogger();
    const adapter = createDiscordAdapter({ token: discord.token, apiBase: discord.apiBase, log, readyTimeoutMs: 5000 });
    bot = createBot({ db: store.db, config: testConfig(), log, adapters: [adapter] });
    await bot.start();
    expect(bot.platformStates().discord).toMatchObject({ status: 'connected' });
    await discord.close();
    await expect.poll(() => bot!.platformStates().discord?.status, { timeout: 10_000 }).toBe('connecting');
    expect(bot.platformStates().discord?.error).toBeTruthy();
    expect(stateLines(lines)).toEqual(['connected', 'connecting']);
  });

  it('Slack: a refused token is unauthorized, naming SLACK_BOT_TOKEN, in one error line', async () => {
    slack = await new SlackFake().listen();
    store = tempDb();
    const { log, lines } = memoryLogger();
    const adapter = createSlackAdapter({ token: 'xoxb-wrong', signingSecret: 's', apiUrl: slack.apiUrl, allowedUsers: [], log });
    bot = createBot({ db: store.db, config: testConfig(), log, adapters: [adapter], unauthorizedRetryMs: 60_000 });
    await bot.start();
    expect(bot.platformStates().slack).toMatchObject({
      status: 'unauthorized',
      error: 'Slack refused the bot token (invalid_auth); check SLACK_BOT_TOKEN; next try in 1 min',
    });
    expect(stateLines(lines)).toEqual(['unauthorized']);
    expect(lines.join('\n')).not.toContain('xoxb-wrong');
  });

  it('Slack: connected when the token works', async () => {
    slack = await new SlackFake().listen();
    store = tempDb();
    const { log } = memoryLogger();
    const adapter = createSlackAdapter({ token: slack.token, signingSecret: 's', apiUrl: slack.apiUrl, allowedUsers: [], log });
    bot = createBot({ db: store.db, config: testConfig(), log, adapters: [adapter] });
    await bot.start();
    expect(bot.platformStates().slack).toMatchObject({ status: 'connected' });
  });
});
