// The soak: the real server (dist/main.js, as npm start runs it) on a database file, with Telegram, Discord and Slack
// faked on 127.0.0.1, takes a steady stream of signed webhooks for a long time while it fans alerts out. It checks that
// no request fails, that no error is logged, that the resident set does not grow beyond a small bound once warmed up,
// and that the outbox drains at the end; then prints the figures (and writes them as JSON with --out).
//
//   npm run soak                                  30 minutes at 200 webhooks/s
//   npm run soak -- --minutes 6 --rate 200 --rss-bound-mb 40 --out soak.json   (warm-up: half the run, at most 5 min)
//
// Load: every webhook is a contract migration of one of 1,000 coins, in turn. 290 of them are watched by one chat each
// (100 Telegram private chats, 150 Discord channels, 40 Slack channels), so at 200 webhooks/s about 58 alerts/s go out,
// within each platform's rate; another 10,000 subscriptions to coins that never change fill the subscriptions table.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { applySubscriptionChanges, ensureChat } from '../../src/db/chats.js';
import { openDatabase } from '../../src/db/open-database.js';
import { signWebhook } from '../../src/sources/coingecko/verify-signature.js';
import { startFakePlatforms, type FakePlatforms } from './support/fake-platforms.js';
import { startServer, type ServerProcess } from './support/server-process.js';
import { CREDENTIALS, PLATFORMS, chatId, type Platform } from './support/world.js';

const { values: args } = parseArgs({
  options: {
    minutes: { type: 'string', default: '30' },
    rate: { type: 'string', default: '200' },
    'rss-bound-mb': { type: 'string', default: '40' },
    'warmup-minutes': { type: 'string' },
    out: { type: 'string' },
  },
});
const MINUTES = Number(args.minutes);
const RATE = Number(args.rate);
const RSS_BOUND_MB = Number(args['rss-bound-mb']);
// The resident set climbs for the first minute or two (V8's old space and SQLite's cache filling), then stays flat.
const WARMUP_MS = (args['warmup-minutes'] !== undefined ? Number(args['warmup-minutes']) : Math.min(5, MINUTES / 2)) * 60_000;
if (!(MINUTES > 0) || !(RATE > 0) || !(RSS_BOUND_MB > 0) || !(WARMUP_MS >= 0)) {
  process.stderr.write('usage: npm run soak -- [--minutes 30] [--rate 200] [--rss-bound-mb 40] [--warmup-minutes N] [--out file.json]\n');
  process.exit(2);
}

const COINS = 1000;
const WATCHED: Record<Platform, number> = { telegram: 100, discord: 150, slack: 40 };
const IDLE_SUBSCRIPTIONS = 10_000;
const TICK_MS = 50;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const log = (line: string) => process.stdout.write(`[soak ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

/** Chats on each platform, each watching one coin: Telegram coins 0-99, Discord 100-249, Slack 250-289. */
function seed(path: string): void {
  const db = openDatabase(path);
  db.$client.transaction(() => {
    let coin = 0;
    for (const platform of PLATFORMS) {
      for (let i = 0; i < WATCHED[platform]; i += 1, coin += 1) {
        const chat = ensureChat(db, { platform, platformChatId: chatId(platform, i), kind: platform === 'telegram' ? 'private' : 'group' });
        applySubscriptionChanges(db, chat.id, [{ coinId: `soak-coin-${coin}`, field: '*' }], []);
      }
    }
    const idle = ensureChat(db, { platform: 'telegram', platformChatId: '-999999', kind: 'group' });
    const pairs = Array.from({ length: IDLE_SUBSCRIPTIONS }, (_, i) => ({ coinId: `quiet-coin-${i}`, field: i % 2 ? 'platforms' : '*' }));
    for (let i = 0; i < pairs.length; i += 500) applySubscriptionChanges(db, idle.id, pairs.slice(i, i + 500), []);
  })();
  db.$client.close();
}

/** A contract migration with its notice: high severity, so every alert goes out at once (never held for a digest). */
function body(n: number): string {
  const coin = n % COINS;
  const address = (k: number) => `0x${(k >>> 0).toString(16).padStart(8, '0').repeat(5)}`;
  return JSON.stringify({
    event_type: 'cg.coin.info.updated',
    data: {
      id: `soak-coin-${coin}`,
      symbol: 'sk',
      name: `Soak Coin ${coin}`,
      changes: [
        { field: 'platforms.ethereum', change_type: 'update', old_value: address(n - COINS), new_value: address(n) },
        { field: 'public_notices', change_type: 'update', old_value: '', new_value: `Migration ${n}: swap your tokens 1:1 at the official portal.` },
      ],
    },
  });
}

function residentMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? Number.NaN) / 1024;
}

const percentile = (sorted: number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]! : Number.NaN);
const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

/** Alerts the fakes accepted so far; their records are emptied as they are counted, so a long run keeps no history. */
function createCounter(fakes: FakePlatforms) {
  const totals: Record<Platform, number> = { telegram: 0, discord: 0, slack: 0 };
  return {
    totals,
    collect() {
      totals.telegram += fakes.telegram.sent.filter((m) => m.parse_mode === 'HTML').length;
      fakes.telegram.sent.length = 0;
      fakes.telegram.calls.length = 0;
      for (let i = 0; i < WATCHED.discord; i += 1) totals.discord += fakes.discord.messages(chatId('discord', i)).splice(0).length;
      fakes.discord.requests.length = 0;
      totals.slack += fakes.slack.messages.length;
      fakes.slack.messages.length = 0;
      fakes.slack.calls.length = 0;
      for (const platform of PLATFORMS) fakes.proxy[platform].requests.length = 0;
    },
  };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'coinsentry-soak-'));
  const path = join(dir, 'soak.db');
  let fakes: FakePlatforms | undefined;
  let server: ServerProcess | undefined;
  try {
    seed(path);
    fakes = await startFakePlatforms();
    server = await startServer(
      { ...fakes.env, DATABASE_PATH: path, DOTENV_PATH: '/dev/null', LOG_LEVEL: 'info' },
      // Keep warnings and errors only: at 200 webhooks/s the info lines alone would be gigabytes of text.
      { keep: (line) => /"level":(4|5|6)\d/.test(line) || !line.startsWith('{') },
    );
    const url = `${server.url}/webhooks/coingecko`;
    const counter = createCounter(fakes);
    log(`server pid ${server.child.pid} on ${server.url}; ${MINUTES} min at ${RATE} webhooks/s, warm-up ${round(WARMUP_MS / 60_000)} min`);

    const statuses = new Map<string, number>();
    const latencies: number[] = [];
    let sent = 0;
    let inFlight = 0;
    let maxInFlight = 0;
    let deliveriesExpected = 0;
    const rss: Array<{ atS: number; mb: number; heapMb?: number }> = [];
    /** The server's own view of its JS heap (prom-client's process metrics): tells heap growth from native growth. */
    const heapUsedMb = async (): Promise<number | undefined> => {
      try {
        const text = await (await fetch(`${server!.url}/metrics`)).text();
        const bytes = /^coinsentry_nodejs_heap_size_used_bytes (\S+)$/m.exec(text)?.[1];
        return bytes === undefined ? undefined : round(Number(bytes) / 1024 / 1024);
      } catch {
        return undefined;
      }
    };
    const started = performance.now();
    const endAt = started + MINUTES * 60_000;

    const fire = (n: number) => {
      const text = body(n);
      const eventId = `soak-${n}`;
      const timestamp = String(Math.floor(Date.now() / 1000));
      const t0 = performance.now();
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-cg-timestamp': timestamp, 'x-cg-event-id': eventId, 'x-cg-signature': signWebhook(CREDENTIALS.webhookSecret, timestamp, eventId, text) },
        body: text,
      })
        .then(async (res) => {
          const answer = (await res.json()) as { deliveries?: number };
          statuses.set(String(res.status), (statuses.get(String(res.status)) ?? 0) + 1);
          deliveriesExpected += answer.deliveries ?? 0;
          latencies.push(performance.now() - t0);
        })
        .catch((error: unknown) => {
          const key = `error: ${error instanceof Error ? error.message : String(error)}`;
          statuses.set(key, (statuses.get(key) ?? 0) + 1);
        })
        .finally(() => (inFlight -= 1));
    };

    // Steady rate: every tick sends what the schedule says is due by now (no bursts after a stall beyond one tick).
    let nextReport = started + 30_000;
    let nextSample = started;
    while (performance.now() < endAt) {
      const due = Math.floor(((performance.now() - started) / 1000) * RATE);
      for (; sent < due; sent += 1) fire(sent);
      const now = performance.now();
      if (now >= nextSample) {
        const sample: { atS: number; mb: number; heapMb?: number } = { atS: round((now - started) / 1000), mb: round(residentMb(server.child.pid!)) };
        rss.push(sample);
        void heapUsedMb().then((mb) => (sample.heapMb = mb));
        counter.collect();
        nextSample += 5_000;
      }
      if (now >= nextReport) {
        const delivered = PLATFORMS.reduce((n, p) => n + counter.totals[p], 0);
        const last = rss[rss.length - 1];
        const heap = [...rss].reverse().find((r) => r.heapMb !== undefined)?.heapMb;
        log(`${round((now - started) / 60_000)} min: ${sent} webhooks, ${delivered} alerts delivered, RSS ${last?.mb} MB (JS heap ${heap ?? '?'} MB), in flight ${inFlight}`);
        nextReport += 30_000;
      }
      await sleep(TICK_MS);
    }
    const loadSeconds = (performance.now() - started) / 1000;
    while (inFlight > 0) await sleep(20);

    // Drain: the outbox empties and every recorded delivery reaches its platform.
    const drainStarted = performance.now();
    const db = new Database(path, { readonly: true });
    const depth = db.prepare("select count(*) as n from deliveries where status in ('pending', 'sending')");
    const byStatus = db.prepare('select status, count(*) as n from deliveries group by status');
    const drainDeadline = drainStarted + 10 * 60_000;
    while ((depth.get() as { n: number }).n > 0 && performance.now() < drainDeadline) {
      counter.collect();
      await sleep(250);
    }
    await sleep(1000);
    counter.collect();
    const drainSeconds = (performance.now() - drainStarted) / 1000;
    const outbox = Object.fromEntries((byStatus.all() as Array<{ status: string; n: number }>).map((r) => [r.status, r.n]));
    db.close();
    const finalRss = round(residentMb(server.child.pid!));
    rss.push({ atS: round((performance.now() - started) / 1000), mb: finalRss });

    const warm = rss.filter((s) => s.atS * 1000 >= WARMUP_MS && s.atS <= loadSeconds);
    const baseline = warm[0]?.mb ?? Number.NaN;
    const peak = Math.max(...rss.map((s) => s.mb));
    const endOfLoad = warm[warm.length - 1]?.mb ?? Number.NaN;
    const growth = round(Math.max(...warm.map((s) => s.mb)) - baseline);
    const delivered = PLATFORMS.reduce((n, p) => n + counter.totals[p], 0);
    const errorLines = server.output().split('\n').filter((l) => /"level":(5|6)\d/.test(l));
    const warnLines = server.output().split('\n').filter((l) => /"level":4\d/.test(l));
    latencies.sort((a, b) => a - b);
    const ok = statuses.get('200') ?? 0;

    const checks = {
      'every webhook answered 200': ok === sent,
      'no error logged': errorLines.length === 0,
      [`RSS growth after warm-up ≤ ${RSS_BOUND_MB} MB`]: growth <= RSS_BOUND_MB,
      'outbox drained (nothing pending or in flight)': (outbox.pending ?? 0) + (outbox.sending ?? 0) === 0,
      'every recorded alert delivered, none dead': delivered >= deliveriesExpected && (outbox.dead ?? 0) === 0 && outbox.sent === deliveriesExpected,
    };
    const result = {
      when: new Date().toISOString(),
      minutes: MINUTES,
      rateTarget: RATE,
      webhooks: { sent, rateAchieved: round(sent / loadSeconds), statuses: Object.fromEntries(statuses), latencyMs: { p50: round(percentile(latencies, 50), 2), p99: round(percentile(latencies, 99), 2), max: round(latencies[latencies.length - 1] ?? Number.NaN, 2) }, maxInFlight },
      alerts: { recorded: deliveriesExpected, delivered, byPlatform: counter.totals, outbox, drainSecondsAfterLoad: round(drainSeconds) },
      rssMb: { baselineAfterWarmup: baseline, endOfLoad, afterDrain: finalRss, peak, growthAfterWarmup: growth, bound: RSS_BOUND_MB },
      /** Every 5 s: seconds since the start, resident set and JS heap in use (MB). */
      samples: rss.map((s) => [s.atS, s.mb, s.heapMb ?? null]),
      log: { errors: errorLines.length, warnings: warnLines.length, firstErrors: errorLines.slice(0, 3) },
      databaseMb: round(statSync(path).size / 1024 / 1024),
      checks,
    };
    log(`done: ${JSON.stringify(result, null, 2)}`);
    if (args.out) writeFileSync(args.out, `${JSON.stringify(result, null, 2)}\n`);
    const failed = Object.entries(checks).filter(([, passed]) => !passed);
    for (const [name] of failed) log(`FAILED: ${name}`);
    log(failed.length === 0 ? 'soak passed' : `soak FAILED (${failed.length} check${failed.length === 1 ? '' : 's'})`);
    process.exitCode = failed.length === 0 ? 0 : 1;
  } finally {
    await server?.kill9();
    await fakes?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`soak: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
