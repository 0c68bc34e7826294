// fan-out: one event matched by N chats, delivered by the real server (dist/main.js in a child process, as `npm start`
// runs it) through the real platform adapter to a fake platform API in this process (not the server's, so arrival
// stamps do not depend on the bot's event loop) that enforces that platform's shape of limit by arrival time and
// answers 429 (with retry_after / Retry-After) when it is broken:
// - Telegram, 10,000 private chats (1,000 with --quick): 300 msg/s overall in any sliding second and 1 msg/s per chat.
//   The server is configured for that rate (TELEGRAM_RATE_PER_SECOND=300, as for a local Bot API server or paid
//   broadcasts): at the public API's 30 msg/s, 10,000 chats would be a six-minute run.
// - Discord, 1,000 channels (200): 50 requests/s per bot (global) and 5 messages per 5 s per channel.
// - Slack, 500 channels (100): 1 message/s per channel, and the adapter's own overall rate (20/s) as the cap.
// Reports the achieved rate (first → last accepted arrival) as a share of the configured rate, and the 429s.
// Why: DESIGN.md §8 — a big fan-out should run at the platform's pace without being throttled by it.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openDatabase } from '../src/db/open-database.js';
import { BENCH_SECRET, coinUpdateBody, postWebhook } from './signed-webhooks.js';
import { makeTempDir, removeTempDir, residentSetMb, startMain, telegramServerEnv, type MainProcess } from './child-processes.js';
import { DiscordApiFake, SlackApiFake } from './rate-limited-fakes.js';
import type { Bar, BenchContext, BenchResult, Benchmark } from './report.js';
import { insertChats, insertSubscriptions, type BulkChat } from './seed.js';
import { round } from './stats.js';
import { TelegramApiFake } from './telegram-api-fake.js';

const COIN = 'fan-out-coin';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface FakePlatform {
  sends: ReadonlyArray<{ chatId: string; arrivedAt: number }>;
  tooManyRequests: number;
  close(): Promise<void>;
}

interface Case {
  platform: 'telegram' | 'discord' | 'slack';
  chats: number;
  /** The overall rate the adapter is configured for, msg/s. */
  configured: number;
  /** The limit the fake enforces, in words. */
  enforced: string;
  kind: BulkChat['kind'];
  chatId: (i: number) => string;
  start(): Promise<{ fake: FakePlatform; env: (dir: string, dbPath: string) => Record<string, string> }>;
}

function cases(quick: boolean): Case[] {
  return [
    {
      platform: 'telegram',
      chats: quick ? 1_000 : 10_000,
      configured: 300,
      enforced: '300 msg/s overall, 1 msg/s per chat',
      kind: 'private',
      chatId: (i) => String(500_000 + i),
      async start() {
        const fake = await new TelegramApiFake({ perSecond: 300, perChatIntervalMs: 1000 }).listen();
        return { fake, env: (dir, dbPath) => ({ ...telegramServerEnv(dir, dbPath, fake), TELEGRAM_RATE_PER_SECOND: '300' }) };
      },
    },
    {
      platform: 'discord',
      chats: quick ? 200 : 1_000,
      configured: 50,
      enforced: '50 req/s per bot, 5 per 5 s per channel',
      kind: 'channel',
      chatId: (i) => String(900_000_000_000_000_000n + BigInt(i)),
      async start() {
        const fake = await new DiscordApiFake(50).listen();
        return { fake, env: (dir, dbPath) => ({ ...baseEnv(dir, dbPath), ...fake.env() }) };
      },
    },
    {
      platform: 'slack',
      chats: quick ? 100 : 500,
      configured: 20,
      enforced: '1 msg/s per channel, 20 msg/s overall',
      kind: 'channel',
      chatId: (i) => `CBENCH${i}`,
      async start() {
        const fake = await new SlackApiFake(20).listen();
        return { fake, env: (dir, dbPath) => ({ ...baseEnv(dir, dbPath), ...fake.env() }) };
      },
    },
  ];
}

function baseEnv(dir: string, databasePath: string): Record<string, string> {
  return { COINGECKO_WEBHOOK_SECRET: BENCH_SECRET, DATABASE_PATH: databasePath, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', DOTENV_PATH: '/dev/null' };
}

interface CaseResult {
  platform: string;
  chats: number;
  delivered: number;
  configuredMsgPerSec: number;
  achievedMsgPerSec: number;
  sharePercent: number;
  tooManyRequests: number;
  enforced: string;
  sendingSeconds: number;
  acceptedToFirstSendMs: number;
  /** Gaps between two accepted sends shorter than half the nominal interval (bursts). */
  gapsUnderHalfInterval: number;
  serverRssMb: number;
  serverPeakRssMb: number;
  outbox: Record<string, number>;
}

async function runCase(ctx: BenchContext, c: Case): Promise<CaseResult> {
  const dir = makeTempDir(`fan-out-${c.platform}`);
  const { fake, env } = await c.start();
  let server: MainProcess | undefined;
  try {
    const dbPath = join(dir, 'fan-out.db');
    const db = openDatabase(dbPath);
    const ids = insertChats(
      db,
      Array.from({ length: c.chats }, (_, i) => ({ platform: c.platform, platformChatId: c.chatId(i), kind: c.kind })),
    );
    insertSubscriptions(
      db,
      ids.map((id) => [id, COIN, '*'] as const),
    );
    db.$client.close();
    server = await startMain(env(dir, dbPath));
    const expectedSeconds = c.chats / c.configured;
    ctx.say(`${c.platform}: ${c.chats.toLocaleString('en-US')} chats at ${c.configured} msg/s (fake enforces ${c.enforced}): about ${Math.ceil(expectedSeconds)} s`);
    await sleep(500);
    const response = await postWebhook(`http://127.0.0.1:${server.port}`, `fan-out-${c.platform}`, coinUpdateBody(COIN, 1));
    const acceptedAt = performance.now();
    const answer = JSON.parse(response.text) as { deliveries?: number };
    if (response.status !== 200 || answer.deliveries !== c.chats) {
      throw new Error(`webhook answered ${response.status} ${response.text}; expected ${c.chats} deliveries`);
    }
    const deadline = acceptedAt + expectedSeconds * 2000 + 30_000;
    let lastReport = performance.now();
    const distinct = () => new Set(fake.sends.map((s) => s.chatId)).size;
    while (distinct() < c.chats && performance.now() < deadline) {
      await sleep(200);
      if (performance.now() - lastReport >= 10_000) {
        lastReport = performance.now();
        ctx.say(`${c.platform}: ${fake.sends.length.toLocaleString('en-US')} / ${c.chats.toLocaleString('en-US')} sent, ${fake.tooManyRequests} × 429 so far`);
      }
    }
    await sleep(500); // the last sends' outcomes reach the outbox
    const memory = residentSetMb(server.pid);
    const sends = fake.sends;
    const first = sends[0];
    const last = sends[sends.length - 1];
    if (!first || !last || sends.length < 2) throw new Error(`${c.platform}: only ${sends.length} messages arrived`);
    const rate = (sends.length - 1) / ((last.arrivedAt - first.arrivedAt) / 1000);
    const gaps = sends.slice(1).map((s, i) => s.arrivedAt - sends[i]!.arrivedAt);
    const reader = new Database(dbPath, { readonly: true });
    const statuses = reader.prepare('select status, count(*) as n from deliveries group by status').all() as Array<{ status: string; n: number }>;
    reader.close();
    const result: CaseResult = {
      platform: c.platform,
      chats: c.chats,
      delivered: distinct(),
      configuredMsgPerSec: c.configured,
      achievedMsgPerSec: round(rate, 2),
      sharePercent: round((rate / c.configured) * 100, 1),
      tooManyRequests: fake.tooManyRequests,
      enforced: c.enforced,
      sendingSeconds: round((last.arrivedAt - first.arrivedAt) / 1000, 1),
      acceptedToFirstSendMs: round(first.arrivedAt - acceptedAt, 1),
      gapsUnderHalfInterval: gaps.filter((g) => g < 500 / c.configured).length,
      serverRssMb: round(memory.rss, 1),
      serverPeakRssMb: round(memory.peak, 1),
      outbox: Object.fromEntries(statuses.map((s) => [s.status, s.n])),
    };
    ctx.say(
      `${c.platform}: ${result.delivered.toLocaleString('en-US')} / ${c.chats.toLocaleString('en-US')} delivered at ${result.achievedMsgPerSec} msg/s ` +
        `(${result.sharePercent} % of ${c.configured}), ${result.tooManyRequests} × 429; server RSS ${result.serverRssMb} MB, peak ${result.serverPeakRssMb} MB`,
    );
    return result;
  } finally {
    if (server) await server.stop();
    await fake.close();
    removeTempDir(dir);
  }
}

async function run(ctx: BenchContext): Promise<BenchResult> {
  const results: CaseResult[] = [];
  for (const c of cases(ctx.quick)) results.push(await runCase(ctx, c));
  const bars: Bar[] = results.flatMap((r) => [
    {
      label: `${r.platform}: rate, ${r.chats.toLocaleString('en-US')} chats`,
      measured: r.sharePercent,
      unit: '% of configured',
      baseline: { label: 'configured', value: r.configuredMsgPerSec, unit: 'msg/s' },
      ratio: round(r.achievedMsgPerSec / r.configuredMsgPerSec, 3),
      target: '≥ 90 %',
      met: r.sharePercent >= 90 && r.delivered === r.chats,
    },
    { label: `${r.platform}: 429 answers`, measured: r.tooManyRequests, unit: '', target: '= 0', met: r.tooManyRequests === 0 },
  ]);
  const telegram = results[0]!;
  return {
    name: 'fan-out',
    title: 'one event to many chats at each platform\u2019s enforced limit',
    runs: `1 run per platform (${results.map((r) => `${r.platform} ${r.chats.toLocaleString('en-US')} chats`).join(', ')}); rate from the first to the last accepted arrival at the fake`,
    bars,
    figures: { platforms: results },
    tables: [
      {
        title: 'Fan-out per platform',
        header: ['platform', 'chats', 'limit enforced by the fake', 'configured', 'achieved', 'share', '429s', 'delivered', 'server peak RSS'],
        rows: results.map((r) => [
          r.platform,
          r.chats.toLocaleString('en-US'),
          r.enforced,
          `${r.configuredMsgPerSec} msg/s`,
          `${r.achievedMsgPerSec} msg/s`,
          `${r.sharePercent} %`,
          String(r.tooManyRequests),
          `${r.delivered.toLocaleString('en-US')} / ${r.chats.toLocaleString('en-US')}`,
          `${r.serverPeakRssMb} MB`,
        ]),
      },
    ],
    notes: [
      telegram.chats >= 10_000 ? 'Telegram: the full 10,000 chats' : `--quick: ${telegram.chats.toLocaleString('en-US')} Telegram chats, not 10,000`,
      'Discord runs without its gateway (not faked): slash commands are unavailable, alerts go over REST as they do when the gateway is down',
    ],
  };
}

export const fanOut: Benchmark = { name: 'fan-out', title: 'delivery rate of a big fan-out vs each platform\u2019s limit', run };
