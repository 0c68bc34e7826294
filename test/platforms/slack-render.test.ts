// Slack Block Kit rendering as a reader sees it: every kind of change in words, explorer and CoinGecko links, Slack's
// limits kept (checked by the same rules the fake Slack applies), hostile text inert, long text shortened visibly.
import { describe, expect, it } from 'vitest';
import { composeAlert, type Alert, type AlertItem } from '../../src/core/alert.js';
import { renderSlackAlert, BLOCK_KIT_LIMITS, type SlackMessage } from '../../src/platforms/slack/render-slack.js';
import { escapeSlack, fitSlack, shortenForSlack, slackLink } from '../../src/platforms/slack/slack-text.js';
import { blockProblems } from '../fakes/slack-fake.js';
import { fixture, fixtureNames } from '../support/harness.js';
import { assertSlackInert, textObjects } from './slack-harness.js';

const HOSTILE = 'Evil <b>x</b> &amp; @everyone @here <!channel> <@U0123> <https://evil.example|click> *b* _i_ `c` ~s~ :skull:';
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const MORE = /… \((\d+) more characters?\)$/;

function alertFrom(name: string): Alert {
  const payload = JSON.parse(fixture(name)) as {
    data: { id: string; symbol: string; name: string; changes: Array<{ field: string; change_type: string; old_value?: unknown; new_value?: unknown }> };
  };
  const json = (v: unknown) => (v === undefined ? null : JSON.stringify(v));
  return composeAlert({
    eventId: `evt-${name}`,
    coin: { id: payload.data.id, symbol: payload.data.symbol, name: payload.data.name },
    changes: payload.data.changes.map((c) => ({ field: c.field, changeType: c.change_type, oldValue: json(c.old_value), newValue: json(c.new_value) })),
  });
}

function alertWith(items: AlertItem[], coin: Partial<Alert['coin']> = {}): Alert {
  return {
    eventId: 'evt-1',
    coin: { id: 'bitcoin', symbol: 'btc', name: 'Bitcoin', ...coin },
    severity: 'high',
    headline: 'Contract migration',
    items,
    coingeckoUrl: 'https://www.coingecko.com/en/coins/bitcoin',
  };
}

/** The message as a reader scans it: every text object in order, entities shown as characters. */
const seen = (message: SlackMessage) =>
  textObjects(message.blocks)
    .map((o) => o.text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&'))
    .join('\n');
const plainTexts = (message: SlackMessage) => textObjects(message.blocks).filter((o) => o.type === 'plain_text').map((o) => o.text);

function expectWithinLimits(message: SlackMessage) {
  expect(blockProblems(JSON.parse(JSON.stringify(message.blocks)))).toEqual([]);
  expect(textObjects(message.blocks).reduce((n, o) => n + o.text.length, 0)).toBeLessThanOrEqual(12_000);
  expect(message.text.length).toBeLessThanOrEqual(BLOCK_KIT_LIMITS.fallbackText);
}

describe('renderSlackAlert', () => {
  it('shows a contract migration with both addresses, explorer links and a CoinGecko link', () => {
    const message = renderSlackAlert(alertFrom('contract-migration-same-chain'));
    expect(message.blocks[0]).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: '🚨 Contract migration (+1 more): Example Bridge Token', emoji: false },
    });
    const text = seen(message);
    expect(text).toContain('🔁 *Contract migration*\n*Chain*\nethereum\n*Was*\n0x1111111111111111111111111111111111111111\n*Now*\n0x2222222222222222222222222222222222222222');
    expect(text).toContain('<https://etherscan.io/token/0x1111111111111111111111111111111111111111|Etherscan (was)>');
    expect(text).toContain('<https://etherscan.io/token/0x2222222222222222222222222222222222222222|Etherscan (now)>');
    expect(text).toContain('📢 *Public notice*\nEBT has migrated to a new contract.');
    expect(text).toContain('*Severity*\nHigh');
    expect(message.blocks.at(-1)).toMatchObject({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: '<https://www.coingecko.com/en/coins/example-bridge-token|View on CoinGecko>' }, { text: 'Event evt-contract-migration-same-chain' }],
    });
    expect(message.text).toBe(
      '🚨 Contract migration (+1 more) · HIGH SEVERITY: Example Bridge Token (EBT) · 2 changes · https://www.coingecko.com/en/coins/example-bridge-token',
    );
  });

  it('shows a chain move (removal + addition) as one migration between the two chains', () => {
    const text = seen(renderSlackAlert(alertFrom('chain-move-removal-addition')));
    expect(text).toContain('*Chains*\nxdai → ethereum');
    expect(text).toContain('GnosisScan (was)');
    expect(text).toContain('Etherscan (now)');
  });

  it('renders every kind of change in words', () => {
    const message = renderSlackAlert(
      alertWith([
        { kind: 'identity', field: 'name', old: 'Bitcoin', new: 'Bitcoin Core' },
        { kind: 'identity', field: 'web_slug', new: 'bitcoin-core' },
        { kind: 'logo', old: 'btc.png', new: 'btc-2.png' },
        { kind: 'category_added', category: 'Layer 1 (L1)' },
        { kind: 'category_added', category: 'Smart Contract Platform' },
        { kind: 'category_removed', category: 'Meme' },
        { kind: 'new_chain', chain: 'solana', address: '9n4nbM75f5Ui33ZbPYXn59EwSgE8CGsHtAeTH5YFeJ9E', explorer: { name: 'Solscan', url: 'https://solscan.io/token/9n4nbM75f5Ui33ZbPYXn59EwSgE8CGsHtAeTH5YFeJ9E' } },
        { kind: 'chain_removed', chain: 'hedera-hashgraph', address: '0.0.456858' },
        { kind: 'notice', changeType: 'update', old: 'Old notice', new: 'Deposits are paused.' },
        { kind: 'notice', changeType: 'removal', old: 'Gone notice' },
        { kind: 'flag', status: 'can_mint_new_tokens', label: 'Can mint new tokens', old: 'no', new: 'yes', warning: true },
        { kind: 'flag', status: 'has_unverified_contract', label: 'Has unverified contract', old: 'yes', new: 'no', warning: false },
        { kind: 'link', site: 'homepage', old: 'https://old.example.org', new: 'https://new.example.org' },
        { kind: 'other', field: 'mystery.field', changeType: 'addition', new: '{"a":1}' },
      ]),
    );
    const text = seen(message);
    for (const expected of [
      '✏️ *Name changed*\n*Was*\nBitcoin\n*Now*\nBitcoin Core',
      '✏️ *Web slug changed*\n*Added*\nbitcoin-core',
      '🖼 *Logo changed*\n*Was*\nbtc.png\n*Now*\nbtc-2.png',
      '🏷 *Categories added*\nLayer 1 (L1), Smart Contract Platform',
      '🏷 *Category removed*\nMeme',
      '🆕 *New chain*\n*Chain*\nsolana\n*Address*\n9n4nbM75f5Ui33ZbPYXn59EwSgE8CGsHtAeTH5YFeJ9E',
      '<https://solscan.io/token/9n4nbM75f5Ui33ZbPYXn59EwSgE8CGsHtAeTH5YFeJ9E|Solscan>',
      '➖ *Chain removed*\n*Chain*\nhedera-hashgraph\n*Address was*\n0.0.456858',
      '📢 *Public notice changed*\n*Was*\nOld notice\nDeposits are paused.',
      '✅ *Notice lifted*\nGone notice',
      '⚠️ *Security flag raised*\n*Flag*\nCan mint new tokens\n*Was*\nno\n*Now*\nyes',
      '🛡 *Security flag cleared*\n*Flag*\nHas unverified contract\n*Was*\nyes\n*Now*\nno',
      '🔗 *Link changed*\n*Site*\nhomepage\n*Was*\nhttps://old.example.org\n*Now*\nhttps://new.example.org',
      '• *Field added*\n*Field*\nmystery.field\n*Added*\n{"a":1}',
    ]) {
      expect(text).toContain(expected);
    }
    expectWithinLimits(message);
  });

  it('keeps every fixture within Slack limits', () => {
    for (const name of fixtureNames().filter((n) => n !== 'unknown-event-type')) {
      const message = renderSlackAlert(alertFrom(name));
      expect(message.blocks.length, name).toBeGreaterThanOrEqual(3);
      expectWithinLimits(message);
    }
  });

  it('keeps hostile text inert wherever the payload puts it', () => {
    const message = renderSlackAlert({
      ...alertWith(
        [
          { kind: 'identity', field: 'name', old: HOSTILE, new: HOSTILE },
          { kind: 'contract_migration', fromChain: HOSTILE, toChain: HOSTILE, oldAddress: HOSTILE, newAddress: HOSTILE },
          { kind: 'category_added', category: HOSTILE },
          { kind: 'notice', changeType: 'addition', new: HOSTILE },
          { kind: 'flag', status: 'x', label: HOSTILE, old: HOSTILE, new: HOSTILE, warning: true },
          { kind: 'link', site: HOSTILE, new: HOSTILE },
          { kind: 'other', field: HOSTILE, changeType: 'update', old: HOSTILE, new: HOSTILE },
        ],
        { name: HOSTILE, symbol: HOSTILE, id: 'bitcoin' },
      ),
      eventId: HOSTILE,
    });
    assertSlackInert(JSON.parse(JSON.stringify(message)), HOSTILE);
    expect(plainTexts(message).filter((t) => t.includes(escapeSlack(HOSTILE))).length).toBeGreaterThan(10);
    expectWithinLimits(message);
  });

  it('shortens a long value visibly and says how much is left out', () => {
    const address = `0x${'ab'.repeat(5000)}`;
    const message = renderSlackAlert(alertWith([{ kind: 'new_chain', chain: 'ethereum', address }]));
    const field = plainTexts(message).find((t) => t.startsWith('0xabab'))!;
    expect(field.length).toBeLessThanOrEqual(BLOCK_KIT_LIMITS.fieldText);
    const [marker, rest] = MORE.exec(field) ?? [];
    expect(marker).toBeDefined();
    expect(field.length - marker!.length + Number(rest)).toBe(address.length);
    expectWithinLimits(message);
  });

  it('never cuts inside an escape entity', () => {
    const message = renderSlackAlert(alertWith([{ kind: 'identity', field: 'name', old: '&'.repeat(5000), new: '<>'.repeat(3000) }]));
    const values = plainTexts(message).filter((t) => MORE.test(t));
    expect(values).toHaveLength(2);
    expect(values[0]).toMatch(/^(&amp;)+… \(\d+ more characters\)$/);
    expect(values[1]).toMatch(/^(&lt;&gt;)+… \(\d+ more characters\)$/);
  });

  it('never splits a surrogate pair or an emoji sequence', () => {
    const family = '👩‍👩‍👧';
    const message = renderSlackAlert(alertWith([{ kind: 'identity', field: 'name', old: '😀'.repeat(3000), new: family.repeat(1000) }], { name: '🚀'.repeat(500) }));
    for (const text of [...plainTexts(message), message.text]) expect(text).not.toMatch(LONE_SURROGATE);
    const kept = plainTexts(message).find((t) => t.startsWith(family))!.replace(MORE, '');
    expect(kept.length % family.length).toBe(0);
    // The count left out is in characters as a person counts them, not UTF-16 units.
    const smileys = plainTexts(message).find((t) => t.startsWith('😀'))!;
    expect(Array.from(smileys.replace(MORE, '')).length + Number(MORE.exec(smileys)![1])).toBe(3000);
  });

  it('fits the header in 150 characters, shortened visibly', () => {
    const message = renderSlackAlert(alertWith([{ kind: 'identity', field: 'name', new: 'x' }], { name: 'A & B '.repeat(100) }));
    const header = message.blocks[0] as { text: { text: string } };
    expect(header.text.text.length).toBeLessThanOrEqual(150);
    expect(header.text.text).toMatch(/^🚨 Contract migration: A &amp; B .*… \(\d+ more characters\)$/);
  });

  it('summarises the changes that do not fit in one message, within 50 blocks', () => {
    const items: AlertItem[] = Array.from({ length: 120 }, (_, i) => ({
      kind: 'contract_migration',
      fromChain: `chain-${i}`,
      toChain: `chain-${i}`,
      oldAddress: `0x${String(i).padStart(40, '1')}`,
      newAddress: `0x${String(i).padStart(40, '2')}`,
    }));
    const message = renderSlackAlert(alertWith(items));
    expect(message.blocks.length).toBeLessThanOrEqual(50);
    const shown = seen(message).split('🔁 *Contract migration*').length - 1;
    expect(shown).toBeGreaterThan(10);
    expect(seen(message)).toContain(`… and ${120 - shown} more changes not shown here: <https://www.coingecko.com/en/coins/bitcoin|see CoinGecko>`);
    expectWithinLimits(message);
  });

  it('stays under the cumulative text limit when every value is long', () => {
    const long = 'x'.repeat(5000);
    const items: AlertItem[] = Array.from({ length: 30 }, () => ({ kind: 'notice', changeType: 'update', old: long, new: long }));
    const message = renderSlackAlert(alertWith(items));
    expectWithinLimits(message);
    expect(seen(message)).toMatch(/… and \d+ more changes not shown here/);
  });

  it('lists hundreds of categories in one section, shortened visibly', () => {
    const items: AlertItem[] = Array.from({ length: 400 }, (_, i) => ({ kind: 'category_added', category: `Category number ${i}` }));
    const message = renderSlackAlert(alertWith(items));
    const list = plainTexts(message).find((t) => t.startsWith('Category number 0, Category number 1'))!;
    expect(list).toMatch(MORE);
    expect(list.length).toBeLessThanOrEqual(BLOCK_KIT_LIMITS.sectionText);
    expect(seen(message)).not.toContain('more changes not shown');
    expectWithinLimits(message);
  });

  it('replaces blank values, which Slack refuses, with a visible placeholder', () => {
    const message = renderSlackAlert(alertWith([{ kind: 'identity', field: 'symbol', old: '   ', new: '' }], { name: '', symbol: null }));
    expect(seen(message)).toContain('*Was*\n(blank)\n*Now*\n(blank)');
    expect(seen(message)).toContain('*Coin*\nbitcoin');
    expectWithinLimits(message);
  });
});

describe('shortenForSlack', () => {
  it('leaves text that fits alone, and counts escapes against the limit', () => {
    expect(shortenForSlack('a<b', 9)).toBe('a<b');
    expect(shortenForSlack('a<b', 5)).toBe('a…');
  });

  it('falls back to a bare ellipsis when even the marker does not fit', () => {
    expect(fitSlack('abcdefghijklmnopqrstuvwxyz'.repeat(4), 10)).toBe('abcdefghi…');
  });
});

describe('slackLink', () => {
  it('escapes the URL and label, and keeps a | in the URL from ending it early', () => {
    expect(slackLink('https://x.example/a|b?c=1&d=<2>', 'L&<>')).toBe('<https://x.example/a%7Cb?c=1&amp;d=&lt;2&gt;|L&amp;&lt;&gt;>');
  });

  it('refuses anything but http(s), showing the label only', () => {
    expect(slackLink('javascript:alert(1)', 'label')).toBe('label');
    expect(slackLink('!channel', 'x')).toBe('x');
  });
});

describe('ops mention', () => {
  const alertOf = (field: string, changeType: string, newValue: unknown) =>
    composeAlert({
      eventId: 'e',
      coin: { id: 'x', symbol: 'x', name: 'X' },
      changes: [{ field, changeType, oldValue: null, newValue: JSON.stringify(newValue) }],
    });

  it('pings the channel mention on high severity only', () => {
    const high = renderSlackAlert(alertOf('public_notices', 'addition', 'Migrated'), { mention: '<!subteam^S0ONCALL>' });
    expect(high.text.startsWith('<!subteam^S0ONCALL> ')).toBe(true);
    expect(high.blocks[1]).toEqual({ type: 'section', text: { type: 'mrkdwn', text: '🔔 <!subteam^S0ONCALL>', verbatim: true } });
    const info = renderSlackAlert(alertOf('categories', 'addition', 'defi'), { mention: '<!subteam^S0ONCALL>' });
    expect(JSON.stringify(info)).not.toContain('subteam');
  });
});
