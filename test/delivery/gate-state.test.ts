// The gate's view of chats: read for a pump's chats at once (preload) it is the same as read chat by chat.
import { afterEach, describe, expect, it } from 'vitest';
import { CHATS_MUTES_SQL, createGateStateReader } from '../../src/delivery/gate-state.js';
import { tempDb, type TempDb } from '../support/harness.js';

let t: TempDb;
afterEach(() => t.cleanup());

describe('the gate state reader', () => {
  it('reads the same mutes, recent low-severity sends and pending digest for many chats at once as one by one', () => {
    t = tempDb();
    const sql = t.db.$client;
    const now = 1_800_000_000_000;
    sql.exec("insert into chats (platform, platform_chat_id, kind) values ('telegram', '1', 'private'), ('telegram', '2', 'group'), ('telegram', '3', 'group')");
    sql.exec("insert into events (source, event_id, event_type, occurred_at, raw_body) values ('coingecko', 'e1', 'cg.coin.info.updated', 0, '{}')");
    const event = Number(sql.prepare('select id from events').pluck().get());
    const mute = sql.prepare('insert into mutes (chat_id, kind, target, until) values (?, ?, ?, ?)');
    mute.run(1, 'coin', 'bitcoin', now + 60_000);
    mute.run(1, 'field', 'categories', now + 30_000);
    mute.run(2, 'chat', '*', now - 1); // expired
    const row = sql.prepare("insert into deliveries (event_row_id, chat_id, status, severity, matched_positions, next_attempt_at) values (?, ?, ?, ?, '[0]', ?)");
    // Chat 2: seven low-severity sends in the window (counted up to the threshold, 5), one high, one too old; a held row.
    for (let i = 0; i < 7; i += 1) sql.prepare('insert into events (source, event_id, event_type, occurred_at, raw_body) values (?, ?, ?, 0, ?)').run('coingecko', `x${i}`, 't', '{}');
    const ids = sql.prepare('select id from events order by id').pluck().all() as number[];
    ids.slice(1).forEach((id, i) => row.run(id, 2, 'sent', 'info', now - 1000 * (i + 1)));
    row.run(event, 2, 'held', 'info', now + 5_000);
    row.run(event, 3, 'sent', 'high', now - 1000);
    const digest = { threshold: 5, windowMs: 300_000 };

    const oneByOne = createGateStateReader(t.db, now, digest);
    const atOnce = createGateStateReader(t.db, now, digest);
    atOnce.preload([1, 2, 3, 4]);
    for (const chatId of [1, 2, 3, 4]) expect(atOnce(chatId)).toEqual(oneByOne(chatId));
    expect(atOnce(1).mutes.map((m) => m.target)).toEqual(['categories', 'bitcoin']);
    expect(atOnce(2)).toEqual({ mutes: [], lowSent: 5, heldUntil: now + 5_000 });
    expect(atOnce(3)).toEqual({ mutes: [], lowSent: 0, heldUntil: undefined });
  });

  it('reads the listed chats\' mutes through the per-chat index, even with statistics that favour mutes_until', () => {
    t = tempDb();
    const sql = t.db.$client;
    sql.exec("insert into chats (platform, platform_chat_id, kind) values ('telegram', '1', 'private')");
    const mute = sql.prepare("insert into mutes (chat_id, kind, target, until) values (1, 'coin', ?, 9e15)");
    for (let i = 0; i < 200; i += 1) mute.run(`coin-${i}`);
    sql.exec('analyze');
    const plan = (sql.prepare(`explain query plan ${CHATS_MUTES_SQL}`).all('[1,2,3]', 0) as Array<{ detail: string }>).map((r) => r.detail).join('\n');
    expect(plan).toMatch(/SEARCH m USING INDEX mutes_chat_target/);
    expect(plan).not.toMatch(/mutes_until/);
  });
});
