import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSite, call, reviewBody, startTestApp, type TestApp, type TestSite } from '../support/app.ts';
import { dialects, type TestDb } from '../support/databases.ts';

const NOT_FOUND = {
  message: 'Review not found',
  details: { applicationError: { code: 'REVIEW_NOT_FOUND', description: 'Review not found' } },
};

describe.each(dialects())('deleteReview on $name', (dialect) => {
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

  async function create(s: TestSite = site, body = reviewBody()) {
    const res = await call(t.app, 'POST', '/reviews/v1/reviews', { auth: s.adminKey, body });
    expect(res.status).toBe(200);
    return res.body.review;
  }

  const del = (id: string, auth = site.adminKey, prefix = '/reviews/v1') =>
    call(t.app, 'DELETE', `${prefix}/reviews/${id}?reviewId=${id}`, { auth });

  const visible = async (s: TestSite, filter: Record<string, unknown>) => {
    const q = await call(t.app, 'POST', '/reviews/v1/reviews/query', {
      auth: s.adminKey,
      body: { query: { filter }, returnPrivateReviews: true },
    });
    const c = await call(t.app, 'POST', '/reviews/v1/reviews/count', {
      auth: s.adminKey,
      body: { filter, includePrivateReviews: true },
    });
    expect(q.status).toBe(200);
    expect(c.status).toBe(200);
    return { ids: q.body.reviews.map((r: { id: string }) => r.id), count: c.body.count };
  };

  it('returns the deleted review as it was, with the duplicated ?reviewId= ignored, under both prefixes', async () => {
    for (const prefix of ['/reviews/v1', '/_api/reviews/v1']) {
      const review = await create();
      const res = await del(review.id, site.adminKey, prefix);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ review });
    }
  });

  it('removes the review from get, query and count, even for private reads', async () => {
    const body = reviewBody();
    const review = await create(site, body);
    const keep = await create(site, reviewBody({ entityId: body.review.entityId }));
    expect(await visible(site, { entityId: body.review.entityId })).toEqual({
      ids: expect.arrayContaining([review.id, keep.id]),
      count: 2,
    });

    expect((await del(review.id)).status).toBe(200);

    for (const query of ['', '?returnPrivateReviews=true']) {
      const get = await call(t.app, 'GET', `/reviews/v1/reviews/${review.id}${query}`, { auth: site.adminKey });
      expect(get.status).toBe(404);
      expect(get.body).toEqual(NOT_FOUND);
    }
    expect(await visible(site, { entityId: body.review.entityId })).toEqual({ ids: [keep.id], count: 1 });
    expect(await visible(site, { id: review.id })).toEqual({ ids: [], count: 0 });
  });

  it('frees the author’s slot: the same author may review the same entity again', async () => {
    const body = reviewBody();
    const first = await create(site, body);
    const dup = await call(t.app, 'POST', '/reviews/v1/reviews', {
      auth: site.adminKey,
      body: reviewBody({ entityId: body.review.entityId, author: body.review.author }),
    });
    expect(dup.status).toBe(409);

    expect((await del(first.id)).status).toBe(200);
    const again = await call(t.app, 'POST', '/reviews/v1/reviews', {
      auth: site.adminKey,
      body: reviewBody({ entityId: body.review.entityId, author: body.review.author, content: { rating: 2 } }),
    });
    expect(again.status).toBe(200);
    expect(again.body.review.id).not.toBe(first.id);
    expect(again.body.review).toMatchObject({ revision: '1', content: { rating: 2 } });
  });

  it('frees a visitor’s slot when the owner deletes its review, so the visitor may write again', async () => {
    const token = await site.visitorToken();
    const body = reviewBody({ author: { authorName: 'V' } });
    const first = await call(t.app, 'POST', '/reviews/v1/reviews', { auth: token, body });
    expect(first.status).toBe(200);
    expect((await del(first.body.review.id)).status).toBe(200);
    const again = await call(t.app, 'POST', '/reviews/v1/reviews', {
      auth: token,
      body: reviewBody({ entityId: body.review.entityId, author: { authorName: 'V' } }),
    });
    expect(again.status).toBe(200);
    expect(again.body.review.author.contactId).toBe(first.body.review.author.contactId);
  });

  it('answers a second delete of the same review with 404 REVIEW_NOT_FOUND', async () => {
    const review = await create();
    expect((await del(review.id)).status).toBe(200);
    const res = await del(review.id);
    expect(res.status).toBe(404);
    expect(res.body).toEqual(NOT_FOUND);
  });

  it('turns two concurrent deletes into one 200 and one 404', async () => {
    const review = await create();
    const results = await Promise.all([del(review.id), del(review.id)]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 404]);
  });

  it('deletes a held review too', async () => {
    const s = await buildSite(t);
    await s.setModeration({ mode: 'HOLD_ALL', heldRatings: [] });
    const review = await create(s);
    expect(review.moderation.moderationStatus).toBe('IN_MODERATION');
    const res = await del(review.id, s.adminKey);
    expect(res.status).toBe(200);
    expect(res.body.review.id).toBe(review.id);
    expect(
      (await call(t.app, 'GET', `/reviews/v1/reviews/${review.id}?returnPrivateReviews=true`, { auth: s.adminKey }))
        .status,
    ).toBe(404);
  });

  it('answers an unknown or garbage id with 404 REVIEW_NOT_FOUND', async () => {
    for (const id of [crypto.randomUUID(), 'not-a-guid', '%00']) {
      const res = await call(t.app, 'DELETE', `/reviews/v1/reviews/${id}`, { auth: site.adminKey });
      expect(res.status).toBe(404);
      expect(res.body).toEqual(NOT_FOUND);
    }
  });

  it('refuses visitors, members and app keys without reviews.manage with 403 and keeps the review', async () => {
    const review = await create();
    for (const auth of [
      await site.visitorToken(),
      await site.memberToken(review.author.contactId),
      await site.appKey(['reviews.read', 'reviews.read_private', 'reviews.moderate']),
    ]) {
      const res = await del(review.id, auth);
      expect(res.status).toBe(403);
      expect(res.body.details.applicationError.code).toBe('PERMISSION_DENIED');
    }
    expect((await call(t.app, 'GET', `/reviews/v1/reviews/${review.id}`, { auth: site.adminKey })).status).toBe(200);
    expect((await del(review.id, await site.appKey(['reviews.manage']))).status).toBe(200);
  });

  it('refuses an unauthenticated call with 401 and another site’s admin key with 404', async () => {
    const review = await create();
    const anon = await del(review.id, '');
    expect(anon.status).toBe(401);
    expect(anon.body.details.applicationError.code).toBe('UNAUTHENTICATED');
    const other = await buildSite(t);
    const res = await del(review.id, other.adminKey);
    expect(res.status).toBe(404);
    expect(res.body).toEqual(NOT_FOUND);
    expect((await call(t.app, 'GET', `/reviews/v1/reviews/${review.id}`, { auth: site.adminKey })).status).toBe(200);
  });
});
