import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSite, call, contactId, entityId, startTestApp, type TestApp, type TestSite } from '../support/app.ts';
import { dialects, type TestDb } from '../support/databases.ts';

const URL = '/_api/reviews/v1/reviews/contact';

describe.each(dialects())('createReviewAndContact on $name', (dialect) => {
  let db: TestDb;
  let t: TestApp;
  let site: TestSite;
  beforeAll(async () => {
    db = await dialect.open();
    t = await startTestApp(db);
    site = await buildSite(t);
  });
  afterAll(async () => {
    await t.close();
    await db.dispose();
  });

  const body = (over: Record<string, unknown> = {}) => ({
    namespace: 'stores',
    entityId: entityId(),
    name: 'Dana',
    email: 'Dana@Example.com',
    content: { rating: 5, body: 'Lovely' },
    ...over,
  });

  it('creates a contact from name and email and makes it the author', async () => {
    const res = await call(t.app, 'POST', URL, { auth: site.adminKey, body: body({ email: `new-${crypto.randomUUID()}@example.com` }) });
    expect(res.status).toBe(200);
    expect(res.body.review.author.authorName).toBe('Dana');
    const contact = await t.deps.db
      .selectFrom('contacts')
      .selectAll()
      .where('site_id', '=', site.siteId)
      .where('id', '=', res.body.review.author.contactId)
      .executeTakeFirst();
    expect(contact?.name).toBe('Dana');
  });

  it('reuses the contact with the same email, whatever its case', async () => {
    const email = `reuse-${crypto.randomUUID()}@example.com`;
    const a = await call(t.app, 'POST', URL, { auth: site.adminKey, body: body({ email }) });
    const b = await call(t.app, 'POST', URL, { auth: site.adminKey, body: body({ email: email.toUpperCase(), name: undefined }) });
    expect(b.status).toBe(200);
    expect(b.body.review.author.contactId).toBe(a.body.review.author.contactId);
    expect(b.body.review.author.authorName).toBe('Dana');
  });

  it('creates nothing and lists name and email when the author is not a contact', async () => {
    const entity = entityId();
    const res = await call(t.app, 'POST', URL, { auth: site.adminKey, body: body({ entityId: entity, name: undefined, email: undefined }) });
    expect(res.status).toBe(400);
    expect(res.body.details.validationError.fieldViolations.map((v: { field: string }) => v.field)).toEqual(['name', 'email']);
    const newEmail = await call(t.app, 'POST', URL, {
      auth: site.adminKey,
      body: body({ entityId: entity, name: undefined, email: `nobody-${crypto.randomUUID()}@example.com` }),
    });
    expect(newEmail.status).toBe(400);
    expect(newEmail.body.details.validationError.fieldViolations[0].field).toBe('name');
    const count = await call(t.app, 'POST', '/reviews/v1/reviews/count', {
      auth: site.adminKey,
      body: { filter: { entityId: entity }, includePrivateReviews: true },
    });
    expect(count.body.count).toBe(0);
  });

  it('rejects a malformed email and an entityId over 36 characters in one answer', async () => {
    const res = await call(t.app, 'POST', URL, { auth: site.adminKey, body: body({ email: 'not-an-email', entityId: 'x'.repeat(37) }) });
    expect(res.status).toBe(400);
    expect(res.body.details.validationError.fieldViolations.map((v: { field: string }) => v.field).sort()).toEqual(['email', 'entityId']);
  });

  it('lets a member without an email write as its own contact', async () => {
    const me = contactId();
    const token = await site.memberToken(me);
    const res = await call(t.app, 'POST', URL, { auth: token, body: body({ name: undefined, email: undefined }) });
    expect(res.status).toBe(200);
    expect(res.body.review.author.contactId).toBe(me);
    expect(res.body.review.origin.type).toBe('ORGANIC');
  });
});
