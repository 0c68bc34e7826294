// The storage port's contract on SQLite: a fresh in-memory database with the real migrations per test.
import { eq, sql } from 'drizzle-orm';
import { openDatabase } from '../../src/db/open-database.js';
import * as schema from '../../src/db/schema.js';
import { createSqliteStore } from '../../src/db/store/sqlite-store.js';
import { describeStoreContract } from './store-contract.js';

describeStoreContract('SQLite', async () => {
  const db = openDatabase(':memory:');
  return {
    store: createSqliteStore(db),
    addChat: async (platformChatId, { platform = 'telegram', active = true, access = 'approved' } = {}) =>
      db.insert(schema.chats).values({ platform, platformChatId, kind: 'group', active, access }).returning({ id: schema.chats.id }).get().id,
    subscribe: async (chatId, coinId, field = '*') => void db.insert(schema.subscriptions).values({ chatId, coinId, field }).run(),
    addCoin: async (id, symbol) => void db.insert(schema.coins).values({ id, symbol, name: id }).run(),
    statusOf: async (id) => db.select({ status: schema.deliveries.status }).from(schema.deliveries).where(eq(schema.deliveries.id, id)).get()!.status,
    setStatus: async (id, status) => void db.update(schema.deliveries).set({ status }).where(eq(schema.deliveries.id, id)).run(),
    count: async (table) => db.get<{ n: number }>(sql`select count(*) as n from ${sql.identifier(table)}`).n,
    close: async () => void db.$client.close(),
  };
});
