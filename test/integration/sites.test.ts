import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHANGE_CHANNEL } from '../../src/server/db/change-signal.ts';
import {
  createApiKey,
  createSite,
  ensureDefaultSite,
  listApiKeys,
  revokeApiKey,
  updateSiteSettings,
} from '../../src/server/sites/sites.service.ts';
import { waitFor } from '../support/app.ts';
import { dialects, type TestDb } from '../support/databases.ts';

describe.each(dialects())('sites on $name', (dialect) => {
  let db: TestDb;
  beforeAll(async () => {
    db = await dialect.open();
  });
  afterAll(async () => {
    await db.dispose();
  });

  const deps = () => ({ db: db.db, dialect: db.dialect, clock: () => new Date() });

  it('creates the default site exactly once when several instances start at the same time', async () => {
    const results = await Promise.all(Array.from({ length: 6 }, () => ensureDefaultSite(deps())));
    expect(new Set(results.map((r) => r.site.id)).size).toBe(1);
    expect(results.filter((r) => r.adminKey !== undefined)).toHaveLength(1);
    const keys = await db.db
      .selectFrom('api_keys')
      .select('id')
      .where('site_id', '=', results[0]?.site.id as string)
      .execute();
    expect(keys).toHaveLength(1);
    const again = await ensureDefaultSite(deps());
    expect(again.adminKey).toBeUndefined();
  });

  it('revokes a key once: a second revocation, a key of another site and an unknown id answer false', async () => {
    const { site } = await createSite(deps(), `revoke-${Math.random().toString(36).slice(2)}`);
    const { site: otherSite } = await createSite(deps(), `revoke-${Math.random().toString(36).slice(2)}`);
    const { row } = await createApiKey(deps(), site.id, { kind: 'app', name: 'to revoke', scopes: ['reviews.read'] });
    expect(await revokeApiKey(deps(), otherSite.id, row.id)).toBe(false);
    expect(await revokeApiKey(deps(), site.id, row.id)).toBe(true);
    expect(await revokeApiKey(deps(), site.id, row.id)).toBe(false);
    expect(await revokeApiKey(deps(), site.id, crypto.randomUUID())).toBe(false);
    const listed = (await listApiKeys(deps(), site.id)).find((k) => k.id === row.id);
    expect(listed?.revoked_at).toMatch(/^\d{4}-\d{2}-\d{2}T/);
  });

  it.runIf(dialect.name === 'postgres')(
    'announces a revocation and a settings change on the change channel, with the site id, when they commit',
    async () => {
      const listener = new pg.Client({ connectionString: db.url });
      const payloads: string[] = [];
      listener.on('notification', (n) => {
        if (n.channel === CHANGE_CHANNEL && n.payload) payloads.push(n.payload);
      });
      await listener.connect();
      try {
        await listener.query(`listen ${CHANGE_CHANNEL}`);
        const { site } = await createSite(deps(), `announce-${Math.random().toString(36).slice(2)}`);
        const { row } = await createApiKey(deps(), site.id, { kind: 'admin', name: 'to revoke' });
        expect(await revokeApiKey(deps(), site.id, row.id)).toBe(true);
        await waitFor('the revocation to be announced', async () => (payloads.includes(site.id) ? true : undefined));
        payloads.length = 0;
        await updateSiteSettings(deps(), site.id, { moderation: { mode: 'HOLD_ALL', heldRatings: [] } });
        await waitFor('the settings change to be announced', async () =>
          payloads.includes(site.id) ? true : undefined,
        );
      } finally {
        await listener.end();
      }
    },
  );
});
