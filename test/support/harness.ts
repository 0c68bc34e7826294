// Test harness: a fresh SQLite file with the real migrations, an app driven in-process, signed CoinGecko and CEXPing
// requests. Test apps run both sources side by side, as a deployment with both secrets does.
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Writable } from 'node:stream';
import { createApp, type AppDeps } from '../../src/app.js';
import { parseConfig, type Config } from '../../src/config.js';
import type { CommandHandler } from '../../src/core/command-service.js';
import { openDatabase, type Db } from '../../src/db/open-database.js';
import { createLogger, type Logger } from '../../src/logger.js';
import { createMetrics, type Metrics } from '../../src/metrics.js';
import type { Intake } from '../../src/platforms/port.js';
import { signCexping } from '../../src/sources/cexping/verify-signature.js';
import { signWebhook } from '../../src/sources/coingecko/verify-signature.js';

export const SECRET = 'whsec_test';
export const CEXPING_SECRET = 'cexping_test_secret';
export const NOW_MS = 1_776_066_000_000;

const here = dirname(fileURLToPath(import.meta.url));
/** The shared fixtures when the checkout has them beside it, else the copies committed in test/fixtures. */
export const FIXTURE_DIR = (() => {
  const shared = resolve(here, '../../../shared/fixtures/coingecko');
  try {
    readdirSync(shared);
    return shared;
  } catch {
    return resolve(here, '../fixtures');
  }
})();

export function fixtureNames(): string[] {
  return readdirSync(FIXTURE_DIR)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length))
    .sort();
}

export function fixture(name: string): string {
  return readFileSync(join(FIXTURE_DIR, `${name}.json`), 'utf8').trimEnd();
}

export interface TempDb {
  db: Db;
  path: string;
  cleanup: () => void;
}

export function tempDb(): TempDb {
  const dir = mkdtempSync(join(tmpdir(), 'coinsentry-test-'));
  const path = join(dir, 'nested', 'coinsentry.db');
  const db = openDatabase(path);
  return {
    db,
    path,
    cleanup: () => {
      try {
        db.$client.close();
      } catch {
        // already closed by the test
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A logger whose lines are kept in memory, so tests can assert on them (and on what they never contain). */
export function memoryLogger(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      callback();
    },
  });
  return { log: createLogger('debug', stream), lines };
}

export function testConfig(env: Record<string, string> = {}): Config {
  // Tests serve every chat, and let one person send a whole tour of commands at once, unless they test those bounds
  // (CHAT_ACCESS=approval and 30/10 commands a minute are the defaults of a real deployment).
  return parseConfig({
    COINGECKO_WEBHOOK_SECRET: SECRET,
    CEXPING_WEBHOOK_SECRET: CEXPING_SECRET,
    CHAT_ACCESS: 'open',
    CHAT_COMMANDS_PER_MINUTE: '10000',
    CHAT_USER_COMMANDS_PER_MINUTE: '10000',
    ...env,
  });
}

export interface TestApp {
  app: ReturnType<typeof createApp>;
  db: Db;
  path: string;
  metrics: Metrics;
  lines: string[];
  cleanup: () => void;
}

export function testApp(overrides: Partial<AppDeps> & { env?: Record<string, string> } = {}): TestApp {
  const { db, path, cleanup } = tempDb();
  const { log, lines } = memoryLogger();
  const metrics = createMetrics();
  const app = createApp({ db, config: testConfig(overrides.env), log, metrics, clock: () => NOW_MS, ...overrides });
  return { app, db, path, metrics, lines, cleanup };
}

export interface SignOptions {
  secret?: string;
  timestamp?: string;
  eventId?: string;
  headers?: Record<string, string>;
}

let counter = 0;
export function nextEventId(): string {
  counter += 1;
  return `evt-${process.pid}-${counter}`;
}

/** A RequestInit for POST /webhooks/coingecko, signed like CoinGecko would. */
export function signed(body: string | Uint8Array, options: SignOptions = {}): RequestInit {
  const timestamp = options.timestamp ?? String(NOW_MS / 1000);
  const eventId = options.eventId ?? nextEventId();
  return {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-cg-timestamp': timestamp,
      'x-cg-event-id': eventId,
      'x-cg-signature': signWebhook(options.secret ?? SECRET, timestamp, eventId, body),
      ...options.headers,
    },
    body,
  };
}

const CEXPING_FIXTURES = resolve(here, '../fixtures/cexping');

/** The CEXPing fixtures (test/fixtures/cexping), one per event type. */
export function cexpingFixtureNames(): string[] {
  return readdirSync(CEXPING_FIXTURES)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length))
    .sort();
}

/**
 * A CEXPing fixture body with a fresh `event_id` and `timestamp` (NOW_MS): both live inside CEXPing's signed body.
 * `overrides` replaces or adds fields; a field set to undefined is left out.
 */
export function cexpingBody(name: string, overrides: Record<string, unknown> = {}): string {
  const json = JSON.parse(readFileSync(join(CEXPING_FIXTURES, `${name}.json`), 'utf8')) as Record<string, unknown>;
  return JSON.stringify({ ...json, event_id: nextEventId(), timestamp: NOW_MS / 1000, ...overrides });
}

/** A RequestInit for POST /webhooks/cexping with exactly `body`, signed like CEXPing would (`X-CEXPing-Signature`). */
export function signedCexping(body: string | Uint8Array, options: { secret?: string; headers?: Record<string, string> } = {}): RequestInit {
  return {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-cexping-signature': signCexping(options.secret ?? CEXPING_SECRET, body),
      ...options.headers,
    },
    body,
  };
}

/** Per-chat pacing for tests that type many commands into one chat: none (the flood tests keep Telegram's own). */
export const UNPACED_CHATS = { perChatIntervalMs: 0 } as const;

/** The intake of an adapter started outside a bot: replies go out at once, tried once (no limiter). */
export function directIntake(commands: CommandHandler): Intake {
  return { commands, replies: { send: (_chat, attempt) => attempt() } };
}
