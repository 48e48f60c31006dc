/**
 * The Contacts v4 subset (docs/wix-api.md §12) on `/contacts/v4/contacts`, `/_api/contacts/v4/contacts` and the bare
 * `/v4/contacts`: create with name and email (normalized, 409 on a duplicate with duplicateContactId), get, query
 * by email; createReviewAndContact reuses a contact made here. Owner only.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSite, call, entityId, startTestApp, type TestApp, type TestSite } from '../support/app.ts';
import { dialects, type TestDb } from '../support/databases.ts';

const PREFIXES = ['/contacts/v4/contacts', '/_api/contacts/v4/contacts', '/v4/contacts'];

describe.each(dialects())('contacts on $name', (dialect) => {
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

  const email = () => `ann.${randomUUID().slice(0, 8)}@example.com`;
  const create = (body: unknown, prefix = PREFIXES[0], auth = site.adminKey) =>
    call(t.app, 'POST', `${prefix}`, { auth, body });

  it('creates a contact in the Contacts v4 shape under every prefix', async () => {
    for (const prefix of PREFIXES) {
      const address = email();
      const res = await create(
        { info: { name: { first: 'Ann', last: 'Lee' }, emails: { items: [{ email: ` ${address} ` }] } } },
        prefix,
      );
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        contact: {
          id: expect.stringMatching(/^[0-9a-f-]{36}$/),
          revision: 1,
          createdDate: expect.any(String),
          updatedDate: expect.any(String),
          primaryInfo: { email: address },
          info: {
            name: { first: 'Ann', last: 'Lee' },
            emails: { items: [{ id: expect.any(String), tag: 'UNTAGGED', email: address, primary: true }] },
          },
          source: { sourceType: 'OTHER' },
        },
      });
      const got = await call(t.app, 'GET', `${prefix}/${res.body.contact.id}`, { auth: site.adminKey });
      expect(got.status).toBe(200);
      expect(got.body).toEqual(res.body);
    }
  });

  it('refuses an email another contact has, compared normalized, with 409 and duplicateContactId', async () => {
    const address = email();
    const first = await create({ info: { emails: { items: [{ email: address }] } } });
    const again = await create({
      info: { name: { first: 'Other' }, emails: { items: [{ email: `  ${address.toUpperCase()}` }] } },
    });
    expect(again.status).toBe(409);
    expect(again.body).toEqual({
      message: 'A contact with this email already exists',
      details: {
        applicationError: {
          code: 'CONTACT_ALREADY_EXISTS',
          description: 'A contact with this email already exists',
          data: { duplicateContactId: first.body.contact.id, duplicateEmail: address },
        },
      },
    });
  });

  it('lists every violation: no name or email, a malformed email, allowDuplicates', async () => {
    const empty = await create({ info: {}, allowDuplicates: true });
    expect(empty.status).toBe(400);
    expect(empty.body.details.validationError.fieldViolations.map((v: { field: string }) => v.field)).toEqual([
      'info',
      'allowDuplicates',
    ]);
    const bad = await create({ info: { emails: { items: [{ email: 'not-an-email' }] } } });
    expect(bad.body.details.validationError.fieldViolations).toEqual([
      { field: 'info.emails.items[0].email', description: 'must be an email address', violatedRule: 'FORMAT' },
    ]);
  });

  it('answers 404 CONTACT_NOT_FOUND for an unknown, a non-GUID and another site’s contact', async () => {
    const other = await buildSite(t);
    const theirs = await create({ info: { name: { first: 'Zed' } } }, PREFIXES[0], other.adminKey);
    for (const id of [randomUUID(), 'nope', theirs.body.contact.id]) {
      const res = await call(t.app, 'GET', `/contacts/v4/contacts/${id}`, { auth: site.adminKey });
      expect(res.status).toBe(404);
      expect(res.body.details.applicationError.code).toBe('CONTACT_NOT_FOUND');
    }
  });

  it('queries by info.emails.email and primaryInfo.email, shorthand, $eq and $in, case-insensitively', async () => {
    const a = email();
    const b = email();
    const ca = (await create({ info: { emails: { items: [{ email: a }] } } })).body.contact.id;
    const cb = (await create({ info: { emails: { items: [{ email: b }] } } })).body.contact.id;
    const query = async (filter: unknown, prefix = PREFIXES[0]) => {
      const res = await call(t.app, 'POST', `${prefix}/query`, { auth: site.adminKey, body: { query: { filter } } });
      expect(res.status).toBe(200);
      return (res.body.contacts as { id: string }[]).map((c) => c.id).sort();
    };
    expect(await query({ 'info.emails.email': a.toUpperCase() })).toEqual([ca]);
    expect(await query({ 'primaryInfo.email': { $eq: b } }, '/v4/contacts')).toEqual([cb]);
    expect(await query({ 'info.emails.email': { $in: [a, b, email()] } }, '/_api/contacts/v4/contacts')).toEqual(
      [ca, cb].sort(),
    );
    expect(await query({ 'info.emails.email': email() })).toEqual([]);
    const res = await call(t.app, 'POST', '/contacts/v4/contacts/query', {
      auth: site.adminKey,
      body: { query: { filter: { 'info.emails.email': a } } },
    });
    expect(res.body.pagingMetadata).toEqual({ count: 1, offset: 0, total: 1, hasNext: false, cursors: { next: null } });
  });

  it('rejects a filter on another field or with another operator, naming it', async () => {
    const res = await call(t.app, 'POST', '/contacts/v4/contacts/query', {
      auth: site.adminKey,
      body: { query: { filter: { 'info.name.first': 'Ann', 'primaryInfo.email': { $startsWith: 'a' } } } },
    });
    expect(res.status).toBe(400);
    expect(res.body.details.validationError.fieldViolations.map((v: { field: string }) => v.field)).toEqual([
      'query.filter.info.name.first',
      'query.filter.primaryInfo.email',
    ]);
  });

  it('is reused by createReviewAndContact for the same email (any case)', async () => {
    const address = email();
    const contact = (await create({ info: { name: { first: 'Ann' }, emails: { items: [{ email: address }] } } })).body
      .contact;
    const review = await call(t.app, 'POST', '/reviews/v1/reviews/contact', {
      auth: site.adminKey,
      body: {
        namespace: 'stores',
        entityId: entityId(),
        name: 'Ann L.',
        email: address.toUpperCase(),
        content: { rating: 5 },
      },
    });
    expect(review.status).toBe(200);
    expect(review.body.review.author.contactId).toBe(contact.id);
  });

  it('is for the owner only: apps, members and visitors get 403', async () => {
    const app = await site.appKey(['reviews.read', 'reviews.read_private', 'reviews.manage', 'reviews.moderate']);
    for (const auth of [app, await site.visitorToken(), await site.memberToken(randomUUID())]) {
      const res = await create({ info: { name: { first: 'X' } } }, PREFIXES[0], auth);
      expect(res.status).toBe(403);
      expect(res.body.details.applicationError.code).toBe('PERMISSION_DENIED');
    }
  });
});
