// Entry point of the admin command line (`npm run cli -- <command>`, or `node dist/cli/admin.js <command>` from a
// build): the process around runAdmin — arguments, environment, the .env file, output streams and the exit code.
import { ConfigError } from '../config.js';
import { readDotenvFile } from '../dotenv-file.js';
import { runAdmin } from './admin-cli.js';

let dotenvText = '';
try {
  dotenvText = readDotenvFile(process.env);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(`coinsentry: invalid configuration: ${error.message}`);
  process.exit(2);
}
process.exitCode = await runAdmin(process.argv.slice(2), {
  env: process.env,
  dotenvText,
  now: Date.now,
  stdout: (text) => console.log(text),
  stderr: (text) => console.error(text),
});
