// A verified CEXPing body → the core's event model, or why it cannot be used. The only place that knows CEXPing's
// payload (seeds/004: `event_id`, `type`, `timestamp`, `exchange`, `symbol`, `listing_type`, `volume_24h`, `ai_score`).
// Event id and timestamp live inside the signed body, so freshness is checked here, after the signature.
// A listing becomes one change of `listings.<exchange-slug>` (delistings, volume spikes: their own fields) whose new
// value holds the details as JSON: the matcher's "a field covers its sub-fields" then gives `/watch listings`,
// `/watch listings.binance` and `/watch delistings` without anything CEXPing-specific in the core.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { ParsedEvent } from '../../core/event.js';
import { exchangeSlug } from '../../core/exchanges.js';
import { describeIssue } from '../describe-issue.js';
import { OUTSIDE_WINDOW, checkTimestamp } from '../freshness.js';
import type { Intake, RawBody } from '../source.js';
import { baseSymbol } from './pair.js';

export const PING = 'ping';

/** CEXPing's event types that alert, and the field each is recorded under (a Map: `type` is payload text). */
export const LISTING_EVENTS = new Map<string, 'listings' | 'delistings' | 'volume_spikes'>([
  ['new_listing', 'listings'],
  ['futures_listing', 'listings'],
  ['listing_preview', 'listings'],
  ['delisting', 'delistings'],
  ['volume_spike', 'volume_spikes'],
]);

/** Longest event id kept as a dedupe key (CEXPing's look like `cxp_01J9KR2MXTN4P8ZWH3QV`). */
const MAX_EVENT_ID = 200;

const eventId = z.string().min(1).max(MAX_EVENT_ID).regex(/\S/, 'must not be blank');
const envelope = z.object({ type: z.string().min(1).max(100), event_id: eventId }).loose();
const listing = z
  .object({
    exchange: z.string().max(200).regex(/\S/, 'must not be blank'),
    symbol: z.string().max(200).regex(/\S/, 'must not be blank'),
    listing_type: z.string().max(100).nullish(),
    volume_24h: z.number().nullish(),
    ai_score: z.number().nullish(),
  })
  .loose();

/** What a listing change's new value holds (JSON), read back by src/core/listing.ts. */
export interface ListingDetails {
  type: string;
  exchange: string;
  pair: string;
  listing_type?: string;
  volume_24h?: number;
  ai_score?: number;
}

/** Parses a verified body at `nowMs`. Never throws. */
export function parseCexping(body: RawBody, nowMs: number, toleranceSeconds: number): Intake {
  let json: unknown;
  try {
    json = JSON.parse(body.text);
  } catch {
    json = undefined;
  }
  // A signed body that names no usable event id is still kept once: its hash is the dedupe key of the quarantine.
  const named = isObject(json) ? eventId.safeParse(json.event_id) : undefined;
  const key = named?.success ? named.data : `sha256:${createHash('sha256').update(body.bytes).digest('hex')}`;
  const now = Math.floor(nowMs / 1000);
  const malformed = (reason: string, occurredAt = now): Intake => ({ kind: 'malformed', eventId: key, occurredAt, reason });
  if (!isObject(json)) return malformed(json === undefined ? 'body is not JSON' : 'body: expected an object');

  const stamp = timestampText(json.timestamp);
  const fresh = stamp === undefined ? undefined : checkTimestamp(stamp, nowMs, toleranceSeconds);
  if (fresh && !fresh.ok && fresh.reason !== 'malformed') {
    return { kind: 'refused', status: 401, reason: `${fresh.reason}_timestamp`, error: OUTSIDE_WINDOW, eventId: key };
  }
  if (json.type === PING) return { kind: 'ping' };
  if (!fresh?.ok) return malformed('timestamp: must be UNIX seconds');

  const head = envelope.safeParse(json);
  if (!head.success) return malformed(describeIssue(head.error), fresh.seconds);
  const { type } = head.data;
  const field = LISTING_EVENTS.get(type);
  if (!field) return { kind: 'event', eventId: key, occurredAt: fresh.seconds, event: { eventType: type, coin: null, changes: [], handled: false } };

  const parsed = listing.safeParse(json);
  if (!parsed.success) return malformed(describeIssue(parsed.error), fresh.seconds);
  const { exchange, symbol: pair, listing_type, volume_24h, ai_score } = parsed.data;
  const details: ListingDetails = {
    type,
    exchange,
    pair,
    ...(listing_type != null && { listing_type }),
    ...(volume_24h != null && { volume_24h }),
    ...(ai_score != null && { ai_score }),
  };
  const base = baseSymbol(pair);
  const event: ParsedEvent = {
    eventType: type,
    coin: null,
    ...(base && { symbol: base }),
    changes: [{ position: 0, field: `${field}.${exchangeSlug(exchange)}`, changeType: 'addition', oldValue: null, newValue: JSON.stringify(details) }],
    handled: true,
  };
  return { kind: 'event', eventId: key, occurredAt: fresh.seconds, event };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `timestamp` as decimal text when it is a number or a string; checkTimestamp then accepts only whole seconds. */
function timestampText(value: unknown): string | undefined {
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : 'not whole seconds';
  return typeof value === 'string' ? value.trim() : undefined;
}
