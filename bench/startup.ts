// Start time: `npm start` with a current build (its prestart only checks that dist/ is newer than src/), from the
// spawn to the "listening" log line, against the floor of node running dist/main.js directly. Why: the issue measured
// ~9 s per start when every start recompiled the TypeScript; a restart should take under 2 s.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { BENCH_SECRET } from './signed-webhooks.js';
import { REPO_ROOT, buildServer, makeTempDir, removeTempDir } from './child-processes.js';
import { median } from './stats.js';
import type { BenchContext, BenchResult, Benchmark } from './report.js';

const LIMIT_MS = 2000;

/** Milliseconds from spawning `command` to the server's "listening" line; the process group is then stopped. */
async function timeToListening(command: string, args: string[]): Promise<number> {
  const dir = makeTempDir('startup');
  const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', COINGECKO_WEBHOOK_SECRET: BENCH_SECRET, PORT: '0', HOST: '127.0.0.1', DATABASE_PATH: join(dir, 'start.db'), DOTENV_PATH: '/dev/null' };
  const t0 = performance.now();
  const child = spawn(command, args, { cwd: REPO_ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  await new Promise<void>((listening, failed) => {
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('"msg":"listening"')) listening();
    });
    child.once('exit', (code) => failed(new Error(`${command} exited (${code}) before listening`)));
  });
  const ms = performance.now() - t0;
  const exited = new Promise((done) => child.once('exit', done));
  process.kill(-child.pid!, 'SIGTERM');
  await exited;
  removeTempDir(dir);
  return ms;
}

async function run(ctx: BenchContext): Promise<BenchResult> {
  await buildServer();
  const runs = ctx.quick ? 3 : 7;
  const npmStart: number[] = [];
  const bare: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    npmStart.push(await timeToListening('npm', ['start', '--silent']));
    bare.push(await timeToListening(process.execPath, ['dist/main.js']));
  }
  const measured = Math.round(median(npmStart));
  const floor = Math.round(median(bare));
  ctx.say(`npm start ${measured} ms, node dist/main.js ${floor} ms (medians of ${runs})`);
  return {
    name: 'startup',
    title: 'npm start to listening, build current',
    runs: `median of ${runs} starts each, alternating`,
    bars: [
      {
        label: 'npm start → listening (build current)',
        measured,
        unit: 'ms',
        baseline: { label: 'node dist/main.js', value: floor },
        ratio: Math.round((measured / floor) * 100) / 100,
        target: `< ${LIMIT_MS} ms`,
        met: measured < LIMIT_MS,
      },
    ],
    figures: { npmStartMs: npmStart.map(Math.round), nodeDistMainMs: bare.map(Math.round) },
    notes: ['npm start runs scripts/build-if-stale.mjs first, which compiles only when a source is newer than dist/main.js'],
  };
}

export const startup: Benchmark = { name: 'startup', title: 'npm start to listening, build current', run };
