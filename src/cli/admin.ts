// Entry point of the admin command line (`npm run cli -- <command>`, or `node dist/cli/admin.js <command>` from a
// build): the process around runAdmin — arguments, environment, the .env file, output streams and the exit code.
import { existsSync, readFileSync } from 'node:fs';
import { runAdmin } from './admin-cli.js';

const dotenvPath = process.env.DOTENV_PATH ?? '.env';
process.exitCode = await runAdmin(process.argv.slice(2), {
  env: process.env,
  dotenvText: existsSync(dotenvPath) ? readFileSync(dotenvPath, 'utf8') : '',
  now: Date.now,
  stdout: (text) => console.log(text),
  stderr: (text) => console.error(text),
});
