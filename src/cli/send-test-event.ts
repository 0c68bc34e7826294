// The local equivalent of the dashboard's "Send Test Event": signs a fixture body with the configured secret and posts
// it. Usage: npm run send-test-event -- --url http://localhost:8080/webhooks/coingecko [--fixture name-update] [--all]
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parse as parseDotenv } from 'dotenv';
import { postSignedWebhook } from '../webhooks/post-signed.js';

const FIXTURES = resolve(dirname(fileURLToPath(import.meta.url)), '../../test/fixtures');
const USAGE =
  'usage: npm run send-test-event -- [--url http://localhost:8080/webhooks/coingecko] [--fixture name-update | --file body.json | --all] [--event-id id]';

function fail(message: string): never {
  console.error(`${message}\n${USAGE}`);
  process.exit(2);
}

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    fixture: { type: 'string', default: 'name-update' },
    file: { type: 'string' },
    all: { type: 'boolean', default: false },
    'event-id': { type: 'string' },
    help: { type: 'boolean', default: false },
  },
}).valueOf() as { values: Record<string, string | boolean | undefined> };
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}

const dotenv = existsSync('.env') ? parseDotenv(readFileSync('.env', 'utf8')) : {};
const secret = (process.env.COINGECKO_WEBHOOK_SECRET ?? dotenv.COINGECKO_WEBHOOK_SECRET ?? '').split(',')[0]?.trim();
if (!secret) fail('COINGECKO_WEBHOOK_SECRET is not set (environment or .env)');
const port = process.env.PORT ?? dotenv.PORT ?? '8080';
const url = String(values.url ?? `http://localhost:${port}/webhooks/coingecko`);

const available = readdirSync(FIXTURES).filter((f) => f.endsWith('.json')).map((f) => basename(f, '.json'));
const files = values.all
  ? available.map((name) => join(FIXTURES, `${name}.json`))
  : values.file
    ? [String(values.file)]
    : [join(FIXTURES, `${String(values.fixture)}.json`)];

let failed = false;
for (const file of files) {
  if (!existsSync(file)) fail(`no such fixture: ${file} (available: ${available.join(', ')})`);
  const body = readFileSync(file);
  const eventId = values.all || !values['event-id'] ? randomUUID() : String(values['event-id']);
  try {
    const response = await postSignedWebhook({ url, secret, eventId, body });
    console.log(`${basename(file)} ${eventId} → ${response.status} ${await response.text()}`);
    failed ||= !response.ok;
  } catch (error) {
    fail(`could not reach ${url}: ${error instanceof Error ? error.message : String(error)}`);
  }
}
process.exit(failed ? 1 : 0);
