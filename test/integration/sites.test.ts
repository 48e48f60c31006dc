import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDefaultSite } from '../../src/server/sites/sites.service.ts';
import { dialects, type TestDb } from '../support/databases.ts';

describe.each(dialects())('sites on $name', (dialect) => {
  let db: TestDb;
  beforeAll(async () => {
    db = await dialect.open();
  });
  afterAll(async () => {
    await db.dispose();
  });

  it('creates the default site exactly once when several instances start at the same time', async () => {
    const deps = { db: db.db, dialect: db.dialect, clock: () => new Date() };
    const results = await Promise.all(Array.from({ length: 6 }, () => ensureDefaultSite(deps)));
    expect(new Set(results.map((r) => r.site.id)).size).toBe(1);
    expect(results.filter((r) => r.adminKey !== undefined)).toHaveLength(1);
    const keys = await db.db.selectFrom('api_keys').select('id').where('site_id', '=', results[0]?.site.id as string).execute();
    expect(keys).toHaveLength(1);
    const again = await ensureDefaultSite(deps);
    expect(again.adminKey).toBeUndefined();
  });
});
