import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildSite,
  call,
  contactId,
  entityId,
  reviewBody,
  startTestApp,
  type TestApp,
  type TestSite,
} from '../support/app.ts';
import { dialects, type TestDb } from '../support/databases.ts';

const URL = '/_api/reviews/v1/reviews/contact';

/** The shape of a body: its keys, recursively, with every value replaced by its type. */
function shape(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(shape);
  if (v !== null && typeof v === 'object')
    return Object.fromEntries(
      Object.entries(v)
        .map(([k, x]) => [k, shape(x)])
        .sort(),
    );
  return typeof v;
}

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
    const res = await call(t.app, 'POST', URL, {
      auth: site.adminKey,
      body: body({ email: `new-${crypto.randomUUID()}@example.com` }),
    });
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
    const b = await call(t.app, 'POST', URL, {
      auth: site.adminKey,
      body: body({ email: email.toUpperCase(), name: undefined }),
    });
    expect(b.status).toBe(200);
    expect(b.body.review.author.contactId).toBe(a.body.review.author.contactId);
    expect(b.body.review.author.authorName).toBe('Dana');
  });

  it('creates nothing and lists name and email when the author is not a contact', async () => {
    const entity = entityId();
    const res = await call(t.app, 'POST', URL, {
      auth: site.adminKey,
      body: body({ entityId: entity, name: undefined, email: undefined }),
    });
    expect(res.status).toBe(400);
    expect(res.body.details.validationError.fieldViolations.map((v: { field: string }) => v.field)).toEqual([
      'name',
      'email',
    ]);
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
    const res = await call(t.app, 'POST', URL, {
      auth: site.adminKey,
      body: body({ email: 'not-an-email', entityId: 'x'.repeat(37) }),
    });
    expect(res.status).toBe(400);
    expect(res.body.details.validationError.fieldViolations.map((v: { field: string }) => v.field).sort()).toEqual([
      'email',
      'entityId',
    ]);
  });

  it('lets a member without an email write as its own contact', async () => {
    const me = contactId();
    const token = await site.memberToken(me);
    const res = await call(t.app, 'POST', URL, { auth: token, body: body({ name: undefined, email: undefined }) });
    expect(res.status).toBe(200);
    expect(res.body.review.author.contactId).toBe(me);
    expect(res.body.review.origin.type).toBe('ORGANIC');
  });
  const contactRow = (id: string) =>
    t.deps.db
      .selectFrom('contacts')
      .selectAll()
      .where('site_id', '=', site.siteId)
      .where('id', '=', id)
      .executeTakeFirst();
  const contactsWithEmail = (email: string) =>
    t.deps.db
      .selectFrom('contacts')
      .selectAll()
      .where('site_id', '=', site.siteId)
      .where('email_normalized', '=', email.toLowerCase())
      .execute();
  /** A contact the owner made by email, with a review of `entity`. */
  async function knownContact(entity = entityId()) {
    const email = `known-${crypto.randomUUID()}@example.com`;
    const res = await call(t.app, 'POST', URL, {
      auth: site.adminKey,
      body: body({ entityId: entity, name: 'Kim Known', email }),
    });
    expect(res.status).toBe(200);
    return { email, id: res.body.review.author.contactId as string, reviewId: res.body.review.id as string, entity };
  }
  const visitorIdOf = (token: string) => decodeJwt(token).sub as string;

  describe('visitors write as themselves', () => {
    it('a known email does not link the review to that contact, and the answer has the shape of an unknown one', async () => {
      const known = await knownContact();
      const before = await contactRow(known.id);
      const token = await site.visitorToken();
      // The known contact already reviewed this entity: a link would have answered 409 with its review id.
      const withKnown = await call(t.app, 'POST', URL, {
        auth: token,
        body: body({ entityId: known.entity, name: 'Mallory', email: known.email.toUpperCase() }),
      });
      expect(withKnown.status).toBe(200);
      expect(withKnown.body.review.author).toEqual({ contactId: visitorIdOf(token), authorName: 'Mallory' });
      expect(JSON.stringify(withKnown.body)).not.toContain(known.id);
      expect(JSON.stringify(withKnown.body)).not.toContain('Kim Known');
      expect(await contactRow(known.id)).toEqual(before);

      const other = await site.visitorToken();
      const unknownEmail = `unknown-${crypto.randomUUID()}@example.com`;
      const withUnknown = await call(t.app, 'POST', URL, {
        auth: other,
        body: body({ entityId: known.entity, name: 'Mallory', email: unknownEmail }),
      });
      expect(withUnknown.status).toBe(200);
      expect(withUnknown.body.review.author).toEqual({ contactId: visitorIdOf(other), authorName: 'Mallory' });
      expect(shape(withKnown.body)).toEqual(shape(withUnknown.body));
      expect(Object.keys(withKnown.headers).sort()).toEqual(Object.keys(withUnknown.headers).sort());
      // Neither email was stored or looked up into a contact: the visitors' contacts carry their name only.
      expect(await contactsWithEmail(unknownEmail)).toEqual([]);
      expect((await contactsWithEmail(known.email)).map((c) => c.id)).toEqual([known.id]);
      for (const v of [token, other]) {
        expect(await contactRow(visitorIdOf(v))).toMatchObject({
          id: visitorIdOf(v),
          name: 'Mallory',
          email: null,
          email_normalized: null,
        });
      }
    });

    it('gets the same 400 without a name whether or not the email is known, and nothing is created', async () => {
      const known = await knownContact();
      const answers = [];
      for (const email of [known.email, `unknown-${crypto.randomUUID()}@example.com`]) {
        const token = await site.visitorToken();
        const res = await call(t.app, 'POST', URL, {
          auth: token,
          body: body({ entityId: known.entity, name: undefined, email }),
        });
        expect(await contactRow(visitorIdOf(token))).toBeUndefined();
        answers.push({ status: res.status, body: res.body });
      }
      expect(answers[0]).toEqual(answers[1]);
      expect(answers[0]?.status).toBe(400);
      expect(answers[0]?.body.details.validationError.fieldViolations.map((v: { field: string }) => v.field)).toEqual([
        'name',
      ]);
    });

    it('a visitor that is not a contact yet needs name and email; once one, it keeps its contact', async () => {
      const token = await site.visitorToken();
      const bare = await call(t.app, 'POST', URL, { auth: token, body: body({ name: undefined, email: undefined }) });
      expect(bare.status).toBe(400);
      expect(bare.body.details.validationError.fieldViolations.map((v: { field: string }) => v.field)).toEqual([
        'name',
        'email',
      ]);
      const noEmail = await call(t.app, 'POST', URL, { auth: token, body: body({ name: 'Vic', email: undefined }) });
      expect(noEmail.body.details.validationError.fieldViolations.map((v: { field: string }) => v.field)).toEqual([
        'email',
      ]);
      expect(await contactRow(visitorIdOf(token))).toBeUndefined();

      const first = await call(t.app, 'POST', URL, {
        auth: token,
        body: body({ name: 'Vic', email: `vic-${crypto.randomUUID()}@example.com` }),
      });
      expect(first.status).toBe(200);
      const second = await call(t.app, 'POST', URL, { auth: token, body: body({ name: undefined, email: undefined }) });
      expect(second.status).toBe(200);
      expect(second.body.review.author).toEqual({ contactId: visitorIdOf(token), authorName: 'Vic' });
    });

    it('keeps one review per entity for its own contact, whichever email it sends', async () => {
      const token = await site.visitorToken();
      const entity = entityId();
      const first = await call(t.app, 'POST', URL, {
        auth: token,
        body: body({ entityId: entity, email: `a-${crypto.randomUUID()}@example.com` }),
      });
      expect(first.status).toBe(200);
      const again = await call(t.app, 'POST', URL, {
        auth: token,
        body: body({ entityId: entity, email: `b-${crypto.randomUUID()}@example.com` }),
      });
      expect(again.status).toBe(409);
      expect(again.body.details.applicationError).toMatchObject({
        code: 'REVIEW_ALREADY_EXISTS',
        data: { reviewId: first.body.review.id },
      });
    });

    it('counts a review written through createReview as its own for the one-review rule', async () => {
      const token = await site.visitorToken();
      const entity = entityId();
      const plain = await call(t.app, 'POST', '/reviews/v1/reviews', {
        auth: token,
        body: reviewBody({ entityId: entity, author: { authorName: 'Vic' } }),
      });
      expect(plain.status).toBe(200);
      const res = await call(t.app, 'POST', URL, { auth: token, body: body({ entityId: entity }) });
      expect(res.status).toBe(409);
      expect(res.body.details.applicationError.data).toEqual({ reviewId: plain.body.review.id });
    });
  });

  describe('members write as the contact their token names', () => {
    it("cannot write as another member by sending that member's email", async () => {
      const victim = await knownContact();
      const before = await contactRow(victim.id);
      const me = contactId();
      const res = await call(t.app, 'POST', URL, {
        auth: await site.memberToken(me),
        body: body({ entityId: victim.entity, name: 'Mel', email: victim.email }),
      });
      expect(res.status).toBe(200);
      expect(res.body.review.author).toEqual({ contactId: me, authorName: 'Mel' });
      expect(await contactRow(victim.id)).toEqual(before);
      expect(await contactRow(me)).toMatchObject({ name: 'Mel', email: null });
      const victims = await call(t.app, 'GET', `/reviews/v1/reviews/${victim.reviewId}`, { auth: site.adminKey });
      expect(victims.body.review.author.contactId).toBe(victim.id);
    });

    it('keeps its contact and its name, and one review per entity', async () => {
      const member = await knownContact();
      const token = await site.memberToken(member.id);
      const entity = entityId();
      const first = await call(t.app, 'POST', URL, {
        auth: token,
        body: body({ entityId: entity, name: undefined, email: `other-${crypto.randomUUID()}@example.com` }),
      });
      expect(first.status).toBe(200);
      expect(first.body.review.author).toEqual({ contactId: member.id, authorName: 'Kim Known' });
      const again = await call(t.app, 'POST', URL, { auth: token, body: body({ entityId: entity }) });
      expect(again.status).toBe(409);
      expect(again.body.details.applicationError.data).toEqual({ reviewId: first.body.review.id });
    });
  });

  describe('the owner and apps link by email', () => {
    it('an app with reviews.manage links to the contact with the email, and creates one when missing', async () => {
      const app = await site.appKey(['reviews.manage']);
      const known = await knownContact();
      const linked = await call(t.app, 'POST', URL, {
        auth: app,
        body: body({ name: undefined, email: known.email.toUpperCase() }),
      });
      expect(linked.status).toBe(200);
      expect(linked.body.review.author).toEqual({ contactId: known.id, authorName: 'Kim Known' });
      expect(linked.body.review.origin.type).toBe('APP');
      const email = `fresh-${crypto.randomUUID()}@example.com`;
      const created = await call(t.app, 'POST', URL, { auth: app, body: body({ name: 'Fay', email }) });
      expect(created.status).toBe(200);
      expect((await contactsWithEmail(email)).map((c) => [c.id, c.name])).toEqual([
        [created.body.review.author.contactId, 'Fay'],
      ]);
    });

    it("the owner gets 409 with the linked contact's review when that contact already reviewed the entity", async () => {
      const known = await knownContact();
      const res = await call(t.app, 'POST', URL, {
        auth: site.adminKey,
        body: body({ entityId: known.entity, email: known.email }),
      });
      expect(res.status).toBe(409);
      expect(res.body.details.applicationError.data).toEqual({ reviewId: known.reviewId });
    });

    it('an app without reviews.manage may not call it', async () => {
      const app = await site.appKey(['reviews.read', 'reviews.moderate']);
      const res = await call(t.app, 'POST', URL, {
        auth: app,
        body: body({ email: `x-${crypto.randomUUID()}@example.com` }),
      });
      expect(res.status).toBe(403);
    });
  });
});
