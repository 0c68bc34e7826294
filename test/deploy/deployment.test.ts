// The deployment files agree with the code: the image starts what `npm start` starts, its health check really asks
// /healthz, the systemd unit runs the same command, and the production dependencies cover everything the runtime
// imports. Docker does not run here, so the files are read and their commands run directly.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import type { AddressInfo } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { serve } from '@hono/node-server';
import { afterEach, describe, expect, it } from 'vitest';
import { testApp, type TestApp } from '../support/harness.js';

const ROOT = resolve(import.meta.dirname, '../..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string>; dependencies: Record<string, string>; devDependencies: Record<string, string> };
const lock = JSON.parse(read('package-lock.json')) as { packages: Record<string, { dev?: boolean }> };
const START = pkg.scripts.start!.split(' ');

interface Instruction {
  keyword: string;
  args: string;
}

/** Dockerfile instructions per stage (continuation lines joined, comments dropped). */
function dockerStages(text: string): Instruction[][] {
  const stages: Instruction[][] = [];
  const lines = text.replace(/\\\n/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  for (const line of lines) {
    const [, keyword = '', args = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    if (keyword.toUpperCase() === 'FROM') stages.push([]);
    stages.at(-1)?.push({ keyword: keyword.toUpperCase(), args });
  }
  return stages;
}

const stages = dockerStages(read('Dockerfile'));
const [build, runtime] = [stages[0]!, stages.at(-1)!];
const all = (stage: Instruction[], keyword: string) => stage.filter((i) => i.keyword === keyword).map((i) => i.args);
const only = (stage: Instruction[], keyword: string) => {
  const found = all(stage, keyword);
  expect(found, keyword).toHaveLength(1);
  return found[0]!;
};

describe('Dockerfile', () => {
  it('builds in a stage with the better-sqlite3 toolchain, npm ci and the TypeScript build', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const runs = all(build, 'RUN').join('\n');
    expect(runs).toMatch(/apt-get install[^\n]*python3[^\n]*make[^\n]*g\+\+/);
    expect(runs).toContain('npm ci');
    expect(runs).toContain('npm run build');
    expect(runs).toContain('npm prune --omit=dev');
  });

  it("runs exactly npm start's command, without building again", () => {
    expect(JSON.parse(only(runtime, 'CMD'))).toEqual(START);
    expect(all(runtime, 'RUN').join('\n')).not.toMatch(/npm (ci|install|run build)|tsc/);
    expect(all(runtime, 'ENTRYPOINT')).toEqual([]);
  });

  it('runs as a non-root user on node 20 slim, with the database on the /data volume, port 8080', () => {
    expect(only(runtime, 'FROM')).toMatch(/^node:20(-bookworm)?-slim$/);
    expect(only(runtime, 'USER')).not.toMatch(/^(root|0)(:|$)/);
    expect(only(runtime, 'ENV')).toMatch(/DATABASE_PATH=\/data\/coinsentry\.db/);
    expect(JSON.parse(only(runtime, 'VOLUME'))).toEqual(['/data']);
    expect(only(runtime, 'EXPOSE')).toBe('8080');
    // dist/db/open-database.js finds the migrations at ../../migrations.
    expect(all(runtime, 'COPY')).toEqual(expect.arrayContaining(['migrations ./migrations', '--from=build /app/dist ./dist']));
    // dist/cli/send-test-event.js posts the fixtures at ../../test/fixtures.
    expect(all(runtime, 'COPY')).toContain('test/fixtures ./test/fixtures');
  });

  describe('HEALTHCHECK', () => {
    let app: TestApp | undefined;
    let server: ReturnType<typeof serve> | undefined;
    afterEach(() => {
      server?.close();
      app?.cleanup();
    });

    const healthcheck = () => {
      const args = only(runtime, 'HEALTHCHECK');
      const command = JSON.parse(args.slice(args.indexOf('CMD ') + 'CMD '.length)) as string[];
      expect(command[0]).toBe('node');
      return command;
    };
    const runCheck = async (port: number) => {
      const [node, ...args] = healthcheck();
      expect(node).toBe('node');
      return promisify(execFile)(process.execPath, args, { env: { PORT: String(port) } }).then(
        () => 0,
        (error: { code?: number }) => error.code ?? -1,
      );
    };

    it('asks /healthz with node (no curl in slim images), and passes only when it answers 200', async () => {
      expect(healthcheck().join(' ')).toContain('/healthz');
      app = testApp();
      const listening = new Promise<number>((done) => {
        server = serve({ fetch: app!.app.fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) => done(info.port));
      });
      const port = await listening;
      expect(await runCheck(port)).toBe(0);
      app.db.$client.close(); // the database stops answering: /healthz says 503
      expect(await runCheck(port)).toBe(1);
    });
  });
});

describe('.dockerignore', () => {
  const ignored = read('.dockerignore').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  it('keeps secrets, databases and local builds out of the build context, and keeps what the build copies', () => {
    expect(ignored).toEqual(expect.arrayContaining(['.env', 'node_modules', 'dist', 'data', '*.db', '.git']));
    for (const copied of ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'src', 'migrations']) {
      expect(ignored).not.toContain(copied);
    }
    expect(ignored).toContain('!test/fixtures');
  });
});

describe('deploy/coinsentry.service', () => {
  const unit = new Map<string, string>(
    read('deploy/coinsentry.service')
      .split('\n')
      .filter((l) => /^[A-Za-z]+=/.test(l))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as [string, string]),
  );

  it("runs npm start's command as a dedicated user from the install directory with its .env", () => {
    const [node, ...args] = unit.get('ExecStart')!.split(' ');
    expect(node).toMatch(/\/node$/);
    expect(['node', ...args]).toEqual(START);
    expect(unit.get('User')).toBe('coinsentry');
    expect(unit.get('WorkingDirectory')).toBe('/opt/coinsentry');
    expect(unit.get('EnvironmentFile')).toBe('/opt/coinsentry/.env');
    expect(unit.get('Restart')).toBe('on-failure');
  });

  it('is hardened, with only the data directory writable', () => {
    expect(unit.get('NoNewPrivileges')).toBe('true');
    expect(unit.get('ProtectSystem')).toBe('strict');
    expect(unit.get('ReadWritePaths')).toBe('/var/lib/coinsentry');
    expect(unit.get('PrivateTmp')).toBe('true');
  });
});

describe('production dependencies', () => {
  /** Packages loaded at run time from `entry`, following relative imports; `import type` is erased and not counted. */
  function runtimePackages(entry: string): Set<string> {
    const packages = new Set<string>();
    const seen = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const source = readFileSync(file, 'utf8');
      const specifiers = [
        ...source.matchAll(/^\s*(?:import|export)\s+(?!type\s)(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]/gm),
        ...source.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g),
      ].map((m) => m[1]!);
      for (const specifier of specifiers) {
        if (specifier.startsWith('.')) visit(resolve(dirname(file), specifier.replace(/\.js$/, '.ts')));
        else if (!specifier.startsWith('node:') && !builtinModules.includes(specifier)) {
          const parts = specifier.split('/');
          packages.add(specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!);
        }
      }
    };
    visit(join(ROOT, entry));
    return packages;
  }

  it('hold every package the server and the admin CLI import (npm ci --omit=dev is enough), and not tsx', () => {
    const used = new Set([...runtimePackages('src/main.ts'), ...runtimePackages('src/cli/admin.ts'), ...runtimePackages('src/cli/send-test-event.ts')]);
    expect([...used]).toEqual(expect.arrayContaining(['better-sqlite3', 'drizzle-orm', 'hono', 'grammy', 'discord.js', '@slack/web-api']));
    for (const name of used) {
      expect(pkg.dependencies, name).toHaveProperty([name]);
      expect(lock.packages[`node_modules/${name}`]?.dev, name).toBeUndefined();
    }
    expect(used).not.toContain('tsx');
    expect(pkg.devDependencies).toHaveProperty(['tsx']);
  });
});
