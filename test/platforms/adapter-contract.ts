// One contract every platform adapter passes, each through its fake platform server on 127.0.0.1 with the real client
// library: a command subscribes the chat, a signed webhook yields exactly one alert there (from CoinGecko, and from
// CEXPing for the listings of one exchange), hostile payload text stays inert, and rate-limit / permanent-failure
// answers have the outcomes DESIGN.md §5 promises.
import { afterEach, describe, expect, it } from 'vitest';
import { createBot, type Bot } from '../../src/bot.js';
import type { Logger } from '../../src/logger.js';
import type { ChatRef, PlatformAdapter } from '../../src/platforms/port.js';
import { cexpingBody, memoryLogger, signed, signedCexping, tempDb, testConfig, type TempDb } from '../support/harness.js';

export type FailureKind = { kind: 'rate_limited'; retryAfterSeconds: number } | { kind: 'chat_gone' };

export interface ContractHarness {
  /** The real adapter, pointed at the fake server. */
  adapter: PlatformAdapter;
  /** The chat commands come from and alerts go to. */
  chat: ChatRef;
  /**
   * Sends `text` (e.g. `/watch bitcoin`) from someone allowed to manage the chat, through the platform's real intake
   * (polling, gateway, an HTTP request to `bot.app`, or — for the console sink, which has no intake — `bot.commands`),
   * and resolves with the reply the user sees, as plain text.
   */
  command(text: string, bot: Pick<Bot, 'app' | 'commands'>): Promise<string>;
  /** The alert messages the fake received for a chat, as the raw JSON bodies the client library sent. */
  alerts(platformChatId: string): unknown[];
  /** Fails if `hostile` could act as markup, a link or a mention in `alert`. */
  assertInert(alert: unknown, hostile: string): void;
  /** Makes the fake answer the next alert to the chat with a rate limit or with the platform's "chat is gone" error. */
  failNextAlert(platformChatId: string, failure: FailureKind): void;
  close(): Promise<void>;
}

export type HarnessFactory = (context: { log: Logger }) => Promise<ContractHarness>;

const HOSTILE = 'Evil <b>x</b> &amp; @everyone @here <!channel> <https://evil.example|click> *b* _i_ `c` [l](https://evil.example)';

function bitcoinEvent(name = 'Bitcoin'): string {
  return JSON.stringify({
    event_type: 'cg.coin.info.updated',
    data: {
      id: 'bitcoin',
      symbol: 'btc',
      name,
      changes: [{ field: 'name', change_type: 'update', old_value: 'Bitcoin', new_value: name }],
    },
  });
}

async function waitFor(check: () => boolean, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export function adapterContract(name: string, factory: HarnessFactory): void {
  describe(`${name} adapter contract`, () => {
    let store: TempDb;
    let harness: ContractHarness;
    let bot: Bot;

    async function setUp() {
      store = tempDb();
      const { log } = memoryLogger();
      harness = await factory({ log });
      bot = createBot({
        db: store.db,
        config: testConfig(),
        log,
        adapters: [harness.adapter],
        sweepMs: 200,
      });
      await bot.start();
    }

    afterEach(async () => {
      await bot?.stop();
      await harness?.close();
      store?.cleanup();
    });

    // The dispatcher runs on the real clock here (retries wait for real), so webhooks are signed with the current time.
    const post = (body: string) =>
      bot.app.request('/webhooks/coingecko', signed(body, { timestamp: String(Math.floor(Date.now() / 1000)) }));
    const postListing = (exchange: string) =>
      bot.app.request('/webhooks/cexping', signedCexping(cexpingBody('new-listing', { exchange, timestamp: Math.floor(Date.now() / 1000) })));

    it('subscribes by command, then delivers exactly one alert for a matching webhook', async () => {
      await setUp();
      expect(await harness.command('/watch bitcoin', bot)).toContain('Watching bitcoin');
      const res = await post(bitcoinEvent('Bitcoin Core'));
      expect(await res.json()).toMatchObject({ deliveries: 1 });
      await waitFor(() => harness.alerts(harness.chat.platformChatId).length === 1);
      await bot.dispatcher.idle();
      expect(harness.alerts(harness.chat.platformChatId)).toHaveLength(1);
      expect(JSON.stringify(harness.alerts(harness.chat.platformChatId)[0])).toContain('Bitcoin Core');
      expect(await harness.command('/list', bot)).toContain('bitcoin');
    });

    it('delivers the listings of the one exchange the chat watches, and only those', async () => {
      await setUp();
      expect(await harness.command('/watch listings binance', bot)).toContain('Watching listings.binance for every coin');
      expect(await (await postListing('OKX')).json()).toMatchObject({ deliveries: 0 });
      expect(await (await postListing('Binance')).json()).toMatchObject({ deliveries: 1 });
      await waitFor(() => harness.alerts(harness.chat.platformChatId).length === 1);
      await bot.dispatcher.idle();
      const alerts = harness.alerts(harness.chat.platformChatId);
      expect(alerts).toHaveLength(1);
      for (const shown of ['New listing', 'Binance', 'PEPE2USDT', '87/100']) expect(JSON.stringify(alerts[0])).toContain(shown);
    });

    it('keeps hostile payload text inert', async () => {
      await setUp();
      await harness.command('/watch bitcoin', bot);
      await post(bitcoinEvent(HOSTILE));
      await waitFor(() => harness.alerts(harness.chat.platformChatId).length === 1);
      harness.assertInert(harness.alerts(harness.chat.platformChatId)[0], HOSTILE);
    });

    it('honours a rate limit and delivers after it', async () => {
      await setUp();
      await harness.command('/watch bitcoin', bot);
      harness.failNextAlert(harness.chat.platformChatId, { kind: 'rate_limited', retryAfterSeconds: 1 });
      const started = Date.now();
      await post(bitcoinEvent('Bitcoin Limited'));
      await waitFor(() => harness.alerts(harness.chat.platformChatId).length === 1);
      expect(Date.now() - started).toBeGreaterThanOrEqual(900);
      // Either the client library waited and retried itself (discord.js) or the outbox did (attempts = 2): one alert.
      await bot.dispatcher.idle();
      expect(store.db.$client.prepare('select status from deliveries').get()).toEqual({ status: 'sent' });
      expect(harness.alerts(harness.chat.platformChatId)).toHaveLength(1);
    });

    it('deactivates the chat on a permanent failure and stops sending there', async () => {
      await setUp();
      await harness.command('/watch bitcoin', bot);
      harness.failNextAlert(harness.chat.platformChatId, { kind: 'chat_gone' });
      await post(bitcoinEvent('Bitcoin Gone'));
      await waitFor(() => (store.db.$client.prepare('select active from chats').get() as { active: number }).active === 0);
      const chat = store.db.$client.prepare('select active, deactivated_reason from chats').get() as { deactivated_reason: string };
      expect(chat.deactivated_reason).toBeTruthy();
      expect(store.db.$client.prepare('select status from deliveries').get()).toEqual({ status: 'cancelled' });
      const again = await post(bitcoinEvent('Bitcoin Again'));
      expect(await again.json()).toMatchObject({ deliveries: 0 });
    });
  });
}
