/**
 * The owner-data migration on both dialects, from the schema before it: rules saved before become their
 * namespace's first recorded version (no actor), and a key made before has no last four characters.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as migration from '../../src/server/db/migrations/2026_12_05_0201_owner_data.ts';
import { readThroughSites } from '../../src/server/demo/demo.service.ts';
import {
  getModerationRuleVersion,
  listModerationRuleVersions,
} from '../../src/server/moderation/moderation.service.ts';
import { toApiKeyInfo } from '../../src/server/sites/keys.routes.ts';
import { createSite } from '../../src/server/sites/sites.service.ts';
import { dialects, type TestDb } from '../support/databases.ts';

describe.each(dialects())('the owner-data migration on $name', (dialect) => {
  let db: TestDb;
  beforeAll(async () => {
    db = await dialect.open();
  });
  afterAll(async () => {
    await db.dispose();
  });

  it('backfills the saved rules as versions, and leaves earlier keys without their last four', async () => {
    const deps = { db: db.db, dialect: db.dialect, clock: () => new Date('2026-01-01T00:00:00.000Z') };
    const { site } = await createSite(deps, 'before');
    await migration.down(db.db);
    await db.db
      .insertInto('moderation_rules')
      .values({
        site_id: site.id,
        namespace: 'stores',
        version: 3,
        rules_json: '[{"type":"HOLD_ALL"}]',
        updated_at: '2025-12-01T00:00:00.000Z',
      })
      .execute();
    await migration.up(db.db);

    const listed = await listModerationRuleVersions({ ...deps, sites: readThroughSites(db.db) }, site.id, {
      namespace: 'stores',
    });
    expect(listed.versions).toEqual([
      { version: 3, ruleCount: 1, actor: null, createdDate: '2025-12-01T00:00:00.000Z' },
    ]);
    expect(await getModerationRuleVersion(deps, site.id, 'stores', 3)).toEqual({
      namespace: 'stores',
      version: 3,
      rules: [{ type: 'HOLD_ALL' }],
      actor: null,
      createdDate: '2025-12-01T00:00:00.000Z',
    });
    const key = await db.db.selectFrom('api_keys').selectAll().where('site_id', '=', site.id).executeTakeFirstOrThrow();
    expect(toApiKeyInfo(key).lastFour).toBeNull();
  });
});
