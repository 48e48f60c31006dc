/**
 * `verdict/sdk` against a real listening Verdict server on every dialect: every `reviews` method with its Velo
 * shapes and return unwrapping, the query builder paged to the end, ratings, contacts, jobs, typed errors and
 * elevate() allowed and denied.
 */

import { type CreateReviewInput, elevate, type Review } from 'verdict/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSite, contactId, entityId, type TestSite, waitFor } from '../support/app.ts';
import { dialects, type TestDb } from '../support/databases.ts';
import { type SdkServer, startSdkServer, verdictError } from './support.ts';

function newReview(over: Partial<CreateReviewInput> & { rating?: number } = {}): CreateReviewInput {
  const { rating, ...rest } = over;
  return {
    namespace: 'stores',
    entityId: entityId(),
    author: { contactId: contactId(), authorName: 'Ann' },
    content: { rating: rating ?? 4, title: 'Good', body: 'Works well' },
    ...rest,
  };
}

describe.each(dialects())('verdict/sdk reviews against Verdict on $name', (dialect) => {
  let db: TestDb;
  let s: SdkServer;
  beforeAll(async () => {
    db = await dialect.open();
    s = await startSdkServer(db);
  });
  afterAll(async () => {
    await s.close();
    await db.dispose();
  });

  const newSite = () => buildSite(s.t);
  const sentSince = (n: number) => s.sent.slice(n).map((r) => `${r.method} ${r.path}`);

  it('createReview sends POST /reviews/v1/reviews and returns the bare review in Velo shape', async () => {
    const site = await newSite();
    const { reviews } = s.client(site, 'admin');
    const input = newReview({ rating: 5, reviewDate: new Date('2024-03-01T10:00:00.000Z') });
    const before = s.sent.length;
    const review = await reviews.createReview(input);
    expect(sentSince(before)).toEqual(['POST /reviews/v1/reviews']);
    expect(s.sent[before]?.body).toEqual({
      review: { ...input, reviewDate: '2024-03-01T10:00:00.000Z', content: { ...input.content } },
    });
    expect(review).not.toHaveProperty('id');
    expect(review).not.toHaveProperty('createdDate');
    expect(review._id).toMatch(/^[0-9a-f-]{36}$/);
    expect(review._createdDate).toBeInstanceOf(Date);
    expect(review._updatedDate).toBeInstanceOf(Date);
    expect(review.reviewDate).toEqual(new Date('2024-03-01T10:00:00.000Z'));
    expect(review).toMatchObject({
      namespace: 'stores',
      entityId: input.entityId,
      author: input.author,
      content: { rating: 5, title: 'Good', body: 'Works well', media: [] },
      moderation: { moderationStatus: 'APPROVED', manuallyChanged: false },
      revision: '1',
    });
  });

  it('createReview with a client _id is idempotent: the same call returns the same review', async () => {
    const site = await newSite();
    const { reviews } = s.client(site, 'admin');
    const input = newReview({ _id: crypto.randomUUID() });
    const a = await reviews.createReview(input);
    const b = await reviews.createReview(input);
    expect(a._id).toBe(input._id);
    expect(b._id).toBe(input._id);
  });

  it('turns media into wix:image / wix:video strings and back, and keeps plain URLs as URLs', async () => {
    const site = await newSite();
    const { reviews } = s.client(site, 'admin');
    const image = 'wix:image://v1/img-1/shoe%20photo.jpg#originWidth=640&originHeight=480';
    const video = 'wix:video://v1/vid-1/clip.mp4';
    const created = await reviews.createReview(
      newReview({ content: { rating: 4, media: [{ image }, { video }, { image: 'https://cdn.example.com/a.png' }] } }),
    );
    const wire = s.sent.at(-1)?.body as { review: { content: { media: unknown[] } } };
    expect(wire.review.content.media).toEqual([
      {
        image: {
          id: 'img-1',
          filename: 'shoe photo.jpg',
          altText: 'shoe photo.jpg',
          url: image,
          width: 640,
          height: 480,
        },
      },
      { video: { id: 'vid-1', filename: 'clip.mp4' } },
      { image: { url: 'https://cdn.example.com/a.png' } },
    ]);
    expect(created.content.media).toEqual([{ image }, { video }, { image: 'https://cdn.example.com/a.png' }]);
    expect((await reviews.getReview(created._id)).content.media).toEqual(created.content.media);
  });

  it('createReviewAndContact returns { review } written by a new contact named after `name`', async () => {
    const site = await newSite();
    const { reviews } = s.client(site, 'visitor');
    const entity = entityId();
    const res = await reviews.createReviewAndContact(
      'stores',
      entity,
      { rating: 3, title: 'Okay' },
      {
        name: 'Bo',
        email: `bo-${entity}@example.com`,
      },
    );
    expect(Object.keys(res)).toEqual(['review']);
    expect(res.review).toMatchObject({ namespace: 'stores', entityId: entity, author: { authorName: 'Bo' } });
    expect(res.review.author.contactId).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.review._createdDate).toBeInstanceOf(Date);
  });

  it('getReview returns the bare review, and a held one only with returnPrivateReviews', async () => {
    const site = await newSite();
    await site.setModeration({ mode: 'HOLD_ALL', heldRatings: [] });
    const { reviews } = s.client(site, 'admin');
    const created = await reviews.createReview(newReview());
    expect(created.moderation.moderationStatus).toBe('IN_MODERATION');
    const hidden = await verdictError(() => reviews.getReview(created._id));
    expect(hidden).toMatchObject({ status: 404, code: 'REVIEW_NOT_FOUND', fieldViolations: [] });
    expect(hidden.requestId).toMatch(/^[0-9a-f-]{36}$/);
    const before = s.sent.length;
    const got = await reviews.getReview(created._id, { returnPrivateReviews: true });
    expect(sentSince(before)).toEqual([`GET /reviews/v1/reviews/${created._id}?returnPrivateReviews=true`]);
    expect(got).toEqual(created);
  });

  it('updateReview changes only the fields given, honours fieldMask, and throws REVISION_MISMATCH on a stale revision', async () => {
    const site = await newSite();
    const { reviews } = s.client(site, 'admin');
    const created = await reviews.createReview(newReview());
    const updated = await reviews.updateReview(created._id, {
      revision: created.revision,
      content: { title: 'Better' },
    });
    expect(updated).toMatchObject({
      _id: created._id,
      revision: '2',
      content: { title: 'Better', body: 'Works well', rating: 4 },
    });
    expect(s.sent.at(-1)?.body).toEqual({ review: { id: created._id, revision: '1', content: { title: 'Better' } } });
    const masked = await reviews.updateReview(
      created._id,
      { revision: '2', content: { title: 'Ignored', body: 'New body' } },
      { fieldMask: ['content.body'] },
    );
    expect(masked.content).toMatchObject({ title: 'Better', body: 'New body' });
    const stale = await verdictError(() =>
      reviews.updateReview(created._id, { revision: '1', content: { rating: 1 } }),
    );
    expect(stale).toMatchObject({ status: 409, code: 'REVISION_MISMATCH' });
  });

  it('updateReviewContent replaces the content and returns the bare review', async () => {
    const site = await newSite();
    const { reviews } = s.client(site, 'admin');
    const created = await reviews.createReview(newReview());
    const before = s.sent.length;
    const updated = await reviews.updateReviewContent(created._id, { content: { rating: 2, title: 'Meh' } });
    expect(sentSince(before)).toEqual([`PUT /reviews/v1/reviews/content/${created._id}`]);
    expect(updated).toMatchObject({ _id: created._id, content: { rating: 2, title: 'Meh' }, revision: '2' });
  });

  it('setReply and removeReply return { review } with the reply (dates as Date), then without it', async () => {
    const site = await newSite();
    const { reviews } = s.client(site, 'admin');
    const created = await reviews.createReview(newReview());
    const set = await reviews.setReply(created._id, 'Thank you!');
    expect(Object.keys(set)).toEqual(['review']);
    expect(set.review.reply?.message).toBe('Thank you!');
    expect(set.review.reply?._createdDate).toBeInstanceOf(Date);
    expect(set.review.reply?._updatedDate).toBeInstanceOf(Date);
    const removed = await reviews.removeReply(created._id);
    expect(Object.keys(removed)).toEqual(['review']);
    expect(removed.review.reply).toBeUndefined();
  });

  it('updateModerationStatus returns { review } and a rejected review leaves public reads', async () => {
    const site = await newSite();
    const { reviews } = s.client(site, 'admin');
    const created = await reviews.createReview(newReview());
    const res = await reviews.updateModerationStatus(created._id, { status: 'REJECTED' });
    expect(Object.keys(res)).toEqual(['review']);
    expect(res.review.moderation).toEqual({ moderationStatus: 'REJECTED', manuallyChanged: true });
    const visitor = s.client(site, 'visitor').reviews;
    expect((await verdictError(() => visitor.getReview(created._id))).code).toBe('REVIEW_NOT_FOUND');
  });

  it('deleteReview returns { review } with the deleted review, which then cannot be read', async () => {
    const site = await newSite();
    const { reviews } = s.client(site, 'admin');
    const created = await reviews.createReview(newReview());
    const res = await reviews.deleteReview(created._id);
    expect(res).toEqual({ review: expect.objectContaining({ _id: created._id }) });
    expect(sentSince(s.sent.length - 1)).toEqual([`DELETE /reviews/v1/reviews/${created._id}`]);
    const gone = await verdictError(() => reviews.getReview(created._id, { returnPrivateReviews: true }));
    expect(gone).toMatchObject({ status: 404, code: 'REVIEW_NOT_FOUND' });
  });

  it('rejects a rating of 6 with a VerdictError listing the field violation', async () => {
    const site = await newSite();
    const { reviews } = s.client(site, 'admin');
    const err = await verdictError(() => reviews.createReview(newReview({ rating: 6 })));
    expect(err).toBeInstanceOf(Error);
    expect(err.status).toBe(400);
    expect(err.code).toBe('INVALID_ARGUMENT');
    expect(err.fieldViolations.map((v) => v.field)).toEqual(['review.content.rating']);
    expect(err.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  describe('queryReviews builder', () => {
    let site: TestSite;
    let entity: string;
    let made: Review[];
    let visitor: ReturnType<SdkServer['client']>;
    beforeAll(async () => {
      site = await newSite();
      visitor = s.client(site, 'visitor');
      entity = entityId();
      const { reviews } = s.client(site, 'admin');
      made = [];
      for (const rating of [1, 2, 3, 4, 5, 5, 2])
        made.push(await reviews.createReview(newReview({ entityId: entity, rating })));
    });
    const q = () => visitor.reviews.queryReviews().eq('entityId', entity);
    const ratings = (items: Review[]) => items.map((r) => r.content.rating);

    it('filters with eq, ne, gt, ge, lt, le and in, sending the official SDK wire body', async () => {
      const asc = (b: ReturnType<typeof q>) => b.ascending('_createdDate').find();
      expect(ratings((await asc(q().ne('content.rating', 2))).items)).toEqual([1, 3, 4, 5, 5]);
      expect(ratings((await asc(q().gt('content.rating', 3))).items)).toEqual([4, 5, 5]);
      expect(ratings((await asc(q().ge('content.rating', 3))).items)).toEqual([3, 4, 5, 5]);
      expect(ratings((await asc(q().lt('content.rating', 3))).items)).toEqual([1, 2, 2]);
      expect(ratings((await asc(q().le('content.rating', 3))).items)).toEqual([1, 2, 3, 2]);
      const ids = [made[0]?._id ?? '', made[4]?._id ?? ''];
      const before = s.sent.length;
      expect(ratings((await asc(q().in('_id', ids))).items)).toEqual([1, 5]);
      expect(s.sent[before]?.body).toEqual({
        query: {
          filter: { $and: [{ entityId: entity }, { id: { $in: ids } }] },
          sort: [{ fieldName: 'createdDate', order: 'ASC' }],
          cursorPaging: { limit: 50 },
        },
      });
      const since = made[3]?._createdDate ?? new Date();
      expect(ratings((await asc(q().ge('_createdDate', since))).items)).toEqual([4, 5, 5, 2]);
    });

    it('combines builders with and, or and not, and tests emptiness with isEmpty / isNotEmpty', async () => {
      const { reviews } = visitor;
      const low = reviews.queryReviews().le('content.rating', 1);
      const high = reviews.queryReviews().ge('content.rating', 5);
      expect(ratings((await q().and(low.or(high)).ascending('_createdDate').find()).items)).toEqual([1, 5, 5]);
      const notLowOrHigh = q().and(reviews.queryReviews().not(low.or(high)));
      expect(ratings((await notLowOrHigh.ascending('_createdDate').find()).items)).toEqual([2, 3, 4, 2]);
      expect((await q().isEmpty('author.contactId').find()).items).toEqual([]);
      expect((await q().isNotEmpty('author.contactId').find()).length).toBe(7);
    });

    it('sorts with ascending and descending in call order', async () => {
      const res = await q().descending('content.rating').ascending('_createdDate').find();
      expect(ratings(res.items)).toEqual([5, 5, 4, 3, 2, 2, 1]);
      expect(res.items.slice(0, 2).map((r) => r._id)).toEqual([made[4]?._id, made[5]?._id]);
    });

    it('pages with limit and next() to the end, every review once, then back with prev()', async () => {
      const seen: string[] = [];
      let page = await q().ascending('_createdDate').limit(3).find();
      expect(page.pageSize).toBe(3);
      expect(page.hasPrev()).toBe(false);
      const pages = [page];
      for (;;) {
        seen.push(...page.items.map((r) => r._id));
        if (!page.hasNext()) break;
        page = await page.next();
        pages.push(page);
      }
      expect(pages.map((p) => p.length)).toEqual([3, 3, 1]);
      expect(seen).toEqual(made.map((r) => r._id));
      await expect(page.next()).rejects.toThrow('No next page to fetch');
      const back = await page.prev();
      expect(back.items.map((r) => r._id)).toEqual(pages[1]?.items.map((r) => r._id));
      expect(back.hasPrev()).toBe(true);
    });

    it('skipTo(cursor) continues a query from a cursor of an earlier result', async () => {
      const first = await q().ascending('_createdDate').limit(4).find();
      const cursor = first.cursors.next;
      expect(cursor).toEqual(expect.any(String));
      const { reviews } = visitor;
      const rest = await reviews
        .queryReviews()
        .limit(4)
        .skipTo(cursor ?? '')
        .find();
      expect(rest.items.map((r) => r._id)).toEqual(made.slice(4).map((r) => r._id));
      expect(rest.hasNext()).toBe(false);
    });

    it('returns private reviews only with returnPrivateReviews, and countReviews counts them only when asked', async () => {
      const { reviews } = s.client(site, 'admin');
      const rejected = made[6]?._id ?? '';
      await reviews.updateModerationStatus(rejected, { status: 'REJECTED' });
      const filter = { entityId: entity, _createdDate: { $gte: made[0]?._createdDate } };
      expect(await reviews.countReviews({ filter })).toEqual({ count: 6 });
      expect(s.sent.at(-1)?.body).toEqual({
        filter: { entityId: entity, createdDate: { $gte: made[0]?._createdDate.toISOString() } },
      });
      expect(await reviews.countReviews({ filter, includePrivateReviews: true })).toEqual({ count: 7 });
      const publicIds = (await reviews.queryReviews().eq('entityId', entity).find()).items.map((r) => r._id);
      expect(publicIds).not.toContain(rejected);
      const all = await reviews.queryReviews({ returnPrivateReviews: true }).eq('entityId', entity).find();
      expect(all.items.map((r) => r._id)).toContain(rejected);
      await reviews.updateModerationStatus(rejected, { status: 'APPROVED' });
    });
  });

  it('bulkCreateReview reports each item with _id, a duplicate author failing alone', async () => {
    const site = await newSite();
    const { reviews } = s.client(site, 'admin');
    const entity = entityId();
    const author = { contactId: contactId() };
    const res = await reviews.bulkCreateReview(
      [
        { namespace: 'stores', entityId: entity, author, content: { rating: 5 } },
        { namespace: 'stores', entityId: entity, author, content: { rating: 4 } },
      ],
      { returnEntity: true },
    );
    expect(res.bulkActionMetadata).toEqual({ totalSuccesses: 1, totalFailures: 1, undetailedFailures: 0 });
    expect(res.results[0]?.itemMetadata).toMatchObject({
      originalIndex: 0,
      success: true,
      _id: res.results[0]?.review?._id,
    });
    expect(res.results[0]?.review?._createdDate).toBeInstanceOf(Date);
    expect(res.results[1]?.itemMetadata).toMatchObject({
      originalIndex: 1,
      success: false,
      error: { code: 'REVIEW_ALREADY_EXISTS' },
    });
  });

  it('bulkUpdateModerationStatus and bulkDeleteReviews return { jobId }; jobs.getJob follows the job to the end', async () => {
    const site = await newSite();
    const { reviews, jobs } = s.client(site, 'admin');
    const entity = entityId();
    for (const rating of [3, 4]) await reviews.createReview(newReview({ entityId: entity, rating }));
    const finished = (jobId: string) =>
      waitFor(`job ${jobId}`, async () => {
        const job = await jobs.getJob(jobId);
        return job.status === 'COMPLETED' || job.status === 'FAILED' ? job : undefined;
      });
    const moderate = await reviews.bulkUpdateModerationStatus({ filter: { entityId: entity }, status: 'REJECTED' });
    expect(Object.keys(moderate)).toEqual(['jobId']);
    const mJob = await finished(moderate.jobId);
    expect(mJob).toMatchObject({ _id: moderate.jobId, status: 'COMPLETED', succeeded: 2 });
    expect(mJob._createdDate).toBeInstanceOf(Date);
    expect(await reviews.countReviews({ filter: { entityId: entity } })).toEqual({ count: 0 });
    const del = await reviews.bulkDeleteReviews({ filter: { entityId: entity } });
    expect(await finished(del.jobId)).toMatchObject({ status: 'COMPLETED', succeeded: 2 });
    expect(await reviews.countReviews({ filter: { entityId: entity }, includePrivateReviews: true })).toEqual({
      count: 0,
    });
  });

  it('ratings: getRatingSummary and batchRatingSummaries count approved reviews only', async () => {
    const site = await newSite();
    const admin = s.client(site, 'admin');
    const [a, b] = [entityId(), entityId()];
    await admin.reviews.createReview(newReview({ entityId: a, rating: 5 }));
    const low = await admin.reviews.createReview(newReview({ entityId: a, rating: 2 }));
    await admin.reviews.updateModerationStatus(low._id, { status: 'REJECTED' });
    const { ratings } = s.client(site, 'visitor');
    expect(await ratings.getRatingSummary('stores', a)).toEqual({
      namespace: 'stores',
      entityId: a,
      count: 1,
      average: 5,
      histogram: { '1': 0, '2': 0, '3': 0, '4': 0, '5': 1 },
    });
    const batch = await ratings.batchRatingSummaries('stores', [b, a]);
    expect(batch.summaries.map((x) => [x.entityId, x.count])).toEqual([
      [b, 0],
      [a, 1],
    ]);
  });

  it('contacts.createMemberToken mints a token a member client writes with, as its own contact', async () => {
    const site = await newSite();
    const member = contactId();
    const { accessToken, expiresIn } = await s
      .client(site, 'admin')
      .contacts.createMemberToken(member, { ttlSeconds: 600 });
    expect(expiresIn).toBe(600);
    const { reviews } = s.client(site, { memberToken: accessToken });
    const review = await reviews.createReview({ namespace: 'stores', entityId: entityId(), content: { rating: 5 } });
    expect(review.author.contactId).toBe(member);
    const denied = await verdictError(() => s.client(site, 'visitor').contacts.createMemberToken(member));
    expect(denied).toMatchObject({ status: 403, code: 'PERMISSION_DENIED' });
  });

  describe('elevate()', () => {
    it('runs a restricted call with the admin key for a visitor client that has adminApiKey', async () => {
      const site = await newSite();
      const created = await s.client(site, 'admin').reviews.createReview(newReview());
      const visitor = s.client(site, 'visitor', { adminApiKey: site.adminKey });
      const denied = await verdictError(() =>
        visitor.reviews.updateReview(created._id, { revision: '1', content: { title: 'X' } }),
      );
      expect(denied).toMatchObject({ status: 403, code: 'PERMISSION_DENIED' });
      const elevatedUpdate = elevate(visitor.reviews.updateReview);
      const updated = await elevatedUpdate(created._id, { revision: '1', content: { title: 'X' } });
      expect(updated.content.title).toBe('X');
      expect(s.sent.at(-1)?.path).toBe(`/reviews/v1/reviews/${created._id}`);
      const { review } = await visitor.elevate(visitor.reviews.setReply)(created._id, 'Thanks');
      expect(review.reply?.message).toBe('Thanks');
      const page = await elevate(visitor.reviews.queryReviews)({ returnPrivateReviews: true })
        .eq('_id', created._id)
        .find();
      expect(page.items.map((r) => r._id)).toEqual([created._id]);
    });

    it('fails at call time with a clear error when the client has no admin credentials', async () => {
      const site = await newSite();
      const visitor = s.client(site, 'visitor');
      const elevatedDelete = elevate(visitor.reviews.deleteReview);
      expect(() => elevatedDelete(crypto.randomUUID())).toThrow(/no admin credentials/);
      expect(() => elevate(() => 1)).toThrow(/function of a Verdict client module/);
    });

    it('a member client without elevation gets PERMISSION_DENIED as a typed VerdictError on every restricted call', async () => {
      const site = await newSite();
      const created = await s.client(site, 'admin').reviews.createReview(newReview());
      const { reviews, jobs } = s.client(site, { memberToken: await site.memberToken(contactId()) });
      const calls: [string, () => Promise<unknown>][] = [
        ['updateReview', () => reviews.updateReview(created._id, { revision: '1' })],
        ['updateReviewContent', () => reviews.updateReviewContent(created._id, { content: { rating: 1 } })],
        ['deleteReview', () => reviews.deleteReview(created._id)],
        ['setReply', () => reviews.setReply(created._id, 'x')],
        ['removeReply', () => reviews.removeReply(created._id)],
        ['updateModerationStatus', () => reviews.updateModerationStatus(created._id, { status: 'REJECTED' })],
        [
          'bulkCreateReview',
          () =>
            reviews.bulkCreateReview([
              { namespace: 'stores', entityId: 'e', author: { contactId: contactId() }, content: {} },
            ]),
        ],
        ['bulkDeleteReviews', () => reviews.bulkDeleteReviews({ filter: {} })],
        ['bulkUpdateModerationStatus', () => reviews.bulkUpdateModerationStatus({ filter: {}, status: 'APPROVED' })],
        ['getJob', () => jobs.getJob(crypto.randomUUID())],
      ];
      for (const [name, fn] of calls) {
        const err = await verdictError(fn);
        expect([name, err.status, err.code]).toEqual([name, 403, 'PERMISSION_DENIED']);
      }
    });
  });
});
