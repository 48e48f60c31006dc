import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/server/sites/sites.service.ts';
import {
  buildSite,
  call,
  noRateLimits,
  reviewBody,
  startTestApp,
  type TestApp,
  type TestSite,
  waitFor,
} from '../support/app.ts';
import { dialects, type TestDb } from '../support/databases.ts';

describe.each(dialects())('bulk operations on $name', (dialect) => {
  let db: TestDb;
  let t: TestApp;
  let site: TestSite;
  beforeAll(async () => {
    db = await dialect.open();
    // The bulk tests seed well over a hundred reviews one by one from one address: volume, not a limit under test.
    t = await startTestApp(db, noRateLimits());
    site = await buildSite(t);
  });
  afterAll(async () => {
    await t.close();
    await db.dispose();
  });

  async function jobDone(jobId: string) {
    return waitFor(`job ${jobId} to complete`, async () => {
      const res = await call(t.app, 'GET', `/verdict/v1/jobs/${jobId}`, { auth: site.adminKey });
      return res.body.job.status === 'COMPLETED' || res.body.job.status === 'FAILED' ? res.body.job : undefined;
    });
  }

  async function seed(entity: string, ratings: number[]) {
    const ids: string[] = [];
    for (const rating of ratings) {
      const res = await call(t.app, 'POST', '/reviews/v1/reviews', {
        auth: site.adminKey,
        body: reviewBody({ entityId: entity, content: { rating } }),
      });
      expect(res.status).toBe(200);
      ids.push(res.body.review.id);
    }
    return ids;
  }

  it('bulkCreateReview creates valid items and reports each failing item with its index', async () => {
    const ok = reviewBody().review;
    const dup = { ...reviewBody().review };
    const res = await call(t.app, 'POST', '/reviews/v1/bulk/reviews/create', {
      auth: site.adminKey,
      body: {
        reviews: [
          { ...ok, content: { rating: 5 } },
          { ...dup, content: { rating: 3 } },
          { ...dup, content: { rating: 2 } },
          { ...reviewBody().review, content: { title: 'no rating' } },
        ],
        returnEntity: true,
      },
    });
    expect(res.status).toBe(200);
    expect(res.body.bulkActionMetadata).toEqual({ totalSuccesses: 2, totalFailures: 2, undetailedFailures: 0 });
    const [a, b, c, d] = res.body.results;
    expect(a.itemMetadata).toMatchObject({ originalIndex: 0, success: true });
    expect(a.review.content.rating).toBe(5);
    expect(b.itemMetadata.success).toBe(true);
    expect(c.itemMetadata).toMatchObject({
      originalIndex: 2,
      success: false,
      error: { code: 'REVIEW_ALREADY_EXISTS' },
    });
    expect(d.itemMetadata).toMatchObject({ originalIndex: 3, success: false, error: { code: 'INVALID_ARGUMENT' } });
    expect(c.review).toBeUndefined();
  });

  it('bulkCreateReview writes 100 items in order, keeping summaries and events exact, and fails only the taken slots', async () => {
    const entity = `bb-${crypto.randomUUID().slice(0, 8)}`;
    const existing = reviewBody({ entityId: entity, content: { rating: 1 } }).review;
    expect(
      (await call(t.app, 'POST', '/reviews/v1/reviews', { auth: site.adminKey, body: { review: existing } })).status,
    ).toBe(200);
    const items = Array.from(
      { length: 100 },
      (_, i) => reviewBody({ entityId: entity, content: { rating: (i % 5) + 1 } }).review,
    );
    items[10] = { ...items[10], author: existing.author };
    items[20] = { ...items[20], author: (items[19] as { author: unknown }).author };
    const res = await call(t.app, 'POST', '/reviews/v1/bulk/reviews/create', {
      auth: site.adminKey,
      body: { reviews: items },
    });
    expect(res.status).toBe(200);
    expect(
      res.body.results.map((r: { itemMetadata: { originalIndex: number } }) => r.itemMetadata.originalIndex),
    ).toEqual(Array.from({ length: 100 }, (_, i) => i));
    const failed = res.body.results.filter((r: { itemMetadata: { success: boolean } }) => !r.itemMetadata.success);
    expect(
      failed.map((r: { itemMetadata: { originalIndex: number; error: { code: string } } }) => [
        r.itemMetadata.originalIndex,
        r.itemMetadata.error.code,
      ]),
    ).toEqual([
      [10, 'REVIEW_ALREADY_EXISTS'],
      [20, 'REVIEW_ALREADY_EXISTS'],
    ]);
    const ratings = items
      .filter((_, i) => i !== 10 && i !== 20)
      .map((r) => (r as { content: { rating: number } }).content.rating)
      .concat([1]);
    const summary = await call(t.app, 'GET', `/verdict/v1/ratings/summary?namespace=stores&entityId=${entity}`, {
      auth: site.adminKey,
    });
    expect(summary.body.summary.count).toBe(99);
    expect(summary.body.summary.histogram).toEqual(
      Object.fromEntries([1, 2, 3, 4, 5].map((n) => [String(n), ratings.filter((r) => r === n).length])),
    );
    const created = res.body.results.find(
      (r: { itemMetadata: { originalIndex: number } }) => r.itemMetadata.originalIndex === 0,
    );
    const events = await t.deps.db
      .selectFrom('outbox_events')
      .select(['slug', 'entity_event_sequence'])
      .where('site_id', '=', site.siteId)
      .where('entity_id', '=', created.itemMetadata.id)
      .orderBy('position')
      .execute();
    expect(events.map((e) => [e.slug, Number(e.entity_event_sequence)])).toEqual([
      ['created', 1],
      ['moderation_status_changed', 2],
      ['review_published', 3],
    ]);
  });

  it('bulkCreateReview refuses 0 and 101 items, and items without author.contactId, as a whole', async () => {
    const none = await call(t.app, 'POST', '/reviews/v1/bulk/reviews/create', {
      auth: site.adminKey,
      body: { reviews: [] },
    });
    expect(none.status).toBe(400);
    const many = Array.from({ length: 101 }, () => reviewBody().review);
    const tooMany = await call(t.app, 'POST', '/reviews/v1/bulk/reviews/create', {
      auth: site.adminKey,
      body: { reviews: many },
    });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.details.validationError.fieldViolations[0].field).toBe('reviews');
    const noAuthor = await call(t.app, 'POST', '/reviews/v1/bulk/reviews/create', {
      auth: site.adminKey,
      body: { reviews: [{ namespace: 'stores', entityId: 'x', content: { rating: 3 } }] },
    });
    expect(noAuthor.status).toBe(400);
    expect(noAuthor.body.details.validationError.fieldViolations.map((v: { field: string }) => v.field)).toContain(
      'reviews[0].author',
    );
  });

  it('bulkUpdateModerationStatus rejects every matching review through a durable job, with summary and events', async () => {
    const entity = `bm-${crypto.randomUUID().slice(0, 8)}`;
    const ids = await seed(entity, [1, 2, 5, 4, 1]);
    const res = await call(t.app, 'POST', '/reviews/v1/bulk/reviews/moderate', {
      auth: site.adminKey,
      body: { filter: { entityId: entity, 'content.rating': { $lte: 2 } }, status: 'REJECTED' },
    });
    expect(res.status).toBe(200);
    expect(res.body.jobId).toMatch(/^[0-9a-f-]{36}$/);
    const job = await jobDone(res.body.jobId);
    expect(job).toMatchObject({
      kind: 'BULK_MODERATE_REVIEWS',
      status: 'COMPLETED',
      processed: 3,
      succeeded: 3,
      failed: 0,
    });
    const summary = await call(t.app, 'GET', `/verdict/v1/ratings/summary?namespace=stores&entityId=${entity}`, {
      auth: site.adminKey,
    });
    expect(summary.body.summary).toMatchObject({
      count: 2,
      average: 4.5,
      histogram: { '1': 0, '2': 0, '4': 1, '5': 1 },
    });
    const rejected = await call(t.app, 'POST', '/reviews/v1/reviews/query', {
      auth: site.adminKey,
      body: {
        query: { filter: { entityId: entity, 'moderation.moderationStatus': 'REJECTED' } },
        returnPrivateReviews: true,
      },
    });
    expect(rejected.body.reviews.map((r: { id: string }) => r.id).sort()).toEqual([ids[0], ids[1], ids[4]].sort());
    for (const r of rejected.body.reviews)
      expect(r.moderation).toEqual({ moderationStatus: 'REJECTED', manuallyChanged: true });
    const events = await t.deps.db
      .selectFrom('outbox_events')
      .select(['slug'])
      .where('site_id', '=', site.siteId)
      .where('entity_id', '=', ids[0] as string)
      .orderBy('position')
      .execute();
    expect(events.map((e) => e.slug)).toEqual([
      'created',
      'moderation_status_changed',
      'review_published',
      'updated',
      'moderation_status_changed',
    ]);
  });

  it('bulkDeleteReviews soft-deletes every match and leaves the rest', async () => {
    const entity = `bd-${crypto.randomUUID().slice(0, 8)}`;
    const other = `bk-${crypto.randomUUID().slice(0, 8)}`;
    await seed(
      entity,
      Array.from({ length: 130 }, (_, i) => (i % 5) + 1),
    );
    await seed(other, [3]);
    const res = await call(t.app, 'POST', '/reviews/v1/bulk/reviews/delete', {
      auth: site.adminKey,
      body: { filter: { entityId: { $in: [entity] } } },
    });
    const job = await jobDone(res.body.jobId);
    expect(job).toMatchObject({ status: 'COMPLETED', processed: 130, succeeded: 130 });
    const left = await call(t.app, 'POST', '/reviews/v1/reviews/count', {
      auth: site.adminKey,
      body: { filter: { entityId: { $in: [entity, other] } }, includePrivateReviews: true },
    });
    expect(left.body.count).toBe(1);
    const summary = await call(t.app, 'GET', `/verdict/v1/ratings/summary?namespace=stores&entityId=${entity}`, {
      auth: site.adminKey,
    });
    expect(summary.body.summary).toMatchObject({ count: 0, average: 0 });
  });

  it("names the job's creator, an app, in the events of every change the job makes", async () => {
    const entity = `bi-${crypto.randomUUID().slice(0, 8)}`;
    const ids = await seed(entity, [4, 5]);
    const { key } = await createApiKey(t.deps, site.siteId, {
      kind: 'app',
      name: 'bulk app',
      scopes: ['reviews.manage'],
      appId: 'bulk-cleaner',
    });
    const res = await call(t.app, 'POST', '/reviews/v1/bulk/reviews/delete', {
      auth: key,
      body: { filter: { entityId: { $in: [entity] } } },
    });
    expect(res.status).toBe(200);
    expect(await jobDone(res.body.jobId)).toMatchObject({ status: 'COMPLETED', succeeded: 2 });
    const deleted = await t.deps.db
      .selectFrom('outbox_events')
      .select(['entity_id', 'identity_json'])
      .where('site_id', '=', site.siteId)
      .where('entity_id', 'in', ids)
      .where('slug', '=', 'deleted')
      .execute();
    expect(deleted).toHaveLength(2);
    for (const e of deleted) {
      expect(JSON.parse(e.identity_json ?? 'null')).toEqual({ identityType: 'APP', appId: 'bulk-cleaner' });
    }
  });

  it('refuses a bulk job with an invalid filter before storing anything', async () => {
    const jobsOfSite = () => t.deps.db.selectFrom('jobs').select('id').where('site_id', '=', site.siteId).execute();
    const before = (await jobsOfSite()).length;
    const res = await call(t.app, 'POST', '/reviews/v1/bulk/reviews/delete', {
      auth: site.adminKey,
      body: { filter: { title: 'x', entityId: { $startsWith: 'a' } } },
    });
    expect(res.status).toBe(400);
    expect(res.body.details.validationError.fieldViolations.map((v: { field: string }) => v.field)).toEqual([
      'filter.title',
      'filter.entityId.$startsWith',
    ]);
    expect((await jobsOfSite()).length).toBe(before);
  });

  it('returns 404 JOB_NOT_FOUND for an unknown job and for another site’s job', async () => {
    const other = await buildSite(t);
    const res = await call(t.app, 'POST', '/reviews/v1/bulk/reviews/delete', {
      auth: site.adminKey,
      body: { filter: { entityId: 'nothing-here' } },
    });
    const foreign = await call(t.app, 'GET', `/verdict/v1/jobs/${res.body.jobId}`, { auth: other.adminKey });
    expect(foreign.status).toBe(404);
    expect(foreign.body.details.applicationError.code).toBe('JOB_NOT_FOUND');
    await jobDone(res.body.jobId);
  });

  it('resumes a job another worker claimed and abandoned, without processing a review twice', async () => {
    const entity = `br-${crypto.randomUUID().slice(0, 8)}`;
    await seed(entity, [2, 2, 2]);
    await t.worker.stop();
    try {
      const res = await call(t.app, 'POST', '/reviews/v1/bulk/reviews/moderate', {
        auth: site.adminKey,
        body: { filter: { entityId: entity }, status: 'REJECTED' },
      });
      // A crashed worker: claimed, lease expired, no progress recorded.
      await t.deps.db
        .updateTable('jobs')
        .set({ status: 'RUNNING', locked_by: 'dead-worker', locked_until: '2000-01-01T00:00:00.000Z' })
        .where('site_id', '=', site.siteId)
        .where('id', '=', res.body.jobId)
        .execute();
      const { createJobWorker } = await import('../../src/server/jobs/jobs.worker.ts');
      const fresh = createJobWorker({ ...t.deps, pollIntervalMs: 50, log: t.app.log });
      await fresh.drain();
      const job = await jobDone(res.body.jobId);
      expect(job).toMatchObject({ status: 'COMPLETED', processed: 3, succeeded: 3 });
      const revs = await call(t.app, 'POST', '/reviews/v1/reviews/query', {
        auth: site.adminKey,
        body: { query: { filter: { entityId: entity } }, returnPrivateReviews: true },
      });
      for (const r of revs.body.reviews) expect(r.revision).toBe('2');
    } finally {
      const { createJobWorker } = await import('../../src/server/jobs/jobs.worker.ts');
      t.worker = createJobWorker({ ...t.deps, pollIntervalMs: 50, log: t.app.log });
      t.worker.start();
    }
  });
});
