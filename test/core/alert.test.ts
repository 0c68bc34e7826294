import { describe, expect, it } from 'vitest';
import { composeAlert, show, type AlertChange } from '../../src/core/alert.js';
import { fixture, fixtureNames } from '../support/harness.js';

function fromFixture(name: string) {
  const body = JSON.parse(fixture(name)) as {
    data: { id: string; symbol: string; name: string; changes?: Array<{ field: string; change_type: string; old_value?: unknown; new_value?: unknown }> };
  };
  const changes: AlertChange[] = (body.data.changes ?? []).map((c) => ({
    field: c.field,
    changeType: c.change_type,
    oldValue: 'old_value' in c ? JSON.stringify(c.old_value) : null,
    newValue: 'new_value' in c ? JSON.stringify(c.new_value) : null,
  }));
  return composeAlert({ eventId: 'e', coin: { id: body.data.id, symbol: body.data.symbol, name: body.data.name }, changes });
}

describe('composeAlert', () => {
  it('shows a same-chain contract swap as a high-severity migration with explorer links', () => {
    const alert = fromFixture('contract-migration-same-chain');
    expect(alert.severity).toBe('high');
    expect(alert.headline).toBe('Contract migration (+1 more)');
    expect(alert.items[0]).toEqual({
      kind: 'contract_migration',
      fromChain: 'ethereum',
      toChain: 'ethereum',
      oldAddress: '0x1111111111111111111111111111111111111111',
      newAddress: '0x2222222222222222222222222222222222222222',
      oldExplorer: { name: 'Etherscan', url: 'https://etherscan.io/token/0x1111111111111111111111111111111111111111' },
      newExplorer: { name: 'Etherscan', url: 'https://etherscan.io/token/0x2222222222222222222222222222222222222222' },
    });
    expect(alert.items[1]).toMatchObject({ kind: 'notice', changeType: 'addition' });
  });

  it('pairs a removal and an addition of chains in one event into a migration', () => {
    const alert = fromFixture('chain-move-removal-addition');
    expect(alert.items).toHaveLength(1);
    expect(alert.items[0]).toMatchObject({ kind: 'contract_migration', fromChain: 'xdai', toChain: 'ethereum' });
  });

  it('shows a new chain with its case-sensitive Solana address and Solscan link', () => {
    const alert = fromFixture('new-chain-deployment-solana');
    expect(alert.items[0]).toEqual({
      kind: 'new_chain',
      chain: 'solana',
      address: 'EmcXa1b2C3d4E5f6G7h8J9k1L2m3N4p5Q6r7S8t9U1v',
      explorer: { name: 'Solscan', url: 'https://solscan.io/token/EmcXa1b2C3d4E5f6G7h8J9k1L2m3N4p5Q6r7S8t9U1v' },
    });
  });

  it('reads a boolean flag turning true as a warning, not JSON', () => {
    const alert = fromFixture('additional-notice');
    expect(alert.severity).toBe('high');
    expect(alert.items[0]).toEqual({ kind: 'flag', status: 'can_mint_new_tokens', label: 'Can mint new tokens', old: 'no', new: 'yes', warning: true });
  });

  it('shows link arrays without empty entries', () => {
    expect(fromFixture('links-homepage-update').items[0]).toEqual({
      kind: 'link',
      site: 'homepage',
      old: 'https://old.example.org',
      new: 'https://new.example.org',
    });
  });

  it('builds no explorer link for an address of the wrong shape', () => {
    const alert = composeAlert({
      eventId: 'e',
      coin: { id: 'x', symbol: null, name: null },
      changes: [{ field: 'platforms.ethereum', changeType: 'addition', oldValue: null, newValue: '"javascript:alert(1)"' }],
    });
    expect(alert.items[0]).toEqual({ kind: 'new_chain', chain: 'ethereum', address: 'javascript:alert(1)' });
  });

  it('treats chain names from the payload as data, even object-prototype names', () => {
    for (const chain of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      const alert = composeAlert({
        eventId: 'e',
        coin: { id: 'x', symbol: null, name: null },
        changes: [{ field: `platforms.${chain}`, changeType: 'addition', oldValue: null, newValue: '"0x4444444444444444444444444444444444444444"' }],
      });
      expect(alert.items).toEqual([{ kind: 'new_chain', chain, address: '0x4444444444444444444444444444444444444444' }]);
    }
  });

  it('composes every fixture with at least one item', () => {
    for (const name of fixtureNames().filter((n) => n !== 'unknown-event-type')) {
      expect(fromFixture(name).items.length, name).toBeGreaterThan(0);
    }
  });

  it('shows values readably', () => {
    expect([show(true), show(false), show(null), show(''), show(['a', '', 'b']), show([]), show({ k: 1 }), show(3)]).toEqual([
      'yes',
      'no',
      'none',
      'none',
      'a, b',
      'none',
      '{"k":1}',
      '3',
    ]);
  });
});
