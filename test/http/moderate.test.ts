import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSite, call, reviewBody, startTestApp, type TestApp, type TestSite } from '../support/app.ts';
import { dialects, type TestDb } from '../support/databases.ts';

describe.each(dialects())('updateModerationStatus on $name', (dialect) => {
  let db: TestDb;
  let t: TestApp;
  /** Moderation off: reviews are approved at once. */
  let open: TestSite;
  /** Every review is held for moderation. */
  let held: TestSite;
  beforeAll(async () => {
    db = await dialect.open();
    t = await startTestApp(db);
    open = await buildSite(t);
    held = await buildSite(t);
    await held.setModeration({ mode: 'HOLD_ALL', heldRatings: [] });
  });
  afterAll(async () => {
    await t.close();
    await db.dispose();
  });

  async function create(s: TestSite, body = reviewBody()) {
    const res = await call(t.app, 'POST', '/reviews/v1/reviews', { auth: s.adminKey, body });
    expect(res.status).toBe(200);
    return res.body.review;
  }

  const moderate = (s: TestSite, id: string, status: unknown, auth = s.adminKey, prefix = '/reviews/v1') =>
    call(t.app, 'PATCH', `${prefix}/reviews/${id}/moderate`, { auth, body: { reviewId: id, status } });

  /** What a public caller (a visitor, no private flag) sees of one review: get status, query ids, count. */
  async function publicView(s: TestSite, review: { id: string; entityId: string }) {
    const auth = await s.visitorToken();
    const get = await call(t.app, 'GET', `/reviews/v1/reviews/${review.id}`, { auth });
    const query = await call(t.app, 'POST', '/reviews/v1/reviews/query', {
      auth,
      body: { query: { filter: { entityId: review.entityId } } },
    });
    const count = await call(t.app, 'POST', '/reviews/v1/reviews/count', {
      auth,
      body: { filter: { entityId: review.entityId } },
    });
    return { get: get.status, ids: query.body.reviews.map((r: { id: string }) => r.id), count: count.body.count };
  }

  it('approves a held review: APPROVED, manuallyChanged true, publishCount 1, revision + 1, under both prefixes', async () => {
    for (const prefix of ['/reviews/v1', '/_api/reviews/v1']) {
      const review = await create(held);
      expect(review).toMatchObject({
        moderation: { moderationStatus: 'IN_MODERATION', manuallyChanged: false },
        publishCount: 0,
      });
      const res = await moderate(held, review.id, 'APPROVED', held.adminKey, prefix);
      expect(res.status).toBe(200);
      expect(res.body.review).toMatchObject({
        id: review.id,
        moderation: { moderationStatus: 'APPROVED', manuallyChanged: true },
        publishCount: 1,
        revision: '2',
        content: review.content,
      });
    }
  });

  it('rejects a published review: REJECTED, manuallyChanged true, publishCount unchanged', async () => {
    const review = await create(open);
    const res = await moderate(open, review.id, 'REJECTED');
    expect(res.status).toBe(200);
    expect(res.body.review).toMatchObject({
      moderation: { moderationStatus: 'REJECTED', manuallyChanged: true },
      publishCount: 1,
      revision: '2',
    });
  });

  it('counts each entry into APPROVED: held → APPROVED → REJECTED → APPROVED gives publishCount 2', async () => {
    const review = await create(held);
    const steps: [string, number][] = [
      ['APPROVED', 1],
      ['REJECTED', 1],
      ['APPROVED', 2],
    ];
    for (const [i, [status, publishCount]] of steps.entries()) {
      const res = await moderate(held, review.id, status);
      expect(res.status).toBe(200);
      expect(res.body.review).toMatchObject({
        moderation: { moderationStatus: status, manuallyChanged: true },
        publishCount,
        revision: String(i + 2),
      });
    }
  });

  it('does not count a repeated APPROVED as a new publication, but still records the edit in revision', async () => {
    const review = await create(held);
    expect((await moderate(held, review.id, 'APPROVED')).body.review.publishCount).toBe(1);
    const again = await moderate(held, review.id, 'APPROVED');
    expect(again.status).toBe(200);
    expect(again.body.review).toMatchObject({
      publishCount: 1,
      revision: '3',
      moderation: { moderationStatus: 'APPROVED', manuallyChanged: true },
    });
  });

  it('marks an automatically approved review as manually changed when the owner re-approves it', async () => {
    const review = await create(open);
    expect(review.moderation.manuallyChanged).toBe(false);
    const res = await moderate(open, review.id, 'APPROVED');
    expect(res.body.review.moderation).toEqual({ moderationStatus: 'APPROVED', manuallyChanged: true });
    expect(res.body.review.publishCount).toBe(1);
  });

  it.each(['IN_MODERATION', 'SUBMITTED', 'UNKNOWN', 'approved', 42])(
    'rejects status %s with a violation on status listing APPROVED and REJECTED, and changes nothing',
    async (status) => {
      const review = await create(open);
      const res = await moderate(open, review.id, status);
      expect(res.status).toBe(400);
      expect(res.body).toEqual({
        message: expect.any(String),
        details: {
          validationError: {
            fieldViolations: [
              { field: 'status', description: 'must be one of APPROVED, REJECTED', violatedRule: 'INVALID_ENUM_VALUE' },
            ],
          },
        },
      });
      const now = await call(t.app, 'GET', `/reviews/v1/reviews/${review.id}`, { auth: open.adminKey });
      expect(now.body.review).toEqual(review);
    },
  );

  it('rejects a body without status with a violation on status', async () => {
    const review = await create(open);
    const res = await call(t.app, 'PATCH', `/reviews/v1/reviews/${review.id}/moderate`, {
      auth: open.adminKey,
      body: {},
    });
    expect(res.status).toBe(400);
    expect(res.body.details.validationError.fieldViolations).toEqual([
      { field: 'status', description: 'is required', violatedRule: 'REQUIRED_FIELD' },
    ]);
  });

  it('makes a rejected review vanish from public get, query and count, and an approval bring it back', async () => {
    const review = await create(open);
    expect(await publicView(open, review)).toEqual({ get: 200, ids: [review.id], count: 1 });

    expect((await moderate(open, review.id, 'REJECTED')).status).toBe(200);
    expect(await publicView(open, review)).toEqual({ get: 404, ids: [], count: 0 });
    const owner = await call(t.app, 'GET', `/reviews/v1/reviews/${review.id}?returnPrivateReviews=true`, {
      auth: open.adminKey,
    });
    expect(owner.status).toBe(200);
    expect(owner.body.review.moderation.moderationStatus).toBe('REJECTED');

    expect((await moderate(open, review.id, 'APPROVED')).status).toBe(200);
    expect(await publicView(open, review)).toEqual({ get: 200, ids: [review.id], count: 1 });
  });

  it('makes an approved held review appear in public get, query and count', async () => {
    const review = await create(held);
    expect(await publicView(held, review)).toEqual({ get: 404, ids: [], count: 0 });
    expect((await moderate(held, review.id, 'APPROVED')).status).toBe(200);
    expect(await publicView(held, review)).toEqual({ get: 200, ids: [review.id], count: 1 });
  });

  it('answers an unknown, garbage or deleted review with 404 REVIEW_NOT_FOUND', async () => {
    const deleted = await create(open);
    expect((await call(t.app, 'DELETE', `/reviews/v1/reviews/${deleted.id}`, { auth: open.adminKey })).status).toBe(
      200,
    );
    for (const id of [crypto.randomUUID(), 'not-a-guid', deleted.id]) {
      const res = await moderate(open, id, 'APPROVED');
      expect(res.status).toBe(404);
      expect(res.body.details.applicationError.code).toBe('REVIEW_NOT_FOUND');
    }
  });

  it('accepts app keys with reviews.moderate or reviews.manage and refuses visitors, members and read-only keys', async () => {
    const review = await create(held);
    for (const auth of [
      await held.visitorToken(),
      await held.memberToken(review.author.contactId),
      await held.appKey(['reviews.read', 'reviews.read_private']),
    ]) {
      const res = await moderate(held, review.id, 'APPROVED', auth);
      expect(res.status).toBe(403);
      expect(res.body.details.applicationError.code).toBe('PERMISSION_DENIED');
    }
    expect((await moderate(held, review.id, 'APPROVED', await held.appKey(['reviews.moderate']))).status).toBe(200);
    expect((await moderate(held, review.id, 'REJECTED', await held.appKey(['reviews.manage']))).status).toBe(200);
  });

  it('refuses an unauthenticated call with 401 and another site’s admin key with 404', async () => {
    const review = await create(held);
    const anon = await moderate(held, review.id, 'APPROVED', '');
    expect(anon.status).toBe(401);
    expect(anon.body.details.applicationError.code).toBe('UNAUTHENTICATED');
    const res = await moderate(held, review.id, 'APPROVED', open.adminKey);
    expect(res.status).toBe(404);
    const now = await call(t.app, 'GET', `/reviews/v1/reviews/${review.id}?returnPrivateReviews=true`, {
      auth: held.adminKey,
    });
    expect(now.body.review.moderation.moderationStatus).toBe('IN_MODERATION');
  });
});
