// Environment → a typed, frozen Config, in one pure function. The only place that knows variable names and defaults.
import { parse as parseDotenv } from 'dotenv';
import { z } from 'zod';

/** A configuration problem, naming its variable: `VARIABLE: what is wrong`. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const optionalText = z
  .string()
  .transform((s) => s.trim())
  .optional()
  .transform((s) => (s ? s : undefined));

const httpUrl = z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' });
const urlOr = (fallback: string) => optionalText.transform((s) => s ?? fallback).pipe(httpUrl);
const optionalUrl = optionalText.pipe(httpUrl.optional());

const integer = (fallback: number, min: number, max: number) =>
  optionalText
    .transform((s) => s ?? String(fallback))
    .pipe(z.string().regex(/^\d+$/, 'must be a whole number'))
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

const list = optionalText.transform((s) =>
  (s ?? '')
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean),
);

/** Variable name → how it is read. Keys are exactly the documented variable names, so errors can name them. */
const schema = z.object({
  COINGECKO_WEBHOOK_SECRET: list.pipe(z.array(z.string()).min(1, 'required: set at least one signing secret')),
  PORT: integer(8080, 0, 65535),
  HOST: optionalText.transform((s) => s ?? '0.0.0.0'),
  DATABASE_PATH: optionalText.transform((s) => s ?? './data/coinsentry.db'),
  DATABASE_SYNCHRONOUS: optionalText
    .transform((s) => (s ?? 'normal').toLowerCase())
    .pipe(z.enum(['normal', 'full'], { message: 'must be normal or full' })),
  // An event id must outlive CoinGecko's retries (about 24 h) to be recognised as a duplicate.
  RETENTION_DAYS: integer(180, 0, 36_500).refine((days) => days === 0 || days >= 2, 'must be 0 (keep everything) or at least 2'),
  WEBHOOK_TOLERANCE_SECONDS: integer(300, 1, 86_400),
  WEBHOOK_MAX_BODY_BYTES: integer(256 * 1024, 1024, 16 * 1024 * 1024),
  CEXPING_WEBHOOK_SECRET: list,
  CEXPING_TOLERANCE_SECONDS: optionalText.pipe(
    z.string().regex(/^\d+$/, 'must be a whole number').transform(Number).pipe(z.number().int().min(1).max(86_400)).optional(),
  ),
  SUBSCRIPTION_LIMIT: integer(500, 1, 100_000),
  DELIVERY_MAX_ATTEMPTS: integer(10, 1, 100),
  DIGEST_THRESHOLD: integer(5, 0, 10_000),
  DIGEST_WINDOW_SECONDS: integer(300, 10, 86_400),
  ESCALATE_AFTER_MINUTES: integer(0, 0, 10_080),
  LOG_LEVEL: optionalText.transform((s) => s ?? 'info').pipe(z.enum(LEVELS)),
  TELEGRAM_BOT_TOKEN: optionalText,
  TELEGRAM_API_ROOT: urlOr('https://api.telegram.org'),
  TELEGRAM_RATE_PER_SECOND: integer(30, 1, 1000),
  TELEGRAM_WEBHOOK_URL: optionalUrl,
  TELEGRAM_WEBHOOK_SECRET: optionalText.pipe(
    z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,256}$/, 'use 1-256 characters of A-Z, a-z, 0-9, _ and -')
      .optional(),
  ),
  DISCORD_BOT_TOKEN: optionalText,
  DISCORD_API_BASE: urlOr('https://discord.com/api'),
  DISCORD_GUILD_ID: optionalText.pipe(z.string().regex(/^\d{5,25}$/, 'must be a numeric guild id').optional()),
  SLACK_BOT_TOKEN: optionalText,
  SLACK_SIGNING_SECRET: optionalText,
  SLACK_API_URL: urlOr('https://slack.com/api/'),
  SLACK_ALLOWED_USERS: list,
  CHAT_ACCESS: optionalText
    .transform((s) => (s ?? 'approval').toLowerCase())
    .pipe(z.enum(['approval', 'open'], { message: 'must be approval or open' })),
  BOT_ADMINS: list.pipe(
    z.array(z.string().regex(/^(telegram|discord|slack):[A-Za-z0-9_-]{1,64}$/, 'use platform:userId entries, e.g. telegram:123456,slack:U0123ABC')),
  ),
  MUTE_LIMIT: integer(50, 1, 10_000),
  CHAT_COMMANDS_PER_MINUTE: integer(30, 1, 10_000),
  CHAT_USER_COMMANDS_PER_MINUTE: integer(10, 1, 10_000),
  COINGECKO_API_KEY: optionalText,
  COINGECKO_API_PLAN: optionalText
    .transform((s) => (s ?? 'pro').toLowerCase())
    .pipe(z.enum(['pro', 'demo'], { message: 'must be pro or demo' })),
  COINGECKO_API_ROOT: optionalUrl,
});

type Env = z.output<typeof schema>;
type Variable = keyof typeof schema.shape;

/** Every variable coinsentry reads, derived from the schema (a variable added there is known everywhere at once). */
export const KNOWN_VARIABLES: readonly string[] = Object.freeze([...Object.keys(schema.shape), 'DOTENV_PATH']);

/** Prefixes of coinsentry's variables: an unknown variable starting with one is most likely a misspelt one. */
export const VARIABLE_PREFIXES = [
  'COINGECKO_', 'CEXPING_', 'TELEGRAM_', 'DISCORD_', 'SLACK_', 'DATABASE_', 'DIGEST_', 'DELIVERY_', 'WEBHOOK_', 'LOG_',
  'CHAT_', 'BOT_', 'RETENTION_', 'SUBSCRIPTION_', 'ESCALATE_',
] as const;

/** The variables holding secrets or tokens; none may keep the placeholder `.env.example` ships with. */
const SECRET_VARIABLES = [
  'COINGECKO_WEBHOOK_SECRET',
  'CEXPING_WEBHOOK_SECRET',
  'TELEGRAM_BOT_TOKEN',
  'TELEGRAM_WEBHOOK_SECRET',
  'DISCORD_BOT_TOKEN',
  'SLACK_BOT_TOKEN',
  'SLACK_SIGNING_SECRET',
  'COINGECKO_API_KEY',
] as const satisfies readonly Variable[];

/** How `.env.example` marks a value to fill in (`whsec_replace_me`); a secret like this is public, so it is refused. */
const PLACEHOLDER = /replace[_-]?me|change[_-]?me/i;

/** Whether `value` is still a placeholder to fill in rather than a real secret. */
export const isPlaceholder = (value: string | undefined): boolean => PLACEHOLDER.test(value ?? '');

const PLACEHOLDER_MESSAGE = 'still holds the placeholder from .env.example: set the real value';

export interface Config {
  readonly port: number;
  readonly host: string;
  readonly databasePath: string;
  /** SQLite `synchronous` (WAL mode): `normal` may lose the last commits on power loss, `full` does not. */
  readonly databaseSynchronous: 'normal' | 'full';
  /** Days of history kept (sent alerts, old events, quarantine); 0 keeps everything. */
  readonly retentionDays: number;
  readonly logLevel: (typeof LEVELS)[number];
  readonly webhook: {
    readonly secrets: readonly string[];
    readonly toleranceSeconds: number;
    readonly maxBodyBytes: number;
  };
  /** CEXPing listing webhooks, on when CEXPING_WEBHOOK_SECRET is set (its body limit is fixed at 64 KB). */
  readonly cexping?: {
    readonly secrets: readonly string[];
    /** Allowed distance of the body's `timestamp` from our clock; WEBHOOK_TOLERANCE_SECONDS unless set. */
    readonly toleranceSeconds: number;
  };
  readonly subscriptionLimit: number;
  /** Active mutes one chat may hold. */
  readonly muteLimit: number;
  /** Who the bot serves: only approved chats (`approval`) or anyone (`open`); `admins` (`telegram:123`) approve by typing. */
  readonly access: { readonly mode: 'approval' | 'open'; readonly admins: readonly string[] };
  /** Commands per minute one chat, and one person across a platform, may send; past it one "slow down" reply. */
  readonly commandRate: { readonly perChatPerMinute: number; readonly perUserPerMinute: number };
  readonly delivery: {
    readonly maxAttempts: number;
    /** A chat's low-severity alerts beyond `threshold` per window are sent as one digest; 0 turns digests off. */
    readonly digest: { readonly threshold: number; readonly windowMs: number };
    /** A high-severity alert nobody acknowledged this many minutes after it was sent is sent once more; 0: never. */
    readonly escalateAfterMinutes: number;
  };
  readonly telegram?: {
    readonly token: string;
    readonly apiRoot: string;
    /** Messages per second across all chats (30 on the public Bot API; more with a local Bot API server or paid broadcasts). */
    readonly ratePerSecond: number;
    readonly webhook?: { readonly url: string; readonly secret: string };
  };
  readonly discord?: { readonly token: string; readonly apiBase: string; readonly guildId?: string };
  readonly slack?: {
    readonly token: string;
    readonly signingSecret: string;
    readonly apiUrl: string;
    readonly allowedUsers: readonly string[];
  };
  /** The CoinGecko API (coin directory, resolution of what users type, /coin), on when COINGECKO_API_KEY is set. */
  readonly coingeckoApi?: CoinGeckoApiConfig;
}

/** Where and how the CoinGecko API is called. */
export interface CoinGeckoApiConfig {
  readonly key: string;
  readonly plan: 'pro' | 'demo';
  /** `https://pro-api.coingecko.com/api/v3` (pro) or `https://api.coingecko.com/api/v3` (demo), unless overridden; no trailing slash. */
  readonly root: string;
  /** The request header carrying the key: `x-cg-pro-api-key` or `x-cg-demo-api-key`. */
  readonly keyHeader: string;
}

const API_PLANS = {
  pro: { root: 'https://pro-api.coingecko.com/api/v3', keyHeader: 'x-cg-pro-api-key' },
  demo: { root: 'https://api.coingecko.com/api/v3', keyHeader: 'x-cg-demo-api-key' },
} as const;

/**
 * Reads the configuration from `env`, with `dotenvText` (the contents of a `.env` file) filling in what `env` lacks.
 * Throws a ConfigError naming the first bad variable.
 */
export function parseConfig(env: Record<string, string | undefined>, dotenvText = ''): Config {
  const merged: Record<string, string | undefined> = { ...parseDotenv(dotenvText), ...env };
  const placeholder = SECRET_VARIABLES.find((name) => isPlaceholder(merged[name]));
  if (placeholder) throw new ConfigError(placeholder, PLACEHOLDER_MESSAGE);
  const result = schema.safeParse(merged);
  if (!result.success) throw firstIssue(result.error);
  return deepFreeze(toConfig(result.data));
}

/** The first problem, naming its variable. */
function firstIssue(error: z.ZodError): ConfigError {
  const issue = error.issues[0];
  return new ConfigError(String(issue?.path[0] ?? 'environment'), issue?.message ?? 'invalid value');
}

/** What the admin CLI needs: the server's database and subscription cap, read like parseConfig (no secrets needed). */
export type AdminConfig = Pick<Config, 'databasePath' | 'databaseSynchronous' | 'subscriptionLimit' | 'retentionDays'>;

/** parseConfig's rules for the database and SUBSCRIPTION_LIMIT only, so the CLI works on a machine without secrets. */
export function parseAdminConfig(env: Record<string, string | undefined>, dotenvText = ''): AdminConfig {
  const result = schema
    .pick({ DATABASE_PATH: true, DATABASE_SYNCHRONOUS: true, SUBSCRIPTION_LIMIT: true, RETENTION_DAYS: true })
    .safeParse({ ...parseDotenv(dotenvText), ...env });
  if (!result.success) throw firstIssue(result.error);
  const e = result.data;
  return Object.freeze({
    databasePath: e.DATABASE_PATH,
    databaseSynchronous: e.DATABASE_SYNCHRONOUS,
    subscriptionLimit: e.SUBSCRIPTION_LIMIT,
    retentionDays: e.RETENTION_DAYS,
  });
}

function toConfig(e: Env): Config {
  if (e.TELEGRAM_WEBHOOK_URL && !e.TELEGRAM_WEBHOOK_SECRET) {
    throw new ConfigError('TELEGRAM_WEBHOOK_SECRET', 'required when TELEGRAM_WEBHOOK_URL is set');
  }
  if (Boolean(e.SLACK_BOT_TOKEN) !== Boolean(e.SLACK_SIGNING_SECRET)) {
    const missing = e.SLACK_BOT_TOKEN ? 'SLACK_SIGNING_SECRET' : 'SLACK_BOT_TOKEN';
    throw new ConfigError(missing, 'Slack needs both SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET');
  }
  return {
    port: e.PORT,
    host: e.HOST,
    databasePath: e.DATABASE_PATH,
    databaseSynchronous: e.DATABASE_SYNCHRONOUS,
    retentionDays: e.RETENTION_DAYS,
    logLevel: e.LOG_LEVEL,
    webhook: {
      secrets: e.COINGECKO_WEBHOOK_SECRET,
      toleranceSeconds: e.WEBHOOK_TOLERANCE_SECONDS,
      maxBodyBytes: e.WEBHOOK_MAX_BODY_BYTES,
    },
    ...(e.CEXPING_WEBHOOK_SECRET.length > 0 && {
      cexping: {
        secrets: e.CEXPING_WEBHOOK_SECRET,
        toleranceSeconds: e.CEXPING_TOLERANCE_SECONDS ?? e.WEBHOOK_TOLERANCE_SECONDS,
      },
    }),
    subscriptionLimit: e.SUBSCRIPTION_LIMIT,
    muteLimit: e.MUTE_LIMIT,
    access: { mode: e.CHAT_ACCESS, admins: e.BOT_ADMINS },
    commandRate: { perChatPerMinute: e.CHAT_COMMANDS_PER_MINUTE, perUserPerMinute: e.CHAT_USER_COMMANDS_PER_MINUTE },
    delivery: {
      maxAttempts: e.DELIVERY_MAX_ATTEMPTS,
      digest: { threshold: e.DIGEST_THRESHOLD, windowMs: e.DIGEST_WINDOW_SECONDS * 1000 },
      escalateAfterMinutes: e.ESCALATE_AFTER_MINUTES,
    },
    ...(e.TELEGRAM_BOT_TOKEN && {
      telegram: {
        token: e.TELEGRAM_BOT_TOKEN,
        apiRoot: e.TELEGRAM_API_ROOT.replace(/\/+$/, ''),
        ratePerSecond: e.TELEGRAM_RATE_PER_SECOND,
        ...(e.TELEGRAM_WEBHOOK_URL &&
          e.TELEGRAM_WEBHOOK_SECRET && { webhook: { url: e.TELEGRAM_WEBHOOK_URL, secret: e.TELEGRAM_WEBHOOK_SECRET } }),
      },
    }),
    ...(e.DISCORD_BOT_TOKEN && {
      discord: {
        token: e.DISCORD_BOT_TOKEN,
        apiBase: e.DISCORD_API_BASE.replace(/\/+$/, ''),
        ...(e.DISCORD_GUILD_ID && { guildId: e.DISCORD_GUILD_ID }),
      },
    }),
    ...(e.SLACK_BOT_TOKEN &&
      e.SLACK_SIGNING_SECRET && {
        slack: {
          token: e.SLACK_BOT_TOKEN,
          signingSecret: e.SLACK_SIGNING_SECRET,
          apiUrl: e.SLACK_API_URL.endsWith('/') ? e.SLACK_API_URL : `${e.SLACK_API_URL}/`,
          allowedUsers: e.SLACK_ALLOWED_USERS,
        },
      }),
    ...(e.COINGECKO_API_KEY && {
      coingeckoApi: {
        key: e.COINGECKO_API_KEY,
        plan: e.COINGECKO_API_PLAN,
        root: (e.COINGECKO_API_ROOT ?? API_PLANS[e.COINGECKO_API_PLAN].root).replace(/\/+$/, ''),
        keyHeader: API_PLANS[e.COINGECKO_API_PLAN].keyHeader,
      },
    }),
  };
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
