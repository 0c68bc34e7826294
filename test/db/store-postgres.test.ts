// The storage port's contract on PostgreSQL (a real server from test/support/postgres.ts; a fresh database per test,
// copied from one migrated once), then what only several instances on one database can show: two stores on their own
// connection pools are two instances.
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgres, type PgDb } from '../../src/db/open-postgres.js';
import * as schema from '../../src/db/pg-schema.js';
import { CLAIMER_LOCK_SPACE, createPostgresStore } from '../../src/db/store/postgres-store.js';
import type { Store } from '../../src/db/store/port.js';
import { startTestPostgres, type TestPostgres } from '../support/postgres.js';
import { describeStoreContract, envelope, platforms, update, type StoreFixture } from './store-contract.js';

let server: TestPostgres;
let template: string;
beforeAll(async () => {
  server = await startTestPostgres();
  template = await server.createDatabase();
  await (await openPostgres(server.url(template), { maxConnections: 1 })).$client.end();
}, 60_000);
afterAll(() => server?.stop());

/** A fresh migrated database and `instances` stores on it, each with its own pool (as separate processes have). */
async function instances(n: number): Promise<{ dbs: PgDb[]; stores: Store[]; close: () => Promise<void> }> {
  const url = server.url(await server.createDatabase(template));
  const dbs = await Promise.all(Array.from({ length: n }, () => openPostgres(url, { maxConnections: 4 })));
  const stores = await Promise.all(dbs.map((db) => createPostgresStore(db)));
  return {
    dbs,
    stores,
    close: async () => {
      for (const store of stores) await store.close();
      await Promise.all(dbs.map((db) => db.$client.end()));
    },
  };
}

function fixture(db: PgDb, store: Store, close: () => Promise<void>): StoreFixture & { name: string } {
  return {
    name: new URL(db.$client.options.connectionString!).pathname.slice(1),
    store,
    addChat: async (platformChatId, { platform = 'telegram', active = true, access = 'approved' } = {}) =>
      (await db.insert(schema.chats).values({ platform, platformChatId, kind: 'group', active, access }).returning({ id: schema.chats.id }))[0]!.id,
    subscribe: async (chatId, coinId, field = '*') => void (await db.insert(schema.subscriptions).values({ chatId, coinId, field })),
    addCoin: async (id, symbol) => void (await db.insert(schema.coins).values({ id, symbol, name: id })),
    statusOf: async (id) => (await db.select({ status: schema.deliveries.status }).from(schema.deliveries).where(eq(schema.deliveries.id, id)))[0]!.status,
    setStatus: async (id, status) => void (await db.update(schema.deliveries).set({ status }).where(eq(schema.deliveries.id, id))),
    count: async (table) => Number((await db.execute<{ n: string }>(sql`select count(*) as n from ${sql.identifier(table)}`)).rows[0]!.n),
    close,
  };
}

describeStoreContract('PostgreSQL', async () => {
  const { dbs, stores, close } = await instances(1);
  return fixture(dbs[0]!, stores[0]!, close);
});

describe('PostgreSQL store: several instances on one database', () => {
  it('records a webhook delivered to two instances at once exactly once', async () => {
    const { dbs, stores, close } = await instances(2);
    try {
      const f = fixture(dbs[0]!, stores[0]!, close);
      const chat = await f.addChat('1');
      await f.subscribe(chat, 'pepe');
      const results = await Promise.all(stores.flatMap((store) => [1, 2, 3].map(() => store.recordEvent(envelope('retried'), update('pepe')))));
      expect(results.filter((r) => r.kind === 'recorded')).toHaveLength(1);
      expect(await f.count('deliveries')).toBe(1);
    } finally {
      await close();
    }
  });

  it('never gives one row, or one chat, to two claimers, and every row is sent exactly once', async () => {
    const { dbs, stores, close } = await instances(2);
    try {
      const f = fixture(dbs[0]!, stores[0]!, close);
      const chats: number[] = [];
      for (let i = 0; i < 20; i++) chats.push(await f.addChat(String(i)));
      for (const chat of chats) await f.subscribe(chat, 'pepe');
      const events = 40;
      for (let i = 0; i < events; i++) await stores[i % 2]!.recordEvent(envelope(), update('pepe'));

      const sent = new Map<number, number>(); // row id → times sent
      const holders = new Map<number, number>(); // chat id → the claimer holding it now
      const rowsClaimed = [0, 0];
      // Both instances claim the same chats in the same order at the same time, round after round, until the outbox
      // is empty; each settles what it claimed before claiming again. A chat is held from its claim until its settlement
      // has committed, and the other instance must not claim it meanwhile.
      const run = async (me: number) => {
        for (;;) {
          const { claims } = await stores[me]!.claimChats(chats, { platforms, now: 1, limit: 60 });
          if (claims.length === 0 && [...sent.values()].reduce((a, b) => a + b, 0) === chats.length * events) return;
          for (const c of claims) {
            expect(holders.get(c.chatId), `chat ${c.chatId} claimed by both instances`).toBeUndefined();
            holders.set(c.chatId, me);
          }
          const ids = claims.flatMap((c) => c.alerts.map((r) => r.id));
          rowsClaimed[me]! += ids.length;
          for (const id of ids) sent.set(id, (sent.get(id) ?? 0) + 1);
          await stores[me]!.writeRows(ids.map((id) => ({ id, to: 'sent' as const, at: 1 })));
          for (const c of claims) holders.delete(c.chatId);
        }
      };
      await Promise.all([run(0), run(1)]);
      expect(sent.size).toBe(chats.length * events);
      expect([...sent.values()].filter((n) => n !== 1)).toEqual([]);
      // Both took part: the test raced two claimers, not one after the other.
      expect(rowsClaimed.every((n) => n > 0)).toBe(true);
      expect(await f.count('deliveries')).toBe(chats.length * events);
    } finally {
      await close();
    }
  });

  it("takes back a dead instance's rows in flight, never a live one's, and the dead one's late settlement changes nothing", async () => {
    const { dbs, stores, close } = await instances(2);
    const [a, b] = stores as [Store, Store];
    try {
      const f = fixture(dbs[1]!, b, close);
      const chat = await f.addChat('1');
      await f.subscribe(chat, 'pepe');
      await b.recordEvent(envelope(), update('pepe'));
      const [row] = (await a.claimChats([chat], { platforms, now: 1, limit: 10 })).claims[0]!.alerts;
      expect(await b.resumeInFlight()).toBe(0);
      expect(await b.stillInFlight(row!.id)).toBe(false);
      expect(await a.stillInFlight(row!.id)).toBe(true);
      // A's connections go as a killed process's do: its advisory lock with them.
      await a.close();
      expect(await b.resumeInFlight()).toBe(1);
      const again = (await b.claimChats([chat], { platforms, now: 1, limit: 10 })).claims[0]!.alerts;
      expect(again.map((r) => r.id)).toEqual([row!.id]);
      await a.writeRows([{ id: row!.id, to: 'dead', error: 'late' }]);
      expect(await f.statusOf(row!.id)).toBe('sending');
      await b.writeRows([{ id: row!.id, to: 'sent', at: 2 }]);
      expect(await f.statusOf(row!.id)).toBe('sent');
    } finally {
      await b.close();
      await Promise.all(dbs.map((db) => db.$client.end()));
    }
  });

  it('takes a new claimer key when the connection holding its lock is lost, and gives up the rows claimed under the old one', async () => {
    const { dbs, stores, close } = await instances(2);
    const [a, b] = stores as [Store, Store];
    try {
      const f = fixture(dbs[1]!, b, close);
      const chats = [await f.addChat('1'), await f.addChat('2')];
      for (const chat of chats) await f.subscribe(chat, 'pepe');
      await b.recordEvent(envelope(), update('pepe'));
      const [before] = (await a.claimChats([chats[0]!], { platforms, now: 1, limit: 10 })).claims[0]!.alerts;
      const keyOf = async (id: number) => (await server.query<{ k: number | null }>(f.name, 'select claimed_by as k from deliveries where id = $1', [id]))[0]!.k;
      const oldKey = await keyOf(before!.id);
      // The server ends A's lock connection (a failover, an admin's pg_terminate_backend); A itself lives on.
      const ended = await server.query<{ ok: boolean }>(
        f.name,
        "select pg_terminate_backend(pid, 5000) as ok from pg_locks where locktype = 'advisory' and classid = $1::oid and objid = $2::oid",
        [CLAIMER_LOCK_SPACE, oldKey],
      );
      expect(ended).toEqual([{ ok: true }]);
      // A's next claim stamps its rows with a new key it holds: B takes back only the row claimed under the lost one.
      const [after] = (await a.claimChats([chats[1]!], { platforms, now: 1, limit: 10 })).claims[0]!.alerts;
      expect(await keyOf(after!.id)).not.toBe(oldKey);
      expect(await b.resumeInFlight()).toBe(1);
      expect([await f.statusOf(before!.id), await f.statusOf(after!.id)]).toEqual(['pending', 'sending']);
      expect([await a.stillInFlight(before!.id), await a.stillInFlight(after!.id)]).toEqual([false, true]);
    } finally {
      await close();
    }
  });
});
