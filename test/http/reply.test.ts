import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSite, call, reviewBody, startTestApp, type TestApp, type TestSite } from '../support/app.ts';
import { dialects, type TestDb } from '../support/databases.ts';

const fields = (body: any): string[] =>
  body.details.validationError.fieldViolations.map((v: { field: string }) => v.field);

describe.each(dialects())('setReply and removeReply on $name', (dialect) => {
  let db: TestDb;
  let t: TestApp;
  let site: TestSite;
  /** A controlled clock, wired at start: every service call sees `now`, which tests move forward explicitly. */
  let now = Date.parse('2031-05-01T09:00:00.000Z');
  const tick = (ms = 60_000) => {
    now += ms;
    return new Date(now).toISOString();
  };
  beforeAll(async () => {
    db = await dialect.open();
    t = await startTestApp(db, { clock: () => new Date(now) });
    site = await buildSite(t);
  });
  afterAll(async () => {
    await t.close();
    await db.dispose();
  });

  async function create(s: TestSite = site) {
    const res = await call(t.app, 'POST', '/reviews/v1/reviews', { auth: s.adminKey, body: reviewBody() });
    expect(res.status).toBe(200);
    return res.body.review;
  }

  const setReply = (id: string, body: unknown, auth = site.adminKey, prefix = '/reviews/v1') =>
    call(t.app, 'PATCH', `${prefix}/reviews/${id}/reply`, { auth, body });
  const removeReply = (id: string, auth = site.adminKey, prefix = '/reviews/v1') =>
    call(t.app, 'DELETE', `${prefix}/reviews/${id}/reply?reviewId=${id}`, { auth });
  const get = async (id: string) =>
    (await call(t.app, 'GET', `/reviews/v1/reviews/${id}`, { auth: site.adminKey })).body.review;

  it('sets a reply with createdDate and updatedDate and increments revision by 1, under both prefixes', async () => {
    for (const prefix of ['/reviews/v1', '/_api/reviews/v1']) {
      const review = await create();
      expect(review.reply).toBeUndefined();
      const at = tick();
      const res = await setReply(
        review.id,
        { reviewId: review.id, message: 'Thanks for the review!' },
        site.adminKey,
        prefix,
      );
      expect(res.status).toBe(200);
      expect(res.body.review).toMatchObject({
        id: review.id,
        reply: { message: 'Thanks for the review!', createdDate: at, updatedDate: at },
        revision: '2',
        updatedDate: at,
        content: review.content,
        moderation: review.moderation,
      });
      expect(await get(review.id)).toEqual(res.body.review);
    }
  });

  it('overwrites the reply on a second call, keeping reply.createdDate and moving reply.updatedDate', async () => {
    const review = await create();
    const first = tick();
    expect((await setReply(review.id, { message: 'First' })).status).toBe(200);
    const second = tick();
    const res = await setReply(review.id, { message: 'Second' });
    expect(res.status).toBe(200);
    expect(res.body.review.reply).toEqual({ message: 'Second', createdDate: first, updatedDate: second });
    expect(res.body.review.revision).toBe('3');
  });

  it('accepts a 10000-character message and rejects 10001 characters with a violation on message', async () => {
    const review = await create();
    const ok = await setReply(review.id, { message: 'r'.repeat(10_000) });
    expect(ok.status).toBe(200);
    expect(ok.body.review.reply.message).toHaveLength(10_000);

    const res = await setReply(review.id, { message: 'r'.repeat(10_001) });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      message: expect.any(String),
      details: {
        validationError: {
          fieldViolations: [{ field: 'message', description: expect.any(String), violatedRule: 'MAX_LENGTH' }],
        },
      },
    });
    expect((await get(review.id)).revision).toBe('2');
  });

  it('rejects an empty or missing message with a violation on message and changes nothing', async () => {
    const review = await create();
    for (const body of [{ message: '' }, {}]) {
      const res = await setReply(review.id, body);
      expect(res.status).toBe(400);
      expect(fields(res.body)).toEqual(['message']);
    }
    expect(await get(review.id)).toEqual(review);
  });

  it('rejects a message containing a NUL character with a violation on message, on every dialect', async () => {
    const review = await create();
    const res = await setReply(review.id, { message: 'a\u0000b' });
    expect(res.status).toBe(400);
    expect(fields(res.body)).toEqual(['message']);
    expect(await get(review.id)).toEqual(review);
  });

  it('rejects a message that is not a string with a violation on message', async () => {
    const review = await create();
    const res = await setReply(review.id, { message: 42 });
    expect(res.status).toBe(400);
    expect(fields(res.body)).toEqual(['message']);
  });

  it('removes the reply and increments revision by 1, under both prefixes', async () => {
    for (const prefix of ['/reviews/v1', '/_api/reviews/v1']) {
      const review = await create();
      expect((await setReply(review.id, { message: 'Hi' })).body.review.revision).toBe('2');
      const at = tick();
      const res = await removeReply(review.id, site.adminKey, prefix);
      expect(res.status).toBe(200);
      expect(res.body.review.reply).toBeUndefined();
      expect(res.body.review).toMatchObject({ revision: '3', updatedDate: at });
      expect((await get(review.id)).reply).toBeUndefined();
    }
  });

  it('starts a fresh reply after a removal: the new reply gets a new createdDate', async () => {
    const review = await create();
    tick();
    await setReply(review.id, { message: 'Old' });
    await removeReply(review.id);
    const at = tick();
    const res = await setReply(review.id, { message: 'New' });
    expect(res.body.review.reply).toEqual({ message: 'New', createdDate: at, updatedDate: at });
  });

  it('replies to a held review without publishing it', async () => {
    const s = await buildSite(t);
    await s.setModeration({ mode: 'HOLD_ALL', heldRatings: [] });
    const review = await create(s);
    const res = await setReply(review.id, { message: 'We are looking into it' }, s.adminKey);
    expect(res.status).toBe(200);
    expect(res.body.review.moderation.moderationStatus).toBe('IN_MODERATION');
    expect(res.body.review.publishCount).toBe(0);
  });

  it('answers an unknown, garbage or deleted review with 404 REVIEW_NOT_FOUND on both operations', async () => {
    const deleted = await create();
    expect((await call(t.app, 'DELETE', `/reviews/v1/reviews/${deleted.id}`, { auth: site.adminKey })).status).toBe(
      200,
    );
    for (const id of [crypto.randomUUID(), 'not-a-guid', deleted.id]) {
      for (const res of [await setReply(id, { message: 'x' }), await removeReply(id)]) {
        expect(res.status).toBe(404);
        expect(res.body.details.applicationError.code).toBe('REVIEW_NOT_FOUND');
      }
    }
  });

  it('refuses visitors, members and app keys without reviews.manage with 403 on both operations', async () => {
    const review = await create();
    for (const auth of [
      await site.visitorToken(),
      await site.memberToken(review.author.contactId),
      await site.appKey(['reviews.read', 'reviews.moderate']),
    ]) {
      for (const res of [await setReply(review.id, { message: 'x' }, auth), await removeReply(review.id, auth)]) {
        expect(res.status).toBe(403);
        expect(res.body.details.applicationError.code).toBe('PERMISSION_DENIED');
      }
    }
    const app = await site.appKey(['reviews.manage']);
    expect((await setReply(review.id, { message: 'by app' }, app)).status).toBe(200);
    expect((await removeReply(review.id, app)).status).toBe(200);
  });

  it('refuses an unauthenticated call with 401', async () => {
    const review = await create();
    const res = await setReply(review.id, { message: 'x' }, '');
    expect(res.status).toBe(401);
    expect(res.body.details.applicationError.code).toBe('UNAUTHENTICATED');
  });
});
