import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSite, call, contactId, reviewBody, startTestApp, type TestApp, type TestSite } from '../support/app.ts';
import { dialects, type TestDb } from '../support/databases.ts';

describe.each(dialects())('createReview on $name', (dialect) => {
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

  it('creates an approved review with every NonNullable field and revision "1"', async () => {
    const body = reviewBody();
    const res = await call(t.app, 'POST', '/_api/reviews/v1/reviews', { auth: site.adminKey, body });
    expect(res.status).toBe(200);
    expect(res.headers['x-wix-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const r = res.body.review;
    expect(r).toMatchObject({
      namespace: 'stores',
      entityId: body.review.entityId,
      content: { rating: 4, title: 'Good', body: 'Works well', media: [] },
      author: body.review.author,
      foundHelpful: 0,
      foundUnhelpful: 0,
      helpfulness: 0,
      moderation: { moderationStatus: 'APPROVED', manuallyChanged: false },
      revision: '1',
      verified: false,
      origin: { type: 'APP' },
      publishCount: 1,
    });
    expect(r.reviewDate).toBe(r.createdDate);
  });

  it('rejects rating 0, 6 and 2.5 and over-long strings, listing every violation and writing nothing', async () => {
    const entity = 'bad-input-entity';
    for (const rating of [0, 6, 2.5]) {
      const res = await call(t.app, 'POST', '/reviews/v1/reviews', {
        auth: site.adminKey,
        body: reviewBody({ entityId: entity, content: { rating, title: 'x'.repeat(3001) } }),
      });
      expect(res.status).toBe(400);
      const fields = res.body.details.validationError.fieldViolations.map((v: { field: string }) => v.field);
      expect(fields).toEqual(expect.arrayContaining(['review.content.rating', 'review.content.title']));
      expect(res.body.message).toBeTypeOf('string');
    }
    const count = await call(t.app, 'POST', '/reviews/v1/reviews/count', {
      auth: site.adminKey,
      body: { filter: { entityId: entity }, includePrivateReviews: true },
    });
    expect(count.body).toEqual({ count: 0 });
  });

  it('answers a second review by the same author for the same entity with 409 REVIEW_ALREADY_EXISTS', async () => {
    const first = reviewBody();
    const a = await call(t.app, 'POST', '/reviews/v1/reviews', { auth: site.adminKey, body: first });
    const b = await call(t.app, 'POST', '/reviews/v1/reviews', {
      auth: site.adminKey,
      body: reviewBody({ entityId: first.review.entityId, author: first.review.author }),
    });
    expect(b.status).toBe(409);
    expect(b.body.details.applicationError).toMatchObject({
      code: 'REVIEW_ALREADY_EXISTS',
      data: { reviewId: a.body.review.id },
    });
  });

  it('turns a race of two identical creates into exactly one review and one 409', async () => {
    const body = reviewBody();
    const results = await Promise.all([
      call(t.app, 'POST', '/reviews/v1/reviews', { auth: site.adminKey, body }),
      call(t.app, 'POST', '/reviews/v1/reviews', { auth: site.adminKey, body: { review: { ...body.review } } }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
    const count = await call(t.app, 'POST', '/reviews/v1/reviews/count', {
      auth: site.adminKey,
      body: { filter: { entityId: body.review.entityId } },
    });
    expect(count.body.count).toBe(1);
  });

  it('replays a create with the same client id and content, and refuses the same id with other content', async () => {
    const id = crypto.randomUUID();
    const body = reviewBody({ id });
    const a = await call(t.app, 'POST', '/reviews/v1/reviews', { auth: site.adminKey, body });
    const b = await call(t.app, 'POST', '/reviews/v1/reviews', { auth: site.adminKey, body });
    expect(a.status).toBe(200);
    expect(b.status).toBe(200);
    expect(b.body.review).toEqual(a.body.review);
    const c = await call(t.app, 'POST', '/reviews/v1/reviews', {
      auth: site.adminKey,
      body: reviewBody({ id, content: { rating: 1 } }),
    });
    expect(c.status).toBe(409);
    expect(c.body.details.applicationError.code).toBe('REVIEW_ALREADY_EXISTS');
  });

  it('replays the stored answer for a repeated Idempotency-Key and refuses the key with another body', async () => {
    const key = `k-${crypto.randomUUID()}`;
    const body = reviewBody();
    const a = await call(t.app, 'POST', '/reviews/v1/reviews', {
      auth: site.adminKey,
      body,
      headers: { 'idempotency-key': key },
    });
    const b = await call(t.app, 'POST', '/reviews/v1/reviews', {
      auth: site.adminKey,
      body,
      headers: { 'idempotency-key': key },
    });
    expect(a.status).toBe(200);
    expect(b.status).toBe(200);
    expect(b.headers['idempotent-replayed']).toBe('true');
    expect(b.body).toEqual(a.body);
    const c = await call(t.app, 'POST', '/reviews/v1/reviews', {
      auth: site.adminKey,
      body: reviewBody(),
      headers: { 'idempotency-key': key },
    });
    expect(c.status).toBe(409);
    expect(c.body.details.applicationError.code).toBe('IDEMPOTENCY_KEY_REUSED');
  });

  it('holds a review for moderation when the site holds its rating', async () => {
    const s = await buildSite(t);
    await s.setModeration({ mode: 'HOLD_RATINGS', heldRatings: [1, 2] });
    const low = await call(t.app, 'POST', '/reviews/v1/reviews', {
      auth: s.adminKey,
      body: reviewBody({ content: { rating: 2 } }),
    });
    const high = await call(t.app, 'POST', '/reviews/v1/reviews', {
      auth: s.adminKey,
      body: reviewBody({ content: { rating: 5 } }),
    });
    expect(low.body.review.moderation.moderationStatus).toBe('IN_MODERATION');
    expect(low.body.review.publishCount).toBe(0);
    expect(high.body.review.moderation.moderationStatus).toBe('APPROVED');
  });

  it('makes a visitor the author of its own review and refuses another contact id', async () => {
    const token = await site.visitorToken();
    const own = await call(t.app, 'POST', '/reviews/v1/reviews', {
      auth: token,
      body: reviewBody({ author: { authorName: 'V' } }),
    });
    expect(own.status).toBe(200);
    expect(own.body.review.origin.type).toBe('ORGANIC');
    expect(own.body.review.author.contactId).toMatch(/^[0-9a-f-]{36}$/);
    const other = await call(t.app, 'POST', '/reviews/v1/reviews', {
      auth: token,
      body: reviewBody({ author: { contactId: contactId() } }),
    });
    expect(other.status).toBe(403);
    expect(other.body.details.applicationError.code).toBe('PERMISSION_DENIED');
  });
});
