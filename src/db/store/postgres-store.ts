// The storage port on PostgreSQL, for several instances sharing one database. What makes it safe for them:
// - a webhook's event row is inserted with ON CONFLICT DO NOTHING on (source, event id): a retry reaching another
//   instance while the first is still committing waits for that commit and is then a duplicate;
// - a claim locks the chat's row (FOR NO KEY UPDATE SKIP LOCKED: inserts of new outbox rows are not blocked) and only
//   then asks whether the chat has a send in flight, in a statement of its own that sees every claim committed before
//   the lock was had; its rows are selected FOR UPDATE SKIP LOCKED. So a row has one claimer and a chat one sender;
// - each store is a claimer with a key it holds an advisory lock on while it lives (one connection kept for that).
//   Claimed rows carry the key (`claimed_by`); a settlement applies only to rows the claimer still holds, and
//   resumeInFlight takes back rows whose claimer's lock is gone (the instance died) but never a live claimer's.
import type pg from 'pg';
import { candidateKeys, matchChats, type SubscriptionKey } from '../../core/match.js';
import type { PgDb } from '../open-postgres.js';
import { DIGEST_MAX_ROWS, PER_CHAT_CLAIM, claimed, type ChatClaim, type ChatFields, type RowFields, type TimedState } from '../outbox-queue.js';
import type { RowUpdate } from '../outbox-rows.js';
import type { RecordResult } from '../record-event.js';
import type { Store } from './port.js';

/** The advisory-lock namespace of claimer keys (the first of the two int4 keys; "coin" in ASCII). */
export const CLAIMER_LOCK_SPACE = 0x636f696e;

const ROW = `id, event_row_id as "eventRowId", chat_id as "chatId", attempts, matched_positions as "matchedPositions", reminder_of as "reminderOf"`;

const SQL = {
  coinsWithSymbol: 'select id, symbol, name from coins where lower(symbol) = lower($1) limit 2',
  insertEvent: `insert into events (source, event_id, event_type, coin_id, coin_symbol, coin_name, occurred_at, raw_body)
    values ($1, $2, $3, $4, $5, $6, $7, $8) on conflict do nothing returning id`,
  insertChanges: `insert into changes (event_row_id, position, field, change_type, old_value, new_value)
    select $1, * from unnest($2::int[], $3::text[], $4::text[], $5::text[], $6::text[])`,
  upsertCoin: `insert into coins (id, symbol, name) values ($1, $2, $3)
    on conflict (id) do update set symbol = coalesce(excluded.symbol, coins.symbol),
      name = coalesce(excluded.name, coins.name), updated_at = excluded.updated_at`,
  subscribers: `select s.chat_id as "chatId", s.coin_id as "coinId", s.field from subscriptions s join chats c on c.id = s.chat_id
    where s.coin_id = any($1::text[]) and s.field = any($2::text[]) and c.active and c.access = 'approved'`,
  insertDeliveries: 'insert into deliveries (event_row_id, chat_id, matched_positions) select $1, * from unnest($2::int[], $3::text[])',
  insertQuarantine: `insert into quarantine (source, event_id, occurred_at, raw_body, reason) values ($1, $2, $3, $4, $5)
    on conflict do nothing returning id`,

  lockChat: `select platform, platform_chat_id as "platformChatId", kind, title, ops_mention as "opsMention", active::int as active
    from chats where id = $1 for no key update skip locked`,
  inFlight: "select 1 from deliveries where chat_id = $1 and status = 'sending' limit 1",
  pendingHead: `select ${ROW} from deliveries where chat_id = $1 and status = 'pending' and next_attempt_at <= $2
    order by next_attempt_at, id limit $3 for update skip locked`,
  firstHeld: "select min(next_attempt_at) as at from deliveries where chat_id = $1 and status = 'held'",
  heldRows: `select ${ROW} from deliveries where chat_id = $1 and status = 'held' order by next_attempt_at, id limit $2 for update skip locked`,
  claim: "update deliveries set status = 'sending', claimed_by = $2 where id = any($1::int[])",

  // Settlements: only while this claimer ($2 after the values) still holds the row.
  sent: `update deliveries set status = 'sent', sent_at = $1, next_attempt_at = $1, severity = coalesce($2, severity), attempts = attempts + 1,
    last_error = null, claimed_by = null where id = $3 and status = 'sending' and claimed_by = $4`,
  retry: `update deliveries set status = 'pending', attempts = attempts + 1, last_error = $1, next_attempt_at = $2, claimed_by = null
    where id = $3 and status = 'sending' and claimed_by = $4`,
  dead: `update deliveries set status = 'dead', attempts = attempts + 1, last_error = $1, claimed_by = null
    where id = $2 and status = 'sending' and claimed_by = $3`,
  release: `update deliveries set status = 'pending', next_attempt_at = $1, claimed_by = null
    where id = $2 and status = 'sending' and claimed_by = $3`,
  gated: `update deliveries set status = $1, next_attempt_at = $2, severity = $3, claimed_by = null
    where id = $4 and status = 'sending' and claimed_by = $5`,
  keyHeld: `select 1 from pg_locks where locktype = 'advisory' and granted and objsubid = 2 and classid = $1::oid and objid = $2::oid
    and database = (select oid from pg_database where datname = current_database())`,
  stillInFlight: "select 1 from deliveries where id = $1 and status = 'sending' and claimed_by = $2",
  // Rows of this claimer, of none, or of a claimer whose advisory lock nobody holds in this database any more.
  resume: `update deliveries d set status = 'pending', claimed_by = null
    where status = 'sending' and (claimed_by is null or claimed_by = $2 or not exists (
      select 1 from pg_locks l where l.locktype = 'advisory' and l.granted and l.objsubid = 2
        and l.database = (select oid from pg_database where datname = current_database())
        and l.classid = $1::oid and l.objid = d.claimed_by::oid))`,

  nextChat: 'select min(id) as "chatId" from chats where id > $1 and active',
  nextDueAfter: 'select min(next_attempt_at) as at from deliveries where status = $1 and next_attempt_at > $2',
  dueBetween: `select chat_id as "chatId", next_attempt_at as at, id from deliveries
    where status = $1 and (next_attempt_at, id) > ($2::bigint, $3::bigint) and next_attempt_at <= $4 order by next_attempt_at, id limit $5`,
  recentLow: `select count(*) as n from (select 1 from deliveries
    where chat_id = $1 and status = 'sent' and next_attempt_at > $2 and severity <> 'high' limit $3) recent`,
} as const;

/** SQLSTATEs after which a transaction is simply tried again: serialization failure, deadlock. */
const RETRIABLE = new Set(['40001', '40P01']);

const clip = (error: string) => error.slice(0, 1000);

/**
 * The port over an open PostgreSQL database. Takes a claimer key (holding its advisory lock on one connection of the
 * pool until close). The caller keeps owning `db`: close() releases the key, not the pool.
 */
export async function createPostgresStore(db: PgDb): Promise<Store> {
  const pool = db.$client;
  let claimer = await takeClaimerKey(pool);
  let renewing: Promise<Claimer> | undefined;
  /**
   * The key this claim may stamp rows with, checked inside the claim's transaction: when the connection holding its
   * lock was lost (a server restart, a terminated backend), the rows stamped with it are a dead claimer's now (any
   * instance takes them back) and this store takes a new key before claiming again.
   */
  const liveKey = async (c: pg.PoolClient): Promise<number> => {
    if ((await c.query(SQL.keyHeld, [CLAIMER_LOCK_SPACE, claimer.key])).rowCount) return claimer.key;
    renewing ??= takeClaimerKey(pool).finally(() => (renewing = undefined));
    const lost = claimer;
    claimer = await renewing;
    if (lost !== claimer) lost.client.release(true);
    return claimer.key;
  };

  const transaction = async <T>(work: (c: pg.PoolClient) => Promise<T>): Promise<T> => {
    for (let attempt = 1; ; attempt++) {
      const c = await pool.connect();
      let broken = false;
      try {
        await c.query('begin');
        const result = await work(c);
        await c.query('commit');
        return result;
      } catch (error) {
        broken = await c.query('rollback').then(
          () => false,
          () => true,
        );
        if (attempt >= 3 || !RETRIABLE.has(String((error as { code?: unknown }).code))) throw error;
      } finally {
        c.release(broken);
      }
    }
  };
  const rows = async <T extends pg.QueryResultRow>(sql: string, params: unknown[], on: pg.Pool | pg.PoolClient = pool) => (await on.query<T>(sql, params)).rows;

  const settle = (c: pg.Pool | pg.PoolClient, u: RowUpdate) => {
    switch (u.to) {
      case 'sent':
        return c.query(SQL.sent, [u.at, u.severity ?? null, u.id, claimer.key]);
      case 'retry':
        return c.query(SQL.retry, [clip(u.error), u.at, u.id, claimer.key]);
      case 'dead':
        return c.query(SQL.dead, [clip(u.error), u.id, claimer.key]);
      case 'release':
        return c.query(SQL.release, [u.at, u.id, claimer.key]);
      case 'muted':
      case 'held':
        return c.query(SQL.gated, [u.to, u.at, u.severity, u.id, claimer.key]);
    }
  };

  return {
    engine: 'postgres',

    recordEvent: (envelope, event) =>
      transaction(async (c): Promise<RecordResult> => {
        const bySymbol = !event.coin && event.symbol ? await rows<{ id: string; symbol: string | null; name: string | null }>(SQL.coinsWithSymbol, [event.symbol], c) : [];
        const coin = event.coin ?? (bySymbol.length === 1 ? bySymbol[0]! : null);
        const [inserted] = await rows<{ id: number }>(
          SQL.insertEvent,
          [envelope.source, envelope.eventId, event.eventType, coin?.id ?? null, coin?.symbol ?? event.symbol ?? null, coin?.name ?? null, envelope.occurredAt, envelope.rawBody],
          c,
        );
        if (!inserted) return { kind: 'duplicate' };
        const eventRowId = inserted.id;
        const ch = event.changes;
        if (ch.length > 0) {
          await c.query(SQL.insertChanges, [eventRowId, ch.map((x) => x.position), ch.map((x) => x.field), ch.map((x) => x.changeType), ch.map((x) => x.oldValue), ch.map((x) => x.newValue)]);
        }
        if (event.coin) await c.query(SQL.upsertCoin, [event.coin.id, event.coin.symbol, event.coin.name]);
        if (!event.handled || ch.length === 0) return { kind: 'recorded', eventRowId, deliveries: 0, chatIds: [] };
        const coinId = coin?.id ?? null;
        const keys = candidateKeys(coinId, ch);
        const matches = matchChats(coinId, ch, await rows<SubscriptionKey>(SQL.subscribers, [keys.coinIds, keys.fields], c));
        if (matches.length > 0) {
          await c.query(SQL.insertDeliveries, [eventRowId, matches.map((m) => m.chatId), matches.map((m) => JSON.stringify(m.positions))]);
        }
        return { kind: 'recorded', eventRowId, deliveries: matches.length, chatIds: matches.map((m) => m.chatId) };
      }),

    quarantine: async (envelope, reason) =>
      (await rows(SQL.insertQuarantine, [envelope.source, envelope.eventId, envelope.occurredAt, envelope.rawBody, reason])).length > 0,

    claimChats: (chatIds, options) =>
      transaction(async (c) => {
        const claims: ChatClaim[] = [];
        const unreached: number[] = [];
        let taken = 0;
        let key: number | undefined;
        for (const chatId of chatIds) {
          if (taken >= options.limit) {
            unreached.push(chatId);
            continue;
          }
          // Locked by another claimer right now: it is that claimer's turn for this chat.
          const [chat] = await rows<ChatFields>(SQL.lockChat, [chatId], c);
          if (!chat || !chat.active || !options.platforms.has(chat.platform)) continue;
          if ((await rows(SQL.inFlight, [chatId], c)).length > 0) continue;
          const alerts = (await rows<RowFields>(SQL.pendingHead, [chatId, options.now, Math.min(PER_CHAT_CLAIM, options.limit - taken)], c)).map((r) => claimed(r, chat));
          const [held] = await rows<{ at: number | null }>(SQL.firstHeld, [chatId], c);
          const digest = held?.at != null && held.at <= options.now ? (await rows<RowFields>(SQL.heldRows, [chatId, DIGEST_MAX_ROWS], c)).map((r) => claimed(r, chat)) : [];
          if (alerts.length === 0 && digest.length === 0) continue;
          await c.query(SQL.claim, [[...alerts, ...digest].map((r) => r.id), key ??= await liveKey(c)]);
          taken += alerts.length + (digest.length > 0 ? 1 : 0);
          claims.push({ chatId, alerts, digest });
        }
        return { claims, unreached };
      }),

    writeRows: async (updates) => {
      if (updates.length === 1) await settle(pool, updates[0]!);
      else if (updates.length > 1) await transaction(async (c) => {
        for (const u of updates) await settle(c, u);
      });
    },
    stillInFlight: async (id) => (await rows(SQL.stillInFlight, [id, claimer.key])).length > 0,
    resumeInFlight: async () => (await pool.query(SQL.resume, [CLAIMER_LOCK_SPACE, claimer.key])).rowCount ?? 0,

    nextChat: async (after) => (await rows<{ chatId: number | null }>(SQL.nextChat, [after]))[0]?.chatId ?? undefined,
    nextDueAfter: async (state: TimedState, after) => (await rows<{ at: number | null }>(SQL.nextDueAfter, [state, after]))[0]?.at ?? undefined,
    dueSince: async (state, cursor, now, limit) => {
      const due = await rows<{ chatId: number; at: number; id: number }>(SQL.dueBetween, [state, cursor.at, cursor.id, now, limit]);
      const last = due[due.length - 1];
      return { chatIds: due.map((r) => r.chatId), cursor: last ? { at: last.at, id: last.id } : cursor, more: due.length === limit };
    },
    recentLowSeverity: async (chatId, since, upTo) => (await rows<{ n: number }>(SQL.recentLow, [chatId, since, upTo]))[0]?.n ?? 0,
    heldUntil: async (chatId) => (await rows<{ at: number | null }>(SQL.firstHeld, [chatId]))[0]?.at ?? undefined,

    close: async () => {
      const { client, key } = await (renewing ?? claimer);
      await client.query('select pg_advisory_unlock($1, $2)', [CLAIMER_LOCK_SPACE, key]).catch(() => undefined);
      client.release(true);
    },
  };
}

interface Claimer {
  /** The pool connection kept for the lock (out of the pool until the store closes or loses it). */
  client: pg.PoolClient;
  key: number;
}

/** A random positive int4 key nobody holds, locked on a connection kept for it. */
async function takeClaimerKey(pool: pg.Pool): Promise<Claimer> {
  const client = await pool.connect();
  // A kept connection the server drops must not crash the process: the next claim finds the lock gone and renews it.
  client.on('error', () => undefined);
  try {
    for (;;) {
      const key = 1 + Math.floor(Math.random() * 0x7ffffffe);
      const [row] = (await client.query<{ ok: boolean }>('select pg_try_advisory_lock($1, $2) as ok', [CLAIMER_LOCK_SPACE, key])).rows;
      if (row?.ok) return { client, key };
    }
  } catch (error) {
    client.release(true);
    throw error;
  }
}
