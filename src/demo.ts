// `npm run demo`: the whole pipeline offline. Starts the server on an embedded SQLite file in a temp directory,
// subscribes a demo chat with real commands, posts every bundled fixture of every source (CoinGecko, then CEXPing) with
// a valid signature over real HTTP, and prints each alert as Telegram, Discord and Slack would get it. No tokens, no
// network beyond 127.0.0.1.
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve } from '@hono/node-server';
import { createBot } from './bot.js';
import { parseConfig } from './config.js';
import { openDatabase } from './db/open-database.js';
import { createLogger } from './logger.js';
import { createConsoleAdapter } from './platforms/console/console-adapter.js';
import { renderDiscordAlert, renderDiscordDigest } from './platforms/discord/render-discord.js';
import { renderSlackAlert, renderSlackDigest } from './platforms/slack/render-slack.js';
import { renderTelegramAlert, renderTelegramDigest } from './platforms/telegram/render-telegram.js';
import { SOURCES } from './sources/index.js';
import { postSignedWebhook } from './sources/post-signed.js';

const FIXTURES = resolve(dirname(fileURLToPath(import.meta.url)), '../test/fixtures');
/** One made-up secret per source (`COINGECKO_WEBHOOK_SECRET`, `CEXPING_WEBHOOK_SECRET`), so every source is on. */
const secrets = new Map(SOURCES.map((source) => [source.name, `demo-${source.name}-secret`]));
const out = (text: string) => process.stdout.write(`${text}\n`);

const dir = mkdtempSync(join(tmpdir(), 'coinsentry-demo-'));
const config = parseConfig({
  ...Object.fromEntries(SOURCES.map((source) => [source.client.secretVariable, secrets.get(source.name)])),
  DATABASE_PATH: join(dir, 'demo.db'),
  LOG_LEVEL: 'warn',
  // Every alert is printed as it comes: no low-severity alert is held back for a digest.
  DIGEST_THRESHOLD: '0',
  // The demo's console chat is its own: nobody needs to approve it.
  CHAT_ACCESS: 'open',
});
const db = openDatabase(config.databasePath);
const log = createLogger(config.logLevel);
const sink = createConsoleAdapter({
  write: out,
  renderers: [
    { label: 'Telegram (HTML parse mode)', render: (alert) => renderTelegramAlert(alert), renderDigest: renderTelegramDigest },
    {
      label: 'Discord (message body: embeds)',
      render: (alert) => JSON.stringify(renderDiscordAlert(alert), null, 2),
      renderDigest: (digest) => JSON.stringify(renderDiscordDigest(digest), null, 2),
    },
    {
      label: 'Slack (chat.postMessage text + Block Kit)',
      render: (alert) => JSON.stringify(renderSlackAlert(alert), null, 2),
      renderDigest: (digest) => JSON.stringify(renderSlackDigest(digest), null, 2),
    },
  ],
});
const bot = createBot({ db, config, log, adapters: [sink] });
await bot.start();
const server = serve({ fetch: bot.app.fetch, port: 0, hostname: '127.0.0.1' });
await new Promise<void>((ready) => server.once('listening', ready));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
out(`coinsentry demo · database ${config.databasePath} · webhook endpoints ${SOURCES.map((s) => `${base}/webhooks/${s.name}`).join(', ')}\n`);

const chat = { platform: 'console', platformChatId: 'demo-ops', kind: 'group' as const, title: 'Demo ops desk' };
for (const command of [
  '/watch platforms public_notices additional_notices',
  '/watch wild-goat-coin-2 genius-3 example-rebrand example-links',
  '/watch listings binance',
  '/watch delistings',
]) {
  const [name = '', ...args] = command.slice(1).split(' ');
  out(`> ${command}\n${await bot.commands.run({ chat, name, args: args.join(' '), canManage: () => true })}\n`);
}

// CoinGecko first: the coins it names let CEXPing's listings of their symbols (WGC, EBT, GENIUS) resolve to them.
for (const { name, client } of SOURCES) {
  const folder = join(FIXTURES, client.fixtures);
  for (const file of readdirSync(folder).filter((f) => f.endsWith('.json')).sort()) {
    const body = readFileSync(join(folder, file));
    const eventId = `demo-${name}-${file.replace(/\.json$/, '')}`;
    const response = await postSignedWebhook({ url: `${base}/webhooks/${name}`, client, secret: secrets.get(name)!, eventId, body });
    out(`POST ${join(client.fixtures, file)} → ${response.status} ${await response.text()}`);
    await bot.dispatcher.idle();
  }
}

const totals = db.$client.prepare('select status, count(*) as n from deliveries group by status').all() as Array<{ status: string; n: number }>;
out(`\n> /list\n${await bot.commands.run({ chat, name: 'list', args: '', canManage: () => true })}`);
out(`\nDeliveries: ${totals.map((t) => `${t.n} ${t.status}`).join(', ') || 'none'} · alerts printed: ${sink.sent.length}`);

await bot.stop();
server.close();
db.$client.close();
rmSync(dir, { recursive: true, force: true });
