// /recent must cost what it returns: SQLite's plan for each history query is an index walk in id order (no scan of
// changes or events, no temporary sort), and the answers are right for top-level fields, sub-fields and coins.
import { afterEach, describe, expect, it } from 'vitest';
import type { RecentAlert, RecentEntry } from '../../src/core/recent.js';
import { CHAT_HISTORY_SQL, chatHistory, coinEvents, coinHistory, fieldEvents, fieldHistory } from '../../src/db/history.js';
import { tempDb, type TempDb } from '../support/harness.js';

let t: TempDb;
afterEach(() => t.cleanup());

function plan(query: { toSQL(): { sql: string; params: unknown[] } }): string {
  const { sql, params } = query.toSQL();
  return (t.db.$client.prepare(`explain query plan ${sql}`).all(...params) as Array<{ detail: string }>).map((r) => r.detail).join('\n');
}

function seed(): void {
  const sql = t.db.$client;
  const event = sql.prepare("insert into events (source, event_id, event_type, coin_id, occurred_at, raw_body) values ('coingecko', ?, 'cg.coin.info.updated', ?, 0, '{}')");
  const change = sql.prepare("insert into changes (event_row_id, position, field, change_type, new_value) values (?, ?, ?, 'update', '\"x\"')");
  sql.transaction(() => {
    for (let i = 1; i <= 40; i += 1) {
      const id = Number(event.run(`e${i}`, i % 2 ? 'bitcoin' : 'ethereum').lastInsertRowid);
      change.run(id, 0, i % 4 === 0 ? 'platforms.ethereum' : i % 4 === 1 ? 'platforms.solana' : 'name');
    }
    event.run('no-changes', 'bitcoin'); // an unhandled event type: recorded, nothing changed
  })();
}

/** The alerts of a history answer (no retention has run here, so no horizon marker follows them). */
const alerts = (entries: RecentEntry[]) => entries.filter((e): e is RecentAlert => 'source' in e);

describe('/recent history queries', () => {
  it('walk an index newest first for a coin, a top-level field and a sub-field', () => {
    t = tempDb();
    seed();
    expect(plan(coinEvents(t.db, 'bitcoin', 10))).toMatch(/SEARCH events USING (COVERING )?INDEX events_coin/);
    expect(plan(fieldEvents(t.db, 'platforms', 10))).toMatch(/SEARCH changes USING (COVERING )?INDEX changes_top_field_event/);
    expect(plan(fieldEvents(t.db, 'platforms.ethereum', 10))).toMatch(/SEARCH changes USING (COVERING )?INDEX changes_field_event/);
    for (const query of [coinEvents(t.db, 'bitcoin', 10), fieldEvents(t.db, 'platforms', 10), fieldEvents(t.db, 'links.homepage', 10)]) {
      expect(plan(query)).not.toMatch(/SCAN (changes|events)|TEMP B-TREE/);
    }
  });

  it('answer newest first, only events that changed something, within the count', () => {
    t = tempDb();
    seed();
    expect(alerts(coinHistory(t.db, 'bitcoin', 3)).map((e) => e.source.eventId)).toEqual(['e39', 'e37', 'e35']);
    expect(alerts(fieldHistory(t.db, 'platforms', 3)).map((e) => [e.source.eventId, e.source.changes[0]!.field])).toEqual([
      ['e40', 'platforms.ethereum'],
      ['e37', 'platforms.solana'],
      ['e36', 'platforms.ethereum'],
    ]);
    expect(alerts(fieldHistory(t.db, 'platforms.solana', 2)).map((e) => e.source.eventId)).toEqual(['e37', 'e33']);
    expect(alerts(fieldHistory(t.db, 'name', 50))).toHaveLength(20);
  });

  it("read a chat's own alerts through its per-status index slices, never its whole history, newest first", () => {
    t = tempDb();
    seed();
    const sql = t.db.$client;
    sql.exec("insert into chats (platform, platform_chat_id, kind) values ('telegram', '1', 'private'), ('telegram', '2', 'private')");
    const row = sql.prepare('insert into deliveries (event_row_id, chat_id, status, matched_positions, next_attempt_at) values (?, ?, ?, \'[0]\', ?)');
    const statuses = ['sent', 'muted', 'pending', 'sent', 'held', 'dead', 'cancelled', 'sent'];
    for (let event = 1; event <= 40; event += 1) row.run(event, 1 + (event % 2), statuses[event % statuses.length], 1000 + event);
    const detail = (sql.prepare(`explain query plan ${CHAT_HISTORY_SQL}`).all({ chatId: 1, limit: 5 }) as Array<{ detail: string }>).map((r) => r.detail).join('\n');
    expect(detail).toMatch(/SEARCH deliveries USING INDEX deliveries_chat_status_due/);
    expect(detail).not.toMatch(/SCAN deliveries/);
    // Chat 2 has the odd events; its five newest rows, whatever their status.
    expect(alerts(chatHistory(t.db, 2, 5)).map((e) => e.source.eventId)).toEqual(['e39', 'e37', 'e35', 'e33', 'e31']);
  });
});
