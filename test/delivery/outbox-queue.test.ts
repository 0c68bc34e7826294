// The dispatcher's queues in real SQLite: every query an index seek (never a scan of deliveries), a claim that takes
// each chat's oldest due rows in the order the chats are given, skips chats in flight, and reads the same few rows
// whether 10 or 20,000 alerts wait.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { insertBacklog, insertChats } from '../../bench/seed.js';
import { QUEUE_SQL, claimChats, dueSince, nextChat, resumeInFlight, PER_CHAT_CLAIM } from '../../src/db/outbox-queue.js';
import { writeRows } from '../../src/db/outbox-rows.js';
import { tempDb, type TempDb } from '../support/harness.js';

let t: TempDb;
beforeEach(() => {
  t = tempDb();
});
afterEach(() => t.cleanup());

const platforms = new Set(['telegram']);
const chats = (n: number, start = 1) => insertChats(t.db, Array.from({ length: n }, (_, i) => ({ platform: 'telegram', platformChatId: String(start + i), kind: 'group' as const })));
const statusOf = (id: number) => (t.db.$client.prepare('select status from deliveries where id = ?').get(id) as { status: string }).status;

describe('the queue queries', () => {
  it.each(Object.entries(QUEUE_SQL).flatMap(([name, q]) => (typeof q === 'function' ? [`${name}:pending`, `${name}:held`] : [name])))(
    '%s is an index seek, never a scan of the outbox',
    (key) => {
      const [name, state] = key.split(':') as [keyof typeof QUEUE_SQL, 'pending' | 'held' | undefined];
      const q = QUEUE_SQL[name];
      const text = typeof q === 'function' ? q(state ?? 'pending') : q;
      const params = (text.match(/\?/g) ?? []).map(() => 1);
      const plan = (t.db.$client.prepare(`explain query plan ${text}`).all(...params) as Array<{ detail: string }>).map((p) => p.detail);
      expect(plan.join(' | ')).toMatch(/^SEARCH \w+ USING (COVERING INDEX \w+|INDEX \w+|INTEGER PRIMARY KEY) \(/);
      expect(plan.join(' | ')).not.toMatch(/SCAN|TEMP B-TREE/);
    },
  );
});

describe('claimChats', () => {
  it("takes each chat's oldest due rows, at most PER_CHAT_CLAIM, and skips a chat with a send in flight", () => {
    const [busy, quiet] = chats(2);
    insertBacklog(t.db, [busy!], 2000, 'busy');
    insertBacklog(t.db, [quiet!], 1, 'quiet');
    const first = claimChats(t.db, [busy!, quiet!], { platforms, now: 1, limit: 500 });
    expect(first.claims.map((c) => [c.chatId, c.alerts.length])).toEqual([
      [busy, PER_CHAT_CLAIM],
      [quiet, 1],
    ]);
    expect(first.claims[0]!.alerts.map((r) => r.id)).toEqual(Array.from({ length: PER_CHAT_CLAIM }, (_, i) => i + 1));
    // The busy chat has ten rows in flight: its next turn claims nothing until they are settled.
    expect(claimChats(t.db, [busy!], { platforms, now: 1, limit: 500 }).claims).toEqual([]);
    writeRows(t.db, first.claims[0]!.alerts.map((r) => ({ id: r.id, to: 'sent' as const, at: 1 })));
    expect(claimChats(t.db, [busy!], { platforms, now: 1, limit: 500 }).claims[0]!.alerts[0]!.id).toBe(PER_CHAT_CLAIM + 1);
  });

  it('stops at its limit and hands back the chats it did not reach, and skips chats of platforms not sent to', () => {
    const ids = chats(3);
    insertBacklog(t.db, ids, 5);
    const { claims, unreached } = claimChats(t.db, ids, { platforms, now: 1, limit: 7 });
    expect(claims.map((c) => c.alerts.length)).toEqual([5, 2]);
    expect(unreached).toEqual([ids[2]]);
    expect(claimChats(t.db, [ids[2]!], { platforms: new Set(['discord']), now: 1, limit: 7 }).claims).toEqual([]);
  });

  it('leaves rows not yet due, and reads rows as they fall due from a cursor', () => {
    const [chat] = chats(1);
    insertBacklog(t.db, [chat!], 3);
    const { claims } = claimChats(t.db, [chat!], { platforms, now: 1, limit: 10 });
    writeRows(t.db, claims[0]!.alerts.map((r, i) => ({ id: r.id, to: 'retry' as const, at: 1000 * (i + 1), error: 'HTTP 502' })));
    expect(claimChats(t.db, [chat!], { platforms, now: 500, limit: 10 }).claims).toEqual([]);
    const due = dueSince(t.db, 'pending', { at: 500, id: Number.MAX_SAFE_INTEGER }, 2000, 10);
    expect(due).toEqual({ chatIds: [chat, chat], cursor: { at: 2000, id: 2 }, more: false });
    expect(dueSince(t.db, 'pending', due.cursor, 2000, 10).chatIds).toEqual([]);
    expect(claimChats(t.db, [chat!], { platforms, now: 2000, limit: 10 }).claims[0]!.alerts.map((r) => r.id)).toEqual([1, 2]);
  });

  it('walks the active chats one seek at a time, and resumes rows left in flight', () => {
    const ids = chats(4);
    insertBacklog(t.db, [ids[1]!, ids[3]!], 2);
    t.db.$client.prepare('update chats set active = 0 where id = ?').run(ids[2]);
    expect(nextChat(t.db, 0)).toBe(ids[0]);
    expect(nextChat(t.db, ids[1]!)).toBe(ids[3]);
    expect(nextChat(t.db, ids[3]!)).toBeUndefined();
    const { claims } = claimChats(t.db, ids, { platforms, now: 1, limit: 10 });
    expect(claims.flatMap((c) => c.alerts).map((r) => statusOf(r.id))).toEqual(['sending', 'sending', 'sending', 'sending']);
    expect(resumeInFlight(t.db)).toBe(4);
    expect(statusOf(1)).toBe('pending');
  });
});
