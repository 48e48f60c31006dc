/**
 * What the commands share: flags derived from CONFIG_KEYS (so the flag list cannot drift from the configuration),
 * usage errors, and opening a database that must already exist. Only `verdict init` and `verdict serve` create a
 * database; every other command refuses, naming where it looked, so a command run from the wrong folder (or with a
 * mistyped DATABASE_URL) never leaves a new database, site and admin key behind.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { sql } from 'kysely';
import { CONFIG_KEYS, type Config, ConfigError, loadConfig } from '../server/config.ts';
import { type Db, openDatabase } from '../server/db/database.ts';

/** Exit codes of every command: 0 success, 1 failure or invalid configuration, 2 usage error. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** What a command's action hands back to main: its exit code, and whether it keeps the process alive (serve). */
export interface Outcome {
  code: number;
  serving: boolean;
}

/** A failure the operator can act on: main prints the message alone (no stack) and exits with `exitCode`. */
export class CliFailure extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.failed,
  ) {
    super(message);
  }
}

/** The flag of a configuration key: PORT → --port, DATABASE_URL → --database-url. */
export function flagOf(env: string): string {
  return `--${env.toLowerCase().replaceAll('_', '-')}`;
}

/**
 * Adds one flag per configuration key named in `envs` (every key when omitted), described from CONFIG_KEYS. The flags
 * carry no default of their own: an unset flag leaves the environment (and config.ts's default) in force.
 */
export function addConfigOptions(command: Command, envs?: readonly string[]): Command {
  for (const spec of CONFIG_KEYS) {
    if (envs && !envs.includes(spec.env)) continue;
    const placeholder = spec.env.split('_').at(-1)?.toLowerCase() ?? 'value';
    const fallback = spec.default === '' ? 'unset' : spec.default;
    command.addOption(
      new Option(`${flagOf(spec.env)} <${placeholder}>`, `${spec.description} (env ${spec.env}; default ${fallback})`),
    );
  }
  return command;
}

/**
 * The command's configuration: its configuration flags laid over the environment, read and checked by loadConfig
 * (config.ts stays the one place that turns values into Config). A problem with a value given as a flag names it.
 */
export function configFrom(command: Command): Config {
  const values = command.opts<Record<string, unknown>>();
  const overlay: Record<string, string> = {};
  const flags = new Map<string, string>();
  for (const option of command.options) {
    const spec = CONFIG_KEYS.find((k) => flagOf(k.env) === option.long);
    const value = values[option.attributeName()];
    if (!spec || typeof value !== 'string') continue;
    overlay[spec.env] = value;
    flags.set(spec.env, flagOf(spec.env));
  }
  try {
    // The environment is only passed through: loadConfig reads it, as for every other command.
    return loadConfig({ ...process.env, ...overlay });
  } catch (err) {
    if (!(err instanceof ConfigError) || flags.size === 0) throw err;
    throw new ConfigError(
      err.problems.map((p) => {
        const flag = flags.get(p.split(' ')[0] ?? '');
        return flag ? `${p} (given as ${flag})` : p;
      }),
    );
  }
}

/** An option whose value must be one of `values`; help lists them, and a wrong one is refused naming the flag. */
export function choiceOption(flags: string, description: string, values: readonly string[]): Option {
  const long = /--[\w-]+/.exec(flags)?.[0] ?? flags;
  const list = values.length > 1 ? `${values.slice(0, -1).join(', ')} or ${values.at(-1)}` : values.join('');
  return new Option(flags, description).choices(values).argParser((value: string) => {
    if (!values.includes(value)) throw new InvalidArgumentError(`${long} must be ${list}.`);
    return value;
  });
}

/** Refuses the command's arguments: prints `error: message`, then the command's help, and exits 2. */
export function usageError(command: Command, message: string): never {
  command.error(`error: ${message}`, { exitCode: EXIT.usage, code: 'verdict.usage' });
}

/**
 * A command made only of subcommands (`verdict keys create`, `verdict users reset-password`): run alone or with an
 * unknown subcommand it refuses with the list of the ones it has.
 */
export function commandGroup(program: Command, name: string, description: string, subcommands: string[]): Command {
  const list =
    subcommands.length > 1 ? `${subcommands.slice(0, -1).join(', ')} or ${subcommands.at(-1)}` : subcommands[0];
  const group = program
    .command(name)
    .description(description)
    .usage(`<${subcommands.join('|')}> [options]`)
    .argument('[subcommand]', list)
    .action((given?: string) => {
      usageError(group, given ? `unknown subcommand '${given}' of ${name}` : `${name} needs a subcommand: ${list}`);
    });
  return group;
}

/** Where a database URL points, for messages: the absolute SQLite path, or the PostgreSQL URL without its password. */
export function whereIs(databaseUrl: string): string {
  if (databaseUrl.startsWith('sqlite:')) {
    const path = sqlitePath(databaseUrl);
    return path === ':memory:' ? 'an in-memory SQLite database' : resolve(path);
  }
  try {
    const url = new URL(databaseUrl);
    return `${url.protocol}//${url.username ? `${url.username}@` : ''}${url.host}${url.pathname}`;
  } catch {
    return 'the PostgreSQL database of DATABASE_URL (the URL does not parse)';
  }
}

const sqlitePath = (databaseUrl: string) => databaseUrl.slice('sqlite:'.length) || ':memory:';

/** Whether an SQLite URL names a file that is not there yet (always false for PostgreSQL and `:memory:`). */
export function isMissingSqliteFile(databaseUrl: string): boolean {
  if (!databaseUrl.startsWith('sqlite:')) return false;
  const path = sqlitePath(databaseUrl);
  return path !== ':memory:' && !existsSync(path);
}

/**
 * Opens the configured database only if it already exists: an SQLite file that is there, or a PostgreSQL database
 * that answers. Anything else is a CliFailure (exit 1) naming where the command looked; nothing is created.
 */
export async function openExistingDatabase(config: Config): Promise<Db> {
  const where = whereIs(config.databaseUrl);
  if (isMissingSqliteFile(config.databaseUrl)) {
    throw new CliFailure(
      [
        `verdict: no database at ${where} (database URL ${config.databaseUrl}, working directory ${process.cwd()}).`,
        'Only `verdict init` and `verdict serve` create a database: run one of them there, or point',
        '--database-url (or DATABASE_URL) at the existing one.',
      ].join('\n'),
    );
  }
  const database = openDatabase(config.databaseUrl);
  if (database.dialect === 'postgres') {
    try {
      await sql`select 1`.execute(database.db);
    } catch (err) {
      await database.close();
      // The driver's error, or the one the database layer wrapped it in when the connection could not be opened.
      const code = (err as { code?: unknown }).code ?? ((err as Error).cause as { code?: unknown } | undefined)?.code;
      throw new CliFailure(
        code === '3D000'
          ? `verdict: no PostgreSQL database at ${where}; create it (createdb), then run \`verdict init\` or \`verdict serve\`.`
          : `verdict: cannot open the PostgreSQL database at ${where}: ${(err as Error).message}`,
      );
    }
  }
  return database;
}
