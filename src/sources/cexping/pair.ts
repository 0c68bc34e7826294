// The base asset of a trading pair as exchanges and CEXPing write it: `PEPE/USDT`, `PEPE-USDT`, `PEPE_USDT`,
// `PEPE-USDT-SWAP`, `PEPE2USDT`, `1000PEPEUSDT`. The base symbol is what the recorder tries to resolve to a coin.

/** Quote assets, longest first so that `FDUSD` is stripped before `USD` and `USDT` before `USD`. */
const QUOTES = ['FDUSD', 'USDT', 'USDC', 'TUSD', 'BUSD', 'USDE', 'USD1', 'DAI', 'USD', 'EUR', 'TRY', 'BRL', 'GBP', 'JPY', 'KRW', 'AUD', 'IDR', 'BTC', 'ETH', 'BNB', 'SOL'];
/** Contract-size prefixes of futures symbols (`1000PEPEUSDT` trades PEPE in lots of 1,000). */
const MULTIPLIER = /^(?:1000000|100000|10000|1000|1M)(?=[A-Z])/;
const SYMBOL = /^[A-Z0-9]{1,20}$/;

/** `PEPE2USDT` → `PEPE2`; undefined when no base symbol can be told apart (`USDT` alone, `???`). */
export function baseSymbol(pair: string): string | undefined {
  const upper = pair.trim().toUpperCase();
  const parts = upper.split(/[/_:\-\s]+/).filter(Boolean);
  const first = parts[0];
  if (first === undefined) return undefined;
  // With a separator the first part is the base, unless it still carries its quote (`PEPEUSDT_PERP`).
  const base = parts.length > 1 && QUOTES.includes(parts[1]!) ? first : stripQuote(first);
  const symbol = base.replace(MULTIPLIER, '');
  return SYMBOL.test(symbol) ? symbol : undefined;
}

function stripQuote(text: string): string {
  const quote = QUOTES.find((q) => text.length > q.length && text.endsWith(q));
  return quote ? text.slice(0, -quote.length) : text;
}
