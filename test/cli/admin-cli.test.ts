// The admin CLI's commands, run in-process through runAdmin against a fresh database with the real migrations.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runAdmin } from '../../src/cli/admin-cli.js';
import { createCommandService } from '../../src/core/command-service.js';
import { sqliteChatStore } from '../../src/db/chat-store.js';
import { findChat, listSubscriptions } from '../../src/db/chats.js';
import { claimChats, nextChat } from '../../src/db/outbox-queue.js';
import { writeRows } from '../../src/db/outbox-rows.js';
import { acknowledgeDelivery } from '../../src/db/alert-buttons.js';
import { NOW_MS, tempDb, type TempDb } from '../support/harness.js';
import { command, recordFixture, telegramGroup } from './seed.js';
import { runCli } from './run-cli.js';

let t: TempDb;
beforeEach(() => {
  t = tempDb();
});
afterEach(() => t.cleanup());

const run = (argv: string[], env: Record<string, string> = {}) => runCli(argv, { DATABASE_PATH: t.path, ...env });

const json = <T>(result: { stdout: string }) => JSON.parse(result.stdout) as T;

function deliveriesOf(eventId: string) {
  return t.db.$client
    .prepare(
      `select c.platform_chat_id as chat, d.status as status, d.matched_positions as positions
       from deliveries d join events e on e.id = d.event_row_id join chats c on c.id = d.chat_id
       where e.event_id = ? order by c.platform_chat_id`,
    )
    .all(eventId);
}

describe('admin cli: usage and errors', () => {
  it('answers an unknown command with the usage and exit code 2', async () => {
    const result = await run(['frobnicate']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('unknown command "frobnicate"');
    expect(result.stderr).toContain('import-watchlist --chat <platform:id> --file coins.txt');
  });

  it('refuses an unknown option with the command usage', async () => {
    const result = await run(['stats', '--frob']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('usage: npm run cli -- stats');
  });

  it('says in one line when there is no database at DATABASE_PATH, without creating one', async () => {
    const path = join(t.path, '..', 'missing.db');
    const result = await run(['stats'], { DATABASE_PATH: path });
    expect(result).toEqual({ code: 2, stdout: '', stderr: `no database at ${path}: set DATABASE_PATH (environment or .env) to the server's database file` });
  });

  it('needs no webhook secret, and names a bad variable it reads', async () => {
    expect((await run(['stats'])).code).toBe(0);
    expect(await run(['stats'], { SUBSCRIPTION_LIMIT: 'lots' })).toMatchObject({
      code: 2,
      stderr: 'coinsentry: invalid configuration: SUBSCRIPTION_LIMIT: must be a whole number',
    });
  });

  it('reads DATABASE_PATH from the .env text when the environment lacks it', async () => {
    const code = await runAdmin(['stats'], { env: {}, dotenvText: `DATABASE_PATH=${t.path}\n`, now: () => NOW_MS, stdout: () => {}, stderr: () => {} });
    expect(code).toBe(0);
  });
});

describe('admin cli: stats and chats', () => {
  it('counts events, chats per platform, subscriptions and outbox rows by status', async () => {
    const desk = telegramGroup('-100');
    await command(t.db, desk, 'watch', 'wild-goat-coin-2');
    await command(t.db, { platform: 'discord', platformChatId: '42', kind: 'group', title: 'ops' }, 'watch', 'public_notices');
    await recordFixture(t.db, 'name-update', 'evt-1');
    createCommandService(sqliteChatStore(t.db), { subscriptionLimit: 500 }).chatGone({ platform: 'discord', platformChatId: '42' }, 'missing access');

    const stats = json<{ events: unknown; platforms: unknown; subscriptions: number; outbox: unknown }>(await run(['stats', '--json']));
    expect(stats.events).toEqual({ total: 1, last24h: 1, quarantined: 0 });
    expect(stats.platforms).toEqual([
      { platform: 'discord', activeChats: 0, inactiveChats: 1, subscriptions: 1 },
      { platform: 'telegram', activeChats: 1, inactiveChats: 0, subscriptions: 1 },
    ]);
    expect(stats.subscriptions).toBe(2);
    expect(stats.outbox).toEqual([{ status: 'pending', count: 1 }]);

    const text = (await run(['stats'])).stdout;
    expect(text).toContain('events: 1 total, 1 in the last 24 h, 0 quarantined');
    expect(text).toMatch(/telegram\s+1\s+0\s+1/);
  });

  it('lists the high-severity alerts nobody acknowledged, until someone does', async () => {
    await command(t.db, telegramGroup('-100', 'On-call'), 'watch', 'platforms');
    await recordFixture(t.db, 'contract-migration-same-chain', 'evt-migration');
    const { claims } = claimChats(t.db, [nextChat(t.db, 0)!], { platforms: new Set(['telegram']), now: NOW_MS, limit: 10 });
    const sent = claims[0]!.alerts[0]!;
    writeRows(t.db, [{ id: sent.id, to: 'sent', at: NOW_MS - 3600_000, severity: 'high' }]);

    const text = (await run(['stats'])).stdout;
    expect(text).toContain('unacknowledged high-severity alerts (last 7 days): 1');
    expect(text).toMatch(/Z\s+telegram:-100\s+\S+\s+evt-migration\s+no/);
    acknowledgeDelivery(t.db, sent.id, { at: NOW_MS, by: 'Ada', via: 'telegram' });
    expect((await run(['stats'])).stdout).toContain('unacknowledged high-severity alerts (last 7 days): none');
    expect(json<{ unacknowledged: unknown }>(await run(['stats', '--json'])).unacknowledged).toEqual({ total: 0, alerts: [] });
  });

  it('lists every chat with its state, and filters by --inactive and --platform', async () => {
    await command(t.db, telegramGroup('-100', 'Listing desk'), 'watch', 'bitcoin ethereum');
    await command(t.db, telegramGroup('-200', 'Old group'), 'help', '');
    await command(t.db, { platform: 'slack', platformChatId: 'C1', kind: 'group', title: 'alerts' }, 'help', '');
    createCommandService(sqliteChatStore(t.db), { subscriptionLimit: 500 }).chatGone({ platform: 'telegram', platformChatId: '-200' }, 'bot was kicked');

    const all = await run(['chats']);
    expect(all.code).toBe(0);
    expect(all.stdout).toMatch(/telegram:-100\s+group\s+approved\s+yes\s+2\s+Listing desk/);
    expect(all.stdout).toMatch(/telegram:-200\s+group\s+approved\s+no\s+0\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ bot was kicked\s+Old group/);
    expect(all.stdout).toContain('3 chats (2 active, 1 inactive)');

    const inactive = json<Array<{ platformChatId: string; deactivatedReason: string }>>(await run(['chats', '--inactive', '--json']));
    expect(inactive.map((c) => [c.platformChatId, c.deactivatedReason])).toEqual([['-200', 'bot was kicked']]);
    const slack = json<Array<{ platform: string }>>(await run(['chats', '--platform', 'slack', '--json']));
    expect(slack.map((c) => c.platform)).toEqual(['slack']);
  });
});

describe('admin cli: dead letters', () => {
  async function deadLetter() {
    await command(t.db, telegramGroup('-100'), 'watch', 'wild-goat-coin-2');
    await recordFixture(t.db, 'name-update', 'evt-dead');
    const { claims } = claimChats(t.db, [nextChat(t.db, 0)!], { platforms: new Set(['telegram']), now: Date.now(), limit: 10 });
    const claimed = claims[0]?.alerts[0];
    writeRows(t.db, [{ id: claimed!.id, to: 'dead', error: '400: Bad Request: can\'t parse entities' }]);
    return claimed!.id;
  }

  it('lists every row not final yet by default, held ones (waiting for a digest) included', async () => {
    await command(t.db, telegramGroup('-100'), 'watch', 'wild-goat-coin-2 genius-3');
    await recordFixture(t.db, 'name-update', 'evt-held');
    await recordFixture(t.db, 'category-addition', 'evt-pending');
    const { claims } = claimChats(t.db, [nextChat(t.db, 0)!], { platforms: new Set(['telegram']), now: Date.now(), limit: 1 });
    writeRows(t.db, [{ id: claims[0]!.alerts[0]!.id, to: 'held', at: NOW_MS + 300_000, severity: 'info' }]);
    const rows = json<Array<{ status: string }>>(await run(['outbox', '--json']));
    expect(rows.map((r) => r.status).sort()).toEqual(['held', 'pending']);
    expect((await run(['outbox', '--status', 'pending', '--json'])).stdout).not.toContain('held');
  });

  it('lists dead letters with their last error, chat and event', async () => {
    const id = await deadLetter();
    const result = await run(['dead-letters']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^\\s*${id}\\s+dead\\s+1\\s+.*evt-dead\\s+wild-goat-coin-2\\s+telegram:-100 \\(group -100\\)\\s+400: Bad Request`, 'm'));
  });

  it('requeues the given dead letters, and says how many ids were not dead', async () => {
    const id = await deadLetter();
    const result = await run(['retry-dead-letters', '--id', `${id},999`]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('requeued 1 dead letter (1 given id not a dead letter).');
    expect(result.stdout).toContain('next outbox sweep (within 30 s)');
    expect(deliveriesOf('evt-dead')).toEqual([{ chat: '-100', status: 'pending', positions: '[0]' }]);
    expect((await run(['retry-dead-letters', '--id', '12;13'])).code).toBe(2);
  });
});

describe('admin cli: replay', () => {
  it('queues the event only for chats that did not already get it, and never twice', async () => {
    await command(t.db, telegramGroup('-1'), 'watch', 'wild-goat-coin-2');
    await recordFixture(t.db, 'name-update', 'evt-old');
    await command(t.db, telegramGroup('-2'), 'watch', 'name'); // subscribed after the event
    await command(t.db, telegramGroup('-3'), 'watch', 'symbol'); // matches nothing of it
    await command(t.db, telegramGroup('-4'), 'watch', 'wild-goat-coin-2');
    createCommandService(sqliteChatStore(t.db), { subscriptionLimit: 500 }).chatGone({ platform: 'telegram', platformChatId: '-4' }, 'blocked');

    const first = await run(['replay', 'evt-old']);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('matches 2 active chats now.');
    expect(first.stdout).toContain('queued 1 new alert; 1 chat already had this event');
    expect(first.stdout).toContain('next outbox sweep (within 30 s)');
    expect(deliveriesOf('evt-old')).toEqual([
      { chat: '-1', status: 'pending', positions: '[0]' },
      { chat: '-2', status: 'pending', positions: '[0]' },
    ]);

    const again = json<{ matched: number; added: number; alreadyHad: number }>(await run(['replay', 'evt-old', '--json']));
    expect(again).toMatchObject({ matched: 2, added: 0, alreadyHad: 2 });
    expect(deliveriesOf('evt-old')).toHaveLength(2);
  });

  it('queues nothing for an event type that is not alerted on', async () => {
    await command(t.db, telegramGroup('-1'), 'watch', 'name');
    await recordFixture(t.db, 'unknown-event-type', 'evt-listed');
    const result = await run(['replay', 'evt-listed']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('nothing queued');
    expect(deliveriesOf('evt-listed')).toEqual([]);
  });

  it('refuses an unknown event id with exit code 2', async () => {
    const result = await run(['replay', 'evt-nope']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('no CoinGecko event "evt-nope" in the database');
    expect((await run(['replay'])).code).toBe(2);
  });
});

describe('admin cli: import-watchlist', () => {
  const desk = telegramGroup('-100', 'Listing desk');
  const file = (content: string) => {
    const path = join(t.path, '..', 'coins.txt');
    writeFileSync(path, content);
    return path;
  };
  const watched = () => listSubscriptions(t.db, findChat(t.db, 'telegram', '-100')!.id);
  const importing = (content: string, extra: string[] = [], env: Record<string, string> = {}) =>
    run(['import-watchlist', '--chat', 'telegram:-100', '--file', file(content), ...extra], env);

  it('adds every line as /watch would, counting what was already watched', async () => {
    await command(t.db, desk, 'watch', 'bitcoin');
    const result = await importing('# listing desk\nbitcoin\n\nethereum   # ETH\ncoin:name\nplatforms.ethereum\nsolana platforms\nethereum\n');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('telegram:-100 (Listing desk): added 4, already watched 2, over the cap 0.');
    expect(watched()).toEqual([
      { coinId: '*', field: 'platforms.ethereum' },
      { coinId: 'bitcoin', field: '*' },
      { coinId: 'ethereum', field: '*' },
      { coinId: 'name', field: '*' },
      { coinId: 'solana', field: 'platforms' },
    ]);
  });

  it('applies nothing when any line is bad, and names every bad line', async () => {
    await command(t.db, desk, 'help', '');
    const result = await importing('bitcoin\nBad Coin!\nethereum\n<script>\nplatforms.\n');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('3 bad lines, nothing imported');
    expect(result.stderr).toMatch(/line 2: "Coin!" is not a CoinGecko coin id/);
    expect(result.stderr).toMatch(/line 4: "<script>" is not a CoinGecko coin id/);
    expect(result.stderr).toMatch(/line 5: "platforms\." is not a field/);
    expect(watched()).toEqual([]);
  });

  it('respects the per-chat subscription cap, and says what was left out', async () => {
    await command(t.db, desk, 'watch', 'bitcoin');
    const list = 'bitcoin\nethereum\nsolana\ncardano\npolkadot\n';
    const result = await importing(list, ['--json'], { SUBSCRIPTION_LIMIT: '3' });
    expect(result.code).toBe(0);
    const report = json<{ added: unknown[]; already: unknown[]; overCap: Array<{ coinId: string }> }>(result);
    expect(report.added).toHaveLength(2);
    expect(report.already).toHaveLength(1);
    expect(report.overCap.map((p) => p.coinId)).toEqual(['cardano', 'polkadot']);
    expect(watched()).toHaveLength(3);
    const text = (await importing(list, [], { SUBSCRIPTION_LIMIT: '3' })).stdout;
    expect(text).toContain('not added, the chat holds at most 3 subscriptions (SUBSCRIPTION_LIMIT): cardano: all changes; polkadot: all changes');
  });

  it('writes nothing with --dry-run', async () => {
    await command(t.db, desk, 'help', '');
    const result = await importing('bitcoin\n', ['--dry-run']);
    expect(result.stdout).toContain('would add 1, already watched 0, over the cap 0 (dry run: nothing written)');
    expect(watched()).toEqual([]);
  });

  it('refuses a chat the bot has never seen, pointing at `chats`, with exit code 2', async () => {
    const result = await run(['import-watchlist', '--chat', 'telegram:-999', '--file', file('bitcoin\n')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('no chat telegram:-999 in the database');
    expect(result.stderr).toContain('npm run cli -- chats');
    expect((await run(['import-watchlist', '--chat', '-999', '--file', 'x'])).code).toBe(2);
  });
});
