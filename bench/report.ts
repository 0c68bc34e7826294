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
  /** Detail tables for bench/RESULTS.md (e.g. every server of the ingest benchmark side by side). */
  tables?: DetailTable[];
  notes: string[];
  /** Wall time of the benchmark, set by the runner. */
  seconds?: number;
}

export interface DetailTable {
  title: string;
  header: string[];
  rows: string[][];
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
      `${formatNumber(bar.measured)} ${bar.unit}`.trim(),
      bar.baseline ? `${`${formatNumber(bar.baseline.value)} ${bar.baseline.unit ?? bar.unit}`.trim()} (${bar.baseline.label})` : '—',
      bar.ratio === undefined ? '—' : `${formatNumber(bar.ratio)}×`,
      bar.target,
      bar.met ? 'met' : 'NOT MET',
    ]),
  );
}

/** What bench/RESULTS.md and results.json say about the run itself. */
export interface RunInfo {
  command: string;
  /** `full`: the complete suite at full counts (the figures of record); `quick` / `partial`: a smoke or subset run. */
  mode: 'full' | 'quick' | 'partial';
  only: string[] | null;
  date: string;
  code: { commit: string; srcDirty: boolean; atEnd: string; srcChangedDuringRun: boolean };
  machine: { cpus: number; cpuModel: string; memoryGiB: number; node: string; platform: string };
  totalSeconds: number;
}

const cell = (text: string) => text.replaceAll('|', '\\|');

function markdownTable(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  return [
    `| ${header.map(cell).join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...rows.map((row) => `| ${row.map(cell).join(' | ')} |`),
  ].join('\n');
}

/** bench/RESULTS.md: the command, date and machine, every bar with its same-run baseline and ratio, then details. */
export function markdownReport(info: RunInfo, results: readonly BenchResult[], failures: ReadonlyArray<{ name: string; error: string }>): string {
  const m = info.machine;
  const lines: string[] = [
    info.mode === 'full' ? '# Benchmark results' : `# Benchmark results — ${info.mode} run, not the figures of record`,
    '',
    `Written by \`${info.command}\` (bench/run.ts); every figure below comes from this one run. How each is measured: bench/README.md.`,
    '',
    `- **command**: \`${info.command}\`${info.mode === 'quick' ? ' (smaller counts and shorter runs: a smoke run)' : ''}${info.only ? ` (only ${info.only.join(', ')})` : ''}`,
    `- **date**: ${info.date.replace('T', ' ').replace(/\.\d+Z$/, ' UTC')}, ${info.totalSeconds} s`,
    `- **machine**: ${m.cpus} cores (${m.cpuModel}), ${m.memoryGiB} GiB, ${m.platform}, Node ${m.node}; load generators and fakes on the same machine`,
    `- **code**: commit ${info.code.commit}${info.code.srcDirty ? ' with uncommitted changes in src/' : ''}`,
  ];
  if (info.code.srcChangedDuringRun) {
    lines.push(`- **warning**: src/ changed during the run (commit ${info.code.commit} → ${info.code.atEnd}); the figures may mix two versions of the code`);
  }
  lines.push('', '## Bars', '', 'Medians of repeated runs where a benchmark repeats (see each section); ratio = measured / baseline.', '');
  lines.push(markdownTable(['benchmark', 'bar', 'measured', 'baseline (same run)', 'ratio', 'target', 'result'], barRows(results).map((row) => row.map((c, i) => (i === 6 && c !== 'met' ? `**${c}**` : c)))));
  for (const f of failures) lines.push('', `**${f.name}: failed** — ${f.error.split('\n')[0]}`);
  for (const r of results) {
    lines.push('', `## ${r.name} — ${r.title}`, '', `${r.runs}${r.seconds !== undefined ? ` (${r.seconds} s)` : ''}.`);
    for (const t of r.tables ?? []) lines.push('', `${t.title}:`, '', markdownTable(t.header, t.rows));
    if (r.notes.length > 0) lines.push('', ...r.notes.map((n) => `- ${n}`));
  }
  lines.push('', 'All figures, every run and the machine: `bench/results' + (info.mode === 'full' ? '' : '.partial') + '.json`.', '');
  return lines.join('\n');
}

/** A bar judged against its same-run baseline: measured ≥ `atLeast` × baseline, or ≤ `atMost` × baseline. */
export function relativeBar(
  label: string,
  unit: string,
  measured: number,
  baseline: { label: string; value: number },
  limit: { atLeast: number } | { atMost: number },
): Bar {
  const ratio = measured / baseline.value;
  const [target, met] = 'atLeast' in limit ? [`≥ ${limit.atLeast}× ${baseline.label}`, ratio >= limit.atLeast] : [`≤ ${limit.atMost}× ${baseline.label}`, ratio <= limit.atMost];
  return { label, measured, unit, baseline, ratio: Math.round(ratio * 100) / 100, target, met };
}
