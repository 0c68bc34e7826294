// The outcome table: every platform answer against the verdict expected for the rows it carried (as Alertmanager's
// notifier tests table answers against retry or not).
import { describe, expect, it } from 'vitest';
import { settle } from '../../src/delivery/outcome-table.js';
import type { SendOutcome } from '../../src/platforms/port.js';

const NOW = 1_000_000;
const ctx = { now: NOW, maxAttempts: 3, backoff: { baseMs: 1000, maxMs: 60_000, random: () => 0 } };
const one = [{ id: 7, attempts: 0 }];

describe('settle', () => {
  it.each<[string, SendOutcome, unknown]>([
    ['sent', { kind: 'sent' }, { updates: [{ id: 7, to: 'sent', at: NOW, severity: 'high' }], results: [{ result: 'sent', n: 1 }] }],
    [
      'a transient error: retry with backoff, an attempt spent',
      { kind: 'retry', error: 'HTTP 502' },
      { updates: [{ id: 7, to: 'retry', at: NOW + 500, error: 'HTTP 502' }], results: [{ result: 'retry', n: 1 }] },
    ],
    [
      'a 429 with retry-after: the chat paused, no attempt spent',
      { kind: 'retry', error: '429', afterMs: 3000 },
      { updates: [{ id: 7, to: 'release', at: NOW + 3000 }], pauseUntil: NOW + 3000, results: [{ result: 'rate_limited', n: 1 }] },
    ],
    ['the chat is gone: deactivated (which cancels its rows)', { kind: 'chat_gone', reason: 'blocked' }, { updates: [], chat: { kind: 'deactivate', reason: 'blocked' } }],
    [
      'the chat moved: rewritten, the row sent again at once',
      { kind: 'chat_moved', newPlatformChatId: '-100' },
      { updates: [{ id: 7, to: 'release', at: NOW }], chat: { kind: 'move', newPlatformChatId: '-100' } },
    ],
    ['the content refused: a dead letter at once', { kind: 'rejected', error: '400' }, { updates: [{ id: 7, to: 'dead', error: '400' }], results: [{ result: 'dead', n: 1 }] }],
    [
      'the credentials refused: the lane stops, the row waits',
      { kind: 'platform_down', error: '401' },
      { updates: [{ id: 7, to: 'release', at: NOW }], laneDown: '401', results: [{ result: 'platform_down', n: 1 }] },
    ],
  ])('%s', (_label, outcome, expected) => {
    expect(settle(outcome, one, { ...ctx, severity: 'high' })).toMatchObject(expected as object);
  });

  it('dead-letters the rows of a digest on their last attempt, retries the others', () => {
    const rows = [
      { id: 1, attempts: 2 },
      { id: 2, attempts: 0 },
    ];
    const settlement = settle({ kind: 'retry', error: 'timeout' }, rows, ctx);
    expect(settlement.updates).toEqual([
      { id: 1, to: 'dead', error: 'timeout' },
      { id: 2, to: 'retry', error: 'timeout', at: NOW + 500 },
    ]);
    expect(settlement.results).toEqual([
      { result: 'dead', n: 1 },
      { result: 'retry', n: 1 },
    ]);
    expect(settlement.log).toMatchObject({ level: 'warn', message: 'digest dead-lettered after its last attempt' });
  });
});
