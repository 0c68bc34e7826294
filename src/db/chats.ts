// Chats and their subscriptions in SQLite: the store behind the command service and the dispatcher's outcomes.
import { and, eq, inArray, or, sql } from 'drizzle-orm';
import type { CoinName, Pair } from '../core/command-plan.js';
import type { ChatAccess, ChatKind, ChatRef } from '../core/chat.js';
import type { Db } from './open-database.js';
import { perDatabase } from './per-database.js';
import { OPEN_STATUSES } from './outbox.js';
import { chats, coins, deliveries, subscriptions, type ChatRow } from './schema.js';

/**
 * Finds or creates the chat, refreshing its kind and title and reactivating it (someone is talking to the bot there).
 * A new chat gets `access` (the command service passes `pending` when CHAT_ACCESS=approval); an existing one keeps its own.
 */
export function ensureChat(db: Db, chat: ChatRef, access: ChatAccess = 'approved'): ChatRow {
  // Every command passes here: a chat that is already as it should be is only read (a write per command cost ~1.5 ms).
  const known = statements(db).chat.get({ platform: chat.platform, platformChatId: chat.platformChatId });
  if (known && known.active && known.kind === chat.kind && (chat.title == null || known.title === chat.title)) return known;
  return db
    .insert(chats)
    .values({ platform: chat.platform, platformChatId: chat.platformChatId, kind: chat.kind, title: chat.title ?? null, access })
    .onConflictDoUpdate({
      target: [chats.platform, chats.platformChatId],
      set: {
        kind: sql`excluded.kind`,
        title: sql`coalesce(excluded.title, ${chats.title})`,
        active: true,
        deactivatedReason: null,
        deactivatedAt: null,
      },
    })
    .returning()
    .get();
}

/**
 * Approves, revokes or re-opens a chat for the bot (CHAT_ACCESS). Revoking also cancels what is queued for it: alerts
 * stop at once; its subscriptions and mutes are kept for a later approval. A `notice` is owed to the chat (see
 * `pendingNotices`); without one, any notice still owed is dropped (it would describe the access the chat had before).
 */
export function setChatAccess(db: Db, chatId: number, access: ChatAccess, by: string, notice: string | null = null): void {
  db.transaction((tx) => {
    tx.update(chats).set({ access, accessBy: by, pendingNotice: notice }).where(eq(chats.id, chatId)).run();
    if (access === 'approved') return;
    tx.update(deliveries)
      .set({ status: 'cancelled', lastError: `chat ${access === 'revoked' ? 'revoked' : 'not approved'} (CHAT_ACCESS)` })
      .where(and(eq(deliveries.chatId, chatId), inArray(deliveries.status, [...OPEN_STATUSES])))
      .run();
  });
}

/** A chat that owes a notice, and the notice. */
export interface PendingNotice {
  chatId: number;
  chat: ChatRef;
  text: string;
}

/** Up to `limit` chats on `platforms` that owe a notice (through a partial index: the cost is the rows returned). */
export function pendingNotices(db: Db, platforms: readonly string[], limit: number): PendingNotice[] {
  return db
    .select({ chatId: chats.id, platform: chats.platform, platformChatId: chats.platformChatId, kind: chats.kind, text: chats.pendingNotice })
    .from(chats)
    .where(and(sql`${chats.pendingNotice} IS NOT NULL`, inArray(chats.platform, [...platforms])))
    .orderBy(chats.id)
    .limit(limit)
    .all()
    .map((row) => ({ chatId: row.chatId, chat: { platform: row.platform, platformChatId: row.platformChatId, kind: row.kind as ChatKind }, text: row.text! }));
}

/** The notice was delivered (or can never be): clears it, unless the admin changed it meanwhile. */
export function clearNotice(db: Db, chatId: number, text: string): void {
  db.update(chats).set({ pendingNotice: null }).where(and(eq(chats.id, chatId), eq(chats.pendingNotice, text))).run();
}

/** Records that the chat was just told the bot is private (the reply is sent at most once an hour). */
export function markAccessNotice(db: Db, chatId: number, now: number): void {
  db.update(chats).set({ accessNoticeAt: now }).where(eq(chats.id, chatId)).run();
}

export function setOpsMention(db: Db, chatId: number, mention: string | null): void {
  db.update(chats).set({ opsMention: mention }).where(eq(chats.id, chatId)).run();
}

export function findChat(db: Db, platform: string, platformChatId: string): ChatRow | undefined {
  return statements(db).chat.get({ platform, platformChatId });
}

export function listSubscriptions(db: Db, chatId: number): Pair[] {
  return statements(db).subscriptions.all(chatId);
}

/** Applies a command's additions and removals in one transaction. */
export function applySubscriptionChanges(db: Db, chatId: number, add: readonly Pair[], remove: readonly Pair[]): void {
  db.transaction((tx) => {
    if (add.length) {
      tx.insert(subscriptions)
        .values(add.map((p) => ({ chatId, coinId: p.coinId, field: p.field })))
        .onConflictDoNothing()
        .run();
    }
    for (const pair of remove) {
      tx.delete(subscriptions)
        .where(and(eq(subscriptions.chatId, chatId), eq(subscriptions.coinId, pair.coinId), eq(subscriptions.field, pair.field)))
        .run();
    }
  });
}

const statements = perDatabase((db) => ({
  // One bound parameter whatever the count (a /list of 500 ids): a primary-key lookup per id, prepared once.
  coinNames: db.$client.prepare<[string], { id: string; name: string | null; symbol: string | null }>(
    'select c.id, c.name, c.symbol from json_each(?) as wanted join coins as c on c.id = wanted.value',
  ),
  // Up to SUBSCRIPTION_LIMIT rows on every /list, /watch and /unwatch: read raw, not mapped column by column.
  subscriptions: db.$client.prepare<[number], Pair>(
    'select coin_id as coinId, field from subscriptions where chat_id = ? order by coin_id, field',
  ),
  chat: db
    .select()
    .from(chats)
    .where(and(eq(chats.platform, sql.placeholder('platform')), eq(chats.platformChatId, sql.placeholder('platformChatId'))))
    .prepare(),
}));

export function coinNames(db: Db, ids: readonly string[]): Map<string, CoinName> {
  if (ids.length === 0) return new Map();
  const rows = statements(db).coinNames.all(JSON.stringify([...new Set(ids)]));
  return new Map(rows.map((r) => [r.id, { name: r.name, symbol: r.symbol }]));
}

/** Coin ids (and names) starting with `prefix`, for autocomplete. */
export function searchCoins(db: Db, prefix: string, limit: number): Array<{ id: string; name: string | null }> {
  const pattern = `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return db
    .select({ id: coins.id, name: coins.name })
    .from(coins)
    .where(or(sql`${coins.id} like ${pattern} escape '\\'`, sql`${coins.name} like ${pattern} escape '\\'`))
    .orderBy(coins.id)
    .limit(limit)
    .all();
}

/** Marks a chat inactive with the reason, and cancels what was queued for it (kept, visible, not sent). */
export function deactivateChat(db: Db, chatId: number, reason: string): void {
  db.transaction((tx) => {
    tx.update(chats)
      .set({ active: false, deactivatedReason: reason, deactivatedAt: Date.now() })
      .where(eq(chats.id, chatId))
      .run();
    tx.update(deliveries)
      .set({ status: 'cancelled', lastError: `chat deactivated: ${reason}` })
      .where(and(eq(deliveries.chatId, chatId), inArray(deliveries.status, [...OPEN_STATUSES])))
      .run();
  });
}

export function reactivateChat(db: Db, chatId: number): void {
  db.update(chats).set({ active: true, deactivatedReason: null, deactivatedAt: null }).where(eq(chats.id, chatId)).run();
}

/**
 * The chat now lives under another id (Telegram: group upgraded to a supergroup). Rewrites the id; when a chat with the
 * new id already exists, merges the subscriptions and pending deliveries into it. Returns the surviving chat id.
 */
export function moveChat(db: Db, chatId: number, newPlatformChatId: string, kind: ChatKind = 'group'): number {
  return db.transaction((tx) => {
    const current = tx.select().from(chats).where(eq(chats.id, chatId)).get();
    if (!current) return chatId;
    const target = tx
      .select()
      .from(chats)
      .where(and(eq(chats.platform, current.platform), eq(chats.platformChatId, newPlatformChatId)))
      .get();
    // Already moved (a second queued alert, or the service message after the first one): nothing to do.
    if (target?.id === chatId) return chatId;
    if (!target) {
      tx.update(chats).set({ platformChatId: newPlatformChatId, kind }).where(eq(chats.id, chatId)).run();
      return chatId;
    }
    tx.run(sql`insert or ignore into subscriptions (chat_id, coin_id, field)
               select ${target.id}, coin_id, field from subscriptions where chat_id = ${chatId}`);
    tx.run(sql`update or ignore deliveries set chat_id = ${target.id}
               where chat_id = ${chatId} and status in ('pending', 'sending', 'held')`);
    tx.update(deliveries)
      .set({ status: 'cancelled', lastError: `already queued for ${newPlatformChatId}` })
      .where(and(eq(deliveries.chatId, chatId), inArray(deliveries.status, [...OPEN_STATUSES])))
      .run();
    tx.update(chats).set({ active: true, deactivatedReason: null, deactivatedAt: null }).where(eq(chats.id, target.id)).run();
    tx.update(chats)
      .set({ active: false, deactivatedReason: `migrated to ${newPlatformChatId}`, deactivatedAt: Date.now() })
      .where(eq(chats.id, chatId))
      .run();
    return target.id;
  });
}
