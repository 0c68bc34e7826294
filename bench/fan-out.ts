// fan-out: one event matched by N chats (10,000 in the full run, 300 in --quick), delivered by the real server
// (dist/main.js in a child process, as `npm start` runs it) through the real Telegram adapter to a fake Bot API in this
// process that enforces Telegram's limits (30 msg/s in any sliding second overall, 1 msg/s per chat) and answers 429
// with retry_after when they are broken. The fake runs in its own process so its arrival stamps do not depend on the
// bot's event loop. Reports the achieved rate as a share of the adapter's configured rate, and the 429s.
// Why: DESIGN.md §8 — a big fan-out should run at the platform's pace without being throttled by it.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openDatabase } from '../src/db/open-database.js';
import { makeTempDir, removeTempDir, residentSetMb, startMain, telegramServerEnv, type MainProcess } from './child-processes.js';
import type { BenchContext, BenchResult, Benchmark } from './report.js';
import { bulkChats, insertChats, insertSubscriptions } from './seed.js';
import { coinUpdateBody, postWebhook } from './signed-webhooks.js';
import { round } from './stats.js';
import { TelegramApiFake } from './telegram-api-fake.js';

const COIN = 'fan-out-coin';
/** The Telegram adapter's configured overall rate (src/platforms/telegram/telegram-adapter.ts `limits.perSecond`). */
const CONFIGURED_PER_SECOND = 30;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function run(ctx: BenchContext): Promise<BenchResult> {
  const chats = ctx.quick ? 300 : 10_000;
  const dir = makeTempDir('fan-out');
  const fake = await new TelegramApiFake({ perSecond: 30, perChatIntervalMs: 1000 }).listen();
  let server: MainProcess | undefined;
  try {
    const dbPath = join(dir, 'fan-out.db');
    const db = openDatabase(dbPath);
    const ids = insertChats(db, bulkChats('telegram', chats, 'private', 500_000));
    insertSubscriptions(
      db,
      ids.map((id) => [id, COIN, '*'] as const),
    );
    db.$client.close();
    server = await startMain(telegramServerEnv(dir, dbPath, fake));
    const expectedSeconds = chats / CONFIGURED_PER_SECOND;
    ctx.say(
      `${chats.toLocaleString('en-US')} chats at ${CONFIGURED_PER_SECOND} msg/s: about ${Math.ceil(expectedSeconds)} s` +
        `${chats >= 10_000 ? ' (the full 10,000)' : ''}`,
    );
    await sleep(500);
    const response = await postWebhook(`http://127.0.0.1:${server.port}`, 'fan-out-1', coinUpdateBody(COIN, 1));
    const acceptedAt = performance.now();
    const answer = JSON.parse(response.text) as { deliveries?: number };
    if (response.status !== 200 || answer.deliveries !== chats) {
      throw new Error(`webhook answered ${response.status} ${response.text}; expected ${chats} deliveries`);
    }

    const deadline = acceptedAt + expectedSeconds * 2000 + 30_000;
    let lastReport = performance.now();
    while (fake.sends.length < chats && performance.now() < deadline) {
      await sleep(200);
      if (performance.now() - lastReport >= 30_000) {
        lastReport = performance.now();
        ctx.say(`${fake.sends.length.toLocaleString('en-US')} / ${chats.toLocaleString('en-US')} sent, ${fake.tooManyRequests} × 429 so far`);
      }
    }
    await sleep(500); // the last sends' outcomes reach the outbox
    const memory = residentSetMb(server.pid);
    ctx.say(`server resident set at the end ${round(memory.rss, 1)} MB, peak ${round(memory.peak, 1)} MB`);
    const sends = fake.sends;
    const first = sends[0];
    const last = sends[sends.length - 1];
    if (!first || !last || sends.length < 2) throw new Error(`only ${sends.length} messages arrived`);
    const rate = (sends.length - 1) / ((last.arrivedAt - first.arrivedAt) / 1000);
    const share = (rate / CONFIGURED_PER_SECOND) * 100;
    const distinct = new Set(sends.map((s) => s.chatId)).size;
    const gaps = sends.slice(1).map((s, i) => s.arrivedAt - sends[i]!.arrivedAt);
    const reader = new Database(dbPath, { readonly: true });
    const statuses = reader.prepare('select status, count(*) as n from deliveries group by status').all() as Array<{ status: string; n: number }>;
    reader.close();
    const notes: string[] = [];
    if (chats >= 10_000) notes.push(`the full 10,000 chats (${round((last.arrivedAt - first.arrivedAt) / 1000, 0)} s of sending)`);
    else notes.push(`--quick: ${chats} chats, not 10,000`);
    if (distinct < chats) notes.push(`${chats - distinct} chats got nothing before the deadline`);
    return {
      name: 'fan-out',
      title: `${chats} matched chats through the dispatcher`,
      runs: `1 run of ${chats.toLocaleString('en-US')} chats (rate measured first → last arrival at the fake)`,
      bars: [
        {
          label: 'achieved rate',
          measured: round(share, 1),
          unit: '% of configured',
          baseline: { label: 'configured', value: CONFIGURED_PER_SECOND, unit: 'msg/s' },
          ratio: round(rate / CONFIGURED_PER_SECOND, 3),
          target: '≥ 90 %',
          met: share >= 90 && distinct === chats,
        },
        { label: '429 answers', measured: fake.tooManyRequests, unit: '', target: '= 0', met: fake.tooManyRequests === 0 },
      ],
      figures: {
        chats,
        delivered: distinct,
        messagesAccepted: sends.length,
        achievedMsgPerSec: round(rate, 2),
        configuredMsgPerSec: CONFIGURED_PER_SECOND,
        tooManyRequests: fake.tooManyRequests,
        gapsUnder30Ms: gaps.filter((g) => g < 30).length,
        smallestGapMs: round(Math.min(...gaps), 2),
        acceptedToFirstSendMs: round(first.arrivedAt - acceptedAt, 1),
        acceptedToLastSendSeconds: round((last.arrivedAt - acceptedAt) / 1000, 1),
        serverRssMb: round(memory.rss, 1),
        serverPeakRssMb: round(memory.peak, 1),
        outbox: Object.fromEntries(statuses.map((s) => [s.status, s.n])),
      },
      notes,
    };
  } finally {
    if (server) await server.stop();
    await fake.close();
    removeTempDir(dir);
  }
}

export const fanOut: Benchmark = { name: 'fan-out', title: 'delivery rate of a big fan-out vs the platform limit', run };
