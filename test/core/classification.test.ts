// Contract-change classification as a table: each row is an event's platforms changes and what an ops channel is told.
// Fixture rows come from ../shared/fixtures/coingecko; the rest are the value shapes DESIGN.md §2 lists.
import { describe, expect, it } from 'vitest';
import { composeAlert, type AlertChange, type AlertItem } from '../../src/core/alert.js';
import { explorerLink } from '../../src/core/explorers.js';
import { fixture } from '../support/harness.js';

type Raw = { field: string; change_type: string; old_value?: unknown; new_value?: unknown };
const asChanges = (raw: readonly Raw[]): AlertChange[] =>
  raw.map((c) => ({
    field: c.field,
    changeType: c.change_type,
    oldValue: 'old_value' in c ? JSON.stringify(c.old_value) : null,
    newValue: 'new_value' in c ? JSON.stringify(c.new_value) : null,
  }));
const fromFixture = (name: string): Raw[] => (JSON.parse(fixture(name)) as { data: { changes: Raw[] } }).data.changes;
const classify = (raw: readonly Raw[]) => composeAlert({ eventId: 'e', coin: { id: 'c', symbol: 'c', name: 'C' }, changes: asChanges(raw) });
/** The parts of an item an ops person acts on: kind, chains, addresses, explorer name (or none). */
const essence = (item: AlertItem) => {
  switch (item.kind) {
    case 'contract_migration':
      return [item.kind, `${item.fromChain}→${item.toChain}`, `${item.oldAddress}→${item.newAddress}`, `${item.oldExplorer?.name ?? '-'}/${item.newExplorer?.name ?? '-'}`];
    case 'new_chain':
    case 'chain_removed':
      return [item.kind, item.chain, item.address, item.explorer?.name ?? '-'];
    default:
      return [item.kind];
  }
};

const SUI = '0x5d4b302506645c37ff133b98c4b50a5ae14841659738d6d733d59d0d217a93bf::coin::COIN';
const TABLE: Array<{ name: string; changes: Raw[]; items: string[][]; severity: string }> = [
  {
    name: 'same-chain update (fixture): migration, with the notice of the same event',
    changes: fromFixture('contract-migration-same-chain'),
    items: [
      ['contract_migration', 'ethereum→ethereum', '0x1111111111111111111111111111111111111111→0x2222222222222222222222222222222222222222', 'Etherscan/Etherscan'],
      ['notice'],
    ],
    severity: 'high',
  },
  {
    name: 'xdai removal + ethereum addition (fixture): one migration across chains',
    changes: fromFixture('chain-move-removal-addition'),
    items: [['contract_migration', 'xdai→ethereum', '0x3333333333333333333333333333333333333333→0x4444444444444444444444444444444444444444', 'GnosisScan/Etherscan']],
    severity: 'high',
  },
  {
    name: 'new Solana deployment (fixture): base58 kept case-exact, Solscan',
    changes: fromFixture('new-chain-deployment-solana'),
    items: [['new_chain', 'solana', 'EmcXa1b2C3d4E5f6G7h8J9k1L2m3N4p5Q6r7S8t9U1v', 'Solscan']],
    severity: 'medium',
  },
  {
    name: 'native coin with an empty key',
    changes: [{ field: 'platforms.', change_type: 'update', old_value: '', new_value: '' }],
    items: [['contract_migration', '(native)→(native)', 'none→none', '-/-']],
    severity: 'high',
  },
  {
    name: 'Sui type tag: shown whole, Suiscan link',
    changes: [{ field: 'platforms.sui', change_type: 'addition', new_value: SUI }],
    items: [['new_chain', 'sui', SUI, 'Suiscan']],
    severity: 'medium',
  },
  {
    name: 'Hedera 0.0.x: text, no link',
    changes: [{ field: 'platforms.hedera-hashgraph', change_type: 'removal', old_value: '0.0.456858', new_value: '' }],
    items: [['chain_removed', 'hedera-hashgraph', '0.0.456858', '-']],
    severity: 'medium',
  },
  {
    name: 'Polkadot asset id on a known-looking chain key: text, no link',
    changes: [{ field: 'platforms.polkadot', change_type: 'addition', new_value: '1337' }],
    items: [['new_chain', 'polkadot', '1337', '-']],
    severity: 'medium',
  },
  {
    name: 'an ethereum key carrying a non-address: no broken link',
    changes: [{ field: 'platforms.ethereum', change_type: 'update', old_value: '0x1111111111111111111111111111111111111111', new_value: 'see website' }],
    items: [['contract_migration', 'ethereum→ethereum', '0x1111111111111111111111111111111111111111→see website', 'Etherscan/-']],
    severity: 'high',
  },
  {
    name: 'two removals and one addition: one pair, one chain removed',
    changes: [
      { field: 'platforms.fantom', change_type: 'removal', old_value: '0x5555555555555555555555555555555555555555', new_value: '' },
      { field: 'platforms.avalanche', change_type: 'removal', old_value: '0x6666666666666666666666666666666666666666', new_value: '' },
      { field: 'platforms.base', change_type: 'addition', new_value: '0x7777777777777777777777777777777777777777' },
    ],
    items: [
      ['contract_migration', 'fantom→base', '0x5555555555555555555555555555555555555555→0x7777777777777777777777777777777777777777', 'FTMScan/BaseScan'],
      ['chain_removed', 'avalanche', '0x6666666666666666666666666666666666666666', 'Snowtrace'],
    ],
    severity: 'high',
  },
];

describe('contract-change classification', () => {
  it.each(TABLE)('$name', ({ changes, items, severity }) => {
    const alert = classify(changes);
    expect(alert.items.map(essence)).toEqual(items);
    expect(alert.severity).toBe(severity);
  });
});

describe('explorer links', () => {
  const EVM = '0xAbCdEf0123456789aBcDeF0123456789AbCdEf01';
  it.each([
    ['ethereum', EVM, `https://etherscan.io/token/${EVM}`],
    ['binance-smart-chain', EVM, `https://bscscan.com/token/${EVM}`],
    ['base', EVM, `https://basescan.org/token/${EVM}`],
    ['arbitrum-one', EVM, `https://arbiscan.io/token/${EVM}`],
    ['polygon-pos', EVM, `https://polygonscan.com/token/${EVM}`],
    ['optimistic-ethereum', EVM, `https://optimistic.etherscan.io/token/${EVM}`],
    ['avalanche', EVM, `https://snowtrace.io/token/${EVM}`],
    ['fantom', EVM, `https://ftmscan.com/token/${EVM}`],
    ['xdai', EVM, `https://gnosisscan.io/token/${EVM}`],
    ['solana', 'EmcXa1b2C3d4E5f6G7h8J9k1L2m3N4p5Q6r7S8t9U1v', 'https://solscan.io/token/EmcXa1b2C3d4E5f6G7h8J9k1L2m3N4p5Q6r7S8t9U1v'],
    ['tron', 'TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t', 'https://tronscan.org/#/token20/TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t'],
    ['sui', SUI, `https://suiscan.xyz/mainnet/coin/${encodeURIComponent(SUI)}`],
  ])('%s → token page', (chain, address, url) => {
    expect(explorerLink(chain, address)?.url).toBe(url);
  });

  it.each([
    ['an unknown chain', 'some-new-chain', EVM],
    ['Hedera ids', 'hedera-hashgraph', '0.0.456858'],
    ['an address of the wrong shape', 'ethereum', '0x123'],
    ['a URL smuggled in as an address', 'ethereum', 'https://evil.example/0x1111111111111111111111111111111111111111'],
    ['a prototype key as chain', '__proto__', EVM],
    ['Solana with characters outside base58', 'solana', 'O0Il'.repeat(10)],
  ])('no link for %s', (_label, chain, address) => {
    expect(explorerLink(chain, address)).toBeUndefined();
  });
});
