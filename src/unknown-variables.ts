// Misspelt settings are found, not ignored: a variable that looks like one of coinsentry's (it starts with one of its
// prefixes, or is a letter or two away from a known name) but is not known gets a warning naming the closest known one.
import { parse as parseDotenv } from 'dotenv';
import { KNOWN_VARIABLES, VARIABLE_PREFIXES } from './config.js';

/** One warning per suspicious variable of the environment or the .env file, sorted. */
export function unknownVariableWarnings(env: Record<string, string | undefined>, dotenvText = ''): string[] {
  const warnings: string[] = [];
  for (const name of new Set([...Object.keys(env), ...Object.keys(parseDotenv(dotenvText))])) {
    if (KNOWN_VARIABLES.includes(name)) continue;
    const closest = closestKnown(name);
    const prefixed = VARIABLE_PREFIXES.some((prefix) => name.startsWith(prefix));
    // Short names (HOME, PWD) are a letter or two from PORT or HOST by chance; only longer ones count as near misses.
    const nearMiss = closest !== undefined && name.length >= 8 && closest.distance <= 2;
    if (!prefixed && !nearMiss) continue;
    const suggestion = containing(name) ?? (closest && closest.distance <= Math.max(2, Math.floor(name.length / 3)) ? closest.name : undefined);
    const hint = suggestion ? `; did you mean ${suggestion}?` : '';
    warnings.push(`${name} is not a coinsentry setting and is ignored${hint}`);
  }
  return warnings.sort();
}

/** The shortest known name holding every word of `name` (SLACK_TOKEN → SLACK_BOT_TOKEN). */
function containing(name: string): string | undefined {
  const words = name.split('_');
  return KNOWN_VARIABLES.filter((known) => words.every((word) => known.split('_').includes(word))).sort((a, b) => a.length - b.length)[0];
}

function closestKnown(name: string): { name: string; distance: number } | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const known of KNOWN_VARIABLES) {
    const distance = editDistance(name, known);
    if (!best || distance < best.distance) best = { name: known, distance };
  }
  return best;
}

/** Edits (insert, delete, substitute, swap two neighbours) turning `a` into `b`. */
function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  const at = (i: number, j: number) => rows[i]?.[j] ?? Infinity;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, at(i - 2, j - 2) + 1);
      (rows[i] as number[])[j] = d;
    }
  }
  return at(a.length, b.length);
}
