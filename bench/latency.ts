// latency: webhook accepted (the app produced its 200, after the commit) → the platform API receiving sendMessage,
// on an idle bot: the real Telegram adapter (grammY) against a fake Bot API that stamps each request's arrival. One
// event at a time with idle gaps; each event names its own coin watched by its own chat, so Telegram's 1 msg/s per chat
// never delays a send. Baseline, interleaved: a bare HTTP POST from this process to the same fake (the floor for
// "one local HTTP request"). Why: DESIGN.md §1 promises the dispatcher is woken by the commit, not a polling timer.
import { applySubscriptionChanges, ensureChat } from '../src/db/chats.js';
import { startInProcessBot } from './in-process-bot.js';
import type { BenchContext, BenchResult, Benchmark } from './report.js';
import { coinUpdateBody, postWebhook } from './signed-webhooks.js';
import { median, percentile, round } from './stats.js';
import { TelegramApiFake, type FakeSend } from './telegram-api-fake.js';

const FIRST_CHAT = 700_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves with the arrival time of the next sendMessage to `chatId`. */
function nextSend(fake: TelegramApiFake, chatId: string, timeoutMs = 10_000): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      fake.onSend = undefined;
      reject(new Error(`no sendMessage for chat ${chatId} within ${timeoutMs} ms`));
    }, timeoutMs);
    fake.onSend = (send: FakeSend) => {
      if (send.chatId !== chatId) return;
      clearTimeout(timer);
      fake.onSend = undefined;
      resolve(send.arrivedAt);
    };
  });
}

async function run(ctx: BenchContext): Promise<BenchResult> {
  const perRound = ctx.quick ? 20 : 150;
  const rounds = 3;
  const gapMs = ctx.quick ? 50 : 100;
  const fake = await new TelegramApiFake({ perSecond: 30, perChatIntervalMs: 1000 }).listen();
  const total = perRound * rounds;
  const bot = await startInProcessBot({ token: fake.token, apiRoot: fake.apiRoot }, (db) => {
    for (let i = 0; i < total; i += 1) {
      const chat = ensureChat(db, { platform: 'telegram', platformChatId: String(FIRST_CHAT + i), kind: 'private' });
      applySubscriptionChanges(db, chat.id, [{ coinId: `latency-coin-${i}`, field: '*' }], []);
    }
  });
  try {
    const ours: number[][] = [];
    const floor: number[][] = [];
    const sendUrl = `${fake.apiRoot}/bot${fake.token}/sendMessage`;
    await sleep(500); // let the adapter's first getUpdates settle
    for (let r = 0; r < rounds; r += 1) {
      const oursRound: number[] = [];
      const floorRound: number[] = [];
      for (let k = 0; k < perRound; k += 1) {
        const i = r * perRound + k;
        const chatId = String(FIRST_CHAT + i);
        const eventId = `latency-${i}`;
        const arrived = nextSend(fake, chatId);
        const response = await postWebhook(bot.baseUrl, eventId, coinUpdateBody(`latency-coin-${i}`, i));
        if (response.status !== 200) throw new Error(`webhook answered ${response.status}: ${response.text}`);
        const accepted = bot.acceptedAt.get(eventId);
        if (accepted === undefined) throw new Error('the 200 was not stamped');
        oursRound.push((await arrived) - accepted);
        await sleep(gapMs);

        // The floor: one bare POST to the fake (a chat the bot never uses, spaced past the per-chat limit).
        const floorChat = String(-1 - i);
        const floorArrived = nextSend(fake, floorChat);
        const sentAt = performance.now();
        const bare = await fetch(sendUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ chat_id: floorChat, text: 'floor' }),
        });
        await bare.text();
        floorRound.push((await floorArrived) - sentAt);
        await sleep(gapMs);
      }
      ours.push(oursRound);
      floor.push(floorRound);
      ctx.say(
        `round ${r + 1}: accepted → sendMessage p50 ${round(percentile(oursRound, 50), 2)} ms, p99 ${round(percentile(oursRound, 99), 2)} ms, ` +
          `max ${round(Math.max(...oursRound), 2)} ms (floor p50 ${round(percentile(floorRound, 50), 2)} ms)`,
      );
    }
    const p50 = median(ours.map((s) => percentile(s, 50)));
    const p99 = median(ours.map((s) => percentile(s, 99)));
    const floorP50 = median(floor.map((s) => percentile(s, 50)));
    const floorP99 = median(floor.map((s) => percentile(s, 99)));
    const all = ours.flat();
    return {
      name: 'latency',
      title: 'webhook accepted → first sendMessage, idle',
      runs: `median over ${rounds} rounds of ${perRound} events each (${gapMs} ms idle gaps), percentiles per round`,
      bars: [
        {
          label: 'p50 accepted → API',
          measured: round(p50, 2),
          unit: 'ms',
          baseline: { label: 'bare POST to the fake', value: round(floorP50, 2) },
          ratio: round(p50 / floorP50, 2),
          target: '≤ 10 ms',
          met: p50 <= 10,
        },
        {
          label: 'p99 accepted → API',
          measured: round(p99, 2),
          unit: 'ms',
          baseline: { label: 'bare POST to the fake', value: round(floorP99, 2) },
          ratio: round(p99 / floorP99, 2),
          target: '≤ 50 ms',
          met: p99 <= 50,
        },
      ],
      figures: {
        samples: all.length,
        pooledMs: { p50: round(percentile(all, 50), 2), p90: round(percentile(all, 90), 2), p99: round(percentile(all, 99), 2), max: round(Math.max(...all), 2) },
        perRoundMs: ours.map((s) => ({ p50: round(percentile(s, 50), 2), p99: round(percentile(s, 99), 2) })),
        floorMs: { p50: round(floorP50, 2), p99: round(floorP99, 2) },
        tooManyRequests: fake.tooManyRequests,
      },
      notes: [],
    };
  } finally {
    await bot.close();
    await fake.close();
  }
}

export const latency: Benchmark = { name: 'latency', title: 'webhook accepted → first platform API request, idle', run };
