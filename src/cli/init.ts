/**
 * `verdict init`: create the database (the SQLite file and its folder; a PostgreSQL database must already exist),
 * apply the migrations and create the default site, printing its admin key once. Running it again changes nothing
 * but pending migrations. With `serve`, the only command that may create a database.
 */
import type { Command } from 'commander';
import { openDatabase } from '../server/db/database.ts';
import { migrateToLatest } from '../server/db/migrate.ts';
import { systemClock } from '../server/deps.ts';
import { ensureDefaultSite, newDefaultSiteBanner } from '../server/sites/sites.service.ts';
import {
  addConfigOptions,
  configFrom,
  EXIT,
  isMissingSqliteFile,
  type Outcome,
  openExistingDatabase,
  whereIs,
} from './common.ts';

/** Registers `init` on `program`. */
export function registerInit(program: Command, outcome: Outcome): void {
  const init = addConfigOptions(
    program
      .command('init')
      .description('Create the database, apply the migrations and create the default site with its admin key'),
    ['DATABASE_URL'],
  ).addHelpText(
    'after',
    `
The admin key is printed only this once. Running init again applies pending migrations and changes nothing else.
On PostgreSQL the database itself must exist (createdb); init creates Verdict's tables in it.`,
  );
  init.action(async () => {
    const config = configFrom(init);
    const creating = isMissingSqliteFile(config.databaseUrl);
    const database = creating ? openDatabase(config.databaseUrl) : await openExistingDatabase(config);
    try {
      if (creating) console.log(`Created the database at ${whereIs(config.databaseUrl)}.`);
      const applied = await migrateToLatest(database.db);
      console.log(applied.length > 0 ? `Applied: ${applied.join(', ')}` : 'Database is up to date.');
      const { site, adminKey } = await ensureDefaultSite({
        db: database.db,
        dialect: database.dialect,
        clock: systemClock,
      });
      if (adminKey) {
        console.log(newDefaultSiteBanner(site, adminKey));
      } else {
        console.log(
          `The default site already exists (site id ${site.id}, client id ${site.client_id}); its admin key was printed when it was created.`,
        );
      }
      outcome.code = EXIT.ok;
    } finally {
      await database.close();
    }
  });
}
