/**
 * The `verdict` command line as one commander program: each command is declared once, in its own file, and its help,
 * its flag checks and its usage errors all come from that declaration. Unknown flags and extra arguments are refused
 * by every command; a usage error prints what was wrong, then the command's help, and exits 2.
 */
import { Command, CommanderError, type OutputConfiguration } from 'commander';
import { ConfigError } from '../server/config.ts';
import { CliFailure, EXIT, type Outcome, usageError } from './common.ts';
import { registerDemoSeed } from './demo.ts';
import { registerExport } from './export.ts';
import { registerImport } from './import.ts';
import { registerInit } from './init.ts';
import { registerKeys } from './keys.ts';
import { registerMigrate } from './migrate.ts';
import { registerServe } from './serve.ts';
import { registerUsers } from './users.ts';

/**
 * Builds the program. Actions leave their exit code in `outcome` (and `serving` when the process must stay up);
 * commander never exits the process itself: it throws a CommanderError, which main turns into an exit code.
 */
export function buildProgram(outcome: Outcome, output?: OutputConfiguration): Command {
  const program = new Command('verdict');
  // Before any command is declared: subcommands copy the output settings of their parent when they are created.
  if (output) program.configureOutput(output);
  program
    .usage('<command> [options]')
    .description('Verdict, a self-hosted reviews service that speaks the Wix Reviews API.')
    .exitOverride()
    .showHelpAfterError()
    .allowExcessArguments(false)
    .helpCommand('help [command]', 'describe a command and every flag it takes');
  registerInit(program, outcome);
  registerServe(program, outcome);
  registerMigrate(program, outcome);
  registerKeys(program, outcome);
  registerUsers(program, outcome);
  registerImport(program, outcome);
  registerExport(program, outcome);
  registerDemoSeed(program, outcome);
  program.addHelpText(
    'after',
    `
Examples:
  verdict init                        create ./data/verdict.db, the default site and its admin key
  verdict serve --port 3000           settings come from the environment (README: Configuration) or flags
  verdict keys create --kind admin|app [--scopes reviews.read,reviews.manage]
  verdict users create --email ann@example.com --role owner   (password read from standard input)
  verdict import reviews.csv --format shopify --dry-run
  verdict export --format csv --out reviews.csv

Run \`verdict help <command>\` (or \`verdict <command> --help\`) for every flag of a command. Only init and serve
create a database; the other commands work on an existing one (--database-url or DATABASE_URL) and exit 1 if there
is none. Exit codes: 0 success, 1 failure or invalid configuration, 2 usage error.`,
  );
  return program;
}

/** The exit code of what the program threw: help is 0, any other commander error a usage error (2). */
function exitCodeOf(err: unknown, output?: OutputConfiguration): number {
  if (err instanceof CommanderError) {
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return EXIT.ok;
    if (err.code === 'commander.help') return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    // Commander has already printed the message and the command's help.
    return EXIT.usage;
  }
  const writeErr = output?.writeErr ?? ((s: string) => process.stderr.write(s));
  if (err instanceof CliFailure) {
    writeErr(`${err.message}\n`);
    return err.exitCode;
  }
  if (err instanceof ConfigError) {
    writeErr(`${err.message}\n`);
    return EXIT.failed;
  }
  writeErr(
    `${err instanceof Error ? `verdict: ${err.message}${err.cause instanceof Error ? `: ${err.cause.message}` : ''}` : String(err)}\n`,
  );
  return EXIT.failed;
}

/**
 * `verdict` alone prints the help; `verdict help keys create` is `verdict keys create --help` (commander's own help
 * command looks one level deep only), and help for a command that does not exist is a usage error.
 */
function normalize(program: Command, argv: string[]): string[] {
  if (argv.length === 0) return ['help'];
  if (argv[0] !== 'help' || argv.length === 1) return argv;
  let command = program;
  for (const name of argv.slice(1)) {
    const sub = command.commands.find((c) => c.name() === name || c.aliases().includes(name));
    if (!sub) usageError(command, `unknown command '${name}'`);
    command = sub;
  }
  return [...argv.slice(1), '--help'];
}

/**
 * Runs `verdict argv…` to completion (or, for serve, until the server is up) and returns the exit code; nothing here
 * exits the process. `output` replaces stdout/stderr for commander's help and errors (tests).
 */
export async function runVerdict(argv: string[], output?: OutputConfiguration): Promise<Outcome> {
  const outcome: Outcome = { code: EXIT.ok, serving: false };
  try {
    const program = buildProgram(outcome, output);
    await program.parseAsync(normalize(program, argv), { from: 'user' });
  } catch (err) {
    outcome.code = exitCodeOf(err, output);
    outcome.serving = false;
  }
  return outcome;
}
