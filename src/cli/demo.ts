/** `verdict demo-seed`: sample reviews on the default site's demo product, shown at /demo. */
import type { Command } from 'commander';
import { migrateToLatest } from '../server/db/migrate.ts';
import { DEMO_PRODUCT, seedDefaultSiteDemo } from '../server/demo/demo.service.ts';
import { systemClock } from '../server/deps.ts';
import { newDefaultSiteBanner } from '../server/sites/sites.service.ts';
import { addConfigOptions, configFrom, EXIT, type Outcome, openExistingDatabase } from './common.ts';

/** Registers `demo-seed` on `program`. */
export function registerDemoSeed(program: Command, outcome: Outcome): void {
  const demo = addConfigOptions(
    program
      .command('demo-seed')
      .description("Write a few sample reviews on the default site's demo product, shown at /demo"),
    ['DATABASE_URL', 'PORT', 'PUBLIC_BASE_URL'],
  ).addHelpText(
    'after',
    `
Writes nothing when the demo product already has reviews. Photo URLs point at PUBLIC_BASE_URL when set, else at
http://localhost:<port>. Safe beside a running \`verdict serve\`; never creates a database (\`verdict init\` does).`,
  );
  demo.action(async () => {
    const config = configFrom(demo);
    const database = await openExistingDatabase(config);
    try {
      await migrateToLatest(database.db);
      const base = (config.publicBaseUrl ?? `http://localhost:${config.port}`).replace(/\/$/, '');
      const deps = { db: database.db, dialect: database.dialect, clock: systemClock };
      const r = await seedDefaultSiteDemo(deps, base);
      if (r.adminKey) console.log(newDefaultSiteBanner({ id: r.siteId, client_id: r.clientId }, r.adminKey));
      const entity = `${DEMO_PRODUCT.namespace}/${DEMO_PRODUCT.entityId}`;
      console.log(
        r.written > 0
          ? `Wrote ${r.written} sample reviews on ${entity}. Open ${base}/demo`
          : `${entity} already has reviews; nothing written. Open ${base}/demo`,
      );
      outcome.code = EXIT.ok;
    } finally {
      await database.close();
    }
  });
}
