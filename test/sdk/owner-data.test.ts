import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATION_NAMES, operation } from '../../src/contract/operations/index.ts';
import { TEXT_ANSWERS } from '../../src/sdk/http.ts';
import { buildSite, entityId, waitFor } from '../support/app.ts';
import { dialects, type TestDb } from '../support/databases.ts';
import { type SdkServer, startSdkServer, verdictError } from './support.ts';

describe('the SDK returns as text exactly the operations whose answer is not JSON', () => {
  it('matches the catalogue’s produces', () => {
    const json = new Set(['application/json', 'application/ld+json']);
    const text = OPERATION_NAMES.filter((name) => {
      const produces: unknown = Reflect.get(operation(name), 'produces');
      if (produces === undefined) return false;
      const types: unknown[] = Array.isArray(produces) ? produces : [produces];
      return types.every((t) => typeof t === 'string' && !json.has(t));
    });
    expect([...TEXT_ANSWERS].sort()).toEqual(text.sort());
  });
});

describe.each(dialects())('verdict/sdk owner data and dashboard on $name', (dialect) => {
  let db: TestDb;
  let s: SdkServer;
  beforeAll(async () => {
    db = await dialect.open();
    s = await startSdkServer(db);
  });
  afterAll(async () => {
    await s.close();
    await db.dispose();
  });

  const sentSince = (n: number) => s.sent.slice(n).map((r) => `${r.method} ${r.path}`);

  it('keys: create, list, revoke; a revoked key is refused', async () => {
    const site = await buildSite(s.t);
    const { keys } = s.client(site, 'admin');
    const before = s.sent.length;
    const { key, secret } = await keys.create({ name: 'Shop backend', scopes: ['reviews.read'] });
    expect(key).toMatchObject({ name: 'Shop backend', scopes: ['reviews.read'] });
    expect((await keys.list()).keys.map((k) => k.id)).toContain(key.id);
    // Oldest first, a page at a time: the site's first admin key, then the new one, then no cursor.
    const first = await keys.list({ limit: 1 });
    expect(first.keys).toHaveLength(1);
    const second = await keys.list({ cursor: first.metadata.cursors.next ?? 'none', limit: 1 });
    expect(second.keys.map((k) => k.id)).toEqual([key.id]);
    expect(second.metadata.cursors.next).toBeNull();
    const app = s.client(site, { apiKey: secret });
    expect((await app.reviews.countReviews()).count).toBe(0);
    expect(await keys.revoke(key.id)).toEqual({});
    expect((await verdictError(app.reviews.countReviews())).status).toBe(401);
    expect(sentSince(before).slice(0, 3)).toEqual([
      'POST /verdict/v1/keys',
      'GET /verdict/v1/keys',
      'GET /verdict/v1/keys?limit=1',
    ]);
  });

  it('imports a file’s text as a job, and exports a one-review NDJSON file as text', async () => {
    const site = await buildSite(s.t);
    const owner = s.client(site, 'admin');
    const entity = entityId();
    const line = JSON.stringify({ entityId: entity, content: { rating: 4 }, reviewDate: '2024-01-01T10:00:00Z' });
    const before = s.sent.length;
    const { jobId } = await owner.imports.start(`${line}\n`, { format: 'verdict', namespace: 'stores' });
    expect(s.sent[before]?.path).toBe('/verdict/v1/imports?format=verdict&namespace=stores');
    const job = await waitFor('the import job', async () => {
      const job = await owner.jobs.getJob(jobId);
      return job.status === 'COMPLETED' || job.status === 'FAILED' ? job : undefined;
    });
    expect(job).toMatchObject({ status: 'COMPLETED', succeeded: 1 });
    expect(job.result).toMatchObject({ dryRun: false, rowsRead: 1, created: 1 });

    const exported = await owner.exports.download({ format: 'ndjson' });
    expect(typeof exported).toBe('string');
    const lines = exported.split('\n').filter((l) => l !== '');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? '')).toMatchObject({ entityId: entity, content: { rating: 4 } });
    const csv = await owner.exports.download({ format: 'csv' });
    expect(csv.split('\n').filter((l) => l !== '')).toHaveLength(2);
    expect(sentSince(before).filter((r) => r.includes('/exports'))).toEqual([
      'GET /verdict/v1/exports?format=ndjson',
      'GET /verdict/v1/exports?format=csv',
    ]);

    const figures = await owner.insights.get({
      namespace: 'stores',
      from: '2023-01-01T00:00:00Z',
      to: '2025-01-01T00:00:00Z',
      top: 3,
    });
    expect(figures).toBeTypeOf('object');
    expect(s.sent.at(-1)?.path).toBe(
      '/verdict/v1/insights?namespace=stores&from=2023-01-01T00%3A00%3A00Z&to=2025-01-01T00%3A00%3A00Z&top=3',
    );
  });

  it('moderation rules: preview, and the saved versions listed and read', async () => {
    const site = await buildSite(s.t);
    const { moderation } = s.client(site, 'admin');
    await moderation.rules.update({ namespace: 'stores', rules: [{ type: 'HOLD_RATINGS', ratings: [1] }] });
    await moderation.rules.update({ namespace: 'stores', rules: [] });
    const held = await moderation.rules.preview({
      namespace: 'stores',
      rules: [{ type: 'HOLD_RATINGS', ratings: [1] }],
      review: { rating: 1 },
    });
    expect(held.preview.status).toBe('IN_MODERATION');
    expect((await moderation.rules.preview({ namespace: 'stores', review: { rating: 1 } })).preview.status).toBe(
      'APPROVED',
    );
    const { versions } = await moderation.rules.versions.list('stores', { limit: 10 });
    expect(versions.map((v) => v.version)).toEqual([2, 1]);
    expect((await moderation.rules.versions.list('stores', { before: 2 })).versions.map((v) => v.version)).toEqual([1]);
    const { version } = await moderation.rules.versions.get('stores', 1);
    expect(version).toMatchObject({ version: 1 });
    const missing = await verdictError(moderation.rules.versions.get('stores', 99));
    expect(missing.code).toBe('MODERATION_RULES_VERSION_NOT_FOUND');
    expect(s.sent.at(-1)?.path).toBe('/verdict/v1/moderation/rules/versions/99?namespace=stores');
  });

  it('dashboard: users and their audit with the admin key; sign-in without credentials; sessions need the cookie', async () => {
    const site = await buildSite(s.t);
    const { dashboard } = s.client(site, 'admin');
    const password = `pw-${crypto.randomUUID()}`;
    const email = `mod-${crypto.randomUUID()}@example.com`;
    const { user } = await dashboard.users.create({ email, role: 'moderator', password });
    expect(user).toMatchObject({ email, role: 'moderator' });
    expect((await dashboard.users.update(user.id, { role: 'owner' })).user.role).toBe('owner');
    expect((await dashboard.users.list()).users.map((u) => u.id)).toContain(user.id);
    expect((await dashboard.users.list({ limit: 100 })).metadata).toEqual({ count: 1, cursors: { next: null } });

    const before = s.sent.length;
    const signedIn = await dashboard.signIn({ email, password, siteId: site.siteId });
    expect(signedIn.user.id).toBe(user.id);
    expect(signedIn.csrfToken.length).toBeGreaterThan(10);
    expect(sentSince(before)).toEqual(['POST /verdict/v1/dashboard/sign-in']);

    expect((await verdictError(dashboard.getSession())).code).toBe('PERMISSION_DENIED');
    expect((await verdictError(dashboard.signOut())).code).toBe('PERMISSION_DENIED');

    const { entries } = await dashboard.audit.query({ userId: user.id, limit: 10 });
    expect(entries.map((e) => e.action)).toEqual(expect.arrayContaining(['USER_CREATED', 'ROLE_CHANGED', 'SIGN_IN']));
    expect((await verdictError(dashboard.users.delete(user.id))).code).toBe('LAST_OWNER');
    await dashboard.users.create({ email: `owner-${email}`, role: 'owner', password });
    expect(await dashboard.users.delete(user.id)).toEqual({});
    expect((await dashboard.users.list()).users.map((u) => u.id)).not.toContain(user.id);
  });
});
