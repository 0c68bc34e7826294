// Sending through the real @slack/web-api client against the fake Slack: what chat.postMessage carries, and how each
// kind of Slack answer becomes the outcome the dispatcher acts on (DESIGN.md §5).
import { PlatformUnauthorizedError } from '../../src/platforms/platform-state.js';
import { afterEach, describe, expect, it } from 'vitest';
import type { Alert } from '../../src/core/alert.js';
import { createSlackAdapter } from '../../src/platforms/slack/slack-adapter.js';
import type { ChatRef, PlatformAdapter } from '../../src/platforms/port.js';
import { SlackFake, type SlackFailure } from '../fakes/slack-fake.js';
import { directIntake, memoryLogger } from '../support/harness.js';
import type { CommandHandler } from '../../src/core/command-service.js';

const IGNORED_COMMANDS: CommandHandler = { run: async () => undefined, chatGone: () => undefined, chatReturned: () => undefined, chatMoved: () => undefined, suggest: () => [], press: async () => ({ outcome: 'expired' as const, toast: 'expired' }) };
import { SIGNING_SECRET } from './slack-harness.js';

const chat: ChatRef = { platform: 'slack', platformChatId: 'C0OPS', kind: 'group', title: 'ops' };
const alert: Alert = {
  eventId: 'evt-1',
  coin: { id: 'bitcoin', symbol: 'btc', name: 'Bitcoin' },
  severity: 'medium',
  headline: 'Identity change',
  items: [{ kind: 'identity', field: 'name', old: 'Bitcoin', new: 'Bitcoin Core' }],
  coingeckoUrl: 'https://www.coingecko.com/en/coins/bitcoin',
};

describe('Slack sending', () => {
  let fake: SlackFake;
  let adapter: PlatformAdapter;
  let lines: string[];

  async function setUp(token?: string) {
    fake = await new SlackFake().listen();
    const logger = memoryLogger();
    lines = logger.lines;
    adapter = createSlackAdapter({ token: token ?? fake.token, signingSecret: SIGNING_SECRET, apiUrl: fake.apiUrl, allowedUsers: [], log: logger.log });
  }
  afterEach(() => fake?.close());

  const failWith = async (...failures: SlackFailure[]) => {
    for (const failure of failures) fake.failNext(chat.platformChatId, failure);
    return adapter.send(chat, alert);
  };

  it('posts Block Kit with a fallback text and no link unfurling, authenticated with the bot token', async () => {
    await setUp();
    expect(await adapter.send(chat, alert)).toEqual({ kind: 'sent' });
    const [message] = fake.alerts(chat.platformChatId);
    expect(message).toMatchObject({
      channel: 'C0OPS',
      text: '⚠️ Identity change: Bitcoin (BTC) · 1 change · https://www.coingecko.com/en/coins/bitcoin',
      unfurl_links: 'false',
      unfurl_media: 'false',
    });
    expect(message!.blocks).toContainEqual({ type: 'header', text: { type: 'plain_text', text: '⚠️ Identity change: Bitcoin', emoji: false } });
    expect(fake.calls.every((c) => c.authorized)).toBe(true);
  });

  it('returns retry after the Retry-After of a 429, without waiting itself', async () => {
    await setUp();
    const started = Date.now();
    expect(await failWith({ kind: 'rate_limited', retryAfterSeconds: 30 })).toEqual({
      kind: 'retry',
      error: 'rate limited (retry after 30s)',
      afterMs: 30_000,
    });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(fake.attempts(chat.platformChatId)).toHaveLength(1);
  });

  it('returns a plain retry for a 429 without a usable Retry-After', async () => {
    await setUp();
    const outcome = await failWith({ kind: 'rate_limited' });
    expect(outcome).toMatchObject({ kind: 'retry' });
    expect(outcome).not.toHaveProperty('afterMs');
  });

  for (const error of ['channel_not_found', 'is_archived', 'not_in_channel', 'account_inactive']) {
    it(`reports the chat gone on ${error}`, async () => {
      await setUp();
      expect(await failWith({ kind: 'error', error })).toEqual({ kind: 'chat_gone', reason: error });
    });
  }

  for (const error of ['invalid_auth', 'not_authed', 'token_revoked']) {
    it(`reports Slack down for us on ${error}`, async () => {
      await setUp();
      expect(await failWith({ kind: 'error', error })).toEqual({ kind: 'platform_down', error: `${error}: Slack refused SLACK_BOT_TOKEN` });
    });
  }

  it('reports Slack down when the token is wrong, and never logs the token', async () => {
    await setUp('xoxb-wrong-token');
    expect(await adapter.send(chat, alert)).toMatchObject({ kind: 'platform_down', error: expect.stringContaining('invalid_auth') });
    const started = adapter.start?.(directIntake(IGNORED_COMMANDS));
    await expect(started).rejects.toBeInstanceOf(PlatformUnauthorizedError);
    await expect(started).rejects.toThrow('Slack refused the bot token (invalid_auth); check SLACK_BOT_TOKEN');
    expect(lines.join('\n')).not.toContain('xoxb-wrong-token');
  });

  it('says which workspace it reached at start', async () => {
    await setUp();
    await adapter.start?.(directIntake(IGNORED_COMMANDS));
    expect(lines.some((line) => line.includes('slack ready') && line.includes('coinsentry-test'))).toBe(true);
  });

  it('dead-letters a message Slack refuses for its content', async () => {
    await setUp();
    expect(await failWith({ kind: 'error', error: 'invalid_blocks' })).toEqual({ kind: 'rejected', error: 'invalid_blocks' });
    expect(await failWith({ kind: 'error', error: 'msg_blocks_too_long' })).toEqual({ kind: 'rejected', error: 'msg_blocks_too_long' });
  });

  it("retries Slack's own ok:false troubles", async () => {
    await setUp();
    expect(await failWith({ kind: 'error', error: 'internal_error' })).toEqual({ kind: 'retry', error: 'internal_error' });
  });

  it('rides out a single 5xx inside the client, then leaves further retries to the outbox', async () => {
    await setUp();
    expect(await failWith({ kind: 'http', status: 503 })).toEqual({ kind: 'sent' });
    expect(fake.attempts(chat.platformChatId)).toHaveLength(2);
    expect(await failWith({ kind: 'http', status: 500 }, { kind: 'http', status: 502 })).toMatchObject({ kind: 'retry', error: expect.stringContaining('HTTP 502') });
  });

  it('returns retry when the connection drops', async () => {
    await setUp();
    expect(await failWith({ kind: 'drop' }, { kind: 'drop' })).toMatchObject({ kind: 'retry', error: expect.stringMatching(/^network: /) });
  });

  it('returns retry when Slack cannot be reached at all', async () => {
    await setUp();
    await fake.close();
    expect(await adapter.send(chat, alert)).toMatchObject({ kind: 'retry', error: expect.stringMatching(/^network: /) });
  });
});
