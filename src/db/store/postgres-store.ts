// The storage port on PostgreSQL, for several instances sharing one database. What makes it safe for them:
// - a webhook's event row is inserted with ON CONFLICT DO NOTHING on (source, event id): a retry reaching another
//   instance while the first is still committing waits for that commit and is then a duplicate;
// - a claim locks the chats' rows (FOR NO KEY UPDATE SKIP LOCKED: inserts of new outbox rows are not blocked) and only
//   then asks which have a send in flight, in a statement of its own that sees every claim committed before the locks
//   were had; their rows are selected FOR UPDATE SKIP LOCKED. So a row has one claimer and a chat one sender. Chats go
//   in batches (CLAIM_BATCH), so a claim costs a few statements per batch, not per chat;
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

  // A claim, for a batch of chats, in this order of statements (each sees what was committed before it began):
  // lock the chats (another claimer's are skipped), then which of them have a send in flight, then their rows.
  lockChats: `select id, platform, platform_chat_id as "platformChatId", kind, title, ops_mention as "opsMention", active::int as active
    from chats where id = any($1::int[]) and active and platform = any($2::text[]) for no key update skip locked`,
  inFlight: `select distinct chat_id as "chatId" from deliveries where chat_id = any($1::int[]) and status = 'sending'`,
  pendingHeads: `select d.* from unnest($1::int[]) with ordinality as c(id, ord) cross join lateral (
      select ${ROW}, next_attempt_at as due from deliveries where chat_id = c.id and status = 'pending' and next_attempt_at <= $2
      order by next_attempt_at, id limit $3 for update skip locked) d
    order by c.ord, d.due, d.id`,
  heldDue: `select chat_id as "chatId", min(next_attempt_at) as at from deliveries where chat_id = any($1::int[]) and status = 'held'
    group by chat_id`,
  heldRows: `select d.* from unnest($1::int[]) with ordinality as c(id, ord) cross join lateral (
      select ${ROW}, next_attempt_at as due from deliveries where chat_id = c.id and status = 'held'
      order by next_attempt_at, id limit $2 for update skip locked) d
    order by c.ord, d.due, d.id`,
  claim: "update deliveries set status = 'sending', claimed_by = $2 where id = any($1::int[])",

  // Settlements, one statement per kind for a whole batch: only rows this claimer (the last parameter) still holds.
  sent: `update deliveries d set status = 'sent', sent_at = u.t, next_attempt_at = u.t, severity = coalesce(u.severity, d.severity),
      attempts = d.attempts + 1, last_error = null, claimed_by = null
    from unnest($1::int[], $2::bigint[], $3::text[]) as u(id, t, severity) where d.id = u.id and d.status = 'sending' and d.claimed_by = $4`,
  retry: `update deliveries d set status = 'pending', attempts = d.attempts + 1, last_error = u.error, next_attempt_at = u.t, claimed_by = null
    from unnest($1::int[], $2::text[], $3::bigint[]) as u(id, error, t) where d.id = u.id and d.status = 'sending' and d.claimed_by = $4`,
  dead: `update deliveries d set status = 'dead', attempts = d.attempts + 1, last_error = u.error, claimed_by = null
    from unnest($1::int[], $2::text[]) as u(id, error) where d.id = u.id and d.status = 'sending' and d.claimed_by = $3`,
  release: `update deliveries d set status = 'pending', next_attempt_at = u.t, claimed_by = null
    from unnest($1::int[], $2::bigint[]) as u(id, t) where d.id = u.id and d.status = 'sending' and d.claimed_by = $3`,
  gated: `update deliveries d set status = u.status, next_attempt_at = u.t, severity = u.severity, claimed_by = null
    from unnest($1::int[], $2::text[], $3::bigint[], $4::text[]) as u(id, status, t, severity)
    where d.id = u.id and d.status = 'sending' and d.claimed_by = $5`,
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
  heldUntil: "select min(next_attempt_at) as at from deliveries where chat_id = $1 and status = 'held'",
  recentLow: `select count(*) as n from (select 1 from deliveries
    where chat_id = $1 and status = 'sent' and next_attempt_at > $2 and severity <> 'high' limit $3) recent`,
} as const;

/** SQLSTATEs after which a transaction is simply tried again: serialization failure, deadlock. */
const RETRIABLE = new Set(['40001', '40P01']);

const clip = (error: string) => error.slice(0, 1000);

/** Chats one round of a claim's statements covers: few round trips per claim, few rows read past its limit. */
const CLAIM_BATCH = 50;

/** Each kind of settlement as one statement's parameters (arrays, then the claimer key). */
function settlements(updates: readonly RowUpdate[], key: number): Array<[string, unknown[]]> {
  const of = <K extends RowUpdate['to']>(...kinds: K[]) => updates.filter((u): u is Extract<RowUpdate, { to: K }> => (kinds as string[]).includes(u.to));
  const sent = of('sent');
  const retry = of('retry');
  const dead = of('dead');
  const release = of('release');
  const gated = of('muted', 'held');
  const all: Array<[string, unknown[], number]> = [
    [SQL.sent, [sent.map((u) => u.id), sent.map((u) => u.at), sent.map((u) => u.severity ?? null), key], sent.length],
    [SQL.retry, [retry.map((u) => u.id), retry.map((u) => clip(u.error)), retry.map((u) => u.at), key], retry.length],
    [SQL.dead, [dead.map((u) => u.id), dead.map((u) => clip(u.error)), key], dead.length],
    [SQL.release, [release.map((u) => u.id), release.map((u) => u.at), key], release.length],
    [SQL.gated, [gated.map((u) => u.id), gated.map((u) => u.to), gated.map((u) => u.at), gated.map((u) => u.severity), key], gated.length],
  ];
  return all.filter(([, , n]) => n > 0).map(([sql, params]) => [sql, params]);
}

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
        const order = [...chatIds];
        const claims: ChatClaim[] = [];
        const unreached: number[] = [];
        let taken = 0;
        let key: number | undefined;
        for (let start = 0; start < order.length; start += CLAIM_BATCH) {
          const batch = order.slice(start, start + CLAIM_BATCH);
          if (taken >= options.limit) {
            unreached.push(...batch);
            continue;
          }
          // Chats locked by another claimer right now are left out: it is that claimer's turn for them.
          const chats = new Map((await rows<ChatFields & { id: number }>(SQL.lockChats, [batch, [...options.platforms]], c)).map((r) => [r.id, r]));
          const busy = new Set((await rows<{ chatId: number }>(SQL.inFlight, [[...chats.keys()]], c)).map((r) => r.chatId));
          const free = batch.filter((id) => chats.has(id) && !busy.has(id));
          if (free.length === 0) continue;
          const pending = byChat(await rows<RowFields>(SQL.pendingHeads, [free, options.now, PER_CHAT_CLAIM], c));
          const dueDigests = (await rows<{ chatId: number; at: number }>(SQL.heldDue, [free], c)).filter((r) => r.at <= options.now).map((r) => r.chatId);
          const held = dueDigests.length > 0 ? byChat(await rows<RowFields>(SQL.heldRows, [dueDigests, DIGEST_MAX_ROWS], c)) : new Map<number, RowFields[]>();
          const claimedIds: number[] = [];
          for (const chatId of batch) {
            if (taken >= options.limit) {
              unreached.push(chatId);
              continue;
            }
            const chat = chats.get(chatId);
            if (!chat || busy.has(chatId)) continue;
            const alerts = (pending.get(chatId) ?? []).slice(0, options.limit - taken).map((r) => claimed(r, chat));
            const digest = (held.get(chatId) ?? []).map((r) => claimed(r, chat));
            if (alerts.length === 0 && digest.length === 0) continue;
            for (const row of [...alerts, ...digest]) claimedIds.push(row.id);
            taken += alerts.length + (digest.length > 0 ? 1 : 0);
            claims.push({ chatId, alerts, digest });
          }
          if (claimedIds.length > 0) await c.query(SQL.claim, [claimedIds, (key ??= await liveKey(c))]);
        }
        return { claims, unreached };
      }),

    writeRows: async (updates) => {
      const statements = settlements(updates, claimer.key);
      if (statements.length === 1) await pool.query(...statements[0]!);
      else if (statements.length > 1) await transaction(async (c) => {
        for (const statement of statements) await c.query(...statement);
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
    heldUntil: async (chatId) => (await rows<{ at: number | null }>(SQL.heldUntil, [chatId]))[0]?.at ?? undefined,

    close: async () => {
      const { client, key } = await (renewing ?? claimer);
      await client.query('select pg_advisory_unlock($1, $2)', [CLAIMER_LOCK_SPACE, key]).catch(() => undefined);
      client.release(true);
    },
  };
}

/** Rows by their chat, in the order read. */
function byChat(rows: RowFields[]): Map<number, RowFields[]> {
  const chats = new Map<number, RowFields[]>();
  for (const row of rows) {
    const list = chats.get(row.chatId);
    if (list) list.push(row);
    else chats.set(row.chatId, [row]);
  }
  return chats;
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
