// Test harness: a fresh SQLite file with the real migrations, an app driven in-process, signed CoinGecko requests.
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Writable } from 'node:stream';
import { createApp, type AppDeps } from '../../src/app.js';
import { parseConfig, type Config } from '../../src/config.js';
import { openDatabase, type Db } from '../../src/db/open-database.js';
import { createLogger, type Logger } from '../../src/logger.js';
import { createMetrics, type Metrics } from '../../src/metrics.js';
import { signWebhook } from '../../src/webhooks/verify-signature.js';

export const SECRET = 'whsec_test';
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
  return parseConfig({ COINGECKO_WEBHOOK_SECRET: SECRET, ...env });
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
