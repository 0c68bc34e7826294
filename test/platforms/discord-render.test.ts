import { describe, expect, it } from 'vitest';
import { composeAlert, type Alert } from '../../src/core/alert.js';
import { escapeMarkdown, escapeWithin, replyChunks } from '../../src/platforms/discord/discord-markdown.js';
import { renderDiscordAlert, type DiscordAlertMessage } from '../../src/platforms/discord/render-discord.js';
import { messageProblems } from '../fakes/discord-fake.js';
import { fixture } from '../support/harness.js';
import { assertInert, markdownTexts, visibleText } from './discord-harness.js';

type Change = [field: string, changeType: string, oldValue: unknown, newValue: unknown];

function alertOf(changes: Change[], coin: Partial<Alert['coin']> = {}): Alert {
  return composeAlert({
    eventId: 'evt-render',
    coin: { id: 'example-coin', symbol: 'exc', name: 'Example Coin', ...coin },
    changes: changes.map(([field, changeType, oldValue, newValue]) => ({
      field,
      changeType,
      oldValue: oldValue === undefined ? null : JSON.stringify(oldValue),
      newValue: newValue === undefined ? null : JSON.stringify(newValue),
    })),
  });
}

function alertOfFixture(name: string): Alert {
  const { data } = JSON.parse(fixture(name)) as {
    data: { id: string; symbol: string; name: string; changes: Array<{ field: string; change_type: string; old_value?: unknown; new_value?: unknown }> };
  };
  return alertOf(
    data.changes.map((c) => [c.field, c.change_type, c.old_value, c.new_value]),
    { id: data.id, symbol: data.symbol, name: data.name },
  );
}

const embedOf = (message: DiscordAlertMessage) => message.embeds[0];
const shown = (message: DiscordAlertMessage) => markdownTexts(message).map(visibleText).join('\n');
/** A field value as seen: our bold labels (`**Old:**`) as plain text, payload escapes resolved. */
const shownValue = (value: string) => visibleText(value.replace(/^\*\*([A-Za-z ]+):\*\* /gm, '$1: '));
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

describe('renderDiscordAlert', () => {
  it('shows a contract migration with both addresses, explorer links and high severity', () => {
    const message = renderDiscordAlert(alertOfFixture('contract-migration-same-chain'));
    const embed = embedOf(message);
    expect(embed.url).toBe('https://www.coingecko.com/en/coins/example-bridge-token');
    expect(embed.color).toBe(0xe5484d);
    expect(visibleText(embed.title)).toBe('Contract migration (+1 more) · Example Bridge Token');
    expect(visibleText(embed.description)).toContain('HIGH SEVERITY');
    const [migration, notice] = embed.fields;
    expect(visibleText(migration!.name)).toBe('🔁 Contract migration on ethereum');
    expect(migration!.value).toBe(
      '**Was:** 0x1111111111111111111111111111111111111111 · [Etherscan](https://etherscan.io/token/0x1111111111111111111111111111111111111111)\n' +
        '**Now:** 0x2222222222222222222222222222222222222222 · [Etherscan](https://etherscan.io/token/0x2222222222222222222222222222222222222222)',
    );
    expect(visibleText(notice!.value)).toContain('Swap your old tokens 1:1 at the official portal.');
    expect(message.allowed_mentions).toEqual({ parse: [] });
  });

  it('shows a chain move as one migration between the two chains', () => {
    const embed = embedOf(renderDiscordAlert(alertOfFixture('chain-move-removal-addition')));
    expect(embed.fields.map((f) => visibleText(f.name))).toEqual(['🔁 Contract migration: xdai → ethereum']);
    expect(embed.fields[0]!.value).toContain('[GnosisScan](https://gnosisscan.io/token/');
  });

  it('renders every kind of change readably, with a colour per severity', () => {
    const alert = alertOf([
      ['platforms.solana', 'addition', undefined, 'EmcXa1b2C3d4E5f6G7h8J9k1L2m3N4p5Q6r7S8t9U1v'],
      ['additional_notices.can_mint_new_tokens', 'update', false, true],
      ['public_notices', 'removal', 'Old notice', ''],
      ['name', 'update', 'Old Name', 'New Name'],
      ['image', 'update', 'old.png', 'new.png'],
      ['categories', 'addition', undefined, 'meme-token'],
      ['categories', 'removal', 'defi', ''],
      ['links.homepage', 'update', ['https://old.example.org', ''], ['https://new.example.org']],
      ['id', 'update', 'example-coin', 'example-coin-2'],
    ]);
    const embed = embedOf(renderDiscordAlert(alert));
    expect(embed.fields.map((f) => visibleText(f.name))).toEqual([
      '⚠️ Security flag raised: Can mint new tokens',
      '✅ Notice lifted',
      '🆕 New chain: solana',
      '✏️ Name changed',
      '✏️ Coin id changed',
      '🖼 Logo changed',
      '🏷 Category added',
      '🏷 Category removed',
      '🔗 Link changed: homepage',
    ]);
    const values = embed.fields.map((f) => shownValue(f.value));
    expect(values[0]).toBe('Was: no\nNow: yes');
    expect(values[1]).toBe('Notice: Old notice');
    expect(embed.fields[2]!.value).toContain('[Solscan](https://solscan.io/token/EmcXa1b2C3d4E5f6G7h8J9k1L2m3N4p5Q6r7S8t9U1v)');
    expect(values[7]).toBe('Category: defi');
    expect(values[8]).toBe('Was: https://old.example.org\nNow: https://new.example.org');
    const removed = embedOf(renderDiscordAlert(alertOf([['platforms.tron', 'removal', 'TXYZopYRdj2D9XRtbG411XZZ3kM5VkAeBf', '']])));
    expect(removed.fields.map((f) => shownValue(f.value))).toEqual(['Address was: TXYZopYRdj2D9XRtbG411XZZ3kM5VkAeBf · [Tronscan](https://tronscan.org/#/token20/TXYZopYRdj2D9XRtbG411XZZ3kM5VkAeBf)']);
    expect(visibleText(removed.fields[0]!.name)).toBe('➖ Chain removed: tron');
    expect(renderDiscordAlert(alertOf([['name', 'update', 'A', 'B']])).embeds[0].color).toBe(0xf5a524);
    expect(renderDiscordAlert(alertOf([['categories', 'addition', undefined, 'x']])).embeds[0].color).toBe(0x3e8ed0);
  });

  it('keeps hostile text inert wherever the payload puts it', () => {
    const hostile = 'Evil <b>x</b> @everyone @here <@123> <#456> <t:1:R> :skull: **b** __u__ ~~s~~ ||sp|| `c` > q [l](https://evil.example) https://evil.example #h \\*';
    const alert = alertOf(
      [
        ['name', 'update', hostile, hostile],
        [`platforms.${hostile}`, 'addition', undefined, hostile],
        ['public_notices', 'addition', undefined, hostile],
        ['categories', 'addition', undefined, hostile],
        [`links.${hostile}`, 'update', 'a', hostile],
      ],
      { name: hostile, symbol: hostile, id: 'evil' },
    );
    const message = renderDiscordAlert(alert);
    assertInert(message, hostile);
    for (const text of markdownTexts(message)) expect(text).not.toMatch(/@(everyone|here)/);
    expect(messageProblems(message)).toEqual([]);
  });

  it('keeps a hostile coin id from breaking out of the CoinGecko link', () => {
    const embed = embedOf(renderDiscordAlert(alertOf([['name', 'update', 'a', 'b']], { id: 'x)**b**' })));
    expect(embed.description).toContain('[View on CoinGecko](https://www.coingecko.com/en/coins/x%29%2A%2Ab%2A%2A)');
    expect(embed.url).toBe('https://www.coingecko.com/en/coins/x)**b**');
  });

  it('escapes markdown that only counts at the start of a line', () => {
    expect(escapeMarkdown('- a\n  + b\n12. c\nx - 1. y')).toBe('\\- a\n  \\+ b\n12\\. c\nx - 1. y');
  });

  it('shows invisible control and direction-override characters as replacement marks', () => {
    expect(escapeMarkdown('abc\u202Edef\u0007')).toBe('abc\uFFFDdef\uFFFD');
  });

  it('shortens a long value visibly, within the field limit, never splitting a character or an escape', () => {
    const long = '🚀*'.repeat(3000);
    const embed = embedOf(renderDiscordAlert(alertOf([['public_notices', 'addition', undefined, long]])));
    const value = embed.fields[0]!.value;
    expect(value.length).toBeLessThanOrEqual(1024);
    expect(value).not.toMatch(LONE_SURROGATE);
    expect(value.startsWith('**Notice:** ')).toBe(true);
    const visible = visibleText(value.slice('**Notice:** '.length));
    expect(visible).toMatch(/^(🚀\*)+🚀?… \(\d+ more characters\)$/);
    const hidden = Number(/\((\d+) more characters\)/.exec(visible)![1]);
    const kept = Array.from(visible.slice(0, visible.indexOf('…'))).length;
    expect(kept + hidden).toBe(Array.from(long).length);
  });

  it('keeps a long coin name inside the title limit', () => {
    const embed = embedOf(renderDiscordAlert(alertOf([['name', 'update', 'a', 'b']], { name: '_'.repeat(1000) })));
    expect(embed.title.length).toBeLessThanOrEqual(256);
    expect(visibleText(embed.title)).toMatch(/more characters\)$/);
  });

  it('stays within 25 fields and 6000 characters, counting the changes it cannot show', () => {
    const changes: Change[] = Array.from({ length: 40 }, (_, i) => [`links.site${i}`, 'update', 'x'.repeat(900), 'y'.repeat(900)]);
    const message = renderDiscordAlert(alertOf(changes));
    const embed = embedOf(message);
    expect(messageProblems(message)).toEqual([]);
    expect(embed.fields).toHaveLength(25);
    expect(visibleText(embed.fields[24]!.value)).toBe('16 more changes not shown here: see the coin on CoinGecko.');
  });

  it('drops whole changes, not their addresses, when even short values do not fit', () => {
    const sui = (n: number) => `0x${n.toString(16).padStart(64, 'a')}::${'m'.repeat(64)}::${'T'.repeat(64)}`;
    const changes: Change[] = Array.from({ length: 25 }, (_, i) => [`platforms.sui`, 'update', sui(i), sui(i + 100)]);
    const message = renderDiscordAlert(alertOf(changes));
    expect(messageProblems(message)).toEqual([]);
    const fields = embedOf(message).fields;
    expect(visibleText(fields[fields.length - 1]!.value)).toMatch(/^\d+ more changes not shown here/);
    expect(fields[0]!.value).toContain('[Suiscan](https://suiscan.xyz/mainnet/coin/');
  });

  it('renders every shared fixture within Discord limits', () => {
    for (const name of ['additional-notice', 'category-addition', 'links-homepage-update', 'name-update', 'new-chain-deployment-solana', 'public-notice-removal', 'rebrand-multi-change']) {
      const message = renderDiscordAlert(alertOfFixture(name));
      expect(messageProblems(message), name).toEqual([]);
      expect(shown(message), name).not.toContain('undefined');
    }
  });
});

describe('replyChunks', () => {
  it('keeps a short reply as one escaped message', () => {
    expect(replyChunks('Watching public_notices for every coin.')).toEqual(['Watching public\\_notices for every coin.']);
  });

  it('splits a long reply at line breaks into messages of at most 2000 characters', () => {
    const lines = Array.from({ length: 200 }, (_, i) => `• coin-${i}: all_changes`);
    const chunks = replyChunks(lines.join('\n'));
    expect(chunks.length).toBeGreaterThan(1);
    for (const chunk of chunks) expect(chunk.length).toBeLessThanOrEqual(2000);
    expect(chunks.map(visibleText).join('\n')).toBe(lines.join('\n'));
  });

  it('counts the lines beyond the last message instead of dropping them silently', () => {
    const lines = Array.from({ length: 1000 }, (_, i) => `• coin-${i}: all changes`);
    const chunks = replyChunks(lines.join('\n'), { maxChunks: 2 });
    expect(chunks).toHaveLength(2);
    const last = visibleText(chunks[1]!);
    const hidden = Number(/… (\d+) more lines not shown$/.exec(last)![1]);
    const visibleLines = chunks.map(visibleText).join('\n').split('\n').length - 1;
    expect(visibleLines + hidden).toBe(1000);
    expect(chunks[1]!.length).toBeLessThanOrEqual(2000);
  });
});

describe('escapeWithin', () => {
  it('fits escapes that depend on the start of a line', () => {
    const text = Array.from({ length: 200 }, (_, i) => `${i}. - item`).join('\n');
    for (const max of [50, 101, 333, 1024]) expect(escapeWithin(text, max).length).toBeLessThanOrEqual(max);
  });
});

describe('the ops ping', () => {
  const high = () => alertOfFixture('contract-migration-same-chain');

  it('pings the chat’s role on high-severity alerts, allowing exactly that role', () => {
    const message = renderDiscordAlert(high(), { mention: '<@&1800000000000000001>' });
    expect(message.content).toBe('🔔 <@&1800000000000000001>');
    expect(message.allowed_mentions).toEqual({ parse: [], roles: ['1800000000000000001'] });
    expect(messageProblems(message)).toEqual([]);
  });

  it('pings a member by id', () => {
    const message = renderDiscordAlert(high(), { mention: '<@1900000000000000001>' });
    expect(message.content).toBe('🔔 <@1900000000000000001>');
    expect(message.allowed_mentions).toEqual({ parse: [], users: ['1900000000000000001'] });
  });

  it('stays quiet on medium and info alerts', () => {
    const message = renderDiscordAlert(alertOfFixture('name-update'), { mention: '<@&1800000000000000001>' });
    expect(message.content).toBeUndefined();
    expect(message.allowed_mentions).toEqual({ parse: [] });
  });

  it('ignores a stored mention that is not one role or member', () => {
    for (const mention of ['@everyone', '<@&1> <@&2>', '<!here>', '@here']) {
      const message = renderDiscordAlert(high(), { mention });
      expect(message.content, mention).toBeUndefined();
      expect(message.allowed_mentions, mention).toEqual({ parse: [] });
    }
  });
});
