/**
 * Compatibility suite: the official `@wix/sdk` + `@wix/reviews`, unchanged, driving a real listening Verdict
 * server. Asserts what the SDK hands back (Velo shapes: `_id`, `Date` timestamps, bare review vs `{ review }`) and
 * the errors it throws, on every dialect.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSite, contactId, entityId, startTestApp, type TestApp, type TestSite } from '../support/app.ts';
import { dialects, type TestDb } from '../support/databases.ts';
import {
  adminClient,
  jobFinished,
  type LocalServer,
  listenLocally,
  routeGlobalFetchTo,
  sdkError,
  visitorClient,
} from './support.ts';

type AdminClient = ReturnType<typeof adminClient>;

/** The SDK types every `_id` as optional; the server always sends one. */
function idOf(review: { _id?: string | null } | undefined): string {
  if (!review?._id) throw new Error('review without _id');
  return review._id;
}

/** What createReview takes, with overrides for content and the rest of the review. */
function newReview(over: { entityId?: string; contactId?: string; rating?: number; title?: string } = {}) {
  return {
    namespace: 'stores',
    entityId: over.entityId ?? entityId(),
    author: { contactId: over.contactId ?? contactId(), authorName: 'Ann' },
    content: { rating: over.rating ?? 4, title: over.title ?? 'Good', body: 'Works well' },
  };
}

describe.each(dialects())('official @wix/sdk against Verdict on $name', (dialect) => {
  let db: TestDb;
  let t: TestApp;
  let server: LocalServer;

  beforeAll(async () => {
    db = await dialect.open();
    t = await startTestApp(db);
    server = await listenLocally(t);
  });
  afterAll(async () => {
    await t.close();
    await db.dispose();
  });

  async function siteWithClient(): Promise<{ site: TestSite; client: AdminClient }> {
    const site = await buildSite(t);
    return { site, client: adminClient(server, site) };
  }

  /** Creates one review per rating on `entity`, one after another, and returns them in call order. */
  async function createMany(client: AdminClient, entity: string, ratings: number[]) {
    const out = [];
    for (const rating of ratings) out.push(await client.reviews.createReview(newReview({ entityId: entity, rating })));
    return out;
  }

  it('createReview sends POST /_api/reviews/v1/reviews and returns the bare review in SDK shape', async () => {
    const { client } = await siteWithClient();
    const input = newReview({ rating: 5 });
    const before = server.sent.length;
    const review = await client.reviews.createReview(input);

    expect(server.sent.slice(before)).toEqual([{ method: 'POST', path: '/_api/reviews/v1/reviews' }]);
    expect(review._id).toMatch(/^[0-9a-f-]{36}$/);
    expect(review).not.toHaveProperty('id');
    expect(review).not.toHaveProperty('review');
    expect(review._createdDate).toBeInstanceOf(Date);
    expect(review._updatedDate).toBeInstanceOf(Date);
    expect(review.reviewDate).toBeInstanceOf(Date);
    expect(review).toMatchObject({
      namespace: 'stores',
      entityId: input.entityId,
      author: input.author,
      content: { rating: 5, title: 'Good', body: 'Works well', media: [] },
      moderation: { moderationStatus: 'APPROVED', manuallyChanged: false },
      revision: '1',
      foundHelpful: 0,
      foundUnhelpful: 0,
      helpfulness: 0,
      verified: false,
      publishCount: 1,
    });
  });

  it('getReview returns the bare review, and an unpublished one only with returnPrivateReviews', async () => {
    const { site, client } = await siteWithClient();
    const published = await client.reviews.createReview(newReview());
    const got = await client.reviews.getReview(idOf(published));
    expect(got._id).toBe(published._id);
    expect(got._createdDate).toEqual(published._createdDate);
    expect(got.content?.title).toBe('Good');

    await site.setModeration({ mode: 'HOLD_ALL', heldRatings: [] });
    const held = await client.reviews.createReview(newReview());
    expect(held.moderation?.moderationStatus).toBe('IN_MODERATION');

    const hidden = await sdkError(() => client.reviews.getReview(idOf(held)));
    expect(hidden.status).toBe(404);
    expect(hidden.details.applicationError?.code).toBe('REVIEW_NOT_FOUND');
    expect(hidden.requestId).toMatch(/^[0-9a-f-]{36}$/);

    const before = server.sent.length;
    const shown = await client.reviews.getReview(idOf(held), { returnPrivateReviews: true });
    expect(shown).toMatchObject({ _id: held._id, moderation: { moderationStatus: 'IN_MODERATION' } });
    expect(server.sent.slice(before)).toEqual([
      {
        method: 'GET',
        path: `/_api/reviews/v1/reviews/${held._id}?reviewId=${held._id}&returnPrivateReviews=true`,
      },
    ]);
  });

  it('queryReviews builder filters with eq, ne, in and the rating comparisons', async () => {
    const { client } = await siteWithClient();
    const entity = entityId();
    const other = entityId();
    const mine = await createMany(client, entity, [1, 2, 3, 4, 5]);
    const [elsewhere] = await createMany(client, other, [3]);
    const ratingsOf = (items: { content?: { rating?: number } }[]) =>
      items.map((r) => r.content?.rating).sort((a, b) => (a ?? 0) - (b ?? 0));
    const q = () => client.reviews.queryReviews();

    const byEntity = await q().eq('entityId', entity).find();
    expect(ratingsOf(byEntity.items)).toEqual([1, 2, 3, 4, 5]);
    expect(byEntity.items.every((r) => r.entityId === entity)).toBe(true);
    expect(byEntity.length).toBe(5);

    const notEntity = await q().ne('entityId', entity).find();
    expect(notEntity.items.map((r) => r._id)).toEqual([elsewhere?._id]);

    const both = await q().in('entityId', [entity, other]).find();
    expect(both.length).toBe(6);

    const byIds = await q().in('_id', [mine[0]?._id, mine[4]?._id]).find();
    expect(ratingsOf(byIds.items)).toEqual([1, 5]);

    expect(ratingsOf((await q().eq('entityId', entity).ge('content.rating', 4).find()).items)).toEqual([4, 5]);
    expect(ratingsOf((await q().eq('entityId', entity).gt('content.rating', 4).find()).items)).toEqual([5]);
    expect(ratingsOf((await q().eq('entityId', entity).le('content.rating', 2).find()).items)).toEqual([1, 2]);
    expect(ratingsOf((await q().eq('entityId', entity).lt('content.rating', 2).find()).items)).toEqual([1]);
    expect(ratingsOf((await q().eq('entityId', entity).ne('content.rating', 3).find()).items)).toEqual([1, 2, 4, 5]);
    expect(ratingsOf((await q().eq('content.rating', 3).find()).items)).toEqual([3, 3]);

    // A Date value goes over the wire as an ISO string and compares as a timestamp.
    const since = mine[2]?._createdDate ?? new Date(0);
    const recent = await q().eq('entityId', entity).ge('_createdDate', since).find();
    const expected = mine.filter((r) => (r._createdDate?.getTime() ?? 0) >= since.getTime()).map((r) => r._id);
    expect(recent.items.map((r) => r._id).sort()).toEqual(expected.sort());
    expect(expected.length).toBeGreaterThanOrEqual(3);
  });

  it('queryReviews with a query object returns { reviews, metadata } and pages with the returned cursor', async () => {
    const { client } = await siteWithClient();
    const entity = entityId();
    const created = await createMany(client, entity, [1, 2, 3, 4, 5]);
    const time = (r: { _createdDate?: Date | null }) => r._createdDate?.getTime() ?? 0;
    const byId = (a: { _id?: string | null }, b: { _id?: string | null }) => ((a._id ?? '') < (b._id ?? '') ? -1 : 1);
    const expected = created
      .filter((r) => (r.content?.rating ?? 0) >= 2)
      .sort((a, b) => time(b) - time(a) || byId(a, b))
      .map((r) => r._id);

    const first = await client.reviews.queryReviews({
      filter: { entityId: { $eq: entity }, 'content.rating': { $gte: 2 } },
      sort: [{ fieldName: '_createdDate', order: 'DESC' }],
      cursorPaging: { limit: 3 },
    });
    expect(first.reviews?.map((r) => r._id)).toEqual(expected.slice(0, 3));
    expect(first.reviews?.[0]?._createdDate).toBeInstanceOf(Date);
    expect(first.metadata?.count).toBe(3);
    const cursor = first.metadata?.cursors?.next;
    expect(cursor).toBeTypeOf('string');

    const second = await client.reviews.queryReviews({ cursorPaging: { cursor, limit: 3 } });
    expect(second.reviews?.map((r) => r._id)).toEqual(expected.slice(3));
    expect(second.metadata?.cursors?.next ?? null).toBeNull();
  });

  it('queryReviews builder sorts by _createdDate both ways, with items returned as SDK objects', async () => {
    const { client } = await siteWithClient();
    const entity = entityId();
    const created = await createMany(client, entity, [3, 1, 5, 2]);
    const time = (r: { _createdDate?: Date | null }) => r._createdDate?.getTime() ?? 0;
    // Server order: createdDate in the asked direction, then id ascending as the tie-break.
    const byId = (a: { _id?: string | null }, b: { _id?: string | null }) => ((a._id ?? '') < (b._id ?? '') ? -1 : 1);
    const expectedAsc = [...created].sort((a, b) => time(a) - time(b) || byId(a, b)).map((r) => r._id);
    const expectedDesc = [...created].sort((a, b) => time(b) - time(a) || byId(a, b)).map((r) => r._id);

    const asc = await client.reviews.queryReviews().eq('entityId', entity).ascending('_createdDate').find();
    expect(asc.items.map((r) => r._id)).toEqual(expectedAsc);
    expect(asc.items[0]?._createdDate).toBeInstanceOf(Date);

    const desc = await client.reviews.queryReviews().eq('entityId', entity).descending('_createdDate').find();
    expect(desc.items.map((r) => r._id)).toEqual(expectedDesc);
  });

  it('walks limit(2) pages with next() to the end, every review once, and back with prev()', async () => {
    const { client } = await siteWithClient();
    const entity = entityId();
    const created = await createMany(client, entity, [1, 2, 3, 4, 5]);

    const first = await client.reviews.queryReviews().eq('entityId', entity).ascending('_createdDate').limit(2).find();
    expect(first.length).toBe(2);
    expect(first.pageSize).toBe(2);
    expect(first.hasPrev()).toBe(false);
    expect(first.hasNext()).toBe(true);

    const pages = [first];
    let page = first;
    while (page.hasNext()) {
      page = await page.next();
      pages.push(page);
    }
    expect(pages.map((p) => p.length)).toEqual([2, 2, 1]);
    const seen = pages.flatMap((p) => p.items.map((r) => r._id));
    expect(seen).toHaveLength(5);
    expect(new Set(seen)).toEqual(new Set(created.map((r) => r._id)));
    expect(page.hasNext()).toBe(false);

    // The last page leads back to the middle one, and that one back to the first.
    expect(page.hasPrev()).toBe(true);
    const middle = await page.prev();
    expect(middle.items.map((r) => r._id)).toEqual(pages[1]?.items.map((r) => r._id));
    expect(middle.hasPrev()).toBe(true);
    const back = await middle.prev();
    expect(back.items.map((r) => r._id)).toEqual(first.items.map((r) => r._id));
    expect(back.hasPrev()).toBe(false);
    expect(back.hasNext()).toBe(true);
  });

  it('updateReview with the current revision returns revision "2"; a stale revision throws REVISION_MISMATCH', async () => {
    const { client } = await siteWithClient();
    const created = await client.reviews.createReview(newReview({ rating: 2 }));

    const before = server.sent.length;
    const updated = await client.reviews.updateReview(idOf(created), {
      revision: created.revision,
      content: { rating: 3, title: 'Better after all' },
    });
    expect(server.sent.slice(before)).toEqual([{ method: 'PATCH', path: `/_api/reviews/v1/reviews/${created._id}` }]);
    expect(updated).toMatchObject({
      _id: created._id,
      revision: '2',
      content: { rating: 3, title: 'Better after all', body: 'Works well' },
    });
    expect(updated._updatedDate).toBeInstanceOf(Date);
    expect(updated._createdDate).toEqual(created._createdDate);

    const stale = await sdkError(() =>
      client.reviews.updateReview(idOf(created), { revision: created.revision, content: { rating: 1 } }),
    );
    expect(stale.status).toBe(409);
    expect(stale.details.applicationError?.code).toBe('REVISION_MISMATCH');
    expect(stale.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect((await client.reviews.getReview(idOf(created))).content?.rating).toBe(3);
  });

  it('setReply and removeReply return { review } with the reply set, then gone', async () => {
    const { client } = await siteWithClient();
    const created = await client.reviews.createReview(newReview());

    const replied = await client.reviews.setReply(idOf(created), 'Thank you!');
    expect(replied.review?._id).toBe(created._id);
    expect(replied.review?.reply?.message).toBe('Thank you!');
    expect(replied.review?.reply?._createdDate).toBeInstanceOf(Date);

    const overwritten = await client.reviews.setReply(idOf(created), 'Thanks again');
    expect(overwritten.review?.reply?.message).toBe('Thanks again');

    const removed = await client.reviews.removeReply(idOf(created));
    expect(removed.review?._id).toBe(created._id);
    expect(removed.review?.reply ?? null).toBeNull();
    expect((await client.reviews.getReview(idOf(created))).reply ?? null).toBeNull();
  });

  it('updateModerationStatus returns { review } and hides a rejected review from public reads', async () => {
    const { client } = await siteWithClient();
    const created = await client.reviews.createReview(newReview());

    const rejected = await client.reviews.updateModerationStatus(idOf(created), { status: 'REJECTED' });
    expect(rejected.review).toMatchObject({
      _id: created._id,
      moderation: { moderationStatus: 'REJECTED', manuallyChanged: true },
    });
    const gone = await sdkError(() => client.reviews.getReview(idOf(created)));
    expect(gone.details.applicationError?.code).toBe('REVIEW_NOT_FOUND');

    const approved = await client.reviews.updateModerationStatus(idOf(created), { status: 'APPROVED' });
    expect(approved.review?.moderation?.moderationStatus).toBe('APPROVED');
    expect((await client.reviews.getReview(idOf(created)))._id).toBe(created._id);
  });

  it('countReviews returns { count }, counting private reviews only when asked', async () => {
    const { client } = await siteWithClient();
    const entity = entityId();
    const [, second] = await createMany(client, entity, [2, 4, 5]);
    await client.reviews.updateModerationStatus(idOf(second), { status: 'REJECTED' });

    expect(await client.reviews.countReviews({ filter: { entityId: entity } })).toEqual({ count: 2 });
    expect(await client.reviews.countReviews({ filter: { entityId: entity }, includePrivateReviews: true })).toEqual({
      count: 3,
    });
    expect(await client.reviews.countReviews({ filter: { entityId: entity, 'content.rating': { $gte: 4 } } })).toEqual({
      count: 1,
    });
  });

  it('bulkCreateReview with returnEntity reports each item, a duplicate author failing alone', async () => {
    const { client } = await siteWithClient();
    const entity = entityId();
    const author = contactId();
    const before = server.sent.length;
    const res = await client.reviews.bulkCreateReview(
      [
        newReview({ entityId: entity, contactId: author, rating: 5 }),
        newReview({ entityId: entity, rating: 3 }),
        newReview({ entityId: entity, contactId: author, rating: 1 }),
      ],
      { returnEntity: true },
    );
    expect(server.sent.slice(before)).toEqual([{ method: 'POST', path: '/reviews/v1/bulk/reviews/create' }]);
    expect(res.bulkActionMetadata).toEqual({ totalSuccesses: 2, totalFailures: 1, undetailedFailures: 0 });
    const [a, b, c] = res.results ?? [];
    expect(a?.itemMetadata).toMatchObject({ originalIndex: 0, success: true, _id: a?.review?._id });
    expect(a?.review).toMatchObject({ entityId: entity, content: { rating: 5 }, revision: '1' });
    expect(a?.review?._createdDate).toBeInstanceOf(Date);
    expect(b?.itemMetadata).toMatchObject({ originalIndex: 1, success: true });
    expect(b?.review?.content?.rating).toBe(3);
    expect(c?.itemMetadata).toMatchObject({
      originalIndex: 2,
      success: false,
      error: { code: 'REVIEW_ALREADY_EXISTS', data: { reviewId: a?.review?._id } },
    });
    expect(c?.review ?? null).toBeNull();
    expect(await client.reviews.countReviews({ filter: { entityId: entity } })).toEqual({ count: 2 });
  });

  it('bulkUpdateModerationStatus returns { jobId }; once the job completes the SDK sees the new status', async () => {
    const { site, client } = await siteWithClient();
    const entity = entityId();
    const created = await createMany(client, entity, [1, 2, 3]);
    const untouched = await client.reviews.createReview(newReview());

    const before = server.sent.length;
    const res = await client.reviews.bulkUpdateModerationStatus({ filter: { entityId: entity }, status: 'REJECTED' });
    expect(server.sent.slice(before)).toEqual([{ method: 'POST', path: '/reviews/v1/bulk/reviews/moderate' }]);
    expect(Object.keys(res)).toEqual(['jobId']);
    const job = await jobFinished(server, site, res.jobId ?? '');
    expect(job).toMatchObject({ status: 'COMPLETED', succeeded: 3, failed: 0 });

    expect(await client.reviews.countReviews({ filter: { entityId: entity } })).toEqual({ count: 0 });
    const all = await client.reviews.queryReviews({ returnPrivateReviews: true }).eq('entityId', entity).find();
    expect(all.items.map((r) => r._id).sort()).toEqual(created.map((r) => r._id).sort());
    expect(all.items.every((r) => r.moderation?.moderationStatus === 'REJECTED')).toBe(true);
    expect((await client.reviews.getReview(idOf(untouched))).moderation?.moderationStatus).toBe('APPROVED');
  });

  it('bulkDeleteReviews returns { jobId }; once the job completes the reviews are gone from every read', async () => {
    const { site, client } = await siteWithClient();
    const entity = entityId();
    const created = await createMany(client, entity, [4, 5]);
    const kept = await client.reviews.createReview(newReview());

    const before = server.sent.length;
    const res = await client.reviews.bulkDeleteReviews({ filter: { entityId: entity } });
    expect(server.sent.slice(before)).toEqual([{ method: 'POST', path: '/reviews/v1/bulk/reviews/delete' }]);
    expect(Object.keys(res)).toEqual(['jobId']);
    expect(await jobFinished(server, site, res.jobId ?? '')).toMatchObject({ status: 'COMPLETED', succeeded: 2 });

    expect(await client.reviews.countReviews({ filter: { entityId: entity }, includePrivateReviews: true })).toEqual({
      count: 0,
    });
    const err = await sdkError(() => client.reviews.getReview(idOf(created[0]), { returnPrivateReviews: true }));
    expect(err.details.applicationError?.code).toBe('REVIEW_NOT_FOUND');
    expect((await client.reviews.getReview(idOf(kept)))._id).toBe(kept._id);
  });

  it('deleteReview returns { review } with the deleted review, which then cannot be read', async () => {
    const { client } = await siteWithClient();
    const created = await client.reviews.createReview(newReview());

    const before = server.sent.length;
    const deleted = await client.reviews.deleteReview(idOf(created));
    expect(server.sent.slice(before)).toEqual([
      { method: 'DELETE', path: `/_api/reviews/v1/reviews/${created._id}?reviewId=${created._id}` },
    ]);
    expect(deleted.review).toMatchObject({ _id: created._id, entityId: created.entityId });
    const err = await sdkError(() => client.reviews.getReview(idOf(created), { returnPrivateReviews: true }));
    expect(err.details.applicationError?.code).toBe('REVIEW_NOT_FOUND');
  });

  it('rejects a rating of 6 with an SDK validation error naming review.content.rating', async () => {
    const { client } = await siteWithClient();
    const input = newReview({ rating: 6 });
    const err = await sdkError(() => client.reviews.createReview(input));
    expect(err.status).toBe(400);
    const fields = (err.details.validationError?.fieldViolations ?? []).map((v) => v.field);
    expect(fields).toContain('review.content.rating');
    expect(err.details.applicationError).toBeUndefined();
    expect(err.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(
      await client.reviews.countReviews({ filter: { entityId: input.entityId }, includePrivateReviews: true }),
    ).toEqual({ count: 0 });
  });

  describe('as a visitor (OAuthStrategy)', () => {
    let restoreFetch: () => void;
    beforeAll(() => {
      restoreFetch = routeGlobalFetchTo(server);
    });
    afterAll(() => restoreFetch());

    it('gets an anonymous token from /oauth2/token, reads published reviews and writes its own review', async () => {
      const { site, client: admin } = await siteWithClient();
      const entity = entityId();
      const published = await admin.reviews.createReview(newReview({ entityId: entity, rating: 5 }));
      const rejected = await admin.reviews.createReview(newReview({ entityId: entity, rating: 1 }));
      await admin.reviews.updateModerationStatus(idOf(rejected), { status: 'REJECTED' });

      const visitor = visitorClient(server, site);
      const before = server.sent.length;
      const page = await visitor.reviews.queryReviews().eq('entityId', entity).find();
      expect(server.sent.slice(before).map((r) => `${r.method} ${r.path}`)).toEqual([
        'POST https://www.wixapis.com/oauth2/token',
        'POST /_api/reviews/v1/reviews/query',
      ]);
      expect(page.items.map((r) => r._id)).toEqual([published._id]);
      // Asking for private reviews does not reveal other people's unpublished ones.
      const privately = await visitor.reviews
        .queryReviews({ returnPrivateReviews: true })
        .eq('entityId', entity)
        .find();
      expect(privately.items.map((r) => r._id)).toEqual([published._id]);

      const own = await visitor.reviews.createReview({
        namespace: 'stores',
        entityId: entity,
        author: { authorName: 'Vera' },
        content: { rating: 4, title: 'Mine' },
      });
      expect(own).toMatchObject({
        entityId: entity,
        author: { authorName: 'Vera' },
        origin: { type: 'ORGANIC' },
        moderation: { moderationStatus: 'APPROVED' },
        revision: '1',
      });
      expect(own.author?.contactId).toMatch(/^[0-9a-f-]{36}$/);
      expect(await visitor.reviews.countReviews({ filter: { entityId: entity } })).toEqual({ count: 2 });
    });

    it('is refused updateReview with 403 PERMISSION_DENIED, leaving the review unchanged', async () => {
      const { site, client: admin } = await siteWithClient();
      const visitor = visitorClient(server, site);
      const own = await visitor.reviews.createReview({
        namespace: 'stores',
        entityId: entityId(),
        content: { rating: 4, title: 'Mine' },
      });

      const err = await sdkError(() =>
        visitor.reviews.updateReview(idOf(own), { revision: own.revision, content: { rating: 1 } }),
      );
      expect(err.status).toBe(403);
      expect(err.details.applicationError?.code).toBe('PERMISSION_DENIED');
      expect(err.requestId).toMatch(/^[0-9a-f-]{36}$/);
      expect(await admin.reviews.getReview(idOf(own))).toMatchObject({ revision: '1', content: { rating: 4 } });
    });

    it('keeps its identity when the SDK renews an expired access token with its refresh token', async () => {
      const { site } = await siteWithClient();
      await site.setModeration({ mode: 'HOLD_ALL', heldRatings: [] });
      const first = visitorClient(server, site);
      const held = await first.reviews.createReview({
        namespace: 'stores',
        entityId: entityId(),
        content: { rating: 2, title: 'Pending' },
      });
      expect(held.moderation?.moderationStatus).toBe('IN_MODERATION');

      // The same visitor later, with an expired access token: the SDK must renew it with the refresh token.
      const { refreshToken } = first.auth.getTokens();
      const later = visitorClient(server, site, { accessToken: { value: 'expired', expiresAt: 0 }, refreshToken });
      const before = server.sent.length;
      const mine = await later.reviews.getReview(idOf(held), { returnPrivateReviews: true });
      expect(mine._id).toBe(held._id);
      expect(server.sent.slice(before).map((r) => `${r.method} ${r.path.split('?')[0]}`)).toEqual([
        'POST https://www.wixapis.com/oauth2/token',
        `GET /_api/reviews/v1/reviews/${held._id}`,
      ]);
    });
  });
});
