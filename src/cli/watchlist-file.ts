// The watchlist file of `import-watchlist`: one /watch per line, read with the chat grammar. Pure: text in, every line's
// targets or every bad line out, so nothing is applied from a file that has any mistake.
import { parseCommand } from '../core/command-grammar.js';

export interface WatchlistEntry {
  /** 1-based line number in the file. */
  line: number;
  coins: string[];
  fields: string[];
}

export interface WatchlistError {
  line: number;
  text: string;
  reason: string;
}

export type WatchlistParse = { ok: true; entries: WatchlistEntry[] } | { ok: false; errors: WatchlistError[] };

/**
 * Each line is what one would type after `/watch`: usually one target (`bitcoin`, `platforms.ethereum`,
 * `coin:name`), or several with /watch's meaning (`bitcoin platforms` = bitcoin's platforms only). Blank lines and
 * everything from a `#` on are ignored.
 */
export function parseWatchlist(text: string): WatchlistParse {
  const entries: WatchlistEntry[] = [];
  const errors: WatchlistError[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const args = raw.replace(/#.*/, '').trim();
    if (args === '') return;
    const parsed = parseCommand('watch', args);
    if (parsed?.ok && parsed.command.name === 'watch') {
      entries.push({ line: index + 1, coins: parsed.command.coins, fields: parsed.command.fields });
    } else {
      // The grammar's refusal without the chat usage line that follows it.
      const reason = parsed && !parsed.ok ? parsed.reply.split('\n')[0]! : 'not a /watch target';
      errors.push({ line: index + 1, text: args, reason });
    }
  });
  return errors.length ? { ok: false, errors } : { ok: true, entries };
}
