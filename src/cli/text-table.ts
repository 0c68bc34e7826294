// Plain-text output of the admin CLI: aligned columns and readable times, safe for any stored text.

const CELL_MAX = 60;

/** One line, no control characters (titles and errors come from chats and platforms), shortened past `max`. */
export function cell(value: string, max = CELL_MAX): string {
  // eslint-disable-next-line no-control-regex
  const line = value.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/**
 * Columns padded to their widest cell, two spaces apart; a column of numbers is right-aligned. The last column is
 * not shortened (it holds the longest text: titles, errors).
 */
export function formatTable(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const last = header.length - 1;
  const lines = [header, ...rows].map((row) => header.map((_, i) => cell(row[i] ?? '', i === last ? Infinity : CELL_MAX)));
  const widths = header.map((_, i) => Math.max(...lines.map((line) => line[i]!.length)));
  const numeric = header.map((_, i) => rows.length > 0 && rows.every((row) => /^\d+$/.test(row[i] ?? '')));
  return lines
    .map((line) =>
      line
        .map((text, i) => (numeric[i] ? text.padStart(widths[i]!) : i === last ? text : text.padEnd(widths[i]!)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** `2026-04-13 07:40:00Z`. */
export function formatTime(ms: number | null): string {
  return ms === null ? '' : new Date(ms).toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, 'Z');
}

/** `1 chat`, `2 chats`. */
export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}
