// user-actions: what a chat user's commands cost on a database of 1,000,000 events (3,000,000 changes, 1,000,000
// deliveries, 1,000 mutes in one chat) beside the same commands on a 1,000-event database, measured in one run,
// round-robin, through the real command service on SQLite: `/recent <rare field>`, `/recent <rare sub-field>`,
// `/recent <coin>`, `/recent` (the chat's own alerts) and `/list` of a chat with 500 subscriptions and 1,000 mutes;
// and beside them the dispatcher's gate for a batch of 100 alerts (composed from their events, each chat's mutes and
// digest state read as the dispatcher reads them) and a `/metrics` scrape of the running server's registry.
// Why: DESIGN.md §8 wants every user action to cost what it returns (an index walk), never a scan of a growing table,
// so nobody can stall the bot by typing /recent and a big instance answers as fast as a new one.
import { join } from 'node:path';
import { createCommandService, type CommandHandler } from '../src/core/command-service.js';
import { sqliteChatStore } from '../src/db/chat-store.js';
import { openDatabase, type Db } from '../src/db/open-database.js';
import { createOutboxGauges } from '../src/db/outbox-gauges.js';
import { storageReadings } from '../src/db/storage-stats.js';
import { createAlertComposer } from '../src/delivery/alert-composer.js';
import { gateRows, type Composed } from '../src/delivery/gate.js';
import { createGateStateReader } from '../src/delivery/gate-state.js';
import { addStorageMetrics, createMetrics, type Metrics } from '../src/metrics.js';
import { makeTempDir, removeTempDir } from './child-processes.js';
import type { BenchContext, BenchResult, Benchmark } from './report.js';
import { round } from './stats.js';

const BIG = 1_000_000;
const SMALL = 1_000;
const CHATS = 1_000;
const COINS = 10_000;
const P99_MS = 5;
const RATIO = 2;
/** Every RARE-th event also changes the rare field and belongs to the rare coin. */
const RARE = 100_000;

/** One database under test, with what each action needs. */
interface Subject {
  db: Db;
  commands: CommandHandler;
  metrics: Metrics;
  /** The gate's batch: 100 rows of chats 1..100 (chat 1 has 1,000 mutes), each alert composed from its own event. */
  batch: Array<{ chatId: number; composed: Composed | null }>;
}

const COMMANDS = [
  { label: '/recent links (a rare field)', name: 'recent', args: 'links 10' },
  { label: '/recent links.whitepaper (a rare sub-field)', name: 'recent', args: 'links.whitepaper 10' },
  { label: '/recent rare-coin (a coin with few events)', name: 'recent', args: 'rare-coin 10' },
  { label: '/recent bitcoin (a busy coin)', name: 'recent', args: 'bitcoin 10' },
  { label: "/recent (the chat's own alerts)", name: 'recent', args: '' },
  { label: '/list (500 subscriptions, 1,000 mutes)', name: 'list', args: '' },
] as const;

const GATE_BATCH = 100;
const DIGEST = { threshold: 5, windowMs: 300_000 };

const ACTIONS: ReadonlyArray<{ label: string; run: (subject: Subject) => Promise<void> }> = [
  ...COMMANDS.map((command) => ({ label: command.label, run: (subject: Subject) => runCommand(subject.commands, command) })),
  {
    label: `the gate for a batch of ${GATE_BATCH} (chat 1 with 1,000 mutes, digests on)`,
    run: async (subject: Subject) => gateBatch(subject),
  },
  {
    label: 'a /metrics scrape',
    run: async (subject: Subject) => {
      if (!(await subject.metrics.registry.metrics()).includes('coinsentry_outbox_depth')) throw new Error('the scrape lacks the outbox gauge');
    },
  },
];

/** A database of `events` events, 3 changes each, one delivery each spread over CHATS chats, 1,000 mutes in chat 1. */
function seed(db: Db, events: number): void {
  const sql = db.$client;
  const now = Date.now();
  sql.transaction(() => {
    sql.prepare(`with recursive n(i) as (select 1 union all select i + 1 from n where i < ${CHATS})
      insert into chats (platform, platform_chat_id, kind) select 'telegram', cast(-i as text), 'group' from n`).run();
    sql.prepare(`with recursive n(i) as (select 1 union all select i + 1 from n where i < ${events})
      insert into events (source, event_id, event_type, coin_id, coin_symbol, coin_name, occurred_at, received_at, raw_body)
      select 'coingecko', 'evt-' || i, 'cg.coin.info.updated',
             case when i % ${RARE} = 7 then 'rare-coin' when i % 10 = 0 then 'bitcoin' else 'coin-' || (i % ${COINS}) end,
             'SYM', 'Name', ${Math.floor(now / 1000)}, ${now} - i, '{}' from n`).run();
    sql.prepare(`insert into changes (event_row_id, position, field, change_type, old_value, new_value)
      select id, 0, 'name', 'update', '"Old"', '"New"' from events`).run();
    sql.prepare(`insert into changes (event_row_id, position, field, change_type, new_value)
      select id, 1, case when id % ${RARE} = 7 then 'links.whitepaper' else 'platforms.ethereum' end, 'addition', '"0xabc"' from events`).run();
    sql.prepare(`insert into changes (event_row_id, position, field, change_type, new_value)
      select id, 2, 'categories', 'addition', '"meme"' from events`).run();
    sql.prepare(`insert into deliveries (event_row_id, chat_id, status, severity, matched_positions, attempts, next_attempt_at, created_at, sent_at)
      select id, 1 + (id % ${CHATS}), 'sent', 'low', '[0,1,2]', 1, ${now}, ${now}, ${now} from events`).run();
    sql.prepare(`with recursive n(i) as (select 1 union all select i + 1 from n where i < 500)
      insert into subscriptions (chat_id, coin_id, field) select 1, 'coin-' || i, '*' from n`).run();
    sql.prepare(`with recursive n(i) as (select 1 union all select i + 1 from n where i < 1000)
      insert into mutes (chat_id, kind, target, until) select 1, 'coin', 'muted-coin-' || i, ${now + 30 * 86_400_000} from n`).run();
  })();
  sql.exec('analyze');
}

function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function runCommand(commands: CommandHandler, command: (typeof COMMANDS)[number]): Promise<void> {
  const reply = await commands.run({
    chat: { platform: 'telegram', platformChatId: '-1', kind: 'group' },
    name: command.name,
    args: command.args,
    canManage: () => true,
  });
  if (!reply || reply.startsWith('Usage')) throw new Error(`${command.label} answered ${reply}`);
}

/** The batch the gate is measured on: alerts composed beforehand (composing is the composer's work, not the gate's). */
function composeBatch(db: Db, events: number): Subject['batch'] {
  const compose = createAlertComposer(db);
  const batch = Array.from({ length: GATE_BATCH }, (_, i) => ({ chatId: 1 + i, composed: compose({ eventRowId: 1 + ((i * 7919) % events), positions: [2] }) }));
  if (batch.some((row) => row.composed === null)) throw new Error('the gate batch composed nothing');
  return batch;
}

/**
 * What the dispatcher's gate does for a batch: read each chat's gate state once (its mutes through its index, its
 * low-severity sends in the digest window up to the threshold, its pending digest) and give each row its verdict.
 */
async function gateBatch(subject: Subject): Promise<void> {
  const now = Date.now();
  const states = createGateStateReader(subject.db, now, DIGEST);
  states.preload(subject.batch.map((row) => row.chatId));
  const verdicts = gateRows(subject.batch, states, now, DIGEST);
  if (verdicts.length !== GATE_BATCH) throw new Error('the gate gave no verdicts');
}

async function time(subject: Subject, action: (typeof ACTIONS)[number]): Promise<number> {
  const started = performance.now();
  await action.run(subject);
  return performance.now() - started;
}

export const userActions: Benchmark = {
  name: 'user-actions',
  title: 'what /recent, /list, the gate and /metrics cost at 1,000,000 events beside 1,000',
  async run(ctx: BenchContext): Promise<BenchResult> {
    const dir = makeTempDir('user-actions');
    try {
      const big = ctx.quick ? BIG / 10 : BIG;
      const dbs = [SMALL, big].map((events) => {
        const started = performance.now();
        const db = openDatabase(join(dir, `${events}.db`));
        seed(db, events);
        ctx.say(`seeded ${events.toLocaleString('en-US')} events, ${(3 * events).toLocaleString('en-US')} changes in ${round((performance.now() - started) / 1000, 1)} s`);
        // The server's registry: outbox gauges counted in the background (here once, up front), storage gauges read at scrape.
        const gauges = createOutboxGauges(db, 3_600_000);
        gauges.start();
        gauges.stop();
        const metrics = createMetrics({ outboxDepth: gauges.depth, deadLetters: gauges.dead });
        addStorageMetrics(metrics, storageReadings(db, join(dir, `${events}.db`)));
        return { batch: composeBatch(db, events), db, metrics, commands: createCommandService(sqliteChatStore(db), { subscriptionLimit: 500, muteLimit: 1_000 }) };
      });
      const rounds = ctx.quick ? 50 : 300;
      const samples = dbs.map(() => ACTIONS.map(() => [] as number[]));
      for (let r = 0; r < rounds; r += 1) {
        for (const [d, db] of dbs.entries()) {
          for (const [a, action] of ACTIONS.entries()) samples[d]![a]!.push(await time(db, action));
        }
      }
      const rows = ACTIONS.map((action, a) => {
        const small = percentile(samples[0]![a]!, 99);
        const large = percentile(samples[1]![a]!, 99);
        return { action, small, large, ratio: large / small, medianSmall: percentile(samples[0]![a]!, 50), medianLarge: percentile(samples[1]![a]!, 50) };
      });
      for (const db of dbs) db.db.$client.close();
      const sizeLabel = `${big.toLocaleString('en-US')} events`;
      return {
        name: 'user-actions',
        title: this.title,
        runs: `${rounds} rounds, round-robin over both databases; p99 of each`,
        bars: rows.flatMap((row) => [
          {
            label: `${row.action.label}: p99 at ${sizeLabel}`,
            measured: round(row.large, 3),
            unit: 'ms',
            target: `≤ ${P99_MS} ms`,
            met: row.large <= P99_MS,
          },
          {
            label: `${row.action.label}: ${sizeLabel} vs ${SMALL.toLocaleString('en-US')}`,
            measured: round(row.large, 3),
            unit: 'ms',
            baseline: { label: `p99 at ${SMALL.toLocaleString('en-US')} events`, value: round(row.small, 3), unit: 'ms' },
            ratio: round(row.ratio, 2),
            target: `≤ ${RATIO}× the small database`,
            met: row.ratio <= RATIO,
          },
        ]),
        figures: Object.fromEntries(
          rows.map((row) => [
            row.action.label,
            { p99SmallMs: round(row.small, 3), p99LargeMs: round(row.large, 3), medianSmallMs: round(row.medianSmall, 3), medianLargeMs: round(row.medianLarge, 3) },
          ]),
        ),
        tables: [
          {
            title: 'per command, both databases measured in the same run (median / p99)',
            header: ['command', `${SMALL.toLocaleString('en-US')} events`, sizeLabel, 'p99 ratio'],
            rows: rows.map((row) => [
              row.action.label,
              `${round(row.medianSmall, 3)} / ${round(row.small, 3)} ms`,
              `${round(row.medianLarge, 3)} / ${round(row.large, 3)} ms`,
              `${round(row.ratio, 2)}×`,
            ]),
          },
        ],
        notes: [
          'Commands through createCommandService on SQLite in-process: no platform, no network; the cost is the database work and the reply text.',
          'The gate: the dispatcher\'s gate-state reader and gateRows over 100 rows of 100 chats (alerts composed beforehand, as the composer caches them); the digest count stops at its threshold.',
          '/metrics: the server\'s registry (outbox gauges counted in the background every 15 s, storage gauges read at scrape time), serialised.',
        ],
      };
    } finally {
      removeTempDir(dir);
    }
  },
};
