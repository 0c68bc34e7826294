import { describe, expect, it } from 'vitest';
import { MAX_TARGETS_PER_COMMAND, USAGE, parseCommand, parseCommandText } from '../../src/core/command-grammar.js';

const ok = (text: string) => {
  const result = parseCommandText(text);
  if (!result?.ok) throw new Error(`expected ${text} to parse, got ${JSON.stringify(result)}`);
  return result.command;
};
const refused = (text: string) => {
  const result = parseCommandText(text);
  if (!result || result.ok) throw new Error(`expected ${text} to be refused`);
  return result.reply;
};

describe('command grammar (DESIGN.md §3)', () => {
  it.each([
    ['/start', { name: 'help' }],
    ['/help', { name: 'help' }],
    ['/list', { name: 'list', coins: [], fields: [] }],
    ['/watch bitcoin', { name: 'watch', coins: ['bitcoin'], fields: [] }],
    ['/watch bitcoin ethereum', { name: 'watch', coins: ['bitcoin', 'ethereum'], fields: [] }],
    ['/watch public_notices', { name: 'watch', coins: [], fields: ['public_notices'] }],
    ['/watch platforms', { name: 'watch', coins: [], fields: ['platforms'] }],
    ['/watch platforms.ethereum', { name: 'watch', coins: [], fields: ['platforms.ethereum'] }],
    ['/watch additional_notices.can_mint_new_tokens', { name: 'watch', coins: [], fields: ['additional_notices.can_mint_new_tokens'] }],
    ['/watch bitcoin platforms public_notices', { name: 'watch', coins: ['bitcoin'], fields: ['platforms', 'public_notices'] }],
    ['/watch coin:name', { name: 'watch', coins: ['name'], fields: [] }],
    ['/watch coin:platforms name', { name: 'watch', coins: ['platforms'], fields: ['name'] }],
    ['/watch wild-goat-coin-2', { name: 'watch', coins: ['wild-goat-coin-2'], fields: [] }],
    ['/watch Bitcoin, ETHEREUM', { name: 'watch', coins: ['bitcoin', 'ethereum'], fields: [] }],
    ['/watch bitcoin bitcoin', { name: 'watch', coins: ['bitcoin'], fields: [] }],
    ['/watch@coinsentry_bot bitcoin', { name: 'watch', coins: ['bitcoin'], fields: [] }],
    ['/watch   bitcoin\n\tethereum  ', { name: 'watch', coins: ['bitcoin', 'ethereum'], fields: [] }],
    ['/unwatch bitcoin', { name: 'unwatch', coins: ['bitcoin'], fields: [] }],
    ['/unwatch all', { name: 'unwatch_all' }],
    ['/unwatch ALL', { name: 'unwatch_all' }],
    ['/unwatch coin:all', { name: 'unwatch', coins: ['all'], fields: [] }],
    ['/mention', { name: 'mention', value: undefined }],
    ['/mention off', { name: 'mention', value: null }],
    ['/mention @oncall', { name: 'mention', value: '@oncall' }],
    ['/mention <@&123456789>', { name: 'mention', value: '<@&123456789>' }],
  ])('%s', (text, command) => {
    expect(ok(text)).toEqual(command);
  });

  it('answers a command without targets with its usage line', () => {
    expect(refused('/watch')).toBe(USAGE.watch);
    expect(refused('/unwatch   ')).toBe(USAGE.unwatch);
    expect(refused('/list NOT/A/COIN')).toContain(USAGE.list);
    expect(ok('/list bitcoin platforms')).toEqual({ name: 'list', coins: ['bitcoin'], fields: ['platforms'] });
    expect(refused('/mention @a @b')).toBe(USAGE.mention);
  });

  it.each([
    ['/watch bit\u0000coin', 'not a CoinGecko coin id'],
    ['/watch bit\u202ecoin', 'not a CoinGecko coin id'],
    ['/watch <b>bitcoin</b>', 'not a CoinGecko coin id'],
    ['/watch @everyone', 'not a CoinGecko coin id'],
    ['/watch bitcoin* ', 'not a CoinGecko coin id'],
    ['/watch *', 'not a CoinGecko coin id'],
    ['/watch -bitcoin', 'not a CoinGecko coin id'],
    ['/watch coin:', 'needs a coin id'],
    [`/watch ${'a'.repeat(101)}`, 'too long'],
    ['/watch platforms.Ether$um', 'not a field'],
    ['/watch name.first', 'not a field'],
    ['/watch categories.defi', 'not a field'],
  ])('refuses %j clearly', (text, reason) => {
    const reply = refused(text);
    expect(reply).toContain(reason);
    expect(reply).toContain('Usage: /watch');
    // The echo of the bad input never carries control characters.
    // eslint-disable-next-line no-control-regex
    expect(reply).not.toMatch(/[\u0000-\u0008\u202e]/);
  });

  it(`refuses more than ${MAX_TARGETS_PER_COMMAND} targets`, () => {
    const targets = Array.from({ length: 500 }, (_, i) => `coin-${i}`).join(' ');
    expect(refused(`/watch ${targets}`)).toMatch(/^Too many targets \(500\)/);
  });

  it('accepts an id of exactly 100 characters', () => {
    expect(ok(`/watch ${'a'.repeat(100)}`)).toMatchObject({ coins: ['a'.repeat(100)] });
  });

  it('ignores text that is not one of its commands', () => {
    expect(parseCommandText('hello')).toBeUndefined();
    expect(parseCommandText('/settings')).toBeUndefined();
    expect(parseCommand('ban', 'everyone')).toBeUndefined();
  });

  it('parses a command given by name and arguments (Discord, Slack)', () => {
    expect(parseCommand('watch', 'bitcoin platforms')).toEqual({ ok: true, command: { name: 'watch', coins: ['bitcoin'], fields: ['platforms'] } });
  });
});
