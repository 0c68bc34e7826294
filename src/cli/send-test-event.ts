// The local equivalent of a provider dashboard's "Send Test Event": signs a fixture body with the configured secret, as
// that provider would, and posts it. Usage: npm run send-test-event -- [--source cexping] [--fixture name] [--all]
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parse as parseDotenv } from 'dotenv';
import { ConfigError, isPlaceholder } from '../config.js';
import { readDotenvFile } from '../dotenv-file.js';
import { SOURCES } from '../sources/index.js';
import { postSignedWebhook } from '../sources/post-signed.js';

const FIXTURES = resolve(dirname(fileURLToPath(import.meta.url)), '../../test/fixtures');
const NAMES = SOURCES.map((s) => s.name).join(' | ');
const USAGE =
  `usage: npm run send-test-event -- [--source ${NAMES}] [--url http://localhost:8080/webhooks/<source>] ` +
  '[--fixture name-update | --file body.json | --all] [--event-id id]';

function readDotenv(): Record<string, string> {
  try {
    return parseDotenv(readDotenvFile(process.env));
  } catch (error) {
    if (error instanceof ConfigError) fail(`invalid configuration: ${error.message}`);
    throw error;
  }
}

function fail(message: string): never {
  console.error(`${message}\n${USAGE}`);
  process.exit(2);
}

const { values } = parseArgs({
  options: {
    source: { type: 'string', default: 'coingecko' },
    url: { type: 'string' },
    fixture: { type: 'string' },
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

const source = SOURCES.find((s) => s.name === values.source);
if (!source) fail(`unknown source: ${String(values.source)}`);
const { client } = source;
const dotenv = readDotenv();
const secret = (process.env[client.secretVariable] ?? dotenv[client.secretVariable] ?? '').split(',')[0]?.trim();
if (!secret) fail(`${client.secretVariable} is not set (environment or .env)`);
// Signing with the placeholder would "pass" against a server holding it too, while every real delivery fails.
if (isPlaceholder(secret)) fail(`${client.secretVariable} still holds the placeholder from .env.example: set the real value`);
const port = process.env.PORT ?? dotenv.PORT ?? '8080';
const url = String(values.url ?? `http://localhost:${port}/webhooks/${source.name}`);

const dir = join(FIXTURES, client.fixtures);
const available = readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => basename(f, '.json'));
const files = values.all
  ? available.map((name) => join(dir, `${name}.json`))
  : values.file
    ? [String(values.file)]
    : [join(dir, `${String(values.fixture ?? client.defaultFixture)}.json`)];

let failed = false;
for (const file of files) {
  if (!existsSync(file)) fail(`no such fixture: ${file} (available: ${available.join(', ')})`);
  const body = readFileSync(file);
  const eventId = values.all || !values['event-id'] ? randomUUID() : String(values['event-id']);
  try {
    const response = await postSignedWebhook({ url, client, secret, eventId, body });
    console.log(`${basename(file)} ${eventId} → ${response.status} ${await response.text()}`);
    failed ||= !response.ok;
  } catch (error) {
    fail(`could not reach ${url}: ${error instanceof Error ? error.message : String(error)}`);
  }
}
process.exit(failed ? 1 : 0);
