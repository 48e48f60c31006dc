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

const fields = (body: any): string[] =>
  body.details.validationError.fieldViolations.map((v: { field: string }) => v.field);

describe.each(dialects())('updateReview on $name', (dialect) => {
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

  async function create(s: TestSite = site, over: Record<string, unknown> = {}) {
    const res = await call(t.app, 'POST', '/reviews/v1/reviews', { auth: s.adminKey, body: reviewBody(over) });
    expect(res.status).toBe(200);
    return res.body.review;
  }

  const update = (id: string, body: unknown, auth = site.adminKey, prefix = '/reviews/v1') =>
    call(t.app, 'PATCH', `${prefix}/reviews/${id}`, { auth, body });

  const get = async (id: string, s: TestSite = site) => {
    const res = await call(t.app, 'GET', `/reviews/v1/reviews/${id}?returnPrivateReviews=true`, { auth: s.adminKey });
    expect(res.status).toBe(200);
    return res.body.review;
  };

  it('changes only the fields present (PATCH) and increments revision by exactly 1, under both prefixes', async () => {
    const before = await create(site, {
      content: { rating: 4, title: 'Good', body: 'Works well', media: [{ image: { url: 'https://img.test/a.png' } }] },
    });
    const res = await update(
      before.id,
      { review: { id: before.id, revision: '1', content: { title: 'Better' } } },
      site.adminKey,
      '/_api/reviews/v1',
    );
    expect(res.status).toBe(200);
    const after = res.body.review;
    expect(after).toMatchObject({
      id: before.id,
      namespace: before.namespace,
      entityId: before.entityId,
      author: before.author,
      content: { title: 'Better', body: 'Works well', rating: 4, media: before.content.media },
      reviewDate: before.reviewDate,
      createdDate: before.createdDate,
      moderation: before.moderation,
      publishCount: 1,
      revision: '2',
    });
    expect(Date.parse(after.updatedDate)).toBeGreaterThanOrEqual(Date.parse(before.updatedDate));
    expect(await get(before.id)).toEqual(after);

    const again = await update(before.id, { review: { revision: '2', author: { authorName: 'Bea' } } });
    expect(again.status).toBe(200);
    expect(again.body.review).toMatchObject({
      revision: '3',
      author: { contactId: before.author.contactId, authorName: 'Bea' },
    });
    expect(again.body.review.content.title).toBe('Better');
  });

  it('updates namespace, entityId, rating, body and reviewDate together', async () => {
    const before = await create();
    const target = entityId();
    const res = await update(before.id, {
      review: {
        revision: before.revision,
        namespace: 'bookings',
        entityId: target,
        reviewDate: '2020-02-03T04:05:06.000Z',
        content: { rating: 2, body: 'Changed my mind' },
      },
    });
    expect(res.status).toBe(200);
    expect(res.body.review).toMatchObject({
      namespace: 'bookings',
      entityId: target,
      reviewDate: '2020-02-03T04:05:06.000Z',
      content: { rating: 2, body: 'Changed my mind', title: 'Good' },
      revision: '2',
    });
  });

  it('clears a title sent as null and keeps the body', async () => {
    const before = await create();
    const res = await update(before.id, { review: { revision: '1', content: { title: null } } });
    expect(res.status).toBe(200);
    expect(res.body.review.content.title).toBeUndefined();
    expect(res.body.review.content.body).toBe('Works well');
  });

  it('refuses a stale revision with 409 REVISION_MISMATCH naming the current one, and changes nothing', async () => {
    const before = await create();
    expect((await update(before.id, { review: { revision: '1', content: { title: 'v2' } } })).status).toBe(200);
    for (const stale of ['1', '3', '0', '-1']) {
      const res = await update(before.id, { review: { revision: stale, content: { title: 'lost update' } } });
      expect(res.status).toBe(409);
      expect(res.body).toEqual({
        message: expect.any(String),
        details: {
          applicationError: {
            code: 'REVISION_MISMATCH',
            description: expect.any(String),
            data: { currentRevision: '2' },
          },
        },
      });
    }
    const now = await get(before.id);
    expect(now.content.title).toBe('v2');
    expect(now.revision).toBe('2');
  });

  it('lets exactly one of two concurrent updates at the same revision win; the other gets 409', async () => {
    const before = await create();
    const results = await Promise.all(
      ['left', 'right'].map((title) => update(before.id, { review: { revision: '1', content: { title } } })),
    );
    expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
    const winner = results.find((r) => r.status === 200)?.body.review;
    const now = await get(before.id);
    expect(now.revision).toBe('2');
    expect(now.content.title).toBe(winner.content.title);
  });

  it('requires revision, with a field violation on review.revision', async () => {
    const before = await create();
    const res = await update(before.id, { review: { content: { title: 'no revision' } } });
    expect(res.status).toBe(400);
    expect(fields(res.body)).toEqual(['review.revision']);
    expect(res.body.details.validationError.fieldViolations[0]).toMatchObject({ violatedRule: 'REQUIRED_FIELD' });
  });

  it('rejects a change of author.contactId with a violation on review.author.contactId, and accepts the same value', async () => {
    const before = await create();
    const res = await update(before.id, { review: { revision: '1', author: { contactId: contactId() } } });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      message: expect.any(String),
      details: {
        validationError: {
          fieldViolations: [
            { field: 'review.author.contactId', description: expect.any(String), violatedRule: 'IMMUTABLE' },
          ],
        },
      },
    });
    expect((await get(before.id)).revision).toBe('1');

    const same = await update(before.id, {
      review: { revision: '1', author: { contactId: before.author.contactId, authorName: 'Same person' } },
    });
    expect(same.status).toBe(200);
    expect(same.body.review.author).toEqual({ contactId: before.author.contactId, authorName: 'Same person' });
  });

  it('rejects a review.id that differs from the path id with a violation on review.id', async () => {
    const before = await create();
    const other = await create();
    const res = await update(before.id, { review: { id: other.id, revision: '1', content: { title: 'x' } } });
    expect(res.status).toBe(400);
    expect(fields(res.body)).toEqual(['review.id']);
    expect((await get(other.id)).content.title).toBe('Good');
  });

  it('limits the change to the paths in fieldMask, given as an array', async () => {
    const before = await create();
    const res = await update(before.id, {
      review: { revision: '1', content: { title: 'Masked in', body: 'Masked out', rating: 1 } },
      fieldMask: ['content.title'],
    });
    expect(res.status).toBe(200);
    expect(res.body.review.content).toMatchObject({ title: 'Masked in', body: 'Works well', rating: 4 });
    expect(res.body.review.revision).toBe('2');
  });

  it('limits the change to the paths in fieldMask, given as {paths}, where a parent path covers its children', async () => {
    const before = await create();
    const res = await update(before.id, {
      review: {
        revision: '1',
        entityId: entityId(),
        author: { authorName: 'Not applied' },
        content: { title: 'T2', body: 'B2', rating: 5 },
      },
      fieldMask: { paths: ['content'] },
    });
    expect(res.status).toBe(200);
    expect(res.body.review).toMatchObject({
      entityId: before.entityId,
      author: before.author,
      content: { title: 'T2', body: 'B2', rating: 5 },
    });
  });

  it('rejects an unknown fieldMask path with a violation on fieldMask and changes nothing', async () => {
    const before = await create();
    for (const fieldMask of [['content.title', 'moderation.moderationStatus'], { paths: ['revision'] }]) {
      const res = await update(before.id, { review: { revision: '1', content: { title: 'x' } }, fieldMask });
      expect(res.status).toBe(400);
      expect(res.body.details.validationError.fieldViolations).toEqual([
        {
          field: 'fieldMask',
          description: expect.stringContaining('unsupported field mask path'),
          violatedRule: 'INVALID_ENUM_VALUE',
        },
      ]);
    }
    expect(await get(before.id)).toEqual(before);
  });

  it('rejects a rating of 9 and a 3001-character title, listing both violations, and changes nothing', async () => {
    const before = await create();
    const res = await update(before.id, {
      review: { revision: '1', content: { rating: 9, title: 'x'.repeat(3001), body: 'should not land' } },
    });
    expect(res.status).toBe(400);
    expect(res.body.message).toBeTypeOf('string');
    expect(fields(res.body).sort()).toEqual(['review.content.rating', 'review.content.title']);
    const now = await get(before.id);
    expect(now).toEqual(before);
    expect(now.revision).toBe('1');
  });

  it('rejects invalid media items, listing a violation for each, and changes nothing', async () => {
    const before = await create();
    const res = await update(before.id, {
      review: { revision: '1', content: { title: 'not applied', media: [{}, { image: { url: 'ftp://nope' } }] } },
    });
    expect(res.status).toBe(400);
    expect(res.body.details.validationError.fieldViolations).toEqual([
      { field: 'review.content.media[0]', description: expect.any(String), violatedRule: 'ONE_OF' },
      { field: 'review.content.media[1].image.url', description: expect.any(String), violatedRule: 'FORMAT' },
    ]);
    expect(await get(before.id)).toEqual(before);
  });

  it('rejects a reviewDate that is not a date-time with a violation on review.reviewDate', async () => {
    const before = await create();
    const res = await update(before.id, { review: { revision: '1', reviewDate: 'yesterday' } });
    expect(res.status).toBe(400);
    expect(fields(res.body)).toEqual(['review.reviewDate']);
    expect(await get(before.id)).toEqual(before);
  });

  it('sends a published review back to IN_MODERATION when its new rating is held by the site', async () => {
    const s = await buildSite(t);
    await s.setModeration({ mode: 'HOLD_RATINGS', heldRatings: [1, 2] });
    const before = await create(s, { content: { rating: 5 } });
    expect(before.moderation).toEqual({ moderationStatus: 'APPROVED', manuallyChanged: false });
    const res = await update(before.id, { review: { revision: '1', content: { rating: 1 } } }, s.adminKey);
    expect(res.status).toBe(200);
    expect(res.body.review).toMatchObject({
      content: { rating: 1 },
      moderation: { moderationStatus: 'IN_MODERATION', manuallyChanged: false },
      publishCount: 1,
      revision: '2',
    });
    const publicGet = await call(t.app, 'GET', `/reviews/v1/reviews/${before.id}`, { auth: await s.visitorToken() });
    expect(publicGet.status).toBe(404);
  });

  it('keeps a published review published when the edit does not touch a held rating', async () => {
    const s = await buildSite(t);
    await s.setModeration({ mode: 'HOLD_RATINGS', heldRatings: [1, 2] });
    const before = await create(s, { content: { rating: 5 } });
    const res = await update(
      before.id,
      { review: { revision: '1', content: { rating: 3, title: 'Fine' } } },
      s.adminKey,
    );
    expect(res.status).toBe(200);
    expect(res.body.review.moderation.moderationStatus).toBe('APPROVED');
  });

  it('answers a move to an entity where the author already has a review with 409 REVIEW_ALREADY_EXISTS', async () => {
    const author = { contactId: contactId(), authorName: 'Ann' };
    const first = await create(site, { author });
    const second = await create(site, { author });
    const res = await update(second.id, { review: { revision: '1', entityId: first.entityId } });
    expect(res.status).toBe(409);
    expect(res.body.details.applicationError).toMatchObject({
      code: 'REVIEW_ALREADY_EXISTS',
      data: { reviewId: first.id },
    });
    expect(await get(second.id)).toEqual(second);
  });

  it('answers an unknown or deleted review with 404 REVIEW_NOT_FOUND', async () => {
    const missing = await update(crypto.randomUUID(), { review: { revision: '1', content: { title: 'x' } } });
    expect(missing.status).toBe(404);
    expect(missing.body.details.applicationError.code).toBe('REVIEW_NOT_FOUND');

    const deleted = await create();
    expect((await call(t.app, 'DELETE', `/reviews/v1/reviews/${deleted.id}`, { auth: site.adminKey })).status).toBe(
      200,
    );
    const res = await update(deleted.id, { review: { revision: '1', content: { title: 'x' } } });
    expect(res.status).toBe(404);
    expect(res.body.details.applicationError.code).toBe('REVIEW_NOT_FOUND');
  });

  it('refuses visitors, members and app keys without reviews.manage with 403, and accepts reviews.manage', async () => {
    const before = await create();
    const refused = [
      await site.visitorToken(),
      await site.memberToken(before.author.contactId),
      await site.appKey(['reviews.read', 'reviews.read_private', 'reviews.moderate']),
    ];
    for (const auth of refused) {
      const res = await update(before.id, { review: { revision: '1', content: { title: 'x' } } }, auth);
      expect(res.status).toBe(403);
      expect(res.body.details.applicationError.code).toBe('PERMISSION_DENIED');
    }
    const app = await update(
      before.id,
      { review: { revision: '1', content: { title: 'by app' } } },
      await site.appKey(['reviews.manage']),
    );
    expect(app.status).toBe(200);
    expect(app.body.review.content.title).toBe('by app');
  });

  it('refuses an unauthenticated call with 401 and another site’s key with 404', async () => {
    const before = await create();
    const anon = await update(before.id, { review: { revision: '1' } }, '');
    expect(anon.status).toBe(401);
    expect(anon.body.details.applicationError.code).toBe('UNAUTHENTICATED');
    const other = await buildSite(t);
    const res = await update(before.id, { review: { revision: '1', content: { title: 'x' } } }, other.adminKey);
    expect(res.status).toBe(404);
    expect((await get(before.id)).content.title).toBe('Good');
  });
});
