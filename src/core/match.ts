// Matching: which chats an event's changes reach, and through which of their changes. Pure: the caller looks up the
// candidate subscriptions by exact key (so the cost grows with matches, not with the number of subscriptions).
import { ANY, coveringFields } from './fields.js';

export interface ChangeRef {
  position: number;
  field: string;
}

export interface SubscriptionKey {
  chatId: number;
  coinId: string;
  field: string;
}

export interface ChatMatch {
  chatId: number;
  /** Positions of the matched changes, ascending. */
  positions: number[];
}

/**
 * Every (coin, field) key a subscription may have to match one of these changes of `coinId` (null: an event about no
 * known coin, which only every-coin subscriptions match). Always two coin ids, so lookups can be prepared once.
 */
export function candidateKeys(coinId: string | null, changes: readonly ChangeRef[]): { coinIds: string[]; fields: string[] } {
  const fields = new Set<string>([ANY]);
  for (const change of changes) for (const field of coveringFields(change.field)) fields.add(field);
  return { coinIds: [coinId ?? ANY, ANY], fields: [...fields] };
}

/** Groups matching subscriptions by chat: one entry per chat, listing each matched change once. */
export function matchChats(coinId: string | null, changes: readonly ChangeRef[], subscriptions: readonly SubscriptionKey[]): ChatMatch[] {
  const byChat = new Map<number, Set<number>>();
  for (const sub of subscriptions) {
    if (sub.coinId !== coinId && sub.coinId !== ANY) continue;
    for (const change of changes) {
      if (sub.field !== ANY && !coveringFields(change.field).includes(sub.field)) continue;
      let positions = byChat.get(sub.chatId);
      if (!positions) byChat.set(sub.chatId, (positions = new Set()));
      positions.add(change.position);
    }
  }
  return [...byChat].map(([chatId, positions]) => ({ chatId, positions: [...positions].sort((a, b) => a - b) }));
}
