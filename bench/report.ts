// What a benchmark returns, and how the run prints it: each bar with its measured value, the baseline it was compared
// with in the same run, the ratio, the target and whether it was met.

export interface BenchContext {
  /** `--quick`: smaller counts, for a smoke run. */
  quick: boolean;
  /** Progress line, printed as the benchmark runs. */
  say(line: string): void;
}

export interface Bar {
  label: string;
  measured: number;
  unit: string;
  baseline?: { label: string; value: number; unit?: string };
  /** measured / baseline, or whatever ratio the bar is defined on. */
  ratio?: number;
  /** The bar, in words (`≥ 1.5× reference`). */
  target: string;
  met: boolean;
}

export interface BenchResult {
  name: string;
  title: string;
  /** How many runs the figures come from and how they were combined. */
  runs: string;
  bars: Bar[];
  /** Every other figure measured, with units in the key names. */
  figures: Record<string, unknown>;
  notes: string[];
}

export interface Benchmark {
  name: string;
  title: string;
  run(ctx: BenchContext): Promise<BenchResult>;
}

export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
  return value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

/** A plain-text table, columns padded to their widest cell. */
export function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' │ ');
  const rule = widths.map((w) => '─'.repeat(w)).join('─┼─');
  return [line(header), rule, ...rows.map(line)].join('\n');
}

export function barRows(results: readonly BenchResult[]): string[][] {
  return results.flatMap((r) =>
    r.bars.map((bar) => [
      r.name,
      bar.label,
      `${formatNumber(bar.measured)} ${bar.unit}`,
      bar.baseline ? `${formatNumber(bar.baseline.value)} ${bar.baseline.unit ?? bar.unit} (${bar.baseline.label})` : '—',
      bar.ratio === undefined ? '—' : `${formatNumber(bar.ratio)}×`,
      bar.target,
      bar.met ? 'met' : 'NOT MET',
    ]),
  );
}
