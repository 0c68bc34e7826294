// crash: the real server (dist/main.js in a child process, as `npm start` runs it) with Telegram pointed at
// test/fakes/telegram-fake.ts running here gets one event that N chats watch; once part of the fan-out has reached the
// fake it is killed with SIGKILL, started again on the same database, and left to drain the outbox. Then every chat's
// alerts are counted: none may be missing, and duplicates may not exceed the sends that were in flight at the kill
// (reached the platform, outcome not yet committed).
// Why: DESIGN.md §1 — a 2xx means the alerts will be delivered, whatever happens to the process after.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { applySubscriptionChanges, ensureChat } from '../src/db/chats.js';
import { openDatabase } from '../src/db/open-database.js';
import { TelegramFake } from '../test/fakes/telegram-fake.js';
import { killHard, makeTempDir, removeTempDir, startMain, telegramServerEnv, type MainProcess } from './child-processes.js';
import type { BenchContext, BenchResult, Benchmark } from './report.js';
import { coinUpdateBody, postWebhook } from './signed-webhooks.js';

const COIN = 'crash-coin';
const FIRST_CHAT = 300_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Round {
  chats: number;
  killedAfterAlerts: number;
  inFlightAtKill: number;
  lost: number;
  duplicates: number;
  restartToDrainedSeconds: number;
}

function alertCounts(fake: TelegramFake): Map<string, number> {
  const counts = new Map<string, number>();
  for (const m of fake.sent) if (m.parse_mode === 'HTML') counts.set(m.chat_id, (counts.get(m.chat_id) ?? 0) + 1);
  return counts;
}

async function crashRound(ctx: BenchContext, chats: number, killAt: number): Promise<Round> {
  const dir = makeTempDir('crash');
  const fake = await new TelegramFake().listen();
  const dbPath = join(dir, 'crash.db');
  const db = openDatabase(dbPath);
  for (let i = 0; i < chats; i += 1) {
    const chat = ensureChat(db, { platform: 'telegram', platformChatId: String(FIRST_CHAT + i), kind: 'private' });
    applySubscriptionChanges(db, chat.id, [{ coinId: COIN, field: '*' }], []);
  }
  db.$client.close();
  const env = telegramServerEnv(dir, dbPath, fake);
  let server: MainProcess | undefined;
  try {
    server = await startMain(env);
    const response = await postWebhook(`http://127.0.0.1:${server.port}`, 'crash-1', coinUpdateBody(COIN, 1));
    if (response.status !== 200) throw new Error(`webhook answered ${response.status}: ${response.text}`);

    const threshold = Math.floor(chats * killAt);
    const deadline = performance.now() + 60_000;
    while (alertCounts(fake).size < threshold && performance.now() < deadline) await sleep(1);
    await killHard(server.child);
    await sleep(300); // anything still on the wire lands
    const atKill = alertCounts(fake);

    // Sent according to the platform but not according to the outbox: the sends in flight when the process died.
    const reader = new Database(dbPath, { readonly: true });
    const sentRows = reader
      .prepare(
        "select c.platform_chat_id as chatId from deliveries d join chats c on c.id = d.chat_id where d.status = 'sent'",
      )
      .all() as Array<{ chatId: string }>;
    reader.close();
    const committed = new Set(sentRows.map((r) => r.chatId));
    const inFlight = [...atKill.keys()].filter((chatId) => !committed.has(chatId)).length;

    const restarted = performance.now();
    server = await startMain(env);
    const drainDeadline = performance.now() + 60_000 + (chats / 30) * 3000;
    const check = new Database(dbPath, { readonly: true });
    const depth = check.prepare("select count(*) as n from deliveries where status in ('pending', 'sending')");
    while (((depth.get() as { n: number }).n > 0 || alertCounts(fake).size < chats) && performance.now() < drainDeadline) {
      await sleep(100);
    }
    const drainedSeconds = (performance.now() - restarted) / 1000;
    check.close();
    await sleep(1000); // late duplicates would show up here
    const final = alertCounts(fake);
    let duplicates = 0;
    for (const count of final.values()) duplicates += count - 1;
    const round: Round = {
      chats,
      killedAfterAlerts: atKill.size,
      inFlightAtKill: inFlight,
      lost: chats - final.size,
      duplicates,
      restartToDrainedSeconds: Math.round(drainedSeconds * 10) / 10,
    };
    ctx.say(
      `killed after ${round.killedAfterAlerts}/${chats} alerts (${inFlight} in flight): after restart ${final.size}/${chats} chats alerted, ` +
        `${round.lost} lost, ${duplicates} duplicates, drained ${round.restartToDrainedSeconds} s after the restart`,
    );
    return round;
  } finally {
    if (server) await server.stop();
    await fake.close();
    removeTempDir(dir);
  }
}

async function run(ctx: BenchContext): Promise<BenchResult> {
  const chats = ctx.quick ? 60 : 200;
  const killPoints = ctx.quick ? [0.5] : [0.25, 0.5, 0.75];
  const rounds: Round[] = [];
  for (const killAt of killPoints) rounds.push(await crashRound(ctx, chats, killAt));
  const lost = rounds.reduce((n, r) => n + r.lost, 0);
  const duplicates = rounds.reduce((n, r) => n + r.duplicates, 0);
  const inFlight = rounds.reduce((n, r) => n + r.inFlightAtKill, 0);
  return {
    name: 'crash',
    title: 'kill -9 during a fan-out, restart, count alerts',
    runs: `${rounds.length} kill${rounds.length > 1 ? 's' : ''} (at ${killPoints.map((k) => `${k * 100} %`).join(', ')} of ${chats} chats); totals over all`,
    bars: [
      { label: 'alerts lost', measured: lost, unit: '', target: '= 0', met: lost === 0 },
      {
        label: 'duplicates',
        measured: duplicates,
        unit: '',
        baseline: { label: 'sends in flight at the kill', value: inFlight },
        target: '≤ sends in flight',
        met: duplicates <= inFlight,
      },
    ],
    figures: { rounds },
    tables: [
      {
        title: 'Kills',
        header: ['chats', 'killed after (alerts at the fake)', 'sends in flight', 'lost', 'duplicates', 'restart → drained'],
        rows: rounds.map((r) => [
          String(r.chats),
          String(r.killedAfterAlerts),
          String(r.inFlightAtKill),
          String(r.lost),
          String(r.duplicates),
          `${r.restartToDrainedSeconds} s`,
        ]),
      },
    ],
    notes: [],
  };
}

export const crash: Benchmark = { name: 'crash', title: 'kill -9 mid fan-out: lost and duplicated alerts', run };
