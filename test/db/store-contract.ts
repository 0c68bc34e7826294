// The storage port's contract, one suite for every store (as unjs/unstorage runs test/drivers/utils.ts against every
// driver): test/db/store-sqlite.test.ts and test/db/store-postgres.test.ts call it with a fresh, migrated database per
// test. Everything goes through the port — webhooks are recorded with recordEvent, so the outbox rows claimed are the
// ones ingest wrote — and only the chats and subscriptions (the command service's business) are seeded directly.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ParsedEvent } from '../../src/core/event.js';
import { ANY } from '../../src/core/fields.js';
import { PER_CHAT_CLAIM } from '../../src/db/outbox-queue.js';
import type { Envelope, RowUpdate, Store } from '../../src/db/store/port.js';

export interface StoreFixture {
  store: Store;
  /** Adds a chat (approved and active unless told) and returns its id. */
  addChat(platformChatId: string, options?: { platform?: string; active?: boolean; access?: string }): Promise<number>;
  subscribe(chatId: number, coinId: string, field?: string): Promise<void>;
  /** A coin known from an earlier event (what a listing's symbol resolves to). */
  addCoin(id: string, symbol: string): Promise<void>;
  statusOf(deliveryId: number): Promise<string>;
  /** Sets a row's status behind the store's back (an admin cancelling it, a chat deactivated). */
  setStatus(deliveryId: number, status: string): Promise<void>;
  count(table: 'events' | 'changes' | 'deliveries' | 'quarantine' | 'coins'): Promise<number>;
  close(): Promise<void>;
}

export const platforms = new Set(['telegram']);

let received = 0;
/** A CoinGecko-like envelope; a new event id unless one is given. */
export const envelope = (eventId = `evt-${++received}`): Envelope => ({ source: 'coingecko', eventId, occurredAt: 1_776_066_000, rawBody: '{"test":true}' });

/** An update of `field` of `coin` (by id), or of a coin named only by its symbol. */
export function update(coin: string | { symbol: string }, field = 'platforms.ethereum', extra: Partial<ParsedEvent> = {}): ParsedEvent {
  return {
    eventType: 'cg.coin.info.updated',
    coin: typeof coin === 'string' ? { id: coin, symbol: coin.slice(0, 4).toUpperCase(), name: `${coin} coin` } : null,
    ...(typeof coin === 'string' ? {} : { symbol: coin.symbol }),
    changes: [
      { position: 0, field, changeType: 'update', oldValue: '"0xold"', newValue: '"0xnew"' },
      { position: 1, field: 'name', changeType: 'update', oldValue: '"Old"', newValue: '"New"' },
    ],
    handled: true,
    ...extra,
  };
}

/** Runs the contract against the store `open` makes (a fresh database each time). */
export function describeStoreContract(name: string, open: () => Promise<StoreFixture>): void {
  describe(`${name} store: the storage port's contract`, () => {
    let f: StoreFixture;
    beforeEach(async () => {
      f = await open();
    });
    afterEach(() => f.close());

    /** Records `n` events about `coin`: each queues one alert for every chat watching it. */
    const queue = async (coin: string, n: number) => {
      for (let i = 0; i < n; i++) await f.store.recordEvent(envelope(), update(coin));
    };
    const claim = (chatIds: number[], now = 1, limit = 500) => f.store.claimChats(chatIds, { platforms, now, limit });
    const sentAll = (ids: number[], at = 1): RowUpdate[] => ids.map((id) => ({ id, to: 'sent', at }));

    describe('recording a webhook', () => {
      it('stores the event with its changes and queues one alert per matching chat, through each kind of subscription', async () => {
        const byCoin = await f.addChat('1');
        const byField = await f.addChat('2');
        const everyCoin = await f.addChat('3');
        const otherCoin = await f.addChat('4');
        const inactive = await f.addChat('5', { active: false });
        const stranger = await f.addChat('6', { access: 'pending' });
        await f.subscribe(byCoin, 'pepe');
        await f.subscribe(byField, 'pepe', 'platforms');
        await f.subscribe(everyCoin, ANY, 'platforms.ethereum');
        await f.subscribe(otherCoin, 'bonk');
        await f.subscribe(inactive, 'pepe');
        await f.subscribe(stranger, 'pepe');
        const result = await f.store.recordEvent(envelope(), update('pepe'));
        expect(result).toMatchObject({ kind: 'recorded', deliveries: 3 });
        expect(result.kind === 'recorded' && [...result.chatIds].sort((a, b) => a - b)).toEqual([byCoin, byField, everyCoin]);
        expect([await f.count('events'), await f.count('changes'), await f.count('deliveries'), await f.count('coins')]).toEqual([1, 2, 3, 1]);
      });

      it('answers a retried event id as a duplicate and changes nothing', async () => {
        const chat = await f.addChat('1');
        await f.subscribe(chat, 'pepe');
        const first = await f.store.recordEvent(envelope('same'), update('pepe'));
        expect(first.kind).toBe('recorded');
        expect(await f.store.recordEvent(envelope('same'), update('pepe', 'categories'))).toEqual({ kind: 'duplicate' });
        expect([await f.count('events'), await f.count('changes'), await f.count('deliveries')]).toEqual([1, 2, 1]);
      });

      it('records one of several copies of an event arriving at once', async () => {
        const chat = await f.addChat('1');
        await f.subscribe(chat, 'pepe');
        const results = await Promise.all(Array.from({ length: 6 }, () => f.store.recordEvent(envelope('burst'), update('pepe'))));
        expect(results.filter((r) => r.kind === 'recorded')).toHaveLength(1);
        expect(await f.count('deliveries')).toBe(1);
      });

      it('resolves a symbol to the one known coin that has it, and to no coin when several have it', async () => {
        const chat = await f.addChat('1');
        await f.subscribe(chat, 'pepe');
        await f.addCoin('pepe', 'PEPE');
        expect(await f.store.recordEvent(envelope(), update({ symbol: 'pepe' }))).toMatchObject({ kind: 'recorded', chatIds: [chat] });
        await f.addCoin('pepe-2', 'Pepe');
        expect(await f.store.recordEvent(envelope(), update({ symbol: 'PEPE' }))).toMatchObject({ kind: 'recorded', deliveries: 0 });
      });

      it('records an event type it does not act on without queueing alerts', async () => {
        const chat = await f.addChat('1');
        await f.subscribe(chat, 'pepe');
        expect(await f.store.recordEvent(envelope(), update('pepe', 'name', { handled: false }))).toMatchObject({ kind: 'recorded', deliveries: 0 });
        expect(await f.count('changes')).toBe(2);
      });

      it('quarantines an unusable body once per event id', async () => {
        expect(await f.store.quarantine(envelope('bad'), 'not JSON')).toBe(true);
        expect(await f.store.quarantine(envelope('bad'), 'not JSON')).toBe(false);
        expect(await f.count('quarantine')).toBe(1);
      });
    });

    describe('the outbox queue', () => {
      it("claims each chat's oldest due rows, at most PER_CHAT_CLAIM, and skips a chat with a send in flight", async () => {
        const busy = await f.addChat('1');
        const quiet = await f.addChat('2');
        await f.subscribe(busy, 'busy');
        await f.subscribe(quiet, 'quiet');
        await queue('busy', PER_CHAT_CLAIM + 2);
        await queue('quiet', 1);
        const first = await claim([busy, quiet]);
        expect(first.claims.map((c) => [c.chatId, c.alerts.length])).toEqual([
          [busy, PER_CHAT_CLAIM],
          [quiet, 1],
        ]);
        const busyIds = first.claims[0]!.alerts.map((r) => r.id);
        expect(busyIds).toEqual([...busyIds].sort((a, b) => a - b));
        expect(first.claims[0]!.alerts[0]).toMatchObject({ chatId: busy, attempts: 0, positions: [0, 1], reminderOf: null, chat: { platform: 'telegram', platformChatId: '1' } });
        expect(await f.statusOf(busyIds[0]!)).toBe('sending');
        expect((await claim([busy])).claims).toEqual([]);
        await f.store.writeRows(sentAll(busyIds));
        const next = await claim([busy]);
        expect(next.claims[0]!.alerts).toHaveLength(2);
        expect(Math.min(...next.claims[0]!.alerts.map((r) => r.id))).toBeGreaterThan(Math.max(...busyIds));
      });

      it('stops at its limit, hands back the chats it did not reach, and skips chats of platforms not sent to or inactive', async () => {
        const ids = [await f.addChat('1'), await f.addChat('2'), await f.addChat('3'), await f.addChat('4', { platform: 'discord' })];
        for (const id of ids) await f.subscribe(id, 'pepe');
        await queue('pepe', 5);
        const { claims, unreached } = await claim(ids.slice(0, 3), 1, 7);
        expect(claims.map((c) => c.alerts.length)).toEqual([5, 2]);
        expect(unreached).toEqual([ids[2]]);
        expect((await claim([ids[3]!])).claims).toEqual([]);
      });

      it('leaves rows not yet due, and reads rows as they fall due from a cursor', async () => {
        const chat = await f.addChat('1');
        await f.subscribe(chat, 'pepe');
        await queue('pepe', 3);
        const rows = (await claim([chat])).claims[0]!.alerts;
        await f.store.writeRows(rows.map((r, i) => ({ id: r.id, to: 'retry' as const, at: 1000 * (i + 1), error: 'HTTP 502' })));
        expect((await claim([chat], 500)).claims).toEqual([]);
        expect(await f.store.nextDueAfter('pending', 500)).toBe(1000);
        const due = await f.store.dueSince('pending', { at: 500, id: Number.MAX_SAFE_INTEGER }, 2000, 10);
        expect(due).toEqual({ chatIds: [chat, chat], cursor: { at: 2000, id: rows[1]!.id }, more: false });
        expect((await f.store.dueSince('pending', due.cursor, 2000, 10)).chatIds).toEqual([]);
        const retried = (await claim([chat], 2000)).claims[0]!.alerts;
        expect(retried.map((r) => [r.id, r.attempts])).toEqual([
          [rows[0]!.id, 1],
          [rows[1]!.id, 1],
        ]);
      });

      it('holds rows for a digest and claims them together once it is due', async () => {
        const chat = await f.addChat('1');
        await f.subscribe(chat, 'pepe');
        await queue('pepe', 3);
        const rows = (await claim([chat])).claims[0]!.alerts;
        await f.store.writeRows(rows.map((r) => ({ id: r.id, to: 'held' as const, at: 5000, severity: 'info' })));
        expect(await f.store.heldUntil(chat)).toBe(5000);
        expect((await claim([chat], 4999)).claims).toEqual([]);
        const { claims } = await claim([chat], 5000);
        expect(claims[0]!.alerts).toEqual([]);
        expect(claims[0]!.digest.map((r) => r.id)).toEqual(rows.map((r) => r.id));
        await f.store.writeRows(sentAll(rows.map((r) => r.id), 5000));
        expect(await f.store.heldUntil(chat)).toBeUndefined();
        expect(await f.store.recentLowSeverity(chat, 4000, 10)).toBe(3);
        expect(await f.store.recentLowSeverity(chat, 4000, 2)).toBe(2);
        expect(await f.store.recentLowSeverity(chat, 5000, 10)).toBe(0);
      });

      it('counts only low-severity sends toward the digest', async () => {
        const chat = await f.addChat('1');
        await f.subscribe(chat, 'pepe');
        await queue('pepe', 2);
        const [high, info] = (await claim([chat])).claims[0]!.alerts;
        await f.store.writeRows([
          { id: high!.id, to: 'sent', at: 10, severity: 'high' },
          { id: info!.id, to: 'sent', at: 10, severity: 'info' },
        ]);
        expect(await f.store.recentLowSeverity(chat, 0, 10)).toBe(1);
      });

      it('settles only rows still in flight: a row cancelled meanwhile stays cancelled', async () => {
        const chat = await f.addChat('1');
        await f.subscribe(chat, 'pepe');
        await queue('pepe', 2);
        const [kept, cancelled] = (await claim([chat])).claims[0]!.alerts;
        await f.setStatus(cancelled!.id, 'cancelled');
        expect(await f.store.stillInFlight(kept!.id)).toBe(true);
        expect(await f.store.stillInFlight(cancelled!.id)).toBe(false);
        await f.store.writeRows([
          { id: kept!.id, to: 'dead', error: 'x'.repeat(2000) },
          { id: cancelled!.id, to: 'sent', at: 1 },
        ]);
        expect([await f.statusOf(kept!.id), await f.statusOf(cancelled!.id)]).toEqual(['dead', 'cancelled']);
        expect(await f.store.stillInFlight(kept!.id)).toBe(false);
      });

      it('puts rows left in flight back in the queue, and released rows fall due again', async () => {
        const chats = [await f.addChat('1'), await f.addChat('2')];
        for (const id of chats) await f.subscribe(id, 'pepe');
        await queue('pepe', 2);
        const { claims } = await claim(chats);
        const [first, ...rest] = claims.flatMap((c) => c.alerts);
        await f.store.writeRows([{ id: first!.id, to: 'release', at: 7 }]);
        expect(await f.store.resumeInFlight()).toBe(rest.length);
        expect(await Promise.all(rest.map((r) => f.statusOf(r.id)))).toEqual(rest.map(() => 'pending'));
        expect(await f.store.resumeInFlight()).toBe(0);
        expect(await f.store.nextDueAfter('pending', 1)).toBe(7);
      });

      it('walks the active chats one at a time', async () => {
        const ids = [await f.addChat('1'), await f.addChat('2'), await f.addChat('3', { active: false }), await f.addChat('4')];
        expect(await f.store.nextChat(0)).toBe(ids[0]);
        expect(await f.store.nextChat(ids[1]!)).toBe(ids[3]);
        expect(await f.store.nextChat(ids[3]!)).toBeUndefined();
      });
    });
  });
}
