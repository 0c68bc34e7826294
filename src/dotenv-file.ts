// The .env file the server and the command-line tools read: `.env` in the working directory when there is one, or the
// file DOTENV_PATH names, which must then exist (a DOTENV_PATH naming no file is a mistake, not "no settings").
import { readFileSync, statSync } from 'node:fs';
import { ConfigError } from './config.js';

/** The text of the .env file (`''` without one). Throws a ConfigError for a DOTENV_PATH naming no readable file. */
export function readDotenvFile(env: Record<string, string | undefined>): string {
  const named = env.DOTENV_PATH?.trim();
  const path = named || '.env';
  const stat = statSync(path, { throwIfNoEntry: false });
  if (!stat) {
    if (named) throw new ConfigError('DOTENV_PATH', `no file at ${path}`);
    return '';
  }
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(named ? 'DOTENV_PATH' : '.env', `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
}
