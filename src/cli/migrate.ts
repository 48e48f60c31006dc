/** `verdict migrate`: apply pending migrations to an existing database and exit. */
import type { Command } from 'commander';
import { migrateToLatest } from '../server/db/migrate.ts';
import { addConfigOptions, configFrom, EXIT, type Outcome, openExistingDatabase } from './common.ts';

/** Registers `migrate` on `program`. */
export function registerMigrate(program: Command, outcome: Outcome): void {
  const migrate = addConfigOptions(
    program
      .command('migrate')
      .description('Apply pending database migrations to an existing database and exit (a separate deploy step)'),
    ['DATABASE_URL'],
  ).addHelpText(
    'after',
    `
Prints "Applied: …" or "Database is up to date."; never creates a database (\`verdict init\` does).
Safe beside a running \`verdict serve\`: on PostgreSQL an advisory lock keeps two migrations from running at
once, and \`verdict serve\` also migrates at every start.`,
  );
  migrate.action(async () => {
    const database = await openExistingDatabase(configFrom(migrate));
    try {
      const applied = await migrateToLatest(database.db);
      console.log(applied.length > 0 ? `Applied: ${applied.join(', ')}` : 'Database is up to date.');
      outcome.code = EXIT.ok;
    } finally {
      await database.close();
    }
  });
}
