// Runs the admin CLI in-process, as `npm run cli -- …` would, and collects what it prints.
import { runAdmin } from '../../src/cli/admin-cli.js';
import { NOW_MS } from '../support/harness.js';

export async function runCli(argv: string[], env: Record<string, string>, now: () => number = () => NOW_MS) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const code = await runAdmin(argv, {
    env,
    dotenvText: '',
    now,
    stdout: (text) => stdout.push(text),
    stderr: (text) => stderr.push(text),
  });
  return { code, stdout: stdout.join('\n'), stderr: stderr.join('\n') };
}
