// One contract every platform adapter passes, each through its fake platform server on 127.0.0.1 with the real client
// library: every command the platform advertises answers and takes effect through its real intake, in every kind of
// chat and for people who may and may not change settings; a signed webhook yields exactly one alert (from CoinGecko,
// and from CEXPing for the listings of one exchange); hostile payload text stays inert; and each platform answer to a
// send becomes the outcome DESIGN.md §5 promises.
import { afterEach, describe, expect, it } from 'vitest';
import { createBot, type Bot } from '../../src/bot.js';
import { composeAlert } from '../../src/core/alert.js';
import { CHAT_COMMANDS, HANDLED_NAMES, changesSettings, findCommand, openCommands, type CommandForm, type CommandName } from '../../src/core/commands.js';
import type { Logger } from '../../src/logger.js';
import type { ChatRef, PlatformAdapter, SendOutcome } from '../../src/platforms/port.js';
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
  /** Our own plain-text notices (see `sendNotice`) the fake received for a chat, as the user reads them. */
  notices(platformChatId: string): string[];
  /** Fails if `hostile` could act as markup, a link or a mention in `alert`. */
  assertInert(alert: unknown, hostile: string): void;
  /** Makes the fake answer the next alert to the chat with a rate limit or with the platform's "chat is gone" error. */
  failNextAlert(platformChatId: string, failure: FailureKind): void;
  close(): Promise<void>;

  /** The command names the platform was told to show users (its menu, registered commands or app manifest), read back from the fake. */
  advertised(): string[];
  /**
   * The kinds of chat and sender the real intake is exercised in. Empty when the adapter has no intake of its own
   * (the console sink), with `noIntake` saying why: those checks are then skipped, visibly.
   */
  contexts: IntakeContext[];
  noIntake?: string;
  /** A role or user mention `/mention` accepts on this platform, as the user types it. */
  mention: string;
  /** Each platform answer to a send and the outcome it must become; `impossible` names outcomes the platform cannot produce, and why. */
  sendAnswers: SendAnswer[];
  impossible?: Partial<Record<SendOutcome['kind'], string>>;
  /** Alert buttons through the platform's real intake; absent with `noButtons` saying why. */
  buttons?: ButtonHarness;
  noButtons?: string;
}

/** A chat where alerts with buttons arrive, and presses of those buttons by a manager and by someone who is not. */
export interface ButtonHarness {
  /** A group chat (where managing is a right some members lack). */
  chat: ChatRef;
  /** Types a command there as a manager; resolves with the reply. */
  command(text: string, bot: Pick<Bot, 'app'>): Promise<string>;
  /** The name the platform gives the manager who presses (shown on the message). */
  managerName: string;
  /** The buttons under a message as it reads now (label and payload). */
  buttons(message: unknown): Array<{ label: string; payload: string }>;
  /** The text of a message as it reads now, as a user sees it. */
  text(message: unknown): string;
  /** Presses the button carrying `payload` under `message`; resolves with the short answer the presser sees. */
  press(message: unknown, payload: string, asManager: boolean, bot: Pick<Bot, 'app'>): Promise<string>;
}

export interface IntakeContext {
  /** `private chat`, `group, administrator`, `channel, member without Manage Channels`, … */
  label: string;
  /** The chat the commands land in, to check their effect in the database. */
  platformChatId: string;
  /** Whether this sender may change the chat's settings. */
  manages: boolean;
  /** How commands read here (`/watch`, `/coinsentry watch`): replies name them that way. */
  form: CommandForm;
  /** How the reply to command `name` names commands, where that depends on how `name` was typed (default: `form`). */
  replyForm?: (name: string) => CommandForm;
  /** Whether aliases (`/start`) can be typed here; Discord only offers registered commands. */
  aliases: boolean;
  /**
   * Types command `name` with `args` through the platform's real intake; resolves with the reply as the user reads it,
   * or undefined when the platform cannot express that form (Discord will not send a command without its required option).
   */
  say(name: string, args: string, bot: Pick<Bot, 'app'>): Promise<string | undefined>;
}

export interface SendAnswer {
  /** What the platform answers, e.g. `429 with retry_after 3`. */
  answer: string;
  /** Makes the fake give that answer to the next send to the chat. */
  arrange(platformChatId: string): void;
  outcome: SendOutcome['kind'];
}

export type HarnessFactory = (context: { log: Logger }) => Promise<ContractHarness>;

const OUTCOME_KINDS: ReadonlyArray<SendOutcome['kind']> = ['sent', 'retry', 'chat_gone', 'chat_moved', 'rejected', 'platform_down'];

/** One step of the tour of every command: what a manager sees, and what it must have changed. */
interface Step {
  name: CommandName | 'start';
  args: string;
  reply: RegExp;
  /** The reply to someone who may not change settings, where it differs (they could not /watch first). */
  asMember?: RegExp;
  effect?: (state: ChatState) => void;
}

interface ChatState {
  subscriptions: string[];
  mention: string | null;
  mutes: string[];
}

/**
 * Every declared command, with and without arguments where both mean something, in an order where each step sees the
 * one before. A command added to src/core/commands.ts fails the suite until it has a step here.
 */
function tour(mention: string): Step[] {
  return [
    { name: 'help', args: '', reply: /coinsentry/ },
    { name: 'start', args: '', reply: /coinsentry/ },
    { name: 'watch', args: 'bitcoin public_notices', reply: /Watching .*bitcoin/, effect: (s) => expect(s.subscriptions).toEqual(['bitcoin:public_notices']) },
    { name: 'watch', args: '', reply: /^Usage: / },
    { name: 'list', args: '', reply: /watches \(1 subscription\):\n• bitcoin: public_notices/, asMember: /watches nothing yet/ },
    { name: 'list', args: 'bitcoin', reply: /subscriptions about bitcoin \(1 of 1\)/, asMember: /None of this chat's 0 subscriptions is about bitcoin/ },
    { name: 'mention', args: mention, reply: /will ping/, effect: (s) => expect(s.mention).not.toBeNull() },
    { name: 'mention', args: '', reply: /alerts here ping .*\. .*mention off stops that/, asMember: /alerts here ping nobody/ },
    { name: 'mute', args: '2h categories', reply: /Muted categories/, effect: (s) => expect(s.mutes).toEqual(['field:categories']) },
    { name: 'mute', args: 'forever', reply: /not a duration/ },
    { name: 'recent', args: '', reply: /No alerts for this chat yet|The last 10 alerts/ },
    { name: 'recent', args: 'bitcoin 5', reply: /Nothing recorded for bitcoin yet|The last 5 recorded changes of bitcoin/ },
    // Without COINGECKO_API_KEY (as here) /coin says what it needs; test/platforms/coin-resolution.test.ts runs it with one.
    { name: 'coin', args: 'tether', reply: /coin needs the CoinGecko API: the admin sets COINGECKO_API_KEY/ },
    { name: 'unmute', args: 'categories', reply: /Unmuted categories/, effect: (s) => expect(s.mutes).toEqual([]) },
    { name: 'mention', args: 'off', reply: /no longer ping/, effect: (s) => expect(s.mention).toBeNull() },
    { name: 'unwatch', args: 'bitcoin', reply: /Stopped watching bitcoin/, effect: (s) => expect(s.subscriptions).toEqual([]) },
    { name: 'unwatch', args: 'all', reply: /watches nothing|Removed all/ },
  ];
}


const HOSTILE = 'Evil <b>x</b> &amp; @everyone @here <!channel> <https://evil.example|click> *b* _i_ `c` [l](https://evil.example)';

/** A contract migration of bitcoin on ethereum: a high-severity alert, with Mute 1d, Unwatch and Acknowledge. */
function migrationEvent(): string {
  return JSON.stringify({
    event_type: 'cg.coin.info.updated',
    data: {
      id: 'bitcoin',
      symbol: 'btc',
      name: 'Bitcoin',
      changes: [{ field: 'platforms.ethereum', change_type: 'update', old_value: '0x1111111111111111111111111111111111111111', new_value: '0x2222222222222222222222222222222222222222' }],
    },
  });
}

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

    it('sends an admin\'s notice as the plain text it is, pinging no one', async () => {
      await setUp();
      const text = `coinsentry no longer serves this chat: ${HOSTILE}`;
      expect(await harness.adapter.sendNotice(harness.chat, text)).toEqual({ kind: 'sent' });
      expect(harness.notices(harness.chat.platformChatId)).toEqual([text]);
    });

    it('advertises exactly the declared commands', async () => {
      await setUp();
      expect([...harness.advertised()].sort()).toEqual(CHAT_COMMANDS.map((c) => c.name).sort());
    });

    it('answers every advertised command through the real intake, and each takes effect, in every kind of chat', async (test) => {
      await setUp();
      if (harness.contexts.length === 0) {
        test.skip(`no intake: ${harness.noIntake ?? 'unexplained'}`);
        return;
      }
      const steps = tour(harness.mention);
      for (const name of harness.advertised()) expect(steps.map((s) => s.name), `no step runs /${name}`).toContain(name);
      for (const name of HANDLED_NAMES) expect(steps.map((s) => s.name), `no step runs /${name}`).toContain(name);

      for (const context of harness.contexts) {
        for (const step of steps) {
          if (step.name === 'start' && !context.aliases) continue;
          const where = `${context.label}: ${context.form(step.name)} ${step.args}`.trim();
          const before = chatState(context.platformChatId);
          const reply = await context.say(step.name, step.args, bot);
          if (reply === undefined) continue;
          const refused = !context.manages && changesSettings(findCommand(step.name)!, step.args) && !step.reply.source.startsWith('^Usage') && !/not a duration/.test(step.reply.source);
          if (refused) {
            expect(reply, where).toContain("can change this chat's settings");
            expect(reply, where).toContain(`Anyone can use ${openCommands(context.form)}`);
            expect(chatState(context.platformChatId), `${where} changed something`).toEqual(before);
            continue;
          }
          expect(reply, where).toMatch(context.manages ? step.reply : (step.asMember ?? step.reply));
          if (step.name === 'help' || step.name === 'start') {
            const form = context.replyForm?.(step.name) ?? context.form;
            for (const name of harness.advertised()) expect(reply, `${where} does not list ${name}`).toContain(form(name));
          }
          if (context.manages) step.effect?.(chatState(context.platformChatId));
        }
      }
    });

    it('maps every platform answer to a send to its outcome', async () => {
      await setUp();
      const covered = new Set([...harness.sendAnswers.map((a) => a.outcome), ...Object.keys(harness.impossible ?? {})]);
      expect([...covered].sort(), 'every outcome is produced by some answer, or said to be impossible').toEqual([...OUTCOME_KINDS].sort());
      const alert = composeAlert({
        eventId: 'evt-outcomes',
        coin: { id: 'bitcoin', symbol: 'btc', name: 'Bitcoin' },
        changes: [{ field: 'name', changeType: 'update', oldValue: '"Bitcoin"', newValue: '"Bitcoin Core"' }],
      });
      for (const { answer, arrange, outcome } of harness.sendAnswers) {
        arrange(harness.chat.platformChatId);
        expect((await harness.adapter.send(harness.chat, alert)).kind, answer).toBe(outcome);
      }
    });

    /** The alert with buttons: `/watch bitcoin` in the button chat, then a migration. */
    async function alertWithButtons(): Promise<{ buttons: ButtonHarness; message: unknown; payload: (label: string) => string; labels: () => string[] } | undefined> {
      const buttons = harness.buttons;
      if (!buttons) return undefined;
      expect(await buttons.command('/watch bitcoin', bot)).toContain('Watching bitcoin');
      await post(migrationEvent());
      await waitFor(() => harness.alerts(buttons.chat.platformChatId).length === 1);
      await bot.dispatcher.idle();
      const message = harness.alerts(buttons.chat.platformChatId)[0];
      const labels = () => buttons.buttons(message).map((b) => b.label);
      const payload = (label: string) => {
        const found = buttons.buttons(message).find((b) => b.label === label);
        if (!found) throw new Error(`no button ${label} under the alert: ${labels().join(', ')}`);
        return found.payload;
      };
      return { buttons, message, payload, labels };
    }

    it('acts from the alert: Mute 1d, Unwatch (confirmed by a second tap), Acknowledge, each changing the message', async (test) => {
      await setUp();
      const shown = await alertWithButtons();
      if (!shown) return test.skip(`no buttons: ${harness.noButtons ?? 'unexplained'}`);
      const { buttons, message, payload, labels } = shown;
      const chatId = buttons.chat.platformChatId;
      const name = buttons.managerName;
      expect(labels()).toEqual(['Mute 1d', 'Unwatch', 'Acknowledge']);

      expect(await buttons.press(message, payload('Mute 1d'), true, bot)).toMatch(/Muted bitcoin for 1 d/);
      expect(chatState(chatId).mutes).toEqual(['coin:bitcoin']);
      expect(labels()).toEqual(['Unwatch', 'Acknowledge']);
      expect(buttons.text(message)).toContain(`bitcoin muted here for 1 day by ${name}`);

      expect(await buttons.press(message, payload('Unwatch'), true, bot)).toMatch(/Tap “Confirm unwatch” to stop this chat's alerts for bitcoin/);
      expect(chatState(chatId).subscriptions).toEqual(['bitcoin:*']);
      expect(labels()).toEqual(['Confirm unwatch', 'Acknowledge']);
      expect(await buttons.press(message, payload('Confirm unwatch'), true, bot)).toMatch(/Stopped watching bitcoin/);
      expect(chatState(chatId).subscriptions).toEqual([]);
      expect(buttons.text(message)).toContain(`${name} stopped watching bitcoin here`);

      const ack = payload('Acknowledge');
      expect(await buttons.press(message, ack, true, bot)).toMatch(/^Acknowledged/);
      expect(labels()).toEqual([]);
      expect(buttons.text(message)).toMatch(new RegExp(`✅ Acknowledged by ${name} at \\d\\d:\\d\\d UTC`));
      expect(store.db.$client.prepare('select acked_by as "by", acked_via as via from deliveries').get()).toEqual({ by: name, via: harness.adapter.platform });
      expect(await buttons.command('/recent', bot)).toMatch(new RegExp(`acknowledged by ${name}`));
      const presses = await bot.metrics.registry.getSingleMetricAsString('coinsentry_button_presses_total');
      expect(presses).toContain('action="acknowledge",outcome="done"} 1');
    });

    it('refuses a press from someone who may not change settings, and changes nothing', async (test) => {
      await setUp();
      const shown = await alertWithButtons();
      if (!shown) return test.skip(`no buttons: ${harness.noButtons ?? 'unexplained'}`);
      const { buttons, message, payload, labels } = shown;
      const before = chatState(buttons.chat.platformChatId);
      for (const label of ['Mute 1d', 'Unwatch', 'Acknowledge']) {
        expect(await buttons.press(message, payload(label), false, bot), label).toMatch(/^Only .+ can use these buttons\.$/);
      }
      expect(chatState(buttons.chat.platformChatId)).toEqual(before);
      expect(labels()).toEqual(['Mute 1d', 'Unwatch', 'Acknowledge']);
      expect(store.db.$client.prepare('select acked_at from deliveries').get()).toEqual({ acked_at: null });
    });

    it('answers an unknown or expired button with "expired", and acts once on a double press', async (test) => {
      await setUp();
      const shown = await alertWithButtons();
      if (!shown) return test.skip(`no buttons: ${harness.noButtons ?? 'unexplained'}`);
      const { buttons, message, payload, labels } = shown;
      expect(await buttons.press(message, 'cs:AAAAAAAAAAAA', true, bot)).toMatch(/This button has expired/);
      store.db.$client.prepare("update alert_buttons set expires_at = 0 where action = 'mute1d'").run();
      expect(await buttons.press(message, payload('Mute 1d'), true, bot)).toMatch(/This button has expired/);
      expect(chatState(buttons.chat.platformChatId).mutes).toEqual([]);

      const ack = payload('Acknowledge');
      const toasts = await Promise.all([buttons.press(message, ack, true, bot), buttons.press(message, ack, true, bot)]);
      expect(toasts.filter((t) => /^Acknowledged/.test(t)), toasts.join(" / ")).toHaveLength(1);
      expect(toasts.filter((t) => /^Already acknowledged by /.test(t))).toHaveLength(1);
      expect(labels()).toEqual([]);
      expect(store.db.$client.prepare('select count(*) as n from deliveries where acked_at is not null').get()).toEqual({ n: 1 });
    });

    /** A chat's settings as stored, to check what a command did (or did not) change. */
    function chatState(platformChatId: string): ChatState {
      const sql = store.db.$client;
      const chat = sql.prepare('select id, ops_mention from chats where platform_chat_id = ?').get(platformChatId) as { id: number; ops_mention: string | null } | undefined;
      if (!chat) return { subscriptions: [], mention: null, mutes: [] };
      const subscriptions = sql.prepare("select coin_id || ':' || field as s from subscriptions where chat_id = ? order by 1").pluck().all(chat.id) as string[];
      const mutes = sql.prepare("select kind || ':' || target from mutes where chat_id = ? and until > ? order by 1").pluck().all(chat.id, Date.now()) as string[];
      return { subscriptions, mention: chat.ops_mention, mutes };
    }
  });
}
