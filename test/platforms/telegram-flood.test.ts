// Command replies share Telegram's message budget with alerts: a flood of commands against a fake Bot API that enforces
// 30 messages a second and one a second per chat gets every reply delivered without a 429 left unanswered, while the
// alerts of a webhook still leave at their pace (they take turns with the replies, never wait for the whole flood).
import { afterEach, describe, expect, it } from 'vitest';
import { createBot, type Bot } from '../../src/bot.js';
import { applySubscriptionChanges, ensureChat } from '../../src/db/chats.js';
import { createTelegramAdapter } from '../../src/platforms/telegram/telegram-adapter.js';
import { TelegramFake, type FakeChat } from '../fakes/telegram-fake.js';
import { memoryLogger, signed, tempDb, testConfig, type TempDb } from '../support/harness.js';

let fake: TelegramFake;
let store: TempDb;
let bot: Bot | undefined;

afterEach(async () => {
  await bot?.stop();
  bot = undefined;
  await fake.close();
  store.cleanup();
});

/** A bot with Telegram's own pacing (30/s overall, one message a second per chat), every chat open. */
async function startBot(): Promise<{ lines: string[] }> {
  fake = await new TelegramFake().listen();
  fake.enforceLimits({ perSecond: 30, perChatMs: 1000 });
  store = tempDb();
  const { log, lines } = memoryLogger();
  const adapter = createTelegramAdapter({ token: fake.token, apiRoot: fake.apiRoot, log });
  bot = createBot({ db: store.db, config: testConfig({ CHAT_ACCESS: 'open' }), log, adapters: [adapter], sweepMs: 100 });
  await bot.start();
  return { lines };
}

const rename = JSON.stringify({
  event_type: 'cg.coin.info.updated',
  data: { id: 'bitcoin', symbol: 'btc', name: 'Bitcoin 2', changes: [{ field: 'name', change_type: 'update', old_value: 'Bitcoin', new_value: 'Bitcoin 2' }] },
});
const postRename = () => bot!.app.request('/webhooks/coingecko', signed(rename, { timestamp: String(Math.floor(Date.now() / 1000)) }));

describe('command replies under a flood', () => {
  it('answers 600 commands from 600 chats with no 429 left unanswered, while a fan-out to 40 chats keeps its turn', async () => {
    await startBot();
    const watching = Array.from({ length: 40 }, (_, i) => {
      const chat = ensureChat(store.db, { platform: 'telegram', platformChatId: String(5000 + i), kind: 'private' });
      applySubscriptionChanges(store.db, chat.id, [{ coinId: 'bitcoin', field: '*' }], []);
      return String(5000 + i);
    });
    const flooding: FakeChat[] = Array.from({ length: 600 }, (_, i) => ({ id: 20_000 + i, type: 'private' }));
    for (const chat of flooding) fake.type(chat, '/help', { id: chat.id, first_name: 'U' });
    expect(await (await postRename()).json()).toMatchObject({ deliveries: 40 });

    const answered = () => new Set(fake.sent.filter((m) => m.parse_mode === undefined).map((m) => m.chat_id)).size;
    const alerted = () => watching.filter((id) => fake.alerts(id).length > 0).length;
    await expect.poll(() => answered() + alerted(), { timeout: 60_000, interval: 200 }).toBe(640);

    expect(fake.tooMany).toBe(0);
    expect(watching.every((id) => fake.alerts(id).length === 1)).toBe(true);
    // Turn about: the 40 alerts went out among the first replies, not after all 600.
    const order = fake.sent.map((m) => (m.parse_mode === 'HTML' ? 'alert' : 'reply'));
    const lastAlert = order.lastIndexOf('alert');
    expect(order.slice(0, lastAlert).filter((kind) => kind === 'reply').length).toBeLessThan(120);
    const replies = bot!.metrics.registry.getSingleMetric('coinsentry_replies_total');
    expect((await replies!.get()).values).toContainEqual(expect.objectContaining({ labels: { platform: 'telegram', result: 'sent' }, value: 600 }));
  }, 90_000);

  it('waits out a 429 on a reply and sends it again', async () => {
    const { lines } = await startBot();
    const dm: FakeChat = { id: 7001, type: 'private' };
    fake.failNext(dm.id, { error_code: 429, description: 'Too Many Requests: retry after 1', parameters: { retry_after: 1 } });
    const typedAt = performance.now();
    expect(await fake.say(dm, '/list')).toContain('watches nothing');
    expect(performance.now() - typedAt).toBeGreaterThanOrEqual(1000);
    expect(fake.calls.filter((c) => c.method === 'sendMessage')).toHaveLength(2);
    expect(lines.join('\n')).not.toContain('could not be delivered');
  });
});
