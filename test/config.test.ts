import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError, KNOWN_VARIABLES, parseConfig } from '../src/config.js';
import { unknownVariableWarnings } from '../src/unknown-variables.js';

const base = { COINGECKO_WEBHOOK_SECRET: 'whsec_a' };

function errorOf(env: Record<string, string>, dotenv = ''): ConfigError {
  try {
    parseConfig(env, dotenv);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('parseConfig', () => {
  it('applies the documented defaults', () => {
    const config = parseConfig(base);
    expect(config).toMatchObject({
      port: 8080,
      host: '0.0.0.0',
      databasePath: './data/coinsentry.db',
      logLevel: 'info',
      webhook: { secrets: ['whsec_a'], toleranceSeconds: 300, maxBodyBytes: 262144 },
      subscriptionLimit: 500,
    });
    expect(config.telegram).toBeUndefined();
    expect(config.discord).toBeUndefined();
    expect(config.slack).toBeUndefined();
    expect(Object.isFrozen(config.webhook)).toBe(true);
  });

  it('splits several comma-separated secrets', () => {
    expect(parseConfig({ COINGECKO_WEBHOOK_SECRET: ' whsec_a , whsec_b,,' }).webhook.secrets).toEqual(['whsec_a', 'whsec_b']);
  });

  it('names the missing secret', () => {
    expect(errorOf({}).variable).toBe('COINGECKO_WEBHOOK_SECRET');
    expect(errorOf({ COINGECKO_WEBHOOK_SECRET: ' , ' }).message).toMatch(/^COINGECKO_WEBHOOK_SECRET: /);
  });

  it.each([
    ['PORT', 'eighty'],
    ['PORT', '70000'],
    ['WEBHOOK_TOLERANCE_SECONDS', '-5'],
    ['LOG_LEVEL', 'loud'],
    ['TELEGRAM_API_ROOT', 'ftp://example.org'],
    ['DISCORD_GUILD_ID', 'my-guild'],
    ['SUBSCRIPTION_LIMIT', '0'],
  ])('stops on a malformed %s', (variable, value) => {
    const error = errorOf({ ...base, [variable]: value });
    expect(error.variable).toBe(variable);
    expect(error.message.split('\n')).toHaveLength(1);
  });

  it('reads a .env file, with the real environment taking precedence', () => {
    const config = parseConfig({ PORT: '9000' }, 'COINGECKO_WEBHOOK_SECRET=whsec_file\nPORT=1234\n');
    expect(config.webhook.secrets).toEqual(['whsec_file']);
    expect(config.port).toBe(9000);
  });

  it('enables a platform only when its token is set', () => {
    const config = parseConfig({ ...base, TELEGRAM_BOT_TOKEN: '123:abc', DISCORD_BOT_TOKEN: 'd', SLACK_BOT_TOKEN: 'xoxb', SLACK_SIGNING_SECRET: 's' });
    expect(config.telegram).toEqual({ token: '123:abc', apiRoot: 'https://api.telegram.org', ratePerSecond: 30 });
    expect(config.discord).toEqual({ token: 'd', apiBase: 'https://discord.com/api' });
    expect(config.slack).toMatchObject({ token: 'xoxb', signingSecret: 's', apiUrl: 'https://slack.com/api/' });
  });

  it('reads the SQLite durability setting and the Telegram send rate', () => {
    expect(parseConfig(base).databaseSynchronous).toBe('normal');
    expect(parseConfig({ ...base, DATABASE_SYNCHRONOUS: 'FULL' }).databaseSynchronous).toBe('full');
    expect(errorOf({ ...base, DATABASE_SYNCHRONOUS: 'off' }).message).toBe('DATABASE_SYNCHRONOUS: must be normal or full');
    expect(parseConfig({ ...base, TELEGRAM_BOT_TOKEN: 't', TELEGRAM_RATE_PER_SECOND: '300' }).telegram?.ratePerSecond).toBe(300);
    expect(errorOf({ ...base, TELEGRAM_RATE_PER_SECOND: '0' }).variable).toBe('TELEGRAM_RATE_PER_SECOND');
  });

  it('turns CEXPing on with its secrets, its window following WEBHOOK_TOLERANCE_SECONDS unless CEXPING_TOLERANCE_SECONDS is set', () => {
    expect(parseConfig(base).cexping).toBeUndefined();
    expect(parseConfig({ ...base, CEXPING_WEBHOOK_SECRET: ' , ' }).cexping).toBeUndefined();
    expect(parseConfig({ ...base, CEXPING_WEBHOOK_SECRET: 'new, old' }).cexping).toEqual({ secrets: ['new', 'old'], toleranceSeconds: 300 });
    expect(parseConfig({ ...base, CEXPING_WEBHOOK_SECRET: 'a', WEBHOOK_TOLERANCE_SECONDS: '600' }).cexping?.toleranceSeconds).toBe(600);
    expect(parseConfig({ ...base, CEXPING_WEBHOOK_SECRET: 'a', CEXPING_TOLERANCE_SECONDS: '32400' }).cexping?.toleranceSeconds).toBe(32400);
    expect(parseConfig({ ...base, CEXPING_TOLERANCE_SECONDS: '' }).cexping).toBeUndefined();
    for (const bad of ['0', '-1', '1.5', '100000', 'nine hours']) {
      const error = errorOf({ ...base, CEXPING_WEBHOOK_SECRET: 'a', CEXPING_TOLERANCE_SECONDS: bad });
      expect(error.variable).toBe('CEXPING_TOLERANCE_SECONDS');
      expect(error.message.split('\n')).toHaveLength(1);
    }
  });

  it('requires the Telegram webhook secret with the webhook URL, and both Slack credentials', () => {
    expect(errorOf({ ...base, TELEGRAM_BOT_TOKEN: 't', TELEGRAM_WEBHOOK_URL: 'https://bot.example.org/telegram/webhook' }).variable).toBe(
      'TELEGRAM_WEBHOOK_SECRET',
    );
    expect(errorOf({ ...base, SLACK_BOT_TOKEN: 'xoxb' }).variable).toBe('SLACK_SIGNING_SECRET');
  });

  it('refuses every secret or token still holding a placeholder, naming it', () => {
    const example = readFileSync(resolve(import.meta.dirname, '..', '.env.example'), 'utf8');
    expect(errorOf({}, example).message).toBe('COINGECKO_WEBHOOK_SECRET: still holds the placeholder from .env.example: set the real value');
    for (const variable of ['CEXPING_WEBHOOK_SECRET', 'TELEGRAM_BOT_TOKEN', 'DISCORD_BOT_TOKEN', 'SLACK_SIGNING_SECRET', 'TELEGRAM_WEBHOOK_SECRET']) {
      expect(errorOf({ ...base, SLACK_BOT_TOKEN: 'xoxb-1', [variable]: 'replace_me' }).variable).toBe(variable);
    }
    expect(errorOf({ COINGECKO_WEBHOOK_SECRET: 'whsec_real, whsec_CHANGEME' }).variable).toBe('COINGECKO_WEBHOOK_SECRET');
    expect(errorOf({ ...base, COINGECKO_API_KEY: 'CG-replace_me' }).variable).toBe('COINGECKO_API_KEY');
  });

  it('turns the CoinGecko API on with its key: the pro plan by default, demo on request, any root to override', () => {
    expect(parseConfig(base).coingeckoApi).toBeUndefined();
    expect(parseConfig({ ...base, COINGECKO_API_PLAN: 'demo' }).coingeckoApi).toBeUndefined();
    expect(parseConfig({ ...base, COINGECKO_API_KEY: 'CG-key' }).coingeckoApi).toEqual({
      key: 'CG-key',
      plan: 'pro',
      root: 'https://pro-api.coingecko.com/api/v3',
      keyHeader: 'x-cg-pro-api-key',
    });
    expect(parseConfig({ ...base, COINGECKO_API_KEY: 'CG-key', COINGECKO_API_PLAN: 'Demo' }).coingeckoApi).toMatchObject({
      plan: 'demo',
      root: 'https://api.coingecko.com/api/v3',
      keyHeader: 'x-cg-demo-api-key',
    });
    expect(parseConfig({ ...base, COINGECKO_API_KEY: 'CG-key', COINGECKO_API_ROOT: 'http://127.0.0.1:9999/api/v3/' }).coingeckoApi?.root).toBe('http://127.0.0.1:9999/api/v3');
    expect(errorOf({ ...base, COINGECKO_API_PLAN: 'analyst' }).message).toBe('COINGECKO_API_PLAN: must be pro or demo');
    expect(errorOf({ ...base, COINGECKO_API_ROOT: 'ftp://x' }).variable).toBe('COINGECKO_API_ROOT');
  });
});

describe('unknownVariableWarnings', () => {
  it('warns about unknown variables with a coinsentry prefix or a near miss, with the closest known name', () => {
    const env = { TELEGRAM_TOKEN: 'x', SLACK_TOKEN: 'x', LOG_LEVL: 'debug', RETENTION_DAZE: '3', DISCORD_FOO: 'x', HOME: '/root', PWD: '/', NODE_ENV: 'production' };
    expect(unknownVariableWarnings(env, 'DATABSE_PATH=/data/x.db\nPORT=1\n')).toEqual([
      'DATABSE_PATH is not a coinsentry setting and is ignored; did you mean DATABASE_PATH?',
      'DISCORD_FOO is not a coinsentry setting and is ignored',
      'LOG_LEVL is not a coinsentry setting and is ignored; did you mean LOG_LEVEL?',
      'RETENTION_DAZE is not a coinsentry setting and is ignored; did you mean RETENTION_DAYS?',
      'SLACK_TOKEN is not a coinsentry setting and is ignored; did you mean SLACK_BOT_TOKEN?',
      'TELEGRAM_TOKEN is not a coinsentry setting and is ignored; did you mean TELEGRAM_BOT_TOKEN?',
    ]);
  });

  it('knows every variable of .env.example, so a copy of it warns about nothing', () => {
    const example = readFileSync(resolve(import.meta.dirname, '..', '.env.example'), 'utf8');
    expect(unknownVariableWarnings({}, example)).toEqual([]);
    expect(KNOWN_VARIABLES).toContain('DOTENV_PATH');
  });
});
