// What an alert says: the context a migration needs, a lifted notice that pings no one, and the words of each kind of
// change declared once (core/wording.ts) and shown alike by every platform, digests and /recent.
import { describe, expect, it } from 'vitest';
import { composeAlert, type AlertChange, type AlertItem } from '../../src/core/alert.js';
import { compactSummary } from '../../src/core/compact.js';
import { describeChange } from '../../src/core/wording.js';
import { renderDiscordAlert } from '../../src/platforms/discord/render-discord.js';
import { renderSlackAlert } from '../../src/platforms/slack/render-slack.js';
import { renderTelegramAlert } from '../../src/platforms/telegram/render-telegram.js';
import { fixture } from '../support/harness.js';

const coin = { id: 'example-bridge-token', symbol: 'ebt', name: 'Example Bridge Token' };

function changesOf(name: string): AlertChange[] {
  const body = JSON.parse(fixture(name)) as { data: { changes: Array<{ field: string; change_type: string; old_value?: unknown; new_value?: unknown }> } };
  return body.data.changes.map((c) => ({
    field: c.field,
    changeType: c.change_type,
    oldValue: 'old_value' in c ? JSON.stringify(c.old_value) : null,
    newValue: 'new_value' in c ? JSON.stringify(c.new_value) : null,
  }));
}
const change = (field: string, changeType: string, oldValue: unknown, newValue: unknown): AlertChange => ({
  field,
  changeType,
  oldValue: oldValue === undefined ? null : JSON.stringify(oldValue),
  newValue: newValue === undefined ? null : JSON.stringify(newValue),
});

describe('alert content', () => {
  it('gives a chat watching only platforms the public notice of the same migration, marked as context', () => {
    const all = changesOf('contract-migration-same-chain');
    const watched = all.filter((c) => c.field.startsWith('platforms'));
    const alert = composeAlert({ eventId: 'e', coin, changes: watched, eventChanges: all });
    expect(alert.items.map((item) => item.kind)).toEqual(['contract_migration', 'notice']);
    expect(alert.items[1]).toMatchObject({ context: true });
    expect(alert.headline).toBe('Contract migration');
    const html = renderTelegramAlert(alert);
    expect(html).toContain('📢 <b>Public notice (context)</b>\n<blockquote>EBT has migrated to a new contract. Swap your old tokens 1:1 at the official portal.</blockquote>');
  });

  it('keeps the severity of a new-chain alert when the context it carries is a high-severity notice or flag', () => {
    const all = [
      change('platforms.solana', 'addition', undefined, 'So1ana111'),
      change('public_notices', 'addition', undefined, 'Bridged to Solana'),
      change('additional_notices.has_mint_function', 'update', false, true),
      change('name', 'update', 'A', 'B'),
    ];
    const alert = composeAlert({ eventId: 'e', coin, changes: all.slice(0, 1), eventChanges: all });
    expect(alert.severity).toBe('medium');
    expect(alert.items.map((item) => [item.kind, 'context' in item && item.context === true])).toEqual([
      ['new_chain', false],
      ['flag', true],
      ['notice', true],
    ]);
  });

  it('adds no context to alerts of other kinds, nor twice what the chat watches itself', () => {
    const all = changesOf('contract-migration-same-chain');
    expect(composeAlert({ eventId: 'e', coin, changes: all, eventChanges: all }).items.filter((i) => 'context' in i && i.context)).toEqual([]);
    const nameOnly = [change('name', 'update', 'A', 'B'), change('public_notices', 'addition', undefined, 'x')];
    expect(composeAlert({ eventId: 'e', coin, changes: nameOnly.slice(0, 1), eventChanges: nameOnly }).items).toHaveLength(1);
  });

  it('calls a removed public notice "Notice lifted", at medium severity, pinging no one', () => {
    const alert = composeAlert({ eventId: 'e', coin, changes: [change('public_notices', 'removal', 'Deposits paused', undefined)] });
    expect(alert.severity).toBe('medium');
    expect(alert.headline).toBe('Notice lifted');
    expect(renderTelegramAlert(alert, { mention: '@oncall_team' })).not.toContain('@oncall_team');
    expect(renderDiscordAlert(alert, { mention: '<@&123456789012345678>' })).not.toHaveProperty('content');
    expect(renderSlackAlert(alert, { mention: '<!here>' }).text).not.toContain('<!here>');
  });
});

describe('the words of each kind of change', () => {
  const items: AlertItem[] = [
    { kind: 'contract_migration', fromChain: 'ethereum', toChain: 'ethereum', oldAddress: '0xaaa', newAddress: '0xbbb' },
    { kind: 'new_chain', chain: 'solana', address: 'So1' },
    { kind: 'chain_removed', chain: 'tron', address: 'T1' },
    { kind: 'notice', changeType: 'addition', new: 'Paused' },
    { kind: 'notice', changeType: 'update', old: 'Paused', new: 'Resumed' },
    { kind: 'notice', changeType: 'removal', old: 'Paused' },
    { kind: 'flag', status: 'has_mint_function', label: 'Has mint function', old: 'no', new: 'yes', warning: true },
    { kind: 'flag', status: 'has_mint_function', label: 'Has mint function', old: 'yes', new: 'no', warning: false },
    { kind: 'identity', field: 'name', old: 'A', new: 'B' },
    { kind: 'logo', old: 'a.png', new: 'b.png' },
    { kind: 'category_added', category: 'DeFi' },
    { kind: 'category_removed', category: 'Meme' },
    { kind: 'link', site: 'homepage', old: 'https://a.example', new: 'https://b.example' },
    { kind: 'listing', event: 'new_listing', exchange: 'Binance', pair: 'EBTUSDT' },
    { kind: 'other', field: 'mystery', changeType: 'addition', new: '1' },
  ];

  it.each(items.map((item) => [describeChange(item).title, item] as const))('"%s" reads the same on Telegram, Discord, Slack and in digests', (title, item) => {
    const alert = { eventId: 'e', coin, severity: 'info' as const, headline: 'h', items: [item], coingeckoUrl: 'https://www.coingecko.com/en/coins/x' };
    const { icon } = describeChange(item);
    expect(renderTelegramAlert(alert)).toContain(`${icon} <b>${title}</b>`);
    expect(JSON.stringify(renderDiscordAlert(alert).embeds[0].fields[0]?.name)).toContain(`${icon} ${title}`);
    expect(JSON.stringify(renderSlackAlert(alert).blocks)).toContain(`${icon} *${title}`);
    expect(compactSummary(alert)).toMatch(new RegExp(`^${title.replace(/[()]/g, '\\$&')}`));
  });
});
