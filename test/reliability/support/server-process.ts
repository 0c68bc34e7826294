// The real server as a child process, started exactly as `npm start` runs it (node with npm start's flags on
// dist/main.js, compiled from src/ first when dist/ is older), on a database file the test owns. Its log lines are
// kept, so a test can wait for them and check what they never contain.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const REPO_ROOT = resolve(import.meta.dirname, '../../..');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

let built: Promise<void> | undefined;

/** `npm run build` (tsc -p tsconfig.build.json), once per test file and only when dist/ is older than src/. */
export function buildServer(): Promise<void> {
  built ??= new Promise<void>((done, fail) => {
    const main = join(REPO_ROOT, 'dist/main.js');
    const sources = Math.max(newestMtime(join(REPO_ROOT, 'src')), statSync(join(REPO_ROOT, 'tsconfig.build.json')).mtimeMs);
    if (existsSync(main) && statSync(main).mtimeMs > sources) return done();
    const started = Date.now();
    const tsc = join(REPO_ROOT, 'node_modules/typescript/bin/tsc');
    execFile(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: REPO_ROOT }, (error, stdout) => {
      // tsc emits JavaScript even when it reports type errors (npm test's typecheck step fails on those anyway).
      if (existsSync(main) && statSync(main).mtimeMs >= started - 1000) return done();
      fail(new Error(`npm run build failed: ${error?.message ?? ''}\n${stdout}`));
    });
  });
  return built;
}

/** `npm start`'s node arguments (`--enable-source-maps --max-semi-space-size=2 dist/main.js`), from package.json. */
function startArgs(): string[] {
  const scripts = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
  const [command, ...args] = (scripts.start ?? '').trim().split(/\s+/);
  if (command !== 'node' || args.length === 0) throw new Error(`npm start is not "node … dist/main.js": ${scripts.start}`);
  return args;
}

export interface ServerProcess {
  child: ChildProcess;
  port: number;
  url: string;
  /** Every line written to stdout and stderr so far. */
  output(): string;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  /** `kill -9`, resolved once the process is gone. */
  kill9(): Promise<void>;
}

export interface StartOptions {
  timeoutMs?: number;
  /** Which output lines to keep (default: all). A long run keeps only the lines it checks. */
  keep?: (line: string) => boolean;
}

/** Starts dist/main.js with `env` (nothing inherited but PATH and HOME) and resolves once it listens. */
export async function startServer(env: Record<string, string>, options: StartOptions = {}): Promise<ServerProcess> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const keep = options.keep ?? (() => true);
  await buildServer();
  const child = spawn(process.execPath, startArgs(), {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = () => {
    let partial = '';
    return (chunk: Buffer) => {
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) if (line.includes('"msg":"listening"') || keep(line)) output += `${line}\n`;
    };
  };
  child.stdout.on('data', collect());
  child.stderr.on('data', collect());
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  const deadline = Date.now() + timeoutMs;
  let port: number | undefined;
  while (port === undefined) {
    const line = output.split('\n').find((l) => l.includes('"msg":"listening"'));
    if (line) port = (JSON.parse(line) as { port: number }).port;
    else if (child.exitCode !== null || Date.now() > deadline) throw new Error(`dist/main.js did not listen:\n${output}`);
    else await new Promise((r) => setTimeout(r, 20));
  }
  return {
    child,
    port,
    url: `http://127.0.0.1:${port}`,
    output: () => output,
    exited,
    async kill9() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
