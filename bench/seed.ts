// Bulk seeding for benchmarks that need thousands to a million subscriptions: prepared statements in one transaction
// (the command path, ensureChat + applySubscriptionChanges, is used where the counts are small).
import type { Db } from '../src/db/open-database.js';
import type { ChatKind } from '../src/platforms/port.js';

export interface BulkChat {
  platform: string;
  platformChatId: string;
  kind: ChatKind;
}

export type SubscriptionTriple = readonly [chatId: number, coinId: string, field: string];

/** Inserts chats and returns their row ids, in order. */
export function insertChats(db: Db, chats: Iterable<BulkChat>): number[] {
  const insert = db.$client.prepare('insert into chats (platform, platform_chat_id, kind) values (?, ?, ?)');
  const ids: number[] = [];
  db.$client.transaction(() => {
    for (const chat of chats) ids.push(Number(insert.run(chat.platform, chat.platformChatId, chat.kind).lastInsertRowid));
  })();
  return ids;
}

/** Inserts subscriptions (duplicates ignored) and returns how many were new. */
export function insertSubscriptions(db: Db, rows: Iterable<SubscriptionTriple>): number {
  const insert = db.$client.prepare('insert or ignore into subscriptions (chat_id, coin_id, field) values (?, ?, ?)');
  let added = 0;
  db.$client.transaction(() => {
    for (const [chatId, coinId, field] of rows) added += insert.run(chatId, coinId, field).changes;
  })();
  return added;
}

/** A prime, so `(chat·31 + j·997) mod COIN_SPACE` never repeats a coin within one chat. */
const COIN_SPACE = 20_011;

/**
 * Background subscriptions that never match the benchmark's target coin: `perChat` per chat, mostly whole coins
 * (`/watch some-coin`), some one field of a coin (`/watch some-coin platforms`), and one field for every coin
 * (`/watch public_notices`) per chat, as a realistic mix.
 */
export function* backgroundSubscriptions(chatIds: readonly number[], perChat: number): Generator<SubscriptionTriple> {
  for (const [c, chatId] of chatIds.entries()) {
    for (let j = 0; j < perChat; j += 1) {
      if (j === 1) {
        yield [chatId, '*', 'public_notices'];
        continue;
      }
      const coin = `coin-${(c * 31 + j * 997) % COIN_SPACE}`;
      yield [chatId, coin, j % 10 === 0 ? 'platforms' : '*'];
    }
  }
}

/** `count` chats on `platform`, ids `${prefix}${start + i}` (numeric text for Telegram). */
export function* bulkChats(platform: string, count: number, kind: ChatKind = 'private', start = 1_000_000): Generator<BulkChat> {
  for (let i = 0; i < count; i += 1) yield { platform, platformChatId: String(start + i), kind };
}

/**
 * A backlog already queued: `perChat` pending alerts for each chat (a name change each, medium severity, so none is held
 * for a digest), as if that many events had matched them. Returns the number of rows inserted.
 */
export function insertBacklog(db: Db, chatIds: readonly number[], perChat: number, tag = 'backlog'): number {
  const sqlite = db.$client;
  const event = sqlite.prepare<[string, string], { id: number }>(
    `insert into events (source, event_id, event_type, coin_id, coin_symbol, coin_name, occurred_at, raw_body)
     values ('coingecko', ?, 'cg.coin.info.updated', ?, 'BKL', 'Backlog Coin', 1776066000, '{}') returning id`,
  );
  const change = sqlite.prepare<[number]>(
    `insert into changes (event_row_id, position, field, change_type, old_value, new_value)
     values (?, 0, 'name', 'update', '"Backlog Coin"', '"Backlog Coin [OLD]"')`,
  );
  const delivery = sqlite.prepare<[number, number]>("insert into deliveries (event_row_id, chat_id, matched_positions) values (?, ?, '[0]')");
  let rows = 0;
  sqlite.transaction(() => {
    for (let i = 0; i < perChat; i += 1) {
      const { id } = event.get(`${tag}-${i}`, `${tag}-coin`)!;
      change.run(id);
      for (const chatId of chatIds) rows += delivery.run(id, chatId).changes;
    }
  })();
  return rows;
}
