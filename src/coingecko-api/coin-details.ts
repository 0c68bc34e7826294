// GET /coins/{id} → the CoinDetails /coin shows. CoinGecko's answer is large and loosely typed: only the fields shown
// are read, each tolerated in the shapes seen (a notice as HTML or null; additional notices as a list of texts or as
// flags set true/false, the way webhooks carry them).
import { z } from 'zod';
import type { CoinDetails } from '../core/coin-directory.js';

const details = z
  .object({
    id: z.string(),
    symbol: z.string().optional().default(''),
    name: z.string().optional().default(''),
    platforms: z.record(z.string(), z.string().nullable()).nullable().optional(),
    public_notice: z.string().nullable().optional(),
    additional_notices: z.union([z.array(z.unknown()), z.record(z.string(), z.unknown())]).nullable().optional(),
    market_cap_rank: z.number().nullable().optional(),
  })
  .loose();

/** The fields /coin shows, or undefined when the body is not a coin. */
export function parseCoinDetails(body: unknown): CoinDetails | undefined {
  const parsed = details.safeParse(body);
  if (!parsed.success) return undefined;
  const coin = parsed.data;
  const platforms = Object.entries(coin.platforms ?? {})
    .filter((entry): entry is [string, string] => Boolean(entry[0]) && typeof entry[1] === 'string' && entry[1].trim() !== '')
    .map(([chain, address]) => ({ chain, address: address.trim() }))
    .sort((a, b) => a.chain.localeCompare(b.chain));
  const notice = coin.public_notice ? plainText(coin.public_notice) : '';
  return {
    id: coin.id,
    symbol: coin.symbol.toLowerCase(),
    name: coin.name,
    platforms,
    notices: notice ? [notice] : [],
    flags: flagsOf(coin.additional_notices),
    marketCapRank: coin.market_cap_rank ?? null,
  };
}

function flagsOf(notices: unknown[] | Record<string, unknown> | null | undefined): string[] {
  if (!notices) return [];
  if (Array.isArray(notices)) return notices.filter((n): n is string => typeof n === 'string').map(plainText).filter(Boolean);
  return Object.entries(notices)
    .filter(([, value]) => value === true)
    .map(([flag]) => flag);
}

/** HTML from CoinGecko as plain text: tags dropped, the common entities read, whitespace collapsed. */
export function plainText(html: string): string {
  return html
    .replace(/<br\s*\/?>/gi, ' ')
    .replace(/<[^>]*>/g, '')
    .replace(/&nbsp;/g, ' ')
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&apos;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();
}
