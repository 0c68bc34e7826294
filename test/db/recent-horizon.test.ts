// /recent after retention: when the history runs out, the reply says from when on it is kept, so an empty or short
// answer is not mistaken for "nothing ever happened".
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findChat } from '../../src/db/chats.js';
import { DAY_MS, pruneNow } from '../../src/db/retention.js';
import { command, telegramGroup } from '../cli/seed.js';
import { NOW_MS, tempDb, type TempDb } from '../support/harness.js';
import { historyWriter } from './history-rows.js';

let t: TempDb;
beforeEach(() => {
  t = tempDb();
});
afterEach(() => t.cleanup());

const desk = telegramGroup('-100', 'Listing desk');
const HORIZON = 'Nothing older is kept: history before 2026-03-14 07:40 UTC was removed (this bot keeps 30 days).';

async function seed() {
  await command(t.db, desk, 'watch', 'wild-goat-coin-2');
  const chatId = findChat(t.db, 'telegram', '-100')!.id;
  const add = historyWriter(t.db);
  add({ eventId: 'old', at: NOW_MS - 40 * DAY_MS, deliveries: [{ chatId, status: 'sent' }] });
  add({ eventId: 'recent', at: NOW_MS - DAY_MS, deliveries: [{ chatId, status: 'sent' }] });
}

describe('/recent and retention', () => {
  it('says how far back history goes when it runs out after a prune', async () => {
    await seed();
    const before = await command(t.db, desk, 'recent', '');
    expect(before?.split('\n')).toHaveLength(3);
    expect(before).not.toContain('Nothing older');

    pruneNow(t.db, { now: NOW_MS, retentionDays: 30 });
    const chat = (await command(t.db, desk, 'recent', ''))!.split('\n');
    expect(chat).toHaveLength(3);
    expect(chat[2]).toBe(HORIZON);
    expect((await command(t.db, desk, 'recent', 'wild-goat-coin-2'))!.split('\n').at(-1)).toBe(HORIZON);
    expect(await command(t.db, desk, 'recent', 'public_notices')).toBe(`Nothing recorded for public_notices yet.\n${HORIZON}`);
  });

  it('says nothing about the horizon when the count asked for is filled', async () => {
    await seed();
    pruneNow(t.db, { now: NOW_MS, retentionDays: 30 });
    expect(await command(t.db, desk, 'recent', '1')).not.toContain('Nothing older');
  });
});
