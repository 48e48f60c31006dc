/**
 * API keys over HTTP (`/verdict/v1/keys`, owner only): a created key is shown once and works at once, the list
 * never carries a secret or hash, a revoked key is refused from the next request, bad input lists every problem,
 * and one site's owner can neither see nor revoke another site's keys.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashKey } from '../../src/server/sites/sites.service.ts';
import { buildSite, call, startTestApp, type TestApp } from '../support/app.ts';
import { dialects, type TestDb } from '../support/databases.ts';

const KEYS = '/verdict/v1/keys';

describe.each(dialects())('API keys over HTTP on $name', (dialect) => {
  let db: TestDb;
  let t: TestApp;
  beforeAll(async () => {
    db = await dialect.open();
    t = await startTestApp(db);
  });
  afterAll(async () => {
    await t.close();
    await db.dispose();
  });

  it('creates an app key shown once, lists it without any secret, and the key works at once', async () => {
    const site = await buildSite(t);
    const made = await call(t.app, 'POST', KEYS, {
      auth: site.adminKey,
      body: { name: 'Storefront sync', scopes: ['reviews.read', 'reviews.manage'] },
    });
    expect(made.status, JSON.stringify(made.body)).toBe(200);
    const secret: string = made.body.secret;
    expect(secret).toMatch(/^vdt_app_/);
    expect(made.body.key).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      kind: 'app',
      name: 'Storefront sync',
      scopes: ['reviews.read', 'reviews.manage'],
      appId: expect.any(String),
      displayPrefix: secret.slice(0, 14),
      lastFour: secret.slice(-4),
      createdDate: expect.any(String),
      revokedDate: null,
    });
    // Only the hash is stored.
    const row = await t.deps.db
      .selectFrom('api_keys')
      .selectAll()
      .where('id', '=', made.body.key.id)
      .executeTakeFirstOrThrow();
    expect(row.key_hash).toBe(hashKey(secret));
    expect(JSON.stringify(row)).not.toContain(secret);

    const listed = await call(t.app, 'GET', KEYS, { auth: site.adminKey });
    expect(listed.status).toBe(200);
    expect(listed.body.keys.map((k: { name: string }) => k.name)).toEqual(['initial admin key', 'Storefront sync']);
    expect(listed.body.keys[1]).toEqual(made.body.key);
    const text = JSON.stringify(listed.body);
    expect(text).not.toContain(secret);
    expect(text).not.toContain(row.key_hash);
    expect(listed.body.keys[0]).toMatchObject({ kind: 'admin', scopes: [], appId: null });

    // The new key carries its scopes: it may create reviews (manage) but not read the owner's settings.
    expect((await call(t.app, 'GET', KEYS, { auth: secret })).status).toBe(403);
    const summary = await call(t.app, 'GET', '/verdict/v1/ratings/summary?namespace=stores&entityId=x', {
      auth: secret,
    });
    expect(summary.status).toBe(200);
  });

  it('creates an admin key, and app keys default to reviews.read', async () => {
    const site = await buildSite(t);
    const admin = await call(t.app, 'POST', KEYS, {
      auth: site.adminKey,
      body: { name: 'Second owner key', kind: 'admin' },
    });
    expect(admin.status).toBe(200);
    expect(admin.body.key).toMatchObject({ kind: 'admin', scopes: [], appId: null });
    expect((await call(t.app, 'GET', KEYS, { auth: admin.body.secret })).status).toBe(200);
    const app = await call(t.app, 'POST', KEYS, { auth: site.adminKey, body: { name: 'Reader' } });
    expect(app.body.key).toMatchObject({ kind: 'app', scopes: ['reviews.read'] });
  });

  it('revokes a key: refused from the next request, listed with its revocation date, and not twice', async () => {
    const site = await buildSite(t);
    const made = await call(t.app, 'POST', KEYS, { auth: site.adminKey, body: { name: 'Temp', kind: 'admin' } });
    const secret: string = made.body.secret;
    // Used once, so the key is in the cache when it is revoked.
    expect((await call(t.app, 'GET', KEYS, { auth: secret })).status).toBe(200);
    const revoked = await call(t.app, 'DELETE', `${KEYS}/${made.body.key.id}`, { auth: site.adminKey });
    expect(revoked.status, JSON.stringify(revoked.body)).toBe(200);
    expect(revoked.body).toEqual({});
    const refused = await call(t.app, 'GET', KEYS, { auth: secret });
    expect(refused.status).toBe(401);
    expect(refused.body.details.applicationError.code).toBe('UNAUTHENTICATED');
    const listed = await call(t.app, 'GET', KEYS, { auth: site.adminKey });
    const entry = listed.body.keys.find((k: { id: string }) => k.id === made.body.key.id);
    expect(entry.revokedDate).toEqual(expect.any(String));
    const again = await call(t.app, 'DELETE', `${KEYS}/${made.body.key.id}`, { auth: site.adminKey });
    expect(again.status).toBe(404);
    expect(again.body.details.applicationError.code).toBe('API_KEY_NOT_FOUND');
  });

  it('lists every problem of a bad creation (Wix-shaped 400), and refuses scopes on an admin key', async () => {
    const site = await buildSite(t);
    const bad = await call(t.app, 'POST', KEYS, {
      auth: site.adminKey,
      body: { name: '', kind: 'root', scopes: ['reviews.everything'], extra: 1 },
    });
    expect(bad.status).toBe(400);
    const fields = bad.body.details.validationError.fieldViolations.map((v: { field: string }) => v.field);
    expect(fields).toEqual(expect.arrayContaining(['name', 'kind', 'scopes[0]', 'extra']));

    const adminWithScopes = await call(t.app, 'POST', KEYS, {
      auth: site.adminKey,
      body: { name: 'x', kind: 'admin', scopes: ['reviews.read'] },
    });
    expect(adminWithScopes.status).toBe(400);
    expect(adminWithScopes.body.details.validationError.fieldViolations).toEqual([
      expect.objectContaining({ field: 'scopes' }),
    ]);
    const notAnId = await call(t.app, 'DELETE', `${KEYS}/not-a-key`, { auth: site.adminKey });
    expect(notAnId.status).toBe(404);
    expect(notAnId.body.details.applicationError.code).toBe('API_KEY_NOT_FOUND');
  });

  it("keeps sites apart: an owner neither lists nor revokes another site's keys", async () => {
    const mine = await buildSite(t);
    const theirs = await buildSite(t);
    const theirKey = await call(t.app, 'POST', KEYS, { auth: theirs.adminKey, body: { name: 'Theirs' } });
    const listed = await call(t.app, 'GET', KEYS, { auth: mine.adminKey });
    expect(listed.body.keys.map((k: { id: string }) => k.id)).not.toContain(theirKey.body.key.id);
    const revoke = await call(t.app, 'DELETE', `${KEYS}/${theirKey.body.key.id}`, { auth: mine.adminKey });
    expect(revoke.status).toBe(404);
    expect(revoke.body.details.applicationError.code).toBe('API_KEY_NOT_FOUND');
    // Still working for its own site.
    const summary = await call(t.app, 'GET', '/verdict/v1/ratings/summary?namespace=stores&entityId=x', {
      auth: theirKey.body.secret,
    });
    expect(summary.status).toBe(200);
  });

  it('refuses visitors and apps, whatever their scopes', async () => {
    const site = await buildSite(t);
    const callers = [
      await site.visitorToken(),
      await site.appKey(['reviews.manage', 'reviews.moderate', 'reviews.read_private', 'reviews.read']),
    ];
    for (const auth of callers) {
      for (const [method, url, body] of [
        ['GET', KEYS, undefined],
        ['POST', KEYS, { name: 'x' }],
        ['DELETE', `${KEYS}/${crypto.randomUUID()}`, undefined],
      ] as const) {
        const res = await call(t.app, method, url, { auth, ...(body ? { body } : {}) });
        expect([method, url, res.status]).toEqual([method, url, 403]);
        expect(res.body.details.applicationError.code).toBe('PERMISSION_DENIED');
      }
    }
  });
});
