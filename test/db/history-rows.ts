// History rows written at chosen times, for the retention tests and benchmarks: an event as the recorder stores it (a
// real fixture body and its changes) with outbox rows of chosen statuses. The recorder itself stamps rows with
// SQLite's clock; retention is about rows of other days, so these are written directly, with the same columns.
import type { Db } from '../../src/db/open-database.js';
import { parsePayload } from '../../src/sources/coingecko/parse-payload.js';
import { fixture } from '../support/harness.js';

export interface HistoryEvent {
  eventId: string;
  /** Received at, milliseconds since the epoch. */
  at: number;
  /** One outbox row per entry, created at `at` unless said. */
  deliveries?: ReadonlyArray<{ chatId: number; status: string; at?: number }>;
  /** A bundled CoinGecko fixture (default `rebrand-multi-change`); null: an unhandled event type, no changes. */
  fixtureName?: string | null;
}

/** Returns `add(event)`, which writes one event with its changes and deliveries and returns its row id. */
export function historyWriter(db: Db): (event: HistoryEvent) => number {
  const sqlite = db.$client;
  const insertEvent = sqlite.prepare(
    `insert into events (source, event_id, event_type, coin_id, coin_symbol, coin_name, occurred_at, received_at, raw_body)
     values ('coingecko', ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insertChange = sqlite.prepare(
    'insert into changes (event_row_id, position, field, change_type, old_value, new_value) values (?, ?, ?, ?, ?, ?)',
  );
  const insertDelivery = sqlite.prepare(
    `insert into deliveries (event_row_id, chat_id, status, matched_positions, created_at, sent_at)
     values (?, ?, ?, '[0]', ?, case when ? = 'sent' then ? end)`,
  );
  const bodies = new Map<string, { raw: string; parsed: ReturnType<typeof parsePayload> }>();
  const body = (name: string) => {
    let cached = bodies.get(name);
    if (!cached) bodies.set(name, (cached = { raw: fixture(name), parsed: parsePayload(fixture(name)) }));
    return cached;
  };

  return (event) => {
    const name = event.fixtureName === undefined ? 'rebrand-multi-change' : event.fixtureName;
    const { raw, parsed } = name === null ? { raw: '{"event_type":"cg.coin.listed","data":{}}', parsed: undefined } : body(name);
    const coin = parsed?.ok ? parsed.event.coin : undefined;
    const rowId = Number(
      insertEvent.run(
        event.eventId,
        name === null ? 'cg.coin.listed' : 'cg.coin.info.updated',
        coin?.id ?? null,
        coin?.symbol ?? null,
        coin?.name ?? null,
        Math.floor(event.at / 1000),
        event.at,
        raw,
      ).lastInsertRowid,
    );
    if (parsed?.ok) {
      for (const c of parsed.event.changes) insertChange.run(rowId, c.position, c.field, c.changeType, c.oldValue, c.newValue);
    }
    for (const d of event.deliveries ?? []) insertDelivery.run(rowId, d.chatId, d.status, d.at ?? event.at, d.status, d.at ?? event.at);
    return rowId;
  };
}

/** `count` chats, returning their row ids. */
export function addChats(db: Db, count: number, platform = 'telegram'): number[] {
  const insert = db.$client.prepare("insert into chats (platform, platform_chat_id, kind) values (?, ?, 'group')");
  return Array.from({ length: count }, (_, i) => Number(insert.run(platform, String(-1000 - i)).lastInsertRowid));
}
