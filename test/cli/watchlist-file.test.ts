// The watchlist file format of import-watchlist: /watch's grammar, one command per line, every bad line reported.
import { describe, expect, it } from 'vitest';
import { parseWatchlist } from '../../src/cli/watchlist-file.js';

describe('parseWatchlist', () => {
  it('reads one /watch per line, skipping blank lines and # comments, keeping line numbers', () => {
    expect(parseWatchlist('# desk list\r\nBitcoin\n\n  coin:name  # the coin called "name"\nplatforms.ethereum\nsolana platforms public_notices\n')).toEqual({
      ok: true,
      entries: [
        { line: 2, coins: ['bitcoin'], fields: [] },
        { line: 4, coins: ['name'], fields: [] },
        { line: 5, coins: [], fields: ['platforms.ethereum'] },
        { line: 6, coins: ['solana'], fields: ['platforms', 'public_notices'] },
      ],
    });
  });

  it('reports every bad line with the reason the chat would get, without the usage line', () => {
    const result = parseWatchlist(`bitcoin\nwild goat!\nlinks.\n${'a'.repeat(101)}\ncoin:\n`);
    expect(result).toEqual({
      ok: false,
      errors: [
        { line: 2, text: 'wild goat!', reason: '"goat!" is not a CoinGecko coin id (lowercase letters, digits, - . _).' },
        { line: 3, text: 'links.', reason: expect.stringMatching(/^"links\." is not a field\. Fields: name, symbol/) },
        { line: 4, text: 'a'.repeat(101), reason: '"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa…" is too long (at most 100 characters).' },
        { line: 5, text: 'coin:', reason: 'coin: needs a coin id after it, e.g. coin:bitcoin.' },
      ],
    });
  });
});
