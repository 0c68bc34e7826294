// The admin command line, `npm run cli -- <command>`: parses the arguments, finds the server's database the way the
// server does (DATABASE_PATH from the environment, then .env) and runs one command of admin-commands.ts.
// Exit codes: 0 done; 2 refused (usage, unknown event or chat, no database, bad watchlist lines); 1 anything else.
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ConfigError, parseAdminConfig, type AdminConfig } from '../config.js';
import { DatabaseOpenError, openDatabase, type Db } from '../db/open-database.js';
import { ADMIN_COMMANDS, type AdminCommand, type Args, type Outcome } from './admin-commands.js';

export interface AdminIo {
  env: Record<string, string | undefined>;
  /** The contents of the .env file ('' when there is none). */
  dotenvText: string;
  /** Milliseconds since the epoch. */
  now: () => number;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

const COMMON = { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } as const;

export function usage(): string {
  return [
    'usage: npm run cli -- <command> [options] [--json]   (from a build or the Docker image: node dist/cli/admin.js <command>)',
    '',
    ...Object.entries(ADMIN_COMMANDS).flatMap(([name, c]) => [`  ${name} ${c.synopsis}`.trimEnd(), `      ${c.summary}`]),
    '',
    '--json prints the result as JSON. The database is DATABASE_PATH (environment, then .env; DOTENV_PATH names another',
    'file), as for the server. Exit codes: 0 done, 2 refused (usage, unknown id or chat, no database, bad input).',
  ].join('\n');
}

/** Runs one admin command; resolves to the process exit code. */
export async function runAdmin(argv: readonly string[], io: AdminIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    (name === undefined ? io.stderr : io.stdout)(usage());
    return name === undefined ? 2 : 0;
  }
  const command = Object.hasOwn(ADMIN_COMMANDS, name) ? ADMIN_COMMANDS[name] : undefined;
  if (!command) {
    io.stderr(`unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  const commandUsage = `usage: npm run cli -- ${name} ${command.synopsis}`.trimEnd();
  const args = parseCommandArgs(command, rest);
  if (typeof args === 'string') {
    io.stderr(`${args}\n${commandUsage}`);
    return 2;
  }
  if (args.values.help) {
    io.stdout(`${commandUsage}\n${command.summary}`);
    return 0;
  }
  const problem = command.check?.(args);
  if (problem) {
    io.stderr(`${problem}\n${commandUsage}`);
    return 2;
  }

  let config: AdminConfig;
  try {
    config = parseAdminConfig(io.env, io.dotenvText);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    io.stderr(`coinsentry: invalid configuration: ${error.message}`);
    return 2;
  }
  if (!existsSync(config.databasePath)) {
    io.stderr(`no database at ${config.databasePath}: set DATABASE_PATH (environment or .env) to the server's database file`);
    return 2;
  }
  let db: Db;
  try {
    db = openDatabase(config.databasePath, { synchronous: config.databaseSynchronous });
  } catch (error) {
    if (!(error instanceof DatabaseOpenError)) throw error;
    io.stderr(`coinsentry: ${error.message}`);
    return 2;
  }
  let outcome: Outcome;
  try {
    outcome = await command.run(args, { db, config, now: io.now() });
  } finally {
    db.$client.close();
  }
  if (args.values.json && outcome.json !== undefined) io.stdout(JSON.stringify(outcome.json, null, 2));
  else if (outcome.code === 0) io.stdout(outcome.text);
  if (outcome.code !== 0) io.stderr(outcome.text);
  return outcome.code;
}

/** The command's options plus --json and --help, strictly: an unknown option or a wrong count of arguments is a message. */
function parseCommandArgs(command: AdminCommand, argv: readonly string[]): Args | string {
  let parsed: Args;
  try {
    parsed = parseArgs({ args: [...argv], options: { ...command.options, ...COMMON }, allowPositionals: true, strict: true });
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  const expected = command.positionals ?? 0;
  if (!parsed.values.help && parsed.positionals.length !== expected) {
    return parsed.positionals.length > expected ? `unexpected argument "${parsed.positionals[expected]}"` : 'missing argument';
  }
  return parsed;
}
