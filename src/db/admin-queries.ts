// Read-only overviews for the admin CLI: counts across the tables (`stats`) and every chat with its state (`chats`).
import { and, count, desc, eq, gte, sql, type SQL } from 'drizzle-orm';
import type { Db } from './open-database.js';
import { chats, deliveries, events, quarantine, subscriptions } from './schema.js';

export interface PlatformCounts {
  platform: string;
  activeChats: number;
  inactiveChats: number;
  subscriptions: number;
}

export interface DatabaseStats {
  events: { total: number; last24h: number; quarantined: number };
  /** One entry per platform that has chats, by name. */
  platforms: PlatformCounts[];
  subscriptions: number;
  /** Outbox rows by status (`pending`, `sending`, `sent`, `dead`, `cancelled`, …), by name. */
  outbox: Array<{ status: string; count: number }>;
  /** High-severity alerts sent in the last 7 days that nobody acknowledged (newest first, at most 20 listed). */
  unacknowledged: { total: number; alerts: UnacknowledgedAlert[] };
}

export interface UnacknowledgedAlert {
  chat: string;
  coinId: string | null;
  eventId: string;
  sentAt: number;
  /** Whether its reminder (ESCALATE_AFTER_MINUTES) was queued. */
  reminded: boolean;
}

const UNACKNOWLEDGED_SHOWN = 20;
const WEEK_MS = 7 * 24 * 3600_000;

const DAY_MS = 24 * 3600_000;
/** The subscription count of the chat row in scope (drizzle leaves a column of the outer table unqualified). */
const subscriptionCount = sql<number>`(select count(*) from ${subscriptions} s where s.chat_id = ${chats}.id)`;

/** Counts of events, chats, subscriptions and outbox rows; `now` in milliseconds since the epoch. */
export function databaseStats(db: Db, now: number): DatabaseStats {
  const countOf = (table: typeof events | typeof quarantine | typeof subscriptions, where?: SQL) =>
    db.select({ n: count() }).from(table).where(where).get()?.n ?? 0;
  const platforms = db
    .select({
      platform: chats.platform,
      activeChats: sql<number>`sum(${chats.active} = 1)`,
      inactiveChats: sql<number>`sum(${chats.active} = 0)`,
      subscriptions: sql<number>`coalesce(sum(${subscriptionCount}), 0)`,
    })
    .from(chats)
    .groupBy(chats.platform)
    .orderBy(chats.platform)
    .all();
  const outbox = db
    .select({ status: deliveries.status, count: count() })
    .from(deliveries)
    .groupBy(deliveries.status)
    .orderBy(deliveries.status)
    .all();
  return {
    unacknowledged: unacknowledgedAlerts(db, now),
    events: {
      total: countOf(events),
      last24h: countOf(events, gte(events.receivedAt, now - DAY_MS)),
      quarantined: countOf(quarantine),
    },
    platforms,
    subscriptions: countOf(subscriptions),
    outbox,
  };
}

/**
 * Sent high-severity alerts without an acknowledgement, through the partial index the escalation job reads
 * (deliveries_unacked_high): the last week's, whatever the size of the outbox.
 */
function unacknowledgedAlerts(db: Db, now: number): DatabaseStats['unacknowledged'] {
  const sqlite = db.$client;
  const from = 'from deliveries d indexed by deliveries_unacked_high';
  const where = `where d.status = 'sent' and d.severity = 'high' and d.acked_at is null and d.reminder_of is null and d.sent_at > ?`;
  const total = (sqlite.prepare(`select count(*) as n ${from} ${where}`).get(now - WEEK_MS) as { n: number }).n;
  const alerts = sqlite
    .prepare(
      `select c.platform || ':' || c.platform_chat_id as chat, e.coin_id as coinId, e.event_id as eventId, d.sent_at as sentAt,
         exists (select 1 from deliveries r where r.reminder_of = d.id) as reminded
       ${from} join chats c on c.id = d.chat_id join events e on e.id = d.event_row_id ${where}
       order by d.sent_at desc limit ${UNACKNOWLEDGED_SHOWN}`,
    )
    .all(now - WEEK_MS) as Array<Omit<UnacknowledgedAlert, 'reminded'> & { reminded: number }>;
  return { total, alerts: alerts.map((a) => ({ ...a, reminded: a.reminded === 1 })) };
}

export interface ChatOverview {
  platform: string;
  platformChatId: string;
  kind: string;
  title: string | null;
  active: boolean;
  /** CHAT_ACCESS: `approved`, `pending` or `revoked`. */
  access: string;
  subscriptions: number;
  deactivatedReason: string | null;
  deactivatedAt: number | null;
  createdAt: number;
}

export interface ChatFilter {
  platform?: string;
  /** true: only active chats; false: only inactive ones; absent: all. */
  active?: boolean;
  /** Only chats with this access (CHAT_ACCESS): `pending` lists the chats waiting for approval. */
  access?: string;
}

/** Every chat matching `filter` with its subscription count: active first, then by platform and id. */
export function listChatOverview(db: Db, filter: ChatFilter = {}): ChatOverview[] {
  return db
    .select({
      platform: chats.platform,
      platformChatId: chats.platformChatId,
      kind: chats.kind,
      title: chats.title,
      active: chats.active,
      access: chats.access,
      subscriptions: subscriptionCount,
      deactivatedReason: chats.deactivatedReason,
      deactivatedAt: chats.deactivatedAt,
      createdAt: chats.createdAt,
    })
    .from(chats)
    .where(
      and(
        filter.platform === undefined ? undefined : eq(chats.platform, filter.platform),
        filter.active === undefined ? undefined : eq(chats.active, filter.active),
        filter.access === undefined ? undefined : eq(chats.access, filter.access),
      ),
    )
    .orderBy(desc(chats.active), chats.platform, chats.platformChatId)
    .all();
}
