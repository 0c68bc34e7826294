// latency: webhook request → the platform API receiving sendMessage, on an idle server: the real server as `npm start`
// runs it (dist/main.js, a child process) with the real Telegram adapter pointed at a fake Bot API in this process
// that stamps each request's arrival and enforces Telegram's limits (30 msg/s, 1 msg/s per chat). 1,000 events (100
// with --quick), one at a time with idle gaps; each names its own coin watched by its own chat, so the per-chat limit
// never delays a send. Both ends of each figure are stamped by this process's clock: when the webhook request is sent
// (its arrival at the server, plus a loopback hop) and when sendMessage reaches the fake.
// Baseline, interleaved: a bare HTTP POST from this process to the same fake (the floor for one local HTTP request).
// Why: DESIGN.md §1 promises the dispatcher is woken by the commit, not a polling timer.
import { join } from 'node:path';
import { openDatabase } from '../src/db/open-database.js';
import { makeTempDir, removeTempDir, startMain, telegramServerEnv, type MainProcess } from './child-processes.js';
import type { BenchContext, BenchResult, Benchmark } from './report.js';
import { bulkChats, insertChats, insertSubscriptions } from './seed.js';
import { coinUpdateBody, postWebhook } from './signed-webhooks.js';
import { percentile, round } from './stats.js';
import { TelegramApiFake, type FakeSend } from './telegram-api-fake.js';

const FIRST_CHAT = 700_000;
/**
 * Idle time after each alert arrived before the next webhook: longer than the dispatcher's pump spacing (25 ms, plus the
 * pump its finished send asks for), so every event finds the dispatcher idle.
 */
const GAP_MS = 60;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves with the arrival time of the next sendMessage to `chatId`. */
export function nextSend(fake: TelegramApiFake, chatId: string, timeoutMs = 10_000): Promise<number> {
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

const summary = (values: readonly number[]) => ({
  p50: round(percentile(values, 50), 2),
  p90: round(percentile(values, 90), 2),
  p99: round(percentile(values, 99), 2),
  max: round(Math.max(...values), 2),
});

async function run(ctx: BenchContext): Promise<BenchResult> {
  const events = ctx.quick ? 100 : 1_000;
  const dir = makeTempDir('latency');
  const fake = await new TelegramApiFake({ perSecond: 30, perChatIntervalMs: 1000 }).listen();
  let server: MainProcess | undefined;
  try {
    const dbPath = join(dir, 'latency.db');
    const db = openDatabase(dbPath);
    const ids = insertChats(db, bulkChats('telegram', events, 'private', FIRST_CHAT));
    insertSubscriptions(
      db,
      ids.map((id, i) => [id, `latency-coin-${i}`, '*'] as const),
    );
    db.$client.close();
    server = await startMain(telegramServerEnv(dir, dbPath, fake));
    const baseUrl = `http://127.0.0.1:${server.port}`;
    const sendUrl = `${fake.apiRoot}/bot${fake.token}/sendMessage`;
    ctx.say(`${events.toLocaleString('en-US')} sequential events, ${GAP_MS} ms idle after each alert`);
    await sleep(1000); // the adapter's start-up calls (getMe, setMyCommands, the first getUpdates) settle

    const toSend: number[] = [];
    const toResponse: number[] = [];
    const floor: number[] = [];
    for (let i = 0; i < events; i += 1) {
      const chatId = String(FIRST_CHAT + i);
      const arrived = nextSend(fake, chatId);
      const sentAt = performance.now();
      const response = await postWebhook(baseUrl, `latency-${i}`, coinUpdateBody(`latency-coin-${i}`, i));
      const answeredAt = performance.now();
      if (response.status !== 200) throw new Error(`webhook answered ${response.status}: ${response.text}`);
      toSend.push((await arrived) - sentAt);
      toResponse.push(answeredAt - sentAt);
      await sleep(GAP_MS);

      // The floor: one bare POST to the fake (a chat the bot never uses).
      const floorChat = String(-1 - i);
      const floorArrived = nextSend(fake, floorChat);
      const floorSentAt = performance.now();
      const bare = await fetch(sendUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ chat_id: floorChat, text: 'floor' }) });
      await bare.text();
      floor.push((await floorArrived) - floorSentAt);
      await sleep(5);
      if ((i + 1) % 250 === 0 && i + 1 < events) {
        ctx.say(`${i + 1} events: so far p50 ${round(percentile(toSend, 50), 2)} ms, p99 ${round(percentile(toSend, 99), 2)} ms`);
      }
    }
    const ours = summary(toSend);
    const floorSummary = summary(floor);
    ctx.say(`request → sendMessage p50 ${ours.p50} ms, p90 ${ours.p90} ms, p99 ${ours.p99} ms, max ${ours.max} ms (floor p50 ${floorSummary.p50} ms)`);
    return {
      name: 'latency',
      title: 'webhook request → first sendMessage at the platform, idle',
      runs: `${events.toLocaleString('en-US')} sequential events, percentiles over all of them (nearest rank)`,
      bars: [
        {
          label: 'p50 request → API',
          measured: ours.p50,
          unit: 'ms',
          baseline: { label: 'bare POST to the fake', value: floorSummary.p50 },
          ratio: round(ours.p50 / floorSummary.p50, 2),
          target: '≤ 10 ms',
          met: ours.p50 <= 10,
        },
        {
          label: 'p99 request → API',
          measured: ours.p99,
          unit: 'ms',
          baseline: { label: 'bare POST to the fake', value: floorSummary.p99 },
          ratio: round(ours.p99 / floorSummary.p99, 2),
          target: '≤ 50 ms',
          met: ours.p99 <= 50,
        },
      ],
      figures: {
        events,
        requestToSendMessageMs: ours,
        requestToResponseMs: summary(toResponse),
        floorMs: floorSummary,
        gapMs: GAP_MS,
        tooManyRequests: fake.tooManyRequests,
      },
      tables: [
        {
          title: 'Latency (ms)',
          header: ['path', 'p50', 'p90', 'p99', 'max'],
          rows: [
            ['webhook request → sendMessage at the fake', ...[ours.p50, ours.p90, ours.p99, ours.max].map(String)],
            ['webhook request → 200 back at the sender', ...Object.values(summary(toResponse)).map(String)],
            ['bare POST → the fake (floor)', ...[floorSummary.p50, floorSummary.p90, floorSummary.p99, floorSummary.max].map(String)],
          ],
        },
      ],
      notes: fake.tooManyRequests > 0 ? [`the fake answered ${fake.tooManyRequests} × 429`] : [],
    };
  } finally {
    if (server) await server.stop();
    await fake.close();
    removeTempDir(dir);
  }
}

export const latency: Benchmark = { name: 'latency', title: 'webhook request → first platform API request, idle', run };
