// `npm run demo`: the whole pipeline offline, as a walk through a listing desk's day. Starts the real server on
// 127.0.0.1 with a throw-away SQLite file, uses the real chat commands (/watch, /mention, /mute, /recent), posts bundled
// webhooks of both sources with valid signatures over real HTTP, and prints each alert once, as a person reads it in a
// chat, then a digest. `--verbose` adds the exact payload of every platform; `--platform telegram|discord|slack` prints
// that platform's payloads instead. The clock is the demo's own, so a digest window passes in an instant.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { serve } from '@hono/node-server';
import { createBot } from './bot.js';
import { loadBundledDirectory } from './coingecko-api/bundled-directory.js';
import { parseConfig } from './config.js';
import { openDatabase } from './db/open-database.js';
import { createLogger } from './logger.js';
import { createConsoleAdapter, type ConsoleRenderer } from './platforms/console/console-adapter.js';
import { renderConsoleAlert, renderConsoleDigest } from './platforms/console/render-console.js';
import { renderDiscordAlert, renderDiscordDigest } from './platforms/discord/render-discord.js';
import { renderSlackAlert, renderSlackDigest } from './platforms/slack/render-slack.js';
import { renderTelegramAlert, renderTelegramDigest } from './platforms/telegram/render-telegram.js';
import { SOURCES } from './sources/index.js';
import { postSignedWebhook } from './sources/post-signed.js';

const json = (value: unknown) => JSON.stringify(value, null, 2);
/** The exact payloads, per platform. */
const PAYLOADS: Record<string, ConsoleRenderer> = {
  telegram: { label: 'Telegram sendMessage text (HTML)', render: (a, c) => renderTelegramAlert(a, { mention: c.opsMention }), renderDigest: renderTelegramDigest },
  discord: { label: 'Discord message body', render: (a, c) => json(renderDiscordAlert(a, { mention: c.opsMention })), renderDigest: (d) => json(renderDiscordDigest(d)) },
  slack: { label: 'Slack chat.postMessage', render: (a, c) => json(renderSlackAlert(a, { mention: c.opsMention })), renderDigest: (d) => json(renderSlackDigest(d)) },
};
const CHAT_VIEW: ConsoleRenderer = { label: '', render: (a, c) => renderConsoleAlert(a, { mention: c.opsMention }), renderDigest: renderConsoleDigest };

const { values: flags } = parseArgs({ options: { verbose: { type: 'boolean', default: false }, platform: { type: 'string' } } });
if (flags.platform !== undefined && !(flags.platform in PAYLOADS)) {
  process.stderr.write(`--platform takes ${Object.keys(PAYLOADS).join(', ')}\n`);
  process.exit(2);
}
const renderers = flags.platform ? [PAYLOADS[flags.platform]!] : flags.verbose ? [CHAT_VIEW, ...Object.values(PAYLOADS)] : [CHAT_VIEW];

const FIXTURES = resolve(dirname(fileURLToPath(import.meta.url)), '../test/fixtures');
const WINDOW_SECONDS = 60;
/** One made-up secret per source (`COINGECKO_WEBHOOK_SECRET`, `CEXPING_WEBHOOK_SECRET`), so every source is on. */
const secrets = new Map(SOURCES.map((source) => [source.name, `demo-${source.name}-secret`]));
const out = (text: string) => process.stdout.write(`${text}\n`);
let now = Date.now();
const clock = () => now;

const dir = mkdtempSync(join(tmpdir(), 'coinsentry-demo-'));
const config = parseConfig({
  ...Object.fromEntries(SOURCES.map((source) => [source.client.secretVariable, secrets.get(source.name)])),
  DATABASE_PATH: join(dir, 'demo.db'),
  LOG_LEVEL: 'warn',
  // A chat that was sent one low-severity alert in the last minute gets the next ones as a digest.
  DIGEST_THRESHOLD: '1',
  DIGEST_WINDOW_SECONDS: String(WINDOW_SECONDS),
  // The demo's console chat is its own: nobody needs to approve it.
  CHAT_ACCESS: 'open',
});
const db = openDatabase(config.databasePath);
const sink = createConsoleAdapter({ write: out, renderers });
// What a deployment with COINGECKO_API_KEY loads from CoinGecko, here from a small bundled file: symbols, contract
// addresses and typos are resolved as they would be.
const directory = loadBundledDirectory(db, join(FIXTURES, 'coingecko-api/demo-directory.json'), now);
const bot = createBot({ db, config, log: createLogger(config.logLevel), adapters: [sink], clock, directory });
await bot.start();
const server = serve({ fetch: bot.app.fetch, port: 0, hostname: '127.0.0.1' });
await new Promise<void>((ready) => server.once('listening', ready));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

const chat = { platform: 'console', platformChatId: 'demo-ops', kind: 'group' as const, title: 'Demo ops desk' };
async function say(command: string): Promise<void> {
  const [name = '', ...args] = command.slice(1).split(' ');
  const parseMention = (text: string) => (/^@\w{3,32}$/.test(text) ? text : undefined);
  out(`> ${command}\n${await bot.commands.run({ chat, name, args: args.join(' '), canManage: () => true, parseMention })}\n`);
}

/** Posts a bundled webhook (`coingecko/name` or `cexping/name`) as its provider would, and waits for its alerts. */
async function post(fixture: string, eventId = `demo-${fixture.replace('/', '-')}`): Promise<void> {
  const [sourceName, name] = fixture.split('/') as [string, string];
  const source = SOURCES.find((s) => s.name === sourceName)!;
  const body = readFileSync(join(FIXTURES, source.client.fixtures, `${name}.json`));
  const url = `${base}/webhooks/${source.name}`;
  const before = sink.sent.length + sink.digests.length;
  const response = await postSignedWebhook({ url, client: source.client, secret: secrets.get(source.name)!, eventId, body, nowMs: now });
  await bot.dispatcher.idle();
  const sent = sink.sent.length + sink.digests.length > before;
  out(`(${source.name} webhook ${name} → ${response.status}${sent ? '' : `, ${await heldOrMuted(eventId)}`})\n`);
}

async function heldOrMuted(eventId: string): Promise<string> {
  const row = db.$client
    .prepare('select d.status from deliveries d join events e on e.id = d.event_row_id where e.event_id = ?')
    .get(eventId) as { status: string } | undefined;
  return row ? `nothing sent: ${row.status === 'held' ? 'held for the digest' : row.status}` : 'no chat watches this';
}

/** Lets a minute pass, so the alerts before count no more against the digest threshold. */
async function later(): Promise<void> {
  now += (WINDOW_SECONDS + 1) * 1000;
  bot.dispatcher.wake();
  await bot.dispatcher.idle();
}

async function step(title: string, run: () => Promise<void>): Promise<void> {
  out(`\n═══ ${title} ═══\n`);
  await run();
}

out(`coinsentry demo · a throw-away database in ${dir} · webhooks at ${base}/webhooks/…`);
await step('1. An ops desk subscribes', async () => {
  await say('/watch platforms additional_notices');
  await say('/watch listings binance');
  await say('/watch delistings');
  await say('/watch wild-goat-coin-2 example-links genius-3');
  await say('/mention @oncall_desk');
});
await step('2. A contract migration: the public notice of the same event comes along as context', async () => {
  await post('coingecko/contract-migration-same-chain');
  await later();
  await post('coingecko/new-chain-deployment-solana');
  await later();
  await post('coingecko/additional-notice');
});
await step('3. A burst of small changes becomes one digest', async () => {
  await later();
  await post('coingecko/name-update');
  await post('coingecko/links-homepage-update');
  await post('coingecko/category-addition');
  out(`(a minute passes)\n`);
  await later();
});
await step('4. Listings arrive at once, matched to coins by their symbol', async () => {
  await later();
  await post('cexping/new-listing');
  await later();
  await post('cexping/futures-listing');
  await later();
  await post('cexping/delisting');
});
await step('5. /mute silences low-severity alerts for a while', async () => {
  await say('/mute 1d categories');
  await later();
  await post('coingecko/category-addition', 'demo-category-again');
});
await step('6. /recent: what this chat was sent, muted and held ones included', async () => {
  await say('/recent 6');
});
await step('7. With a CoinGecko API key, what people type is resolved (a small bundled directory here)', async () => {
  await say('/watch EmcXa1b2C3d4E5f6G7h8J9k1L2m3N4p5Q6r7S8t9U1v');
  await say('/watch $EBT');
  await say('/watch examle-mintable');
  await say('/coin 0x1111111111111111111111111111111111111111');
});

const totals = db.$client.prepare('select status, count(*) as n from deliveries group by status').all() as Array<{ status: string; n: number }>;
out(`Deliveries: ${totals.map((t) => `${t.n} ${t.status}`).join(', ')} · alerts shown: ${sink.sent.length} · digests: ${sink.digests.length}`);
if (!flags.verbose && !flags.platform) out('Run `npm run demo -- --verbose` (or `--platform telegram|discord|slack`) for the exact payloads.');

await bot.stop();
server.close();
db.$client.close();
rmSync(dir, { recursive: true, force: true });
