// Resolution of what people type, pure: a word and an in-memory directory in, a resolution out; the grammar's reading
// of coingecko.com URLs and of typed coin words.
import { describe, expect, it } from 'vitest';
import { contractKey, type DirectoryCoin, type DirectoryLookup } from '../../src/core/coin-directory.js';
import { parseCommand } from '../../src/core/command-grammar.js';
import { closestCoins, editDistance, pickByRank, resolveCoinWord, unsettledReply } from '../../src/core/resolve-target.js';

const COINS: DirectoryCoin[] = [
  { id: 'bitcoin', symbol: 'btc', name: 'Bitcoin' },
  { id: 'bitcoin-bep2', symbol: 'btc', name: 'Bitcoin BEP2' },
  { id: 'tether', symbol: 'usdt', name: 'Tether' },
  { id: 'usd-coin', symbol: 'usdc', name: 'USDC' },
  { id: 'solana', symbol: 'sol', name: 'Solana' },
];
const CONTRACTS = [
  { coinId: 'tether', chain: 'ethereum', address: '0xdAC17F958D2ee523a2206206994597C13D831ec7' },
  { coinId: 'usd-coin', chain: 'solana', address: 'EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v' },
];

const lookup: DirectoryLookup = {
  coin: (id) => COINS.find((c) => c.id === id),
  coinsBySymbol: (symbol) => COINS.filter((c) => c.symbol === symbol),
  contracts: (address) =>
    CONTRACTS.filter((k) => contractKey(k.address) === contractKey(address)).map((k) => ({ coin: COINS.find((c) => c.id === k.coinId)!, chain: k.chain, address: k.address })),
  isPlatform: (chain) => ['ethereum', 'solana'].includes(chain),
  platformIds: () => ['ethereum', 'solana'],
  everyCoin: () => COINS,
  search: () => [],
};

describe('resolveCoinWord', () => {
  it('reads an id, a symbol with or without $, and an EVM address in any case', () => {
    expect(resolveCoinWord('bitcoin', lookup)).toMatchObject({ kind: 'id', coin: { id: 'bitcoin' } });
    expect(resolveCoinWord('USDT', lookup)).toMatchObject({ kind: 'symbol', symbol: 'USDT', coin: { id: 'tether' } });
    expect(resolveCoinWord('$usdc', lookup)).toMatchObject({ kind: 'symbol', coin: { id: 'usd-coin' } });
    expect(resolveCoinWord('0xdac17f958d2ee523a2206206994597c13d831ec7', lookup)).toMatchObject({ kind: 'contract', match: { chain: 'ethereum', coin: { id: 'tether' } } });
  });

  it('keeps the case of a base58 address: a lower-cased one is another address', () => {
    expect(resolveCoinWord('EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v', lookup)).toMatchObject({ kind: 'contract', match: { chain: 'solana' } });
    expect(resolveCoinWord('epjfwdd5aufqssqem2qn1xzybapc8g4wegggkzwytdt1v', lookup)).toMatchObject({ kind: 'unknown' });
  });

  it('lists the coins of a shared symbol, and lets market cap pick one only when it clearly owns it', () => {
    const ambiguous = resolveCoinWord('btc', lookup);
    expect(ambiguous).toMatchObject({ kind: 'ambiguous', symbol: 'BTC' });
    if (ambiguous.kind !== 'ambiguous') return;
    expect(pickByRank(ambiguous, new Map([['bitcoin', 1], ['bitcoin-bep2', null]]))).toMatchObject({ kind: 'symbol', coin: { id: 'bitcoin' }, rank: 1 });
    expect(pickByRank(ambiguous, new Map([['bitcoin', 1], ['bitcoin-bep2', 10]]))).toMatchObject({ kind: 'symbol', coin: { id: 'bitcoin' } });
    const close = pickByRank(ambiguous, new Map([['bitcoin', 100], ['bitcoin-bep2', 120]]));
    expect(close).toMatchObject({ kind: 'ambiguous', candidates: [{ id: 'bitcoin', rank: 100 }, { id: 'bitcoin-bep2', rank: 120 }] });
    expect(unsettledReply(close, '/watch')).toBe(
      'BTC is the symbol of several coins: bitcoin (Bitcoin, #100), bitcoin-bep2 (Bitcoin BEP2, #120) — /watch one by its id, e.g. /watch bitcoin. Nothing changed.',
    );
    const offline = pickByRank(ambiguous, undefined);
    expect(unsettledReply(offline, '/mute')).toContain('(the CoinGecko API could not be reached to rank them by market cap)');
  });

  it('answers an unknown id with the closest ids and names', () => {
    const typo = resolveCoinWord('bitconi', lookup);
    expect(typo).toMatchObject({ kind: 'unknown', suggestions: [{ id: 'bitcoin' }] });
    expect(unsettledReply(typo, '/watch')).toBe('No CoinGecko coin with id, symbol or contract bitconi — did you mean bitcoin (Bitcoin)? Nothing changed.');
    expect(closestCoins('tehter', COINS, 3).map((c) => c.id)).toEqual(['tether']);
    expect(closestCoins('zzzzzz', COINS, 3)).toEqual([]);
  });

  it('counts a swap of two neighbours as one edit, and stops early past the budget', () => {
    expect(editDistance('bitconi', 'bitcoin', 2)).toBe(1);
    expect(editDistance('etherium', 'ethereum', 2)).toBe(1);
    expect(editDistance('a', 'abcdefgh', 2)).toBe(3);
  });
});

describe('the grammar with coin words kept as typed', () => {
  it.each([
    'https://www.coingecko.com/en/coins/bitcoin',
    'https://www.coingecko.com/de/coins/bitcoin',
    'https://www.coingecko.com/zh-tw/coins/bitcoin/',
    'coingecko.com/coins/bitcoin?utm=x',
    '<https://www.coingecko.com/en/coins/bitcoin>',
    '<https://www.coingecko.com/en/coins/bitcoin|coingecko.com/en/coins/bitcoin>',
  ])('reads the coin id of %s, with or without a directory', (url) => {
    expect(parseCommand('watch', url)).toEqual({ ok: true, command: { name: 'watch', coins: ['bitcoin'], fields: [] } });
    expect(parseCommand('watch', url, undefined, 'typed')).toEqual({ ok: true, command: { name: 'watch', coins: ['bitcoin'], fields: [] } });
  });

  it('keeps $SYMBOL, addresses and their case for the directory, and reads fields and exchanges as ever', () => {
    expect(parseCommand('watch', '$USDT EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v platforms', undefined, 'typed')).toEqual({
      ok: true,
      command: { name: 'watch', coins: ['$USDT', 'EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v'], fields: ['platforms'] },
    });
    expect(parseCommand('watch', 'listings binance', undefined, 'typed')).toEqual({ ok: true, command: { name: 'watch', coins: [], fields: ['listings.binance'] } });
    expect(parseCommand('watch', '$USDT')).toMatchObject({ ok: false, reply: expect.stringContaining('"$USDT" is not a CoinGecko coin id') });
    expect(parseCommand('coin', '')).toMatchObject({ ok: false, reply: expect.stringContaining('Usage: /coin') });
    expect(parseCommand('coin', 'platforms')).toMatchObject({ ok: false, reply: expect.stringContaining('platforms is a field, not a coin') });
  });
});
