// `npm run bench [-- --quick] [-- --only name[,name]]`: runs the benchmarks one after another, prints
// each bar with its measured value, the baseline measured in the same run and the ratio, and writes the run (with the
// machine it ran on) to bench/RESULTS.md and bench/results.json — or, for a run that is not the complete full suite
// (--quick, --only), to bench/RESULTS.partial.md and bench/results.partial.json, so a smoke run never replaces the
// figures of record.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT, cleanupAll, newestMtime } from './child-processes.js';
import { backlog } from './backlog.js';
import { crash } from './crash.js';
import { fanOut } from './fan-out.js';
import { ingest } from './ingest.js';
import { latency } from './latency.js';
import { matching } from './matching.js';
import { memory } from './memory.js';
import { retention } from './retention.js';
import { startup } from './startup.js';
import { userActions } from './user-actions.js';
import { barRows, markdownReport, table, type BenchResult, type Benchmark, type RunInfo } from './report.js';

const BENCHMARKS: readonly Benchmark[] = [ingest, backlog, matching, latency, fanOut, memory, crash, startup, userActions, retention];

const { values } = parseArgs({
  options: { quick: { type: 'boolean', default: false }, only: { type: 'string' } },
  allowPositionals: false,
});
const quick = values.quick ?? false;
const only = values.only?.split(',').map((s) => s.trim()).filter(Boolean);
const unknown = only?.filter((name) => !BENCHMARKS.some((b) => b.name === name)) ?? [];
if (unknown.length > 0) {
  console.error(`unknown benchmark ${unknown.join(', ')}; choose from ${BENCHMARKS.map((b) => b.name).join(', ')}`);
  process.exit(2);
}
const selected = only ? BENCHMARKS.filter((b) => only.includes(b.name)) : BENCHMARKS;
const complete = !quick && selected.length === BENCHMARKS.length;
const command = ['npm run bench', ...(quick || only ? ['--'] : []), ...(quick ? ['--quick'] : []), ...(only ? ['--only', only.join(',')] : [])].join(' ');

process.on('exit', cleanupAll);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    console.error(`\n${signal}: stopping the benchmark children and removing temp files`);
    cleanupAll();
    process.exit(130);
  });
}

/** The code measured: the commit, and whether src/ had uncommitted changes (other work in progress). */
function codeVersion(): { commit: string; srcDirty: boolean } {
  try {
    const git = (...args: string[]) => execFileSync('git', args, { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return { commit: git('rev-parse', '--short', 'HEAD'), srcDirty: git('status', '--porcelain', '--', 'src', 'migrations') !== '' };
  } catch {
    return { commit: 'unknown', srcDirty: false };
  }
}
const code = codeVersion();
const runStartedAt = Date.now();

const machine = {
  cpus: cpus().length,
  cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  node: process.version,
  platform: `${process.platform} ${process.arch}`,
};
console.log(
  `coinsentry benchmarks · ${command} · ${complete ? 'full' : quick ? 'quick' : 'partial'} run · commit ${code.commit}` +
    `${code.srcDirty ? ' + uncommitted src changes' : ''} · ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGiB} GiB, Node ${machine.node}\n`,
);

const results: BenchResult[] = [];
const failures: Array<{ name: string; error: string }> = [];
const started = performance.now();
for (const benchmark of selected) {
  console.log(`▶ ${benchmark.name}: ${benchmark.title}`);
  const t0 = performance.now();
  try {
    const result = await benchmark.run({ quick, say: (line) => console.log(`  ${line}`) });
    result.seconds = Math.round((performance.now() - t0) / 1000);
    results.push(result);
    for (const bar of result.bars) {
      const baseline = bar.baseline ? ` vs ${bar.baseline.value} ${bar.baseline.unit ?? bar.unit} (${bar.baseline.label})` : '';
      const ratio = bar.ratio === undefined ? '' : `, ratio ${bar.ratio}×`;
      console.log(`  = ${bar.label}: ${bar.measured} ${bar.unit}${baseline}${ratio}; bar ${bar.target}: ${bar.met ? 'met' : 'NOT MET'}`);
    }
    for (const note of result.notes) console.log(`  note: ${note}`);
  } catch (error) {
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    failures.push({ name: benchmark.name, error: message });
    console.error(`  ✗ ${benchmark.name} failed: ${message}`);
  }
  console.log(`  (${((performance.now() - t0) / 1000).toFixed(1)} s)\n`);
}

console.log(table(['benchmark', 'bar', 'measured', 'baseline (same run)', 'ratio', 'target', 'result'], barRows(results)));
for (const r of results) console.log(`  ${r.name}: ${r.runs}`);
for (const f of failures) console.log(`  ${f.name}: FAILED (see above)`);
const totalSeconds = (performance.now() - started) / 1000;
console.log(`\ntotal ${totalSeconds.toFixed(1)} s`);
// Others may be editing the tree: say so when src/ changed under the run, since then the figures mix two versions.
const codeAtEnd = codeVersion();
const srcChangedDuringRun = newestMtime(join(REPO_ROOT, 'src')) > runStartedAt || codeAtEnd.commit !== code.commit;
if (srcChangedDuringRun) {
  console.log(`WARNING: src/ changed during this run (commit ${code.commit} → ${codeAtEnd.commit}): the benchmarks may have measured different code`);
}

const info: RunInfo = {
  command,
  mode: complete ? 'full' : quick ? 'quick' : 'partial',
  only: only ?? null,
  date: new Date().toISOString(),
  code: { ...code, atEnd: codeAtEnd.commit, srcChangedDuringRun },
  machine,
  totalSeconds: Math.round(totalSeconds),
};
const suffix = complete ? '' : '.partial';
const jsonFile = join(REPO_ROOT, 'bench', `results${suffix}.json`);
const markdownFile = join(REPO_ROOT, 'bench', `RESULTS${suffix}.md`);
writeFileSync(jsonFile, `${JSON.stringify({ ...info, results, failures }, null, 2)}\n`);
writeFileSync(markdownFile, markdownReport(info, results, failures));
console.log(`results written to ${markdownFile} and ${jsonFile}${complete ? '' : ' (not a complete full run: RESULTS.md is left as it was)'}`);
process.exitCode = failures.length > 0 ? 1 : 0;
