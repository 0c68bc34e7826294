// The gate as a pure function: which alerts may be muted or held for a digest, per severity and kind, with the rows
// of one batch counted against the chat's threshold in order.
import { describe, expect, it } from 'vitest';
import { composeAlert, type AlertChange } from '../../src/core/alert.js';
import { gateRows, holdable, type ChatGateState, type Composed } from '../../src/delivery/gate.js';

const NOW = 1_776_066_000_000;
const digest = { threshold: 1, windowMs: 300_000 };

function composed(changes: AlertChange[], coinId = 'wild-goat-coin-2'): Composed {
  return { alert: composeAlert({ eventId: 'e', coin: { id: coinId, symbol: 'WGC', name: 'Wild Goat Coin' }, changes }), fields: changes.map((c) => c.field) };
}
const change = (field: string, changeType: string, oldValue: unknown, newValue: unknown): AlertChange => ({
  field,
  changeType,
  oldValue: oldValue === undefined ? null : JSON.stringify(oldValue),
  newValue: newValue === undefined ? null : JSON.stringify(newValue),
});
const listing = (field: string, event: string) => change(field, 'addition', undefined, { type: event, exchange: 'Bybit', pair: 'WGC-USDT' });

const KINDS = {
  category: composed([change('categories', 'addition', undefined, 'meme')]),
  logo: composed([change('image', 'update', 'a.png', 'b.png')]),
  nameChange: composed([change('name', 'update', 'Wild Goat Coin', 'Wild Goat Coin [OLD]')]),
  newChain: composed([change('platforms.solana', 'addition', undefined, 'So1ana')]),
  migration: composed([change('platforms.ethereum', 'update', '0xold', '0xnew')]),
  notice: composed([change('public_notices', 'addition', undefined, 'Contract migrating')]),
  futuresListing: composed([listing('listings.bybit', 'futures_listing')]),
  newListing: composed([listing('listings.binance', 'new_listing')]),
  volumeSpike: composed([listing('volume_spikes.gate-io', 'volume_spike')]),
};

const flooded: ChatGateState = { mutes: [], lowSent: 5 };
const verdictOf = (c: Composed, state: ChatGateState = flooded) => gateRows([{ chatId: 1, composed: c }], () => state, NOW, digest)[0];

describe('the gate', () => {
  it.each([
    ['a category change', 'category', 'held'],
    ['a logo change', 'logo', 'held'],
    ['a name change', 'nameChange', 'send'],
    ['a new chain', 'newChain', 'send'],
    ['a futures listing', 'futuresListing', 'send'],
    ['a new spot listing', 'newListing', 'send'],
    ['a volume spike', 'volumeSpike', 'send'],
    ['a contract migration', 'migration', 'send'],
    ['a public notice', 'notice', 'send'],
  ] as const)('in a flooded chat, %s is %s', (_label, kind, verdict) => {
    expect(verdictOf(KINDS[kind])?.kind).toBe(verdict);
  });

  it('holds only info-severity alerts that are not listings', () => {
    const held = Object.entries(KINDS).filter(([, c]) => holdable(c.alert)).map(([k]) => k);
    expect(held).toEqual(['category', 'logo']);
  });

  it('never mutes high severity; mutes a low-severity alert its mute covers', () => {
    const muted: ChatGateState = { mutes: [{ kind: 'chat', target: '*', until: NOW + 60_000 }], lowSent: 0 };
    expect(verdictOf(KINDS.migration, muted)).toEqual({ kind: 'send' });
    expect(verdictOf(KINDS.nameChange, muted)).toEqual({ kind: 'muted' });
    expect(verdictOf(KINDS.category, { mutes: [{ kind: 'chat', target: '*', until: NOW }], lowSent: 0 })).toEqual({ kind: 'send' });
  });

  it('counts a batch against the threshold in order, and gives every held row of a chat one digest time', () => {
    const rows = [1, 1, 2, 1].map((chatId) => ({ chatId, composed: KINDS.category }));
    const state = (chatId: number): ChatGateState => (chatId === 1 ? { mutes: [], lowSent: 0 } : { mutes: [], lowSent: 0, heldUntil: NOW + 5 });
    expect(gateRows(rows, state, NOW, { threshold: 1, windowMs: 60_000 })).toEqual([
      { kind: 'send' },
      { kind: 'held', until: NOW + 60_000 },
      { kind: 'send' },
      { kind: 'held', until: NOW + 60_000 },
    ]);
  });

  it('sends everything when digests are off, and a row with nothing to show goes to the sender (which dead-letters it)', () => {
    expect(gateRows([{ chatId: 1, composed: KINDS.category }], () => flooded, NOW)).toEqual([{ kind: 'send' }]);
    expect(gateRows([{ chatId: 1, composed: null }], () => flooded, NOW, digest)).toEqual([{ kind: 'send' }]);
  });
});
