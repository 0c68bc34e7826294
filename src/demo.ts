// `npm run demo`: the whole pipeline offline. Starts the server on an embedded SQLite file in a temp directory,
// subscribes a demo chat with real commands, posts every bundled fixture with a valid signature over real HTTP, and
// prints each alert as Telegram, Discord and Slack would get it. No tokens, no network beyond 127.0.0.1.
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
import { postSignedWebhook } from './webhooks/post-signed.js';

const FIXTURES = resolve(dirname(fileURLToPath(import.meta.url)), '../test/fixtures');
const SECRET = 'whsec_demo';
const out = (text: string) => process.stdout.write(`${text}\n`);

const dir = mkdtempSync(join(tmpdir(), 'coinsentry-demo-'));
const config = parseConfig({ COINGECKO_WEBHOOK_SECRET: SECRET, DATABASE_PATH: join(dir, 'demo.db'), LOG_LEVEL: 'warn' });
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
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/coingecko`;
out(`coinsentry demo · database ${config.databasePath} · webhook endpoint ${url}\n`);

const chat = { platform: 'console', platformChatId: 'demo-ops', kind: 'group' as const, title: 'Demo ops desk' };
for (const command of ['/watch platforms public_notices additional_notices', '/watch wild-goat-coin-2 genius-3 example-rebrand example-links']) {
  const [name = '', ...args] = command.slice(1).split(' ');
  out(`> ${command}\n${await bot.commands.run({ chat, name, args: args.join(' '), canManage: () => true })}\n`);
}

for (const file of readdirSync(FIXTURES).filter((f) => f.endsWith('.json')).sort()) {
  const body = readFileSync(join(FIXTURES, file));
  const response = await postSignedWebhook({ url, secret: SECRET, eventId: `demo-${file.replace(/\.json$/, '')}`, body });
  out(`POST ${file} → ${response.status} ${await response.text()}`);
  await bot.dispatcher.idle();
}

const totals = db.$client.prepare('select status, count(*) as n from deliveries group by status').all() as Array<{ status: string; n: number }>;
out(`\n> /list\n${await bot.commands.run({ chat, name: 'list', args: '', canManage: () => true })}`);
out(`\nDeliveries: ${totals.map((t) => `${t.n} ${t.status}`).join(', ') || 'none'} · alerts printed: ${sink.sent.length}`);

await bot.stop();
server.close();
db.$client.close();
rmSync(dir, { recursive: true, force: true });
