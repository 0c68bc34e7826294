// The PostgreSQL schema: the same tables, columns, indexes and constraints as src/db/schema.ts (which documents what each
// column means), in PostgreSQL's types. Migrations in migrations/postgres/ are generated from this file by drizzle-kit
// (drizzle.pg.config.ts); never edit them by hand. test/db/pg-schema.test.ts holds the two schemas to the same shape.
// Differences, each for a reason: times in milliseconds are `bigint` (an `integer` is 32-bit here); ids are identity
// columns; `active` is a boolean; `changes.top_field` is a stored generated column (PostgreSQL has no virtual ones
// before 18, and split_part says the same as SQLite's iif/instr/substr); `deliveries.claimed_by` exists only here
// (several instances share the outbox; one SQLite process owns all of it).
import { sql } from 'drizzle-orm';
import { bigint, boolean, index, integer, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';

/** Milliseconds since the epoch, set by PostgreSQL when the row is written (the statement's time, as in SQLite). */
const nowMs = sql`((extract(epoch from statement_timestamp()) * 1000)::bigint)`;
const ms = (name: string) => bigint(name, { mode: 'number' });
const rowId = () => integer('id').primaryKey().generatedByDefaultAsIdentity();

export const events = pgTable(
  'events',
  {
    id: rowId(),
    source: text('source').notNull(),
    eventId: text('event_id').notNull(),
    eventType: text('event_type').notNull(),
    coinId: text('coin_id'),
    coinSymbol: text('coin_symbol'),
    coinName: text('coin_name'),
    occurredAt: bigint('occurred_at', { mode: 'number' }).notNull(),
    receivedAt: ms('received_at').notNull().default(nowMs),
    rawBody: text('raw_body').notNull(),
  },
  (t) => [uniqueIndex('events_source_event_id').on(t.source, t.eventId), index('events_coin').on(t.coinId)],
);

export const changes = pgTable(
  'changes',
  {
    id: rowId(),
    eventRowId: integer('event_row_id')
      .notNull()
      .references(() => events.id, { onDelete: 'cascade' }),
    position: integer('position').notNull(),
    field: text('field').notNull(),
    topField: text('top_field').generatedAlwaysAs(sql`split_part(field, '.', 1)`),
    changeType: text('change_type').notNull(),
    oldValue: text('old_value'),
    newValue: text('new_value'),
  },
  (t) => [
    uniqueIndex('changes_event_position').on(t.eventRowId, t.position),
    index('changes_field_event').on(t.field, t.eventRowId),
    index('changes_top_field_event').on(t.topField, t.eventRowId),
  ],
);

export const quarantine = pgTable(
  'quarantine',
  {
    id: rowId(),
    source: text('source').notNull(),
    eventId: text('event_id').notNull(),
    reason: text('reason').notNull(),
    occurredAt: bigint('occurred_at', { mode: 'number' }).notNull(),
    receivedAt: ms('received_at').notNull().default(nowMs),
    rawBody: text('raw_body').notNull(),
  },
  (t) => [uniqueIndex('quarantine_source_event_id').on(t.source, t.eventId)],
);

export const coins = pgTable(
  'coins',
  {
    id: text('id').primaryKey(),
    symbol: text('symbol'),
    name: text('name'),
    updatedAt: ms('updated_at').notNull().default(nowMs),
  },
  (t) => [index('coins_symbol').on(sql`lower(${t.symbol})`)],
);

export const chats = pgTable(
  'chats',
  {
    id: rowId(),
    platform: text('platform').notNull(),
    platformChatId: text('platform_chat_id').notNull(),
    kind: text('kind').notNull(),
    title: text('title'),
    opsMention: text('ops_mention'),
    active: boolean('active').notNull().default(true),
    access: text('access').notNull().default('approved'),
    accessBy: text('access_by'),
    accessNoticeAt: ms('access_notice_at'),
    pendingNotice: text('pending_notice'),
    deactivatedReason: text('deactivated_reason'),
    deactivatedAt: ms('deactivated_at'),
    createdAt: ms('created_at').notNull().default(nowMs),
  },
  (t) => [
    uniqueIndex('chats_platform_chat').on(t.platform, t.platformChatId),
    index('chats_pending_notice').on(t.id).where(sql`${t.pendingNotice} IS NOT NULL`),
  ],
);

export const subscriptions = pgTable(
  'subscriptions',
  {
    id: rowId(),
    chatId: integer('chat_id')
      .notNull()
      .references(() => chats.id, { onDelete: 'cascade' }),
    coinId: text('coin_id').notNull(),
    field: text('field').notNull(),
    createdAt: ms('created_at').notNull().default(nowMs),
  },
  (t) => [
    uniqueIndex('subscriptions_chat_coin_field').on(t.chatId, t.coinId, t.field),
    index('subscriptions_coin_field').on(t.coinId, t.field, t.chatId),
  ],
);

export const deliveries = pgTable(
  'deliveries',
  {
    id: rowId(),
    eventRowId: integer('event_row_id')
      .notNull()
      .references(() => events.id, { onDelete: 'cascade' }),
    chatId: integer('chat_id')
      .notNull()
      .references(() => chats.id, { onDelete: 'cascade' }),
    status: text('status').notNull().default('pending'),
    severity: text('severity'),
    matchedPositions: text('matched_positions').notNull(),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: ms('next_attempt_at').notNull().default(0),
    lastError: text('last_error'),
    createdAt: ms('created_at').notNull().default(nowMs),
    sentAt: ms('sent_at'),
    reminderOf: integer('reminder_of'),
    ackedAt: ms('acked_at'),
    ackedBy: text('acked_by'),
    ackedVia: text('acked_via'),
    /**
     * PostgreSQL only: which instance holds the row while it is `sending` (its claimer key; the instance holds the
     * advisory lock of that key while it lives), so rows of a dead instance can be taken back and a live one's cannot.
     */
    claimedBy: integer('claimed_by'),
  },
  (t) => [
    uniqueIndex('deliveries_event_chat').on(t.eventRowId, t.chatId).where(sql`reminder_of is null`),
    uniqueIndex('deliveries_reminder_of').on(t.reminderOf).where(sql`reminder_of is not null`),
    index('deliveries_unacked_high')
      .on(t.sentAt)
      .where(sql`status = 'sent' and severity = 'high' and acked_at is null and reminder_of is null`),
    index('deliveries_status_due').on(t.status, t.nextAttemptAt),
    index('deliveries_chat_status_due').on(t.chatId, t.status, t.nextAttemptAt),
  ],
);

export const mutes = pgTable(
  'mutes',
  {
    id: rowId(),
    chatId: integer('chat_id')
      .notNull()
      .references(() => chats.id, { onDelete: 'cascade' }),
    kind: text('kind').notNull(),
    target: text('target').notNull(),
    until: ms('until').notNull(),
    createdAt: ms('created_at').notNull().default(nowMs),
  },
  (t) => [uniqueIndex('mutes_chat_target').on(t.chatId, t.kind, t.target), index('mutes_until').on(t.until)],
);

export const alertButtons = pgTable(
  'alert_buttons',
  {
    id: rowId(),
    token: text('token').notNull(),
    action: text('action').notNull(),
    chatId: integer('chat_id')
      .notNull()
      .references(() => chats.id, { onDelete: 'cascade' }),
    deliveryId: integer('delivery_id')
      .notNull()
      .references(() => deliveries.id, { onDelete: 'cascade' }),
    message: text('message').notNull(),
    digestIds: text('digest_ids'),
    coins: text('coins').notNull(),
    expiresAt: ms('expires_at').notNull(),
    armedAt: ms('armed_at'),
    actedAt: ms('acted_at'),
    actedBy: text('acted_by'),
    createdAt: ms('created_at').notNull().default(nowMs),
  },
  (t) => [uniqueIndex('alert_buttons_token').on(t.token), uniqueIndex('alert_buttons_message_action').on(t.deliveryId, t.message, t.action)],
);

export const pruneRuns = pgTable('prune_runs', {
  id: rowId(),
  ranAt: ms('ran_at').notNull(),
  cutoff: ms('cutoff').notNull(),
  deliveries: integer('deliveries').notNull(),
  events: integer('events').notNull(),
  changes: integer('changes').notNull(),
  quarantine: integer('quarantine').notNull(),
  durationMs: integer('duration_ms').notNull(),
});

const directoryCoinColumns = () => ({
  id: text('id').primaryKey(),
  symbol: text('symbol').notNull(),
  name: text('name').notNull(),
  nameKey: text('name_key').notNull(),
});
const directoryContractColumns = () => ({
  addressKey: text('address_key').notNull(),
  chain: text('chain').notNull(),
  coinId: text('coin_id').notNull(),
  address: text('address').notNull(),
});

export const directoryCoins = pgTable('directory_coins', directoryCoinColumns(), (t) => [
  index('directory_coins_symbol').on(t.symbol),
  index('directory_coins_name_key').on(t.nameKey),
]);
export const directoryContracts = pgTable('directory_contracts', directoryContractColumns(), (t) => [
  index('directory_contracts_address').on(t.addressKey),
  index('directory_contracts_coin').on(t.coinId),
]);
export const directoryCoinsNext = pgTable('directory_coins_next', directoryCoinColumns());
export const directoryContractsNext = pgTable('directory_contracts_next', directoryContractColumns());

export const assetPlatforms = pgTable('asset_platforms', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
});

export const directoryState = pgTable('directory_state', {
  id: integer('id').primaryKey(),
  refreshedAt: ms('refreshed_at').notNull(),
  coins: integer('coins').notNull(),
  contracts: integer('contracts').notNull(),
  platforms: integer('platforms').notNull(),
});
