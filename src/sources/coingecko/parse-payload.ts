// Raw webhook body → a typed event, or the reason it cannot be used. The only place that knows CoinGecko's payload shape.
import { z } from 'zod';
import type { ParsedEvent } from '../../core/event.js';
import { describeIssue as describe } from '../describe-issue.js';

export type { ParsedChange, ParsedEvent } from '../../core/event.js';

export const COIN_INFO_UPDATED = 'cg.coin.info.updated';

/**
 * Most changes one event may carry (real ones carry a few). Each distinct field is a parameter of the matching query,
 * and SQLite takes at most 32,766: with a raised WEBHOOK_MAX_BODY_BYTES, more would fail every retry with a 503.
 */
export const MAX_CHANGES = 10_000;

/** Names and symbols are untrusted text of any length: the body limit bounds them, renderers shorten them visibly. */
const coinText = z.string();

const change = z
  .object({
    field: z.string().min(1).max(1000),
    change_type: z.enum(['addition', 'update', 'removal']),
    old_value: z.unknown().optional(),
    new_value: z.unknown().optional(),
  })
  .loose();

const coinInfoUpdated = z
  .object({
    event_type: z.literal(COIN_INFO_UPDATED),
    data: z
      .object({
        id: z.string().min(1).max(1000),
        symbol: coinText.nullish(),
        name: coinText.nullish(),
        changes: z.array(change).max(MAX_CHANGES).default([]),
      })
      .loose(),
  })
  .loose();

const anyEvent = z
  .object({
    event_type: z.string().min(1).max(200),
    data: z
      .object({ id: z.string().max(1000).optional(), symbol: coinText.nullish(), name: coinText.nullish() })
      .loose()
      .optional(),
  })
  .loose();

export type ParseResult = { ok: true; event: ParsedEvent } | { ok: false; reason: string };

/** Parses a raw body. Never throws: anything unusable comes back as `{ ok: false, reason }`. */
export function parsePayload(rawBody: string): ParseResult {
  let json: unknown;
  try {
    json = JSON.parse(rawBody);
  } catch {
    return { ok: false, reason: 'body is not JSON' };
  }
  const generic = anyEvent.safeParse(json);
  if (!generic.success) return { ok: false, reason: describe(generic.error) };

  if (generic.data.event_type !== COIN_INFO_UPDATED) {
    const data = generic.data.data;
    return {
      ok: true,
      event: {
        eventType: generic.data.event_type,
        coin: data?.id ? { id: data.id, symbol: data.symbol ?? null, name: data.name ?? null } : null,
        changes: [],
        handled: false,
      },
    };
  }

  const parsed = coinInfoUpdated.safeParse(json);
  if (!parsed.success) return { ok: false, reason: describe(parsed.error) };
  const { data } = parsed.data;
  // Values are kept as JSON and rendered recursively: a value nested thousands deep would overflow the stack there.
  const tooDeep = data.changes.findIndex((c) => nestedDeeperThan(c.old_value, MAX_VALUE_DEPTH) || nestedDeeperThan(c.new_value, MAX_VALUE_DEPTH));
  if (tooDeep !== -1) return { ok: false, reason: `data.changes.${tooDeep}: a value is nested deeper than ${MAX_VALUE_DEPTH} levels` };
  return {
    ok: true,
    event: {
      eventType: COIN_INFO_UPDATED,
      coin: { id: data.id, symbol: data.symbol ?? null, name: data.name ?? null },
      changes: data.changes.map((c, position) => ({
        position,
        field: c.field,
        changeType: c.change_type,
        oldValue: 'old_value' in c ? JSON.stringify(c.old_value ?? null) : null,
        newValue: 'new_value' in c ? JSON.stringify(c.new_value ?? null) : null,
      })),
      handled: true,
    },
  };
}

/** CoinGecko's values are strings, booleans, null or short arrays; anything nested this deep is not a coin's metadata. */
export const MAX_VALUE_DEPTH = 32;

/** Whether `value` has arrays or objects nested more than `limit` deep. Iterative: the input may be very deep. */
function nestedDeeperThan(value: unknown, limit: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (node === null || typeof node !== 'object') continue;
    if (depth >= limit) return true;
    for (const inner of Object.values(node)) stack.push([inner, depth + 1]);
  }
  return false;
}
