import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSite, call, contactId, reviewBody, startTestApp, type TestApp, type TestSite } from '../support/app.ts';
import { dialects, type TestDb } from '../support/databases.ts';

const NOT_FOUND = {
  message: 'Review not found',
  details: { applicationError: { code: 'REVIEW_NOT_FOUND', description: 'Review not found' } },
};

describe.each(dialects())('getReview on $name', (dialect) => {
  let db: TestDb;
  let t: TestApp;
  let site: TestSite;
  /** A site that holds every review for moderation. */
  let held: TestSite;
  beforeAll(async () => {
    db = await dialect.open();
    t = await startTestApp(db);
    site = await buildSite(t);
    held = await buildSite(t);
    await held.setModeration({ mode: 'HOLD_ALL', heldRatings: [] });
  });
  afterAll(async () => {
    await t.close();
    await db.dispose();
  });

  async function create(s: TestSite, auth = s.adminKey, over: Record<string, unknown> = {}) {
    const res = await call(t.app, 'POST', '/reviews/v1/reviews', { auth, body: reviewBody(over) });
    expect(res.status).toBe(200);
    return res.body.review;
  }

  it('returns a published review, identical to what create returned, under both prefixes', async () => {
    const review = await create(site);
    for (const prefix of ['/reviews/v1', '/_api/reviews/v1']) {
      const res = await call(t.app, 'GET', `${prefix}/reviews/${review.id}`, { auth: site.adminKey });
      expect(res.status).toBe(200);
      expect(res.headers['x-wix-request-id']).toMatch(/^[0-9a-f-]{36}$/);
      expect(res.body).toEqual({ review });
    }
  });

  it('shows a published review to a visitor, a member and an app key with reviews.read', async () => {
    const review = await create(site);
    const callers = [
      await site.visitorToken(),
      await site.memberToken(contactId()),
      await site.appKey(['reviews.read']),
    ];
    for (const auth of callers) {
      const res = await call(t.app, 'GET', `/_api/reviews/v1/reviews/${review.id}`, { auth });
      expect(res.status).toBe(200);
      expect(res.body.review.id).toBe(review.id);
    }
  });

  it('ignores the duplicated ?reviewId= query parameter the SDK sends, even when it names another review', async () => {
    const review = await create(site);
    const other = await create(site);
    const same = await call(t.app, 'GET', `/_api/reviews/v1/reviews/${review.id}?reviewId=${review.id}`, {
      auth: site.adminKey,
    });
    expect(same.status).toBe(200);
    expect(same.body.review.id).toBe(review.id);
    const differing = await call(
      t.app,
      'GET',
      `/reviews/v1/reviews/${review.id}?reviewId=${other.id}&returnPrivateReviews=false`,
      {
        auth: site.adminKey,
      },
    );
    expect(differing.status).toBe(200);
    expect(differing.body.review.id).toBe(review.id);
  });

  it('answers an unknown review id with 404 REVIEW_NOT_FOUND', async () => {
    const res = await call(t.app, 'GET', `/reviews/v1/reviews/${crypto.randomUUID()}`, { auth: site.adminKey });
    expect(res.status).toBe(404);
    expect(res.body).toEqual(NOT_FOUND);
  });

  it.each([
    ['a plain word', 'not-a-guid'],
    ['an SQL fragment', encodeURIComponent("x' OR '1'='1")],
    ['a NUL byte', '%00'],
    ['an emoji', encodeURIComponent('😀')],
    ['100 characters', 'a'.repeat(100)],
  ])('answers a garbage id (%s) with 404 REVIEW_NOT_FOUND, never a 500', async (_what, id) => {
    const res = await call(t.app, 'GET', `/reviews/v1/reviews/${id}?returnPrivateReviews=true`, {
      auth: site.adminKey,
    });
    expect(res.status).toBe(404);
    expect(res.body).toEqual(NOT_FOUND);
  });

  it.each([
    ['a broken percent escape', '%ZZ'],
    ['an encoded lone surrogate', '%ED%A0%80'],
  ])('answers an undecodable id (%s) with a Wix-shaped 400 naming the path, never a 500', async (_what, id) => {
    const res = await call(t.app, 'GET', `/reviews/v1/reviews/${id}`, { auth: site.adminKey });
    expect(res.status).toBe(400);
    expect(res.headers['x-wix-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.body).toEqual({
      message: expect.any(String),
      details: { validationError: { fieldViolations: [expect.objectContaining({ field: expect.any(String) })] } },
    });
  });

  it('answers a deleted review with 404 REVIEW_NOT_FOUND, even with returnPrivateReviews', async () => {
    const review = await create(site);
    expect((await call(t.app, 'DELETE', `/reviews/v1/reviews/${review.id}`, { auth: site.adminKey })).status).toBe(200);
    const res = await call(t.app, 'GET', `/reviews/v1/reviews/${review.id}?returnPrivateReviews=true`, {
      auth: site.adminKey,
    });
    expect(res.status).toBe(404);
    expect(res.body).toEqual(NOT_FOUND);
  });

  it('hides a review of another site: its admin key gets 404, not the review', async () => {
    const review = await create(site);
    const other = await buildSite(t);
    const res = await call(t.app, 'GET', `/reviews/v1/reviews/${review.id}?returnPrivateReviews=true`, {
      auth: other.adminKey,
    });
    expect(res.status).toBe(404);
    expect(res.body).toEqual(NOT_FOUND);
  });

  it('hides an IN_MODERATION review from the owner unless returnPrivateReviews=true is asked', async () => {
    const review = await create(held);
    expect(review.moderation.moderationStatus).toBe('IN_MODERATION');
    for (const query of ['', '?returnPrivateReviews=false']) {
      const res = await call(t.app, 'GET', `/reviews/v1/reviews/${review.id}${query}`, { auth: held.adminKey });
      expect(res.status).toBe(404);
      expect(res.body).toEqual(NOT_FOUND);
    }
    const res = await call(t.app, 'GET', `/reviews/v1/reviews/${review.id}?returnPrivateReviews=true`, {
      auth: held.adminKey,
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ review });
  });

  it('shows a held review with returnPrivateReviews to app keys with reviews.read_private or reviews.manage only', async () => {
    const review = await create(held);
    const url = `/_api/reviews/v1/reviews/${review.id}?returnPrivateReviews=true`;
    for (const scopes of [['reviews.read_private'], ['reviews.manage']] as const) {
      const res = await call(t.app, 'GET', url, { auth: await held.appKey([...scopes]) });
      expect(res.status).toBe(200);
      expect(res.body.review.id).toBe(review.id);
    }
    for (const scopes of [['reviews.read'], ['reviews.moderate']] as const) {
      const res = await call(t.app, 'GET', url, { auth: await held.appKey([...scopes]) });
      expect(res.status).toBe(404);
      expect(res.body).toEqual(NOT_FOUND);
    }
  });

  it('shows a visitor its own held review with returnPrivateReviews, and hides it from another visitor', async () => {
    const author = await held.visitorToken();
    const review = await create(held, author, { author: { authorName: 'V' } });
    expect(review.moderation.moderationStatus).toBe('IN_MODERATION');
    const url = `/reviews/v1/reviews/${review.id}`;

    const own = await call(t.app, 'GET', `${url}?returnPrivateReviews=true`, { auth: author });
    expect(own.status).toBe(200);
    expect(own.body).toEqual({ review });

    const ownWithoutFlag = await call(t.app, 'GET', url, { auth: author });
    expect(ownWithoutFlag.status).toBe(404);

    const stranger = await call(t.app, 'GET', `${url}?returnPrivateReviews=true`, { auth: await held.visitorToken() });
    expect(stranger.status).toBe(404);
    expect(stranger.body).toEqual(NOT_FOUND);
  });

  it('shows a member its own held review with returnPrivateReviews, and hides it from another member', async () => {
    const contact = contactId();
    const review = await create(held, held.adminKey, { author: { contactId: contact, authorName: 'M' } });
    const url = `/reviews/v1/reviews/${review.id}?returnPrivateReviews=true`;
    const own = await call(t.app, 'GET', url, { auth: await held.memberToken(contact) });
    expect(own.status).toBe(200);
    expect(own.body.review.id).toBe(review.id);
    const other = await call(t.app, 'GET', url, { auth: await held.memberToken(contactId()) });
    expect(other.status).toBe(404);
    expect(other.body).toEqual(NOT_FOUND);
  });

  it('refuses a request without credentials with 401 UNAUTHENTICATED', async () => {
    const review = await create(site);
    const res = await call(t.app, 'GET', `/reviews/v1/reviews/${review.id}`);
    expect(res.status).toBe(401);
    expect(res.body.details.applicationError.code).toBe('UNAUTHENTICATED');
    expect(res.body.message).toBeTypeOf('string');
  });

  it('refuses credentials used with another wix-site-id with 403 PERMISSION_DENIED', async () => {
    const review = await create(site);
    const other = await buildSite(t);
    const res = await call(t.app, 'GET', `/reviews/v1/reviews/${review.id}`, {
      auth: site.adminKey,
      headers: { 'wix-site-id': other.siteId },
    });
    expect(res.status).toBe(403);
    expect(res.body.details.applicationError.code).toBe('PERMISSION_DENIED');
  });

  it('rejects a returnPrivateReviews value other than true/false with a field violation on query.returnPrivateReviews', async () => {
    const review = await create(site);
    const res = await call(t.app, 'GET', `/reviews/v1/reviews/${review.id}?returnPrivateReviews=yes`, {
      auth: site.adminKey,
    });
    expect(res.status).toBe(400);
    expect(res.body.details.validationError.fieldViolations).toEqual([
      expect.objectContaining({ field: 'query.returnPrivateReviews' }),
    ]);
  });
});
