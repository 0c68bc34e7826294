// Where the server runs (the Docker image, the systemd install) there is no tsx: `npm start` builds only when sources
// changed, and send-test-event and the admin CLI run from the build with the fixtures shipped beside it. The build here
// is every source transpiled file by file (what tsc emits, minus the type check), into a folder beside dist/.
import { execFile, execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import { serve } from '@hono/node-server';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SECRET, testApp } from '../support/harness.js';

const ROOT = resolve(import.meta.dirname, '../..');
const OUT = join(ROOT, `.build-test-${process.pid}`);
const run = promisify(execFile);

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sources(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );
}

beforeAll(() => {
  for (const file of sources(join(ROOT, 'src'))) {
    const { outputText } = ts.transpileModule(readFileSync(file, 'utf8'), {
      fileName: file,
      compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
    });
    const target = join(OUT, relative(join(ROOT, 'src'), file)).replace(/\.ts$/, '.js');
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, outputText);
  }
});
afterAll(() => rmSync(OUT, { recursive: true, force: true }));

describe('tools from the build', () => {
  it('send-test-event signs a shipped fixture and posts it, with plain node', async () => {
    const t = testApp({ clock: Date.now });
    const port = await new Promise<number>((done) => {
      const server = serve({ fetch: t.app.fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) => done(info.port));
      afterAll(() => server.close());
    });
    const { stdout } = await run(process.execPath, [join(OUT, 'cli/send-test-event.js'), '--fixture', 'name-update'], {
      cwd: tmpdir(),
      env: { PATH: process.env.PATH ?? '', COINGECKO_WEBHOOK_SECRET: SECRET, PORT: String(port) },
    });
    expect(stdout).toMatch(/^name-update\.json \S+ → 200 /);
    expect(t.db.$client.prepare('select count(*) as n from events').get()).toEqual({ n: 1 });
    t.cleanup();
  });

  it('send-test-event refuses the placeholder secret of .env.example', async () => {
    const failed = await run(process.execPath, [join(OUT, 'cli/send-test-event.js')], {
      cwd: tmpdir(),
      env: { PATH: process.env.PATH ?? '', DOTENV_PATH: join(ROOT, '.env.example') },
    }).catch((error: { code: number; stderr: string }) => error);
    expect(failed).toMatchObject({ code: 2 });
    expect((failed as { stderr: string }).stderr).toContain('COINGECKO_WEBHOOK_SECRET still holds the placeholder from .env.example');
  });

  it('the admin CLI reads the server database with plain node', async () => {
    const t = testApp();
    const { stdout } = await run(process.execPath, [join(OUT, 'cli/admin.js'), 'stats', '--json'], {
      cwd: tmpdir(),
      env: { PATH: process.env.PATH ?? '', DATABASE_PATH: t.path, DOTENV_PATH: '/dev/null' },
    });
    expect(JSON.parse(stdout)).toMatchObject({ subscriptions: 0 });
    t.cleanup();
  });
});

describe("npm start's prestart", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'coinsentry-prestart-'));
    cpSync(join(ROOT, 'scripts'), join(dir, 'scripts'), { recursive: true });
    mkdirSync(join(dir, 'src'));
    mkdirSync(join(dir, 'dist'));
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ scripts: { build: 'node -e "require(\'fs\').writeFileSync(\'dist/main.js\', \'rebuilt\')"' } }));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const prestart = () => execFileSync(process.execPath, ['scripts/build-if-stale.mjs'], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const at = (path: string, seconds: number) => utimesSync(join(dir, path), seconds, seconds);

  it('does not compile when the build is newer than every source', () => {
    writeFileSync(join(dir, 'src', 'main.ts'), 'source');
    writeFileSync(join(dir, 'dist', 'main.js'), 'built');
    at('src/main.ts', 1_000);
    at('src', 1_000);
    at('dist/main.js', 2_000);
    prestart();
    expect(readFileSync(join(dir, 'dist', 'main.js'), 'utf8')).toBe('built');
  });

  it('compiles when a source changed after the build', () => {
    at('src/main.ts', 3_000);
    prestart();
    expect(readFileSync(join(dir, 'dist', 'main.js'), 'utf8')).toBe('rebuilt');
  });
});
