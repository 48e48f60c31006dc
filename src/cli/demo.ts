/** `verdict demo-seed`: sample reviews on the default site's demo product, shown at /demo. */
import { loadConfig } from '../server/config.ts';
import { openDatabase } from '../server/db/database.ts';
import { migrateToLatest } from '../server/db/migrate.ts';
import { DEMO_PRODUCT, seedDefaultSiteDemo } from '../server/demo/demo.service.ts';

export async function demoSeedCommand(_args: string[]): Promise<number> {
  const config = loadConfig();
  const database = openDatabase(config.databaseUrl);
  try {
    await migrateToLatest(database.db);
    // Photo URLs must be absolute: the public base URL when set, else the local server.
    const base = config.publicBaseUrl ?? `http://localhost:${config.port}`;
    const deps = { db: database.db, dialect: database.dialect, clock: () => new Date() };
    const r = await seedDefaultSiteDemo(deps, base.replace(/\/$/, ''));
    if (r.adminKey) {
      console.log(`Verdict created the default site.\n  client id:  ${r.clientId}\n  admin key:  ${r.adminKey}`);
      console.log('The admin key is shown only this once. Store it now.');
    }
    console.log(
      r.written > 0
        ? `Wrote ${r.written} sample reviews on ${DEMO_PRODUCT.namespace}/${DEMO_PRODUCT.entityId}. Open ${base}/demo`
        : `${DEMO_PRODUCT.namespace}/${DEMO_PRODUCT.entityId} already has reviews; nothing written. Open ${base}/demo`,
    );
    return 0;
  } finally {
    await database.close();
  }
}
