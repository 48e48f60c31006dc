/**
 * `verdict users create|reset-password`: make a dashboard user of a site (the first owner, typically) and set a
 * forgotten password. The password is read from standard input, never from the command line (where it would sit
 * in the shell history and the process list): typed at a prompt that does not echo it, or piped in (its first
 * line). The database must exist (see common.ts).
 */
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import type { Command } from 'commander';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, USER_ROLES, type UserRole } from '../contract/index.ts';
import { migrateToLatest } from '../server/db/migrate.ts';
import type { SiteRow } from '../server/db/schema.ts';
import { type DbDeps, systemClock } from '../server/deps.ts';
import { AppError } from '../server/errors.ts';
import { sitesRepo } from '../server/sites/sites.repo.ts';
import { ensureDefaultSite } from '../server/sites/sites.service.ts';
import { createUser, resetPassword } from '../server/users/users.service.ts';
import {
  addConfigOptions,
  CliFailure,
  choiceOption,
  commandGroup,
  configFrom,
  EXIT,
  type Outcome,
  openExistingDatabase,
} from './common.ts';

const PASSWORD_HELP = `
The password is read from standard input: typed at the prompt (not echoed), or piped, e.g.
  verdict users create --site <id> --email ann@example.com --role owner < password.txt
It must be ${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters. Safe to run beside a running \`verdict serve\`.`;

/** Registers `users` and its subcommands on `program`. */
export function registerUsers(program: Command, outcome: Outcome): void {
  const users = commandGroup(program, 'users', 'Create dashboard users and reset their passwords', [
    'create',
    'reset-password',
  ]);

  const create = addConfigOptions(
    users
      .command('create')
      .description('Create a dashboard user of a site with a role; the password is read from standard input')
      .option('--site <id>', 'the site id (default: the default site)')
      .requiredOption('--email <email>', 'the e-mail the user signs in with')
      .addOption(
        choiceOption('--role <role>', 'owner (everything the admin key may do) or moderator (the review queue)', [
          ...USER_ROLES,
        ]).makeOptionMandatory(),
      ),
    ['DATABASE_URL'],
  ).addHelpText('after', PASSWORD_HELP);
  create.action(async (opts: { site?: string; email: string; role: UserRole }) => {
    outcome.code = await withSite(create, opts.site, async (deps, site) => {
      const password = await readPassword();
      try {
        const user = await createUser(deps, site.id, { email: opts.email, role: opts.role, password }, null);
        console.log(`Created ${user.role} ${user.email} (user id ${user.id}) on site ${site.id}.`);
        console.log('They sign in to the dashboard at /dashboard with this e-mail and password.');
        return EXIT.ok;
      } catch (err) {
        if (err instanceof AppError && err.code === 'USER_ALREADY_EXISTS') {
          throw new CliFailure(`verdict: ${opts.email} already has a user on site ${site.id}.`);
        }
        throw err;
      }
    });
  });

  const reset = addConfigOptions(
    users
      .command('reset-password')
      .description("Set a user's password (read from standard input) and end all of their sessions")
      .option('--site <id>', 'the site id (default: the default site)')
      .requiredOption('--email <email>', 'the e-mail of the user'),
    ['DATABASE_URL'],
  ).addHelpText('after', PASSWORD_HELP);
  reset.action(async (opts: { site?: string; email: string }) => {
    outcome.code = await withSite(reset, opts.site, async (deps, site) => {
      const password = await readPassword();
      if (!(await resetPassword(deps, site.id, opts.email, password))) {
        throw new CliFailure(`verdict: no user ${opts.email} on site ${site.id}.`);
      }
      console.log(`Set a new password for ${opts.email} on site ${site.id}; their sessions have ended.`);
      return EXIT.ok;
    });
  });
}

/** Opens the existing database, migrates it, finds the site (given, or the default) and runs `fn` on it. */
async function withSite(
  command: Command,
  siteId: string | undefined,
  fn: (deps: DbDeps, site: SiteRow) => Promise<number>,
): Promise<number> {
  const database = await openExistingDatabase(configFrom(command));
  try {
    await migrateToLatest(database.db);
    const deps = { db: database.db, dialect: database.dialect, clock: systemClock };
    const site = siteId ? await sitesRepo.byId(deps.db, siteId) : (await ensureDefaultSite(deps)).site;
    if (!site) throw new CliFailure(`verdict: no site ${siteId}.`);
    return await fn(deps, site);
  } finally {
    await database.close();
  }
}

/** The password from standard input: a prompt without echo on a terminal, else the first line piped in. */
async function readPassword(): Promise<string> {
  const password = process.stdin.isTTY ? await prompt('Password: ') : await firstLine();
  if (password.length < PASSWORD_MIN_LENGTH || password.length > PASSWORD_MAX_LENGTH) {
    throw new CliFailure(
      `verdict: the password must be ${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters (read from standard input).`,
    );
  }
  return password;
}

async function firstLine(): Promise<string> {
  const rl = createInterface({ input: process.stdin, crlfDelay: Number.POSITIVE_INFINITY });
  try {
    for await (const line of rl) return line;
    return '';
  } finally {
    rl.close();
  }
}

function prompt(question: string): Promise<string> {
  process.stderr.write(question);
  // What is typed is not echoed: the interface writes to a sink.
  const muted = new Writable({ write: (_chunk, _enc, done) => done() });
  const rl = createInterface({ input: process.stdin, output: muted, terminal: true });
  return new Promise((resolve) => {
    rl.question('', (answer) => {
      rl.close();
      process.stderr.write('\n');
      resolve(answer);
    });
  });
}
