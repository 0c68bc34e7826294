// The whole SQLite schema. Migrations in migrations/ are generated from this file by drizzle-kit; never edit them by hand.
import { sql } from 'drizzle-orm';
import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

/** Milliseconds since the epoch, set by SQLite when the row is written. */
const nowMs = sql`(cast(unixepoch('subsec') * 1000 as integer))`;

/** Every verified webhook that parsed, whatever its type. One row per (source, event id): retries are no-ops. */
export const events = sqliteTable(
  'events',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    source: text('source').notNull(),
    eventId: text('event_id').notNull(),
    eventType: text('event_type').notNull(),
    coinId: text('coin_id'),
    coinSymbol: text('coin_symbol'),
    coinName: text('coin_name'),
    /** The sender's timestamp (`x-cg-timestamp`, CEXPing's `timestamp`), UNIX seconds. */
    occurredAt: integer('occurred_at').notNull(),
    receivedAt: integer('received_at').notNull().default(nowMs),
    rawBody: text('raw_body').notNull(),
  },
  (t) => [uniqueIndex('events_source_event_id').on(t.source, t.eventId), index('events_coin').on(t.coinId)],
);

/** One row per entry of `data.changes`, values kept as JSON text exactly as received (booleans, arrays, null). */
export const changes = sqliteTable(
  'changes',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    eventRowId: integer('event_row_id')
      .notNull()
      .references(() => events.id, { onDelete: 'cascade' }),
    position: integer('position').notNull(),
    field: text('field').notNull(),
    /** The top-level field (`platforms` for `platforms.ethereum`), computed by SQLite: what `/recent platforms` reads. */
    topField: text('top_field').generatedAlwaysAs(sql`iif(instr(field, '.') > 0, substr(field, 1, instr(field, '.') - 1), field)`, {
      mode: 'virtual',
    }),
    changeType: text('change_type').notNull(),
    /** JSON text; NULL when the key was absent from the payload. */
    oldValue: text('old_value'),
    newValue: text('new_value'),
  },
  (t) => [
    uniqueIndex('changes_event_position').on(t.eventRowId, t.position),
    // `/recent <field>` walks these newest first and stops after the count asked for, whatever the size of the table:
    // a sub-field by its name, a top-level field by top_field.
    index('changes_field_event').on(t.field, t.eventRowId),
    index('changes_top_field_event').on(t.topField, t.eventRowId),
  ],
);

/** Signed bodies that could not be used (not JSON, wrong shape): kept verbatim for inspection, never alerted on. */
export const quarantine = sqliteTable(
  'quarantine',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    source: text('source').notNull(),
    eventId: text('event_id').notNull(),
    reason: text('reason').notNull(),
    occurredAt: integer('occurred_at').notNull(),
    receivedAt: integer('received_at').notNull().default(nowMs),
    rawBody: text('raw_body').notNull(),
  },
  (t) => [uniqueIndex('quarantine_source_event_id').on(t.source, t.eventId)],
);

/** Coins seen in events, so replies and `/list` can show names, and listings can name a coin by its symbol. */
export const coins = sqliteTable(
  'coins',
  {
    id: text('id').primaryKey(),
    symbol: text('symbol'),
    name: text('name'),
    updatedAt: integer('updated_at').notNull().default(nowMs),
  },
  // A listing source names a token by symbol (`PEPE`): the recorder looks it up case-insensitively, in its transaction.
  (t) => [index('coins_symbol').on(sql`lower(${t.symbol})`)],
);

/** A place alerts go to: a Telegram chat, a Discord channel, a Slack channel or DM. */
export const chats = sqliteTable(
  'chats',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    platform: text('platform').notNull(),
    platformChatId: text('platform_chat_id').notNull(),
    /** `private`, `group` or `channel`. */
    kind: text('kind').notNull(),
    title: text('title'),
    /** Who high-severity alerts ping here (an on-call role or user), in the platform's own mention syntax. */
    opsMention: text('ops_mention'),
    active: integer('active', { mode: 'boolean' }).notNull().default(true),
    /**
     * Whether the bot serves this chat (CHAT_ACCESS): `approved`, `pending` (a stranger typed a command; nothing is
     * stored or sent until an admin approves) or `revoked` (alerts stopped, subscriptions kept). Chats a stranger starts
     * are inserted as `pending` by the command service; rows an admin creates (import, seeds) are approved.
     */
    access: text('access').notNull().default('approved'),
    /** Who approved or revoked it: `cli`, `open` (CHAT_ACCESS=open), `telegram:123` (a BOT_ADMINS user), `upgrade`. */
    accessBy: text('access_by'),
    /** When the "this bot is private" reply was last sent here: at most one an hour. */
    accessNoticeAt: integer('access_notice_at'),
    /**
     * A message the admin's change owes the chat (approved, or revoked), sent by the running server through the
     * platform's limits and cleared once delivered. The admin command line writes it; it needs no server running then.
     */
    pendingNotice: text('pending_notice'),
    deactivatedReason: text('deactivated_reason'),
    deactivatedAt: integer('deactivated_at'),
    createdAt: integer('created_at').notNull().default(nowMs),
  },
  (t) => [
    uniqueIndex('chats_platform_chat').on(t.platform, t.platformChatId),
    // Only the chats that owe a notice: the server's look for them reads what it returns, not the chats table.
    index('chats_pending_notice').on(t.id).where(sql`${t.pendingNotice} IS NOT NULL`),
  ],
);

/** What a chat watches: a coin (field = ANY), a field for every coin (coin = ANY), or a field of a coin. */
export const subscriptions = sqliteTable(
  'subscriptions',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    chatId: integer('chat_id')
      .notNull()
      .references(() => chats.id, { onDelete: 'cascade' }),
    coinId: text('coin_id').notNull(),
    field: text('field').notNull(),
    createdAt: integer('created_at').notNull().default(nowMs),
  },
  (t) => [
    uniqueIndex('subscriptions_chat_coin_field').on(t.chatId, t.coinId, t.field),
    // Matching looks up exact (coin, field) keys: cost grows with matches, not with the table.
    index('subscriptions_coin_field').on(t.coinId, t.field, t.chatId),
  ],
);

/** The outbox: one row per (event, chat), written in the transaction that records the event. */
export const deliveries = sqliteTable(
  'deliveries',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    eventRowId: integer('event_row_id')
      .notNull()
      .references(() => events.id, { onDelete: 'cascade' }),
    chatId: integer('chat_id')
      .notNull()
      .references(() => chats.id, { onDelete: 'cascade' }),
    /**
     * `pending` → `sending` → `sent`; or `dead` (attempts exhausted) / `cancelled` (chat gone) / `muted` (a /mute
     * covered it: recorded, not sent) / `held` (waiting for the chat's digest, sent at `next_attempt_at`).
     */
    status: text('status').notNull().default('pending'),
    /** The composed alert's severity (`high`, `medium`, `info`), set when the dispatcher first handles the row. */
    severity: text('severity'),
    /** JSON array of `changes.position` values this chat's subscriptions matched. */
    matchedPositions: text('matched_positions').notNull(),
    attempts: integer('attempts').notNull().default(0),
    /** When the row is next due (pending, held); for a sent row, when it was sent (the digest gate counts by it). */
    nextAttemptAt: integer('next_attempt_at').notNull().default(0),
    lastError: text('last_error'),
    createdAt: integer('created_at').notNull().default(nowMs),
    sentAt: integer('sent_at'),
    /**
     * A reminder (ESCALATE_AFTER_MINUTES): the id of the unacknowledged high-severity alert it sends again, to the same
     * chat for the same event. Null for every ordinary alert.
     */
    reminderOf: integer('reminder_of'),
    /** Acknowledged from the alert's button (on the alert itself, never on its reminder): when, by whom, on which platform. */
    ackedAt: integer('acked_at'),
    ackedBy: text('acked_by'),
    ackedVia: text('acked_via'),
  },
  (t) => [
    // One alert per (event, chat); a reminder is the one other row of that pair, at most one per alert.
    uniqueIndex('deliveries_event_chat').on(t.eventRowId, t.chatId).where(sql`reminder_of is null`),
    uniqueIndex('deliveries_reminder_of').on(t.reminderOf).where(sql`reminder_of is not null`),
    // The escalation job's candidates: sent high-severity alerts nobody acknowledged, by send time. Partial, so a new
    // outbox row (no severity yet) is never written into it.
    index('deliveries_unacked_high')
      .on(t.sentAt)
      .where(sql`status = 'sent' and severity = 'high' and acked_at is null and reminder_of is null`),
    index('deliveries_status_due').on(t.status, t.nextAttemptAt),
    // One chat's rows of one state, by due time: the dispatcher's per-chat queues (a chat's next due rows, its held
    // rows, "has it a send in flight?"), the digest gate ("how many did it get lately?": a sent row's next_attempt_at is
    // when it was sent) and /recent (a chat's rows). Every dispatcher query on it reads one entry or the rows it returns,
    // never the backlog, and it is the only per-chat index a new outbox row is written into.
    index('deliveries_chat_status_due').on(t.chatId, t.status, t.nextAttemptAt),
  ],
);

/** `/mute`: low-severity alerts of a chat (all of them, one coin's or one field's) are not sent until `until`. */
export const mutes = sqliteTable(
  'mutes',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    chatId: integer('chat_id')
      .notNull()
      .references(() => chats.id, { onDelete: 'cascade' }),
    /** `chat` (target is `*`), `coin` (a coin id) or `field` (a field or sub-field). */
    kind: text('kind').notNull(),
    target: text('target').notNull(),
    /** Milliseconds since the epoch. */
    until: integer('until').notNull(),
    createdAt: integer('created_at').notNull().default(nowMs),
  },
  (t) => [uniqueIndex('mutes_chat_target').on(t.chatId, t.kind, t.target), index('mutes_until').on(t.until)],
);

/**
 * The buttons of sent alerts and digests: each an opaque random token (what Telegram's callback_data, Discord's
 * custom_id and Slack's button value carry) → the action, the chat, the message and the coins it acts on. Minted once
 * per (message, action) when the message is first handed to the platform, so a retried send carries the same tokens.
 */
export const alertButtons = sqliteTable(
  'alert_buttons',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    token: text('token').notNull(),
    /** `mute1d`, `unwatch`, `unwatch_confirm` or `acknowledge` (src/core/alert-actions.ts). */
    action: text('action').notNull(),
    chatId: integer('chat_id')
      .notNull()
      .references(() => chats.id, { onDelete: 'cascade' }),
    /** The outbox row of the alert; for a digest, its first row. */
    deliveryId: integer('delivery_id')
      .notNull()
      .references(() => deliveries.id, { onDelete: 'cascade' }),
    /** `alert`, or `digest` (then `digestIds` lists its rows). */
    message: text('message').notNull(),
    /** JSON array of the outbox row ids of a digest; null for an alert. */
    digestIds: text('digest_ids'),
    /** JSON array of the coin ids the action is about. */
    coins: text('coins').notNull(),
    expiresAt: integer('expires_at').notNull(),
    /** The first tap of a button that needs a second (Unwatch): its confirmation button is shown from then on. */
    armedAt: integer('armed_at'),
    /** When the action was taken, and by whom (the name shown on the message): set once, by a conditional update. */
    actedAt: integer('acted_at'),
    actedBy: text('acted_by'),
    createdAt: integer('created_at').notNull().default(nowMs),
  },
  (t) => [uniqueIndex('alert_buttons_token').on(t.token), uniqueIndex('alert_buttons_message_action').on(t.deliveryId, t.message, t.action)],
);
export type AlertButtonRow = typeof alertButtons.$inferSelect;

export type EventRow = typeof events.$inferSelect;
export type ChangeRow = typeof changes.$inferSelect;
export type ChatRow = typeof chats.$inferSelect;
export type SubscriptionRow = typeof subscriptions.$inferSelect;
export type DeliveryRow = typeof deliveries.$inferSelect;
export type MuteRow = typeof mutes.$inferSelect;

/** One row per retention prune (the hourly job or `npm run cli -- prune`): what it removed, for /metrics and `stats`. */
export const pruneRuns = sqliteTable('prune_runs', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  /** When the prune finished, milliseconds since the epoch (the injected clock). */
  ranAt: integer('ran_at').notNull(),
  /** Rows older than this (milliseconds since the epoch) were eligible. */
  cutoff: integer('cutoff').notNull(),
  deliveries: integer('deliveries').notNull(),
  events: integer('events').notNull(),
  changes: integer('changes').notNull(),
  quarantine: integer('quarantine').notNull(),
  durationMs: integer('duration_ms').notNull(),
});
export type PruneRunRow = typeof pruneRuns.$inferSelect;

// CoinGecko's coin directory (with COINGECKO_API_KEY): GET /coins/list?include_platform=true and GET /asset_platforms,
// replaced whole by each daily refresh. A refresh streams into the `_next` tables in small batches (webhooks keep being
// recorded meanwhile), then swaps them in with one transaction. Coins learned from webhooks stay in `coins`.
const directoryCoinColumns = () => ({
  id: text('id').primaryKey(),
  /** Lower-cased, as users type it (`btc`). */
  symbol: text('symbol').notNull(),
  name: text('name').notNull(),
  /** The name lower-cased, for prefix search (autocomplete). */
  nameKey: text('name_key').notNull(),
});
const directoryContractColumns = () => ({
  /** What a typed address is looked up by: an EVM address (`0x` + 40 hex) lower-cased, anything else exactly as given. */
  addressKey: text('address_key').notNull(),
  chain: text('chain').notNull(),
  coinId: text('coin_id').notNull(),
  /** As CoinGecko lists it. */
  address: text('address').notNull(),
});

export const directoryCoins = sqliteTable('directory_coins', directoryCoinColumns(), (t) => [
  index('directory_coins_symbol').on(t.symbol),
  index('directory_coins_name_key').on(t.nameKey),
]);
export const directoryContracts = sqliteTable('directory_contracts', directoryContractColumns(), (t) => [
  index('directory_contracts_address').on(t.addressKey),
  index('directory_contracts_coin').on(t.coinId),
]);
export const directoryCoinsNext = sqliteTable('directory_coins_next', directoryCoinColumns());
export const directoryContractsNext = sqliteTable('directory_contracts_next', directoryContractColumns());

/** CoinGecko's chains (`ethereum`, `solana`): what `platforms.<chain>` is checked against. */
export const assetPlatforms = sqliteTable('asset_platforms', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
});

/** One row (id 1): when the directory was last replaced, and what it holds. */
export const directoryState = sqliteTable('directory_state', {
  id: integer('id').primaryKey(),
  /** Milliseconds since the epoch (the injected clock). */
  refreshedAt: integer('refreshed_at').notNull(),
  coins: integer('coins').notNull(),
  contracts: integer('contracts').notNull(),
  platforms: integer('platforms').notNull(),
});
export type DirectoryCoinRow = typeof directoryCoins.$inferSelect;
export type DirectoryContractRow = typeof directoryContracts.$inferSelect;
