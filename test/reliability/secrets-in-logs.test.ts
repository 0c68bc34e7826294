// Secrets never reach a log line. The whole bot runs at debug level with recognisable credentials (webhook secret, the
// three platform tokens, Slack's signing secret) through good and bad webhooks, signed and forged commands on every
// platform, platform faults (resets, timeouts, 5xx, 429, revoked tokens) and a locked database; the captured lines
// contain none of the credentials, in any common encoding, and none of the signatures that were sent.
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { signSlackRequest } from '../../src/platforms/slack/verify-slack-signature.js';
import { signWebhook } from '../../src/sources/coingecko/verify-signature.js';
import { slashForm } from '../platforms/slack-harness.js';
import { ANSWERS } from './support/platform-answers.js';
import { CREDENTIALS, PLATFORMS, chatId, nameChange, outboxCounts, startWorld, until, type World } from './support/world.js';

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

/** Every form a credential could take in a line: as is, URL-encoded, base64, JSON-escaped, and its secret half. */
function forms(secret: string): string[] {
  const half = secret.includes(':') ? secret.split(':')[1]! : secret.slice(Math.floor(secret.length / 3));
  return [secret, encodeURIComponent(secret), Buffer.from(secret).toString('base64'), JSON.stringify(secret).slice(1, -1), half];
}

async function exercise(w: World): Promise<string[]> {
  const signatures: string[] = [];
  const now = () => String(Math.floor(Date.now() / 1000));
  const webhook = (body: string, eventId: string, options: { secret?: string; timestamp?: string } = {}) => {
    const timestamp = options.timestamp ?? now();
    const signature = signWebhook(options.secret ?? CREDENTIALS.webhookSecret, timestamp, eventId, body);
    signatures.push(signature);
    return w.bot.app.request('/webhooks/coingecko', {
      method: 'POST',
      headers: { 'x-cg-timestamp': timestamp, 'x-cg-event-id': eventId, 'x-cg-signature': signature },
      body,
    });
  };
  const slash = (text: string, secret: string) => {
    const body = slashForm(text, { channelId: chatId('slack', 1) });
    const timestamp = now();
    const signature = signSlackRequest(secret, timestamp, body);
    signatures.push(signature);
    return w.bot.app.request('/slack/commands', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': timestamp, 'x-slack-signature': signature },
      body,
    });
  };

  for (const platform of PLATFORMS) for (let i = 0; i < 4; i += 1) w.watch(platform, chatId(platform, i), 'secret-coin');
  // Faults on the first chats of each platform: a reset, a hang past the client's timeout, a 5xx, a 429.
  for (const platform of PLATFORMS) {
    w.proxy(platform).fail(chatId(platform, 0), { kind: 'reset' });
    w.proxy(platform).fail(chatId(platform, 1), { kind: 'hang' });
    w.proxy(platform).fail(chatId(platform, 2), ANSWERS[platform].serverError(502));
    w.proxy(platform).fail(chatId(platform, 3), ANSWERS[platform].rateLimited(1));
  }
  expect((await webhook(nameChange('secret-coin'), 'evt-secret-1')).status).toBe(200);
  expect((await webhook(nameChange('secret-coin'), 'evt-secret-1')).status).toBe(200);
  expect((await webhook(nameChange('secret-coin'), 'evt-secret-2', { secret: 'whsec_forged' })).status).toBe(401);
  expect((await webhook(nameChange('secret-coin'), 'evt-secret-3', { timestamp: String(Math.floor(Date.now() / 1000) - 3600) })).status).toBe(401);
  expect((await webhook('{"not": "a payload"', 'evt-secret-4')).status).toBe(202);
  expect((await slash('/coinsentry watch bitcoin', CREDENTIALS.slackSigningSecret)).status).toBe(200);
  expect((await slash('/coinsentry watch bitcoin', 'forged-signing-secret')).status).toBe(401);
  await w.telegram.fake.say({ id: 4242, type: 'private' }, '/watch bitcoin');
  await w.discord.fake.interact({ command: 'watch', targets: 'bitcoin' });
  await until(() => PLATFORMS.every((p) => [0, 1, 2, 3].every((i) => w.delivered(p, chatId(p, i)) === 1)), 'every alert after the faults', 20_000);

  // A locked database: the webhook gets 503 and the error is logged.
  const locker = new Database(w.path);
  locker.exec('begin immediate');
  expect((await webhook(nameChange('secret-coin', 'Locked'), 'evt-secret-5')).status).toBe(503);
  locker.exec('rollback');
  locker.close();

  // Every token revoked: each platform's refusal is logged.
  for (const platform of PLATFORMS) w.proxy(platform).failAll(ANSWERS[platform].tokenRevoked, 'everything');
  expect((await webhook(nameChange('secret-coin', 'Revoked'), 'evt-secret-6')).status).toBe(200);
  await until(() => w.lines.filter((l) => l.includes('refused our credentials')).length === 3, 'every platform reports its refused token');
  await w.bot.dispatcher.idle();
  // The revoked event's 12 alerts wait, none lost. (An earlier alert may wait too: a send whose connection was reset
  // after the platform had it is retried — at least once — and that retry now meets the revoked token.)
  const waiting = w.db.$client
    .prepare("select count(*) as n from deliveries d join events e on e.id = d.event_row_id where e.event_id = 'evt-secret-6' and d.status = 'pending'")
    .get() as { n: number };
  expect(waiting.n).toBe(12);
  expect(outboxCounts(w.db).dead ?? 0).toBe(0);
  return signatures;
}

describe('secrets in logs', () => {
  // The logger also scrubs every configured secret from finished lines (main.ts; the crash tests check the server's
  // own output): here it is off, so this proves the code writes none of them in the first place.
  it('no credential or signature appears in any log line, even with the logger\'s scrubber off', async () => {
    world = await startWorld({ clientTimeoutMs: 1000, scrubSecrets: false });
    const signatures = await exercise(world);
    const all = world.lines.join('\n');
    for (const [name, secret] of Object.entries(CREDENTIALS)) {
      for (const form of forms(secret)) expect(all, `${name} (${form}) is in the log`).not.toContain(form);
    }
    for (const signature of signatures) expect(all).not.toContain(signature);
  }, 60_000);
});
