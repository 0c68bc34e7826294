// Child processes and temp directories for the benchmarks, with one cleanup path: whatever a benchmark starts is
// registered here and killed / removed when it finishes, fails, or the run is interrupted.
import { execFile, fork, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BENCH_SECRET } from './signed-webhooks.js';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const TSX_LOADER = ['--import', 'tsx'];

const children = new Set<ChildProcess>();
const tempDirs = new Set<string>();

/** A fresh temp directory, removed by `cleanupAll` (or `removeTempDir`). */
export function makeTempDir(label: string): string {
  const dir = mkdtempSync(join(tmpdir(), `coinsentry-bench-${label}-`));
  tempDirs.add(dir);
  return dir;
}

export function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  tempDirs.delete(dir);
}

/** Kills every child still running and removes every temp directory. Synchronous, so it can run on `exit`. */
export function cleanupAll(): void {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL'); // also ends a SIGSTOPped child
  }
  children.clear();
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  tempDirs.clear();
}

function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** Keeps the last few KiB a child wrote to stderr, for the error message when it dies. */
function tailStderr(child: ChildProcess): () => string {
  let tail = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    tail = (tail + chunk.toString('utf8')).slice(-4000);
  });
  return () => tail.trim();
}

export interface ForkedChild<Ready> {
  child: ChildProcess;
  ready: Ready;
  /** SIGTERM, then SIGKILL after a grace period; resolves once the process is gone. */
  stop(): Promise<void>;
}

/**
 * Forks a TypeScript file under tsx with an IPC channel, and waits for its first IPC message (its "ready" report, e.g.
 * the port it listens on). Its stdout goes to `stdoutFile` when given (servers log a line per request; a file costs
 * them what coinsentry's log file costs it), else it is discarded; stderr is kept for errors.
 */
export async function forkTs<Ready>(
  file: string,
  args: readonly string[],
  options: { stdoutFile?: string; timeoutMs?: number } = {},
): Promise<ForkedChild<Ready>> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const out = options.stdoutFile ? openSync(options.stdoutFile, 'a') : 'ignore';
  const child = track(
    fork(resolve(REPO_ROOT, file), [...args], {
      cwd: REPO_ROOT,
      execArgv: TSX_LOADER,
      stdio: ['ignore', out, 'pipe', 'ipc'],
    }),
  );
  if (typeof out === 'number') closeSync(out);
  const stderr = tailStderr(child);
  const ready = await new Promise<Ready>((resolveReady, reject) => {
    const timer = setTimeout(() => reject(new Error(`${file} did not report ready within ${timeoutMs} ms\n${stderr()}`)), timeoutMs);
    child.once('message', (message) => {
      clearTimeout(timer);
      resolveReady(message as Ready);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${file} exited before it was ready (code ${code}, signal ${signal})\n${stderr()}`));
    });
  });
  return { child, ready, stop: () => stopChild(child) };
}

let build: Promise<void> | undefined;

/** Newest modification time (ms) of the files under `dir`. */
export function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

/** dist/main.js exists and is newer than everything it is built from. */
function distIsFresh(): boolean {
  const main = resolve(REPO_ROOT, 'dist/main.js');
  if (!existsSync(main)) return false;
  const sources = Math.max(
    newestMtime(resolve(REPO_ROOT, 'src')),
    statSync(resolve(REPO_ROOT, 'tsconfig.build.json')).mtimeMs,
    statSync(resolve(REPO_ROOT, 'tsconfig.json')).mtimeMs,
  );
  return statSync(main).mtimeMs > sources;
}

/**
 * Compiles src/ into dist/ as `npm start` does first (`prestart`: tsc -p tsconfig.build.json), once per run and only
 * when dist/ is older than src/.
 */
export function buildServer(): Promise<void> {
  build ??= new Promise<void>((resolveBuild, reject) => {
    if (distIsFresh()) {
      resolveBuild();
      return;
    }
    const tsc = resolve(REPO_ROOT, 'node_modules/typescript/bin/tsc');
    execFile(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: REPO_ROOT }, (error, stdout, stderr) => {
      if (error) reject(new Error(`npm run build failed; the server cannot start:\n${stdout}${stderr}`));
      else resolveBuild();
    });
  });
  return build;
}

export interface MainProcess {
  child: ChildProcess;
  port: number;
  pid: number;
  stop(): Promise<void>;
}

/** The environment of a benchmark server: the bench secret, a database, an ephemeral port, Telegram at a fake. */
export function telegramServerEnv(dir: string, databasePath: string, telegram: { token: string; apiRoot: string }): Record<string, string> {
  return {
    COINGECKO_WEBHOOK_SECRET: BENCH_SECRET,
    DATABASE_PATH: databasePath,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    TELEGRAM_BOT_TOKEN: telegram.token,
    TELEGRAM_API_ROOT: telegram.apiRoot,
    DOTENV_PATH: '/dev/null',
  };
}

/** The node arguments of `npm start` (`node <flags> dist/main.js`), read from package.json so the two cannot drift. */
function startArgs(): string[] {
  const scripts = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
  const [command, ...args] = (scripts.start ?? '').trim().split(/\s+/);
  if (command !== 'node' || args.length === 0) throw new Error(`npm start is not "node … dist/main.js": ${scripts.start}`);
  return args;
}

/**
 * Starts the real server as `npm start` does: builds dist/ (once per run), then node with `npm start`'s arguments,
 * spawned directly so its pid is the server's own (`kill -9` hits the server, not npm). Its stdout (the JSON log, a
 * line per webhook) goes to a file, as a deployment's log collector would take it, not through a pipe into this
 * process (which is also the load generator). Resolves once the log says it is listening.
 */
export async function startMain(env: Record<string, string>, timeoutMs = 60_000, nodeArgs: readonly string[] = []): Promise<MainProcess> {
  await buildServer();
  const logDir = makeTempDir('server-log');
  const logFile = join(logDir, 'server.log');
  const out = openSync(logFile, 'a');
  const child = track(
    spawn(process.execPath, [...nodeArgs, ...startArgs()], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
      stdio: ['ignore', out, 'pipe'],
    }),
  );
  closeSync(out);
  child.once('exit', () => removeTempDir(logDir));
  const stderr = tailStderr(child);
  const logTail = () => {
    try {
      return readFileSync(logFile, 'utf8').slice(-4000);
    } catch {
      return '';
    }
  };
  const started = performance.now();
  let port: number | undefined;
  while (port === undefined) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`dist/main.js exited before listening (code ${child.exitCode}, signal ${child.signalCode})\n${stderr()}\n${logTail()}`);
    }
    if (performance.now() - started > timeoutMs) {
      child.kill('SIGKILL');
      throw new Error(`dist/main.js did not listen within ${timeoutMs} ms\n${stderr()}\n${logTail()}`);
    }
    await new Promise((resolveWait) => setTimeout(resolveWait, 25));
    const match = /"port":(\d+)[^\n]*"msg":"listening"|"msg":"listening"[^\n]*"port":(\d+)/.exec(logTail());
    if (match) port = Number(match[1] ?? match[2]);
  }
  return { child, port, pid: child.pid ?? -1, stop: () => stopChild(child) };
}

/**
 * SIGSTOP: the process keeps its state but uses no CPU (the ingest benchmark parks the servers it is not measuring, so
 * a server's background work cannot slow another one's run). `resumeChild` (SIGCONT) wakes it.
 */
export function pauseChild(child: ChildProcess): void {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGSTOP');
}

export function resumeChild(child: ChildProcess): void {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGCONT');
}

export async function stopChild(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
  child.kill('SIGCONT'); // a paused child would not act on SIGTERM
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** `kill -9`, and wait until the process is gone. */
export async function killHard(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
  child.kill('SIGKILL');
  await exited;
}

/** A process's resident set now and at its peak (VmRSS — what process.memoryUsage().rss reports — and VmHWM), in MB. */
export function residentSetMb(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}
