// Slack slash commands as a user sees them: /watch, /unwatch, /list directly and through the umbrella command, the
// chat they create, the allow-list for channels, escaped replies, and a friendly answer when something breaks.
import { Hono } from 'hono';
import { afterEach, describe, expect, it } from 'vitest';
import { createBot, type Bot } from '../../src/bot.js';
import type { CommandHandler, CommandRequest } from '../../src/core/command-service.js';
import { notAllowed } from '../../src/core/command-service.js';
import { MANAGERS, parseSlackMention } from '../../src/platforms/slack/slack-commands-route.js';
import { slackForm } from '../../src/platforms/slack/slash-command.js';

/** The refusal as a member sees it after typing `typed` (the command they used names the others). */
const NOT_ALLOWED = notAllowed(MANAGERS, slackForm('/watch', false));
const NOT_ALLOWED_UMBRELLA = notAllowed(MANAGERS, slackForm('/coinsentry', true));
import type { SlackFake } from '../fakes/slack-fake.js';
import { directIntake, memoryLogger, tempDb, testConfig, type TempDb } from '../support/harness.js';
import { ADMIN_USER, CHANNEL, slackSetup, slash, unescapeSlack } from './slack-harness.js';

const MEMBER = 'U0MEMBER';
const DM = { channelId: 'D0DIRECT', channelName: 'directmessage' };

describe('Slack slash commands', () => {
  let store: TempDb;
  let fake: SlackFake;
  let bot: Bot;

  async function setUp(allowedUsers: readonly string[] = [ADMIN_USER]) {
    store = tempDb();
    const { log } = memoryLogger();
    const setup = await slackSetup(log, allowedUsers);
    fake = setup.fake;
    bot = createBot({ db: store.db, config: testConfig(), log, adapters: [setup.adapter] });
  }
  afterEach(async () => {
    await fake?.close();
    store?.cleanup();
  });

  const say = async (text: string, options: Parameters<typeof slash>[2] = {}) => {
    const { status, reply } = await slash(bot.app, text, options);
    expect(status).toBe(200);
    return reply;
  };
  const chats = () => store.db.$client.prepare('select platform, platform_chat_id, kind, title from chats order by id').all();

  it('answers /watch, /list and /unwatch ephemerally, in the response itself', async () => {
    await setUp();
    expect(await say('/watch bitcoin public_notices')).toContain('Watching bitcoin');
    expect(await say('/list')).toMatch(/bitcoin: public_notices/);
    expect(await say('/unwatch bitcoin')).toContain('Stopped watching bitcoin');
    expect(await say('/list')).toContain('watches nothing');
    expect(fake.calls).toEqual([]);
  });

  it('records the channel as a group chat named after the channel, and a DM as a private chat', async () => {
    await setUp();
    await say('/watch bitcoin');
    await say('/watch ethereum', DM);
    expect(chats()).toEqual([
      { platform: 'slack', platform_chat_id: CHANNEL.id, kind: 'group', title: CHANNEL.name },
      { platform: 'slack', platform_chat_id: DM.channelId, kind: 'private', title: 'directmessage' },
    ]);
  });

  it('takes the sub-command from the first word of the umbrella command', async () => {
    await setUp();
    expect(await say('/coinsentry watch ethereum')).toContain('Watching ethereum');
    expect(await say('/coinsentry WATCH platforms')).toContain('Watching platforms');
    expect(await say('/coinsentry /watch solana')).toContain('Watching solana');
    const list = await say('/coinsentry list');
    expect(list).toContain('ethereum');
    expect(list).toContain('platforms');
    expect(await say('/coinsentry unwatch all')).toMatch(/Removed all 3 subscriptions/);
  });

  it('shows the help, with the umbrella form, for /coinsentry help, a bare /coinsentry and an unknown sub-command', async () => {
    await setUp();
    for (const text of ['/coinsentry help', '/coinsentry', '/coinsentry    ']) {
      const help = await say(text);
      expect(help).toContain('/coinsentry watch &lt;coin-id|field&gt;');
      expect(help).toContain('/coinsentry mute 1d categories');
      expect(help).not.toMatch(/(^|\s)\/(watch|mute|list)\b/);
    }
    const unknown = await say('/cs frobnicate bitcoin');
    expect(unknown.startsWith('Unknown command "frobnicate".')).toBe(true);
    expect(unknown).toContain('/cs list');
    expect(unknown).toContain('/cs watch bitcoin');
  });

  it('gives the usage line back for a malformed command', async () => {
    await setUp();
    expect(await say('/watch')).toMatch(/^Usage: \/watch/);
    expect(await say('/coinsentry list NOT/A/COIN')).toContain('is not a CoinGecko coin id (lowercase letters, digits, - . _).\nUsage: /coinsentry list or /coinsentry list &lt;coin-id|field&gt;…');
    expect(await say('/list NOT/A/COIN')).toContain('\nUsage: /list or /list &lt;coin-id|field&gt;…');
  });

  it('escapes & < > in replies, so echoed input cannot mention or link', async () => {
    await setUp();
    const reply = await say('/watch <!channel> <https://evil.example|x>');
    expect(reply).toContain('&lt;!channel&gt;');
    expect(reply).not.toMatch(/[<>]/);
    const unknown = await say('/coinsentry <@U123>&');
    expect(unknown).toContain('"&lt;@U123&gt;&amp;"');
    expect(unescapeSlack(unknown)).toContain('"<@U123>&"');
  });

  describe('allow-list', () => {
    it('lets only allowed users change a channel, and everyone list it', async () => {
      await setUp([ADMIN_USER]);
      expect(await say('/watch bitcoin', { userId: MEMBER })).toBe(NOT_ALLOWED);
      expect(await say('/coinsentry watch bitcoin', { userId: MEMBER })).toBe(NOT_ALLOWED_UMBRELLA);
      expect(await say('/watch bitcoin', { userId: ADMIN_USER })).toContain('Watching bitcoin');
      expect(await say('/unwatch all', { userId: MEMBER })).toBe(NOT_ALLOWED);
      expect(await say('/list', { userId: MEMBER })).toContain('bitcoin');
    });

    it('lets anyone manage their own DM', async () => {
      await setUp([ADMIN_USER]);
      expect(await say('/watch bitcoin', { userId: MEMBER, ...DM })).toContain('Watching bitcoin');
    });

    it('lets an allowed user set the ops mention through the umbrella command', async () => {
      await setUp([ADMIN_USER]);
      expect(await say('/coinsentry mention <!subteam^S0ONCALL|@oncall>', { userId: MEMBER })).toBe(NOT_ALLOWED_UMBRELLA);
      expect(await say('/coinsentry mention @oncall', { userId: ADMIN_USER })).toContain('That is not a role or user mention here');
      expect(await say('/coinsentry mention <!subteam^S0ONCALL|@oncall>', { userId: ADMIN_USER })).toContain(
        // Shown as Slack's user-group chip (the reply is ephemeral, so it pings no one), not as escaped raw text.
        'will ping <!subteam^S0ONCALL>.',
      );
      expect(await say('/coinsentry mention', { userId: MEMBER })).toContain('ping <!subteam^S0ONCALL>. /coinsentry mention off stops that.');
      expect(await say('/coinsentry mention <!channel>', { userId: ADMIN_USER })).toContain('mentions of everyone are refused');
    });

    it('lets everyone manage channels when it is empty', async () => {
      await setUp([]);
      expect(await say('/watch bitcoin', { userId: MEMBER })).toContain('Watching bitcoin');
    });
  });
});

describe('Slack slash commands with a stand-in command service', () => {
  let fake: SlackFake | undefined;
  afterEach(async () => {
    await fake?.close();
    fake = undefined;
  });

  async function appWith(run: (request: CommandRequest) => Promise<string | undefined>) {
    const { log, lines } = memoryLogger();
    const setup = await slackSetup(log);
    fake = setup.fake;
    const commands: CommandHandler = { run, chatGone: () => undefined, chatReturned: () => undefined, chatMoved: () => undefined, suggest: () => [], press: async () => ({ outcome: 'expired' as const, toast: 'expired' }) };
    const app = new Hono();
    for (const route of setup.adapter.routes?.(directIntake(commands)) ?? []) app.route(route.path, route.app);
    return { app, lines };
  }

  it('asks who may manage only for commands that change something', async () => {
    const asked: string[] = [];
    const { app } = await appWith(async (request) => {
      if (request.name === 'watch') asked.push(`${request.name}:${String(await request.canManage())}`);
      return `ran ${request.name} ${request.args}`.trim();
    });
    expect((await slash(app, '/list')).reply).toBe('ran list');
    expect((await slash(app, '/coinsentry watch  bitcoin  ethereum')).reply).toBe('ran watch bitcoin  ethereum');
    expect(asked).toEqual(['watch:true']);
  });

  it('answers with an apology, not a 500, when the command fails on our side', async () => {
    const { app, lines } = await appWith(async () => {
      throw new Error('database is locked');
    });
    const { status, reply } = await slash(app, '/watch bitcoin');
    expect(status).toBe(200);
    expect(reply).toBe('Sorry, that command failed on our side. Please try again in a moment.');
    expect(lines.some((line) => line.includes('database is locked'))).toBe(true);
  });

  it('shortens a very long reply visibly, without splitting an escape', async () => {
    const { app } = await appWith(async () => '<'.repeat(50_000));
    const { reply } = await slash(app, '/list');
    expect(reply.length).toBeLessThanOrEqual(39_000);
    expect(reply).toMatch(/^(&lt;)+… \(\d+ more characters\)$/);
  });
});

describe('parseSlackMention', () => {
  it('accepts escaped users and user groups, without their labels', () => {
    expect(parseSlackMention('<@U012AB3CD|ada>')).toBe('<@U012AB3CD>');
    expect(parseSlackMention('<!subteam^SAZ94GDB8|@oncall>')).toBe('<!subteam^SAZ94GDB8>');
  });
  it('refuses mentions of everyone, and anything else', () => {
    for (const text of ['<!here>', '<!channel>', '<!everyone>', '<!here|here>', '@oncall', '<https://evil.example|x>', '<@U1> <@U2>', '<@u012ab3cd>']) {
      expect(parseSlackMention(text)).toBeUndefined();
    }
  });
});
