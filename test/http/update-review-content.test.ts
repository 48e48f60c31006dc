import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSite, call, reviewBody, startTestApp, type TestApp, type TestSite } from '../support/app.ts';
import { dialects, type TestDb } from '../support/databases.ts';

const fields = (body: any): string[] =>
  body.details.validationError.fieldViolations.map((v: { field: string }) => v.field);

describe.each(dialects())('updateReviewContent (legacy PUT) on $name', (dialect) => {
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

  const put = (id: string, body: unknown, auth = site.adminKey, prefix = '/reviews/v1') =>
    call(t.app, 'PUT', `${prefix}/reviews/content/${id}`, { auth, body });

  const get = async (id: string, s: TestSite = site) => {
    const res = await call(t.app, 'GET', `/reviews/v1/reviews/${id}?returnPrivateReviews=true`, { auth: s.adminKey });
    expect(res.status).toBe(200);
    return res.body.review;
  };

  it('changes the content fields sent, keeps the rest, and increments revision by 1, under both prefixes', async () => {
    const before = await create();
    const res = await put(
      before.id,
      { reviewId: before.id, content: { title: 'New title', rating: 3 } },
      site.adminKey,
      '/_api/reviews/v1',
    );
    expect(res.status).toBe(200);
    expect(res.body.review).toMatchObject({
      id: before.id,
      namespace: before.namespace,
      entityId: before.entityId,
      author: before.author,
      content: { title: 'New title', body: 'Works well', rating: 3, media: [] },
      createdDate: before.createdDate,
      revision: '2',
    });
    expect(await get(before.id)).toEqual(res.body.review);

    const second = await put(before.id, { content: { body: 'New body' } });
    expect(second.status).toBe(200);
    expect(second.body.review.content).toEqual({ title: 'New title', body: 'New body', rating: 3, media: [] });
    expect(second.body.review.revision).toBe('3');
  });

  it('replaces media and clears a title sent as null', async () => {
    const before = await create(site, { content: { media: [{ image: { url: 'https://img.test/1.png' } }] } });
    const media = [{ image: { url: 'https://img.test/2.png' } }, { video: { url: 'https://vid.test/2.mp4' } }];
    const res = await put(before.id, { content: { title: null, media } });
    expect(res.status).toBe(200);
    expect(res.body.review.content).toEqual({ body: 'Works well', rating: 4, media });
  });

  it('needs no revision: each call applies to the current state', async () => {
    const before = await create();
    expect((await put(before.id, { content: { title: 'a' } })).body.review.revision).toBe('2');
    expect((await put(before.id, { content: { title: 'b' } })).body.review.revision).toBe('3');
  });

  it('limits the change to the paths in fieldMask (array and {paths} forms)', async () => {
    const before = await create();
    const arr = await put(before.id, {
      content: { title: 'T', body: 'B', rating: 1 },
      fieldMask: ['content.rating'],
    });
    expect(arr.status).toBe(200);
    expect(arr.body.review.content).toMatchObject({ title: 'Good', body: 'Works well', rating: 1 });

    const obj = await put(before.id, {
      content: { title: 'T', body: 'B', rating: 5 },
      fieldMask: { paths: ['content.title', 'content.body'] },
    });
    expect(obj.status).toBe(200);
    expect(obj.body.review.content).toMatchObject({ title: 'T', body: 'B', rating: 1 });
  });

  it('rejects a fieldMask path outside content with a violation on fieldMask and changes nothing', async () => {
    const before = await create();
    for (const path of ['entityId', 'author.authorName', 'content.unknown']) {
      const res = await put(before.id, { content: { title: 'x' }, fieldMask: [path] });
      expect(res.status).toBe(400);
      expect(res.body.details.validationError.fieldViolations).toEqual([
        {
          field: 'fieldMask',
          description: `unsupported field mask path "${path}"`,
          violatedRule: 'INVALID_ENUM_VALUE',
        },
      ]);
    }
    expect(await get(before.id)).toEqual(before);
  });

  it('rejects rating 0, a 3001-character title and a 3001-character body, listing every violation, and changes nothing', async () => {
    const before = await create();
    const res = await put(before.id, { content: { rating: 0, title: 'x'.repeat(3001), body: 'y'.repeat(3001) } });
    expect(res.status).toBe(400);
    expect(res.body.message).toBeTypeOf('string');
    expect(fields(res.body).sort()).toEqual(['content.body', 'content.rating', 'content.title']);
    expect(await get(before.id)).toEqual(before);
  });

  it('rejects a body without content with a field violation on content', async () => {
    const before = await create();
    const res = await put(before.id, { fieldMask: ['content.title'] });
    expect(res.status).toBe(400);
    expect(fields(res.body)).toEqual(['content']);
  });

  it('rejects an invalid media item with a violation on content.media[0]', async () => {
    const before = await create();
    const res = await put(before.id, { content: { media: [{ image: {} }] } });
    expect(res.status).toBe(400);
    expect(res.body.details.validationError.fieldViolations).toEqual([
      { field: 'content.media[0].image', description: expect.any(String), violatedRule: 'REQUIRED_FIELD' },
    ]);
  });

  it('sends a published review to IN_MODERATION when the new rating is held', async () => {
    const s = await buildSite(t);
    await s.setModeration({ mode: 'HOLD_RATINGS', heldRatings: [1, 2] });
    const before = await create(s, { content: { rating: 4 } });
    const res = await put(before.id, { content: { rating: 2 } }, s.adminKey);
    expect(res.status).toBe(200);
    expect(res.body.review.moderation).toEqual({ moderationStatus: 'IN_MODERATION', manuallyChanged: false });
  });

  it('answers an unknown, garbage or deleted id with 404 REVIEW_NOT_FOUND', async () => {
    const deleted = await create();
    expect((await call(t.app, 'DELETE', `/reviews/v1/reviews/${deleted.id}`, { auth: site.adminKey })).status).toBe(
      200,
    );
    for (const id of [crypto.randomUUID(), 'not-a-guid', deleted.id]) {
      const res = await put(id, { content: { title: 'x' } });
      expect(res.status).toBe(404);
      expect(res.body.details.applicationError.code).toBe('REVIEW_NOT_FOUND');
    }
  });

  it('refuses visitors, members and app keys without reviews.manage with 403, and accepts reviews.manage', async () => {
    const before = await create();
    for (const auth of [
      await site.visitorToken(),
      await site.memberToken(before.author.contactId),
      await site.appKey(['reviews.moderate']),
    ]) {
      const res = await put(before.id, { content: { title: 'x' } }, auth);
      expect(res.status).toBe(403);
      expect(res.body.details.applicationError.code).toBe('PERMISSION_DENIED');
    }
    const ok = await put(before.id, { content: { title: 'by app' } }, await site.appKey(['reviews.manage']));
    expect(ok.status).toBe(200);
    expect(ok.body.review.content.title).toBe('by app');
  });

  it('refuses an unauthenticated call with 401', async () => {
    const before = await create();
    const res = await put(before.id, { content: { title: 'x' } }, '');
    expect(res.status).toBe(401);
    expect(res.body.details.applicationError.code).toBe('UNAUTHENTICATED');
  });
});
