// The reply to /coin: a coin's current name and symbol, its contract address per chain with a block-explorer link where
// the chain has one, its public notices and security flags. Pure; plain text like every reply (adapters escape it).
import type { CoinDetails } from './coin-directory.js';
import { explorerLink } from './explorers.js';

const MAX_CHAINS = 40;
const MAX_NOTICE = 600;

/** `note`: how the coin was found from what was typed (`0xdac17f… is its contract on ethereum`). */
export function coinCard(coin: CoinDetails, note?: string): string {
  const rank = coin.marketCapRank ? ` · #${coin.marketCapRank} by market cap` : '';
  const lines = [`${coin.name} (${coin.symbol.toUpperCase()}) · id ${coin.id}${rank}`, `https://www.coingecko.com/en/coins/${encodeURIComponent(coin.id)}`];
  if (note) lines.push(`Found by: ${note}.`);
  if (coin.platforms.length === 0) lines.push('Contracts: none (a native coin, or no contract listed).');
  else {
    lines.push(`Contracts (${coin.platforms.length} chain${coin.platforms.length === 1 ? '' : 's'}):`);
    for (const { chain, address } of coin.platforms.slice(0, MAX_CHAINS)) {
      const link = explorerLink(chain, address);
      lines.push(`• ${chain}: ${address}${link ? ` — ${link.name}: ${link.url}` : ''}`);
    }
    if (coin.platforms.length > MAX_CHAINS) lines.push(`• and ${coin.platforms.length - MAX_CHAINS} more chains`);
  }
  for (const notice of coin.notices) lines.push(`📢 Public notice: ${shorten(notice)}`);
  for (const flag of coin.flags) lines.push(`⚠️ Security flag: ${shorten(flag)}`);
  if (coin.notices.length === 0 && coin.flags.length === 0) lines.push('No public notice and no security flag.');
  return lines.join('\n');
}

function shorten(text: string): string {
  return text.length > MAX_NOTICE ? `${text.slice(0, MAX_NOTICE)}…` : text;
}
