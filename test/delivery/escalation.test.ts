// Escalation (ESCALATE_AFTER_MINUTES) end to end on Telegram: the real grammY adapter against the fake Bot API, the
// real app, SQLite file and dispatcher, on an injected clock. An unacknowledged migration alert is sent once more with
// the chat's on-call mention — also when the process restarts between the alert and its reminder — an acknowledged
// one is not, a mute does not hide the reminder, and acknowledging the reminder acknowledges the alert.
import { afterEach, describe, expect, it } from 'vitest';
import { createBot, type Bot } from '../../src/bot.js';
import { openDatabase, type Db } from '../../src/db/open-database.js';
import { createTelegramAdapter } from '../../src/platforms/telegram/telegram-adapter.js';
import { TelegramFake, type FakeChat, type SentMessage } from '../fakes/telegram-fake.js';
import { NOW_MS, memoryLogger, signed, tempDb, testConfig, type TempDb } from '../support/harness.js';

const ADMIN = { id: 31, first_name: 'Ada' };
const group: FakeChat = { id: -1003001, type: 'supergroup', title: 'On-call' };
const MINUTE = 60_000;

const migration = (id: string, name: string) =>
  JSON.stringify({
    event_type: 'cg.coin.info.updated',
    data: {
      id,
      symbol: id.slice(0, 3),
      name,
      changes: [{ field: 'platforms.ethereum', change_type: 'update', old_value: `0x${'1'.repeat(40)}`, new_value: `0x${'2'.repeat(40)}` }],
    },
  });

async function waitFor(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('escalation of unacknowledged high-severity alerts', () => {
  let fake: TelegramFake;
  let store: TempDb;
  let bot: Bot | undefined;
  let db: Db | undefined;
  let now = NOW_MS;

  afterEach(async () => {
    await bot?.stop();
    bot = undefined;
    db?.$client.close();
    db = undefined;
    await fake.close();
    store.cleanup();
  });

  /** One process: a bot on `database`, on the test's clock, as main.ts would start it with ESCALATE_AFTER_MINUTES=15. */
  async function startProcess(database: Db): Promise<Bot> {
    const { log } = memoryLogger();
    const adapter = createTelegramAdapter({ token: fake.token, apiRoot: fake.apiRoot, log });
    const instance = createBot({
      db: database,
      config: testConfig({ ESCALATE_AFTER_MINUTES: '15' }),
      log,
      adapters: [adapter],
      clock: () => now,
      sweepMs: 100,
      escalationIntervalMs: 3600_000,
    });
    await instance.start();
    return instance;
  }

  const alerts = () => fake.alerts(group.id);
  const about = (name: string) => alerts().filter((m) => m.text.includes(`<b>${name}</b> (`));
  const ackPayload = (message: SentMessage) => message.reply_markup?.inline_keyboard.flat().find((b) => b.text === 'Acknowledge')?.callback_data ?? '';

  it('re-sends an unacknowledged migration once with the on-call mention, across a restart; an acknowledged one never', async () => {
    fake = await new TelegramFake().listen();
    fake.memberStatus.set(ADMIN.id, 'administrator');
    store = tempDb();
    now = NOW_MS;
    bot = await startProcess(store.db);
    await fake.say(group, '/watch bitcoin ethereum', ADMIN);
    await fake.say(group, '/mention @oncall_desk', ADMIN);
    // A mute of the whole chat: it never hides a high-severity alert, nor its reminder.
    await fake.say(group, '/mute 1d', ADMIN);
    for (const [id, name] of [['bitcoin', 'Bitcoin'], ['ethereum', 'Ether']] as const) {
      const res = await bot.app.request('/webhooks/coingecko', signed(migration(id, name), { timestamp: String(now / 1000) }));
      expect(await res.json()).toMatchObject({ deliveries: 1 });
    }
    await waitFor(() => alerts().length === 2);
    await bot.dispatcher.idle();
    expect(alerts().every((m) => m.text.includes('🔔 @oncall_desk'))).toBe(true);

    // Ether's alert is acknowledged within the quarter hour; Bitcoin's is not.
    now += 5 * MINUTE;
    expect((await fake.press(about('Ether')[0]!, ackPayload(about('Ether')[0]!), ADMIN, group)).text).toMatch(/^Acknowledged/);
    now += 9 * MINUTE;
    expect(bot.escalation.runNow()).toBe(0);

    // The process stops and a new one opens the same database file.
    await bot.stop();
    store.db.$client.close();
    db = openDatabase(store.path);
    now += 2 * MINUTE;
    bot = await startProcess(db);
    expect(bot.escalation.runNow()).toBe(1);
    await waitFor(() => alerts().length === 3);
    await bot.dispatcher.idle();
    const reminder = alerts()[2]!;
    expect(reminder.text).toContain('🔔 @oncall_desk');
    expect(reminder.text).toContain('⏰ Not acknowledged for 15 min: Contract migration');
    expect(reminder.text).toContain('<b>Bitcoin</b>');
    expect(about('Ether')).toHaveLength(1);
    expect(await bot.metrics.registry.getSingleMetricAsString('coinsentry_escalations_total')).toContain('coinsentry_escalations_total{platform="telegram"} 1');

    // Never twice: not on the next run, not an hour later, not after another restart.
    expect(bot.escalation.runNow()).toBe(0);
    now += 60 * MINUTE;
    expect(bot.escalation.runNow()).toBe(0);
    await bot.stop();
    bot = await startProcess(db);
    expect(bot.escalation.runNow()).toBe(0);
    await bot.dispatcher.idle();
    expect(alerts()).toHaveLength(3);

    // Acknowledging the reminder acknowledges the alert: its own button then says so.
    expect((await fake.press(reminder, ackPayload(reminder), ADMIN, group)).text).toMatch(/^Acknowledged/);
    expect(reminder.text).toContain('✅ Acknowledged by Ada at');
    const original = about('Bitcoin')[0]!;
    expect((await fake.press(original, ackPayload(original), ADMIN, group)).text).toMatch(/^Already acknowledged by Ada/);
    expect(original.text).toContain('✅ Acknowledged by Ada at');
    expect(original.reply_markup?.inline_keyboard).toEqual([]);
    const rows = db.$client.prepare('select reminder_of is not null as reminder, acked_by as "by" from deliveries order by id').all();
    expect(rows).toEqual([
      { reminder: 0, by: 'Ada' },
      { reminder: 0, by: 'Ada' },
      { reminder: 1, by: null },
    ]);
    const histogram = await bot.metrics.registry.getSingleMetricAsString('coinsentry_time_to_acknowledge_seconds');
    expect(histogram).toContain('coinsentry_time_to_acknowledge_seconds_count{platform="telegram"} 1');
  });
});
