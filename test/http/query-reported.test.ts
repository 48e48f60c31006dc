/**
 * The `reported` filter (docs/query.md): each review counts its open abuse reports (`open_reports`, kept by the review
 * unit of work on report, dismissal and erasure), and callers that may read reports filter on it — the moderation
 * queue's "Reported". Visitors, members and apps without a moderation scope get the unknown-field 400.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildSite,
  call,
  contactId,
  reviewBody,
  startTestApp,
  type TestApp,
  type TestSite,
  waitFor,
} from '../support/app.ts';
import { dialects, type TestDb } from '../support/databases.ts';

describe.each(dialects())('the reported filter on $name', (dialect) => {
  let db: TestDb;
  let t: TestApp;
  beforeAll(async () => {
    db = await dialect.open();
    t = await startTestApp(db);
  });
  afterAll(async () => {
    await t.close();
    await db.dispose();
  });

  async function published(site: TestSite, over: Record<string, unknown> = {}) {
    const res = await call(t.app, 'POST', '/reviews/v1/reviews', { auth: site.adminKey, body: reviewBody(over) });
    expect(res.status).toBe(200);
    return res.body.review as { id: string; entityId: string; revision: string };
  }
  const report = async (id: string, auth: string) =>
    expect(
      (await call(t.app, 'POST', `/verdict/v1/reviews/${id}/reports`, { auth, body: { reason: 'SPAM' } })).status,
    ).toBe(200);
  const openReports = async (id: string) =>
    Number(
      (await t.deps.db.selectFrom('reviews').select('open_reports').where('id', '=', id).executeTakeFirstOrThrow())
        .open_reports,
    );
  const query = (auth: string | Record<string, string>, filter: unknown, extra: Record<string, unknown> = {}) =>
    call(t.app, 'POST', '/reviews/v1/reviews/query', {
      ...(typeof auth === 'string' ? { auth } : { headers: auth }),
      body: {
        query: { filter, sort: [{ fieldName: 'createdDate', order: 'DESC' }], ...extra },
        returnPrivateReviews: true,
      },
    });
  const ids = (res: { body: { reviews: { id: string }[] } }) => res.body.reviews.map((r) => r.id);

  it('counts open reports on the review as they are filed, and drops them to zero on dismissal', async () => {
    const site = await buildSite(t);
    const review = await published(site);
    expect(await openReports(review.id)).toBe(0);
    await report(review.id, await site.memberToken(contactId()));
    await report(review.id, await site.visitorToken());
    expect(await openReports(review.id)).toBe(2);
    // A report changes nothing a client sees: no new revision.
    const got = await call(t.app, 'GET', `/reviews/v1/reviews/${review.id}`, { auth: site.adminKey });
    expect(got.body.review.revision).toBe(review.revision);

    const dismissed = await call(t.app, 'POST', `/verdict/v1/reviews/${review.id}/reports/dismiss`, {
      auth: site.adminKey,
    });
    expect(dismissed.body).toEqual({ dismissed: 2 });
    expect(await openReports(review.id)).toBe(0);
    // A new report after the dismissal counts again from zero.
    await report(review.id, await site.memberToken(contactId()));
    expect(await openReports(review.id)).toBe(1);
  });

  it('counts the report that crosses the threshold with the hold it causes', async () => {
    const site = await buildSite(t);
    const review = await published(site);
    for (let i = 0; i < 3; i++) await report(review.id, await site.memberToken(contactId()));
    expect(await openReports(review.id)).toBe(3);
    const held = await query(site.adminKey, { reported: true, 'moderation.moderationStatus': 'IN_MODERATION' });
    expect(ids(held)).toEqual([review.id]);
  });

  it('takes an erased reporter’s open reports off the reviews they were on, and only the open ones', async () => {
    const site = await buildSite(t);
    const [a, b] = [await published(site), await published(site)];
    const erased = contactId();
    const other = contactId();
    await report(a.id, await site.memberToken(erased));
    await report(a.id, await site.memberToken(other));
    await report(b.id, await site.memberToken(erased));
    // b's report is dismissed before the erasure: nothing more to take off b.
    await call(t.app, 'POST', `/verdict/v1/reviews/${b.id}/reports/dismiss`, { auth: site.adminKey });
    expect([await openReports(a.id), await openReports(b.id)]).toEqual([2, 0]);
    const res = await call(t.app, 'POST', `/verdict/v1/contacts/${erased}/erase`, { auth: site.adminKey });
    expect(res.status).toBe(200);
    expect(res.body.erased.reports).toBe(2);
    expect([await openReports(a.id), await openReports(b.id)]).toEqual([1, 0]);
  });

  it('lists exactly the reviews with an open report, for the owner, a moderator and a moderating app', async () => {
    const site = await buildSite(t);
    const entity = `reported-${Math.random().toString(36).slice(2, 8)}`;
    const clean = await published(site, { entityId: entity });
    const reported = await published(site, { entityId: entity });
    const dismissed = await published(site, { entityId: entity });
    await report(reported.id, await site.visitorToken());
    await report(dismissed.id, await site.visitorToken());
    await call(t.app, 'POST', `/verdict/v1/reviews/${dismissed.id}/reports/dismiss`, { auth: site.adminKey });

    const moderator = await site.dashboardUser('moderator');
    const app = await site.appKey(['reviews.moderate']);
    for (const auth of [site.adminKey, moderator.headers, app]) {
      expect(ids(await query(auth, { entityId: entity, reported: true }))).toEqual([reported.id]);
      expect(ids(await query(auth, { entityId: entity, reported: { $ne: true } }))).toEqual([dismissed.id, clean.id]);
      expect(ids(await query(auth, { entityId: entity, reported: false }))).toEqual([dismissed.id, clean.id]);
      expect(ids(await query(auth, { entityId: entity, $not: { reported: false } }))).toEqual([reported.id]);
    }
    const count = await call(t.app, 'POST', '/reviews/v1/reviews/count', {
      auth: site.adminKey,
      body: { filter: { entityId: entity, reported: true }, includePrivateReviews: true },
    });
    expect(count.body).toEqual({ count: 1 });

    // Paged by cursor: the filter travels in the cursor and still applies.
    const first = await query(site.adminKey, { entityId: entity, reported: false }, { cursorPaging: { limit: 1 } });
    expect(ids(first)).toEqual([dismissed.id]);
    const next = await call(t.app, 'POST', '/reviews/v1/reviews/query', {
      auth: site.adminKey,
      body: { query: { cursorPaging: { cursor: first.body.metadata.cursors.next, limit: 1 } } },
    });
    expect(ids(next)).toEqual([clean.id]);
    expect(next.body.metadata.cursors.next).toBeNull();
  });

  it('is an unknown field to visitors, members and apps that may not read reports, and takes only a boolean', async () => {
    const site = await buildSite(t);
    const review = await published(site);
    await report(review.id, await site.visitorToken());
    const callers = [
      await site.visitorToken(),
      await site.memberToken(contactId()),
      await site.appKey(['reviews.read', 'reviews.read_private']),
    ];
    for (const auth of callers) {
      const res = await query(auth, { reported: true });
      expect(res.status).toBe(400);
      const [violation] = res.body.details.validationError.fieldViolations;
      expect(violation).toEqual({
        field: 'query.filter.reported',
        description: expect.stringContaining('cannot be filtered'),
        violatedRule: 'UNKNOWN_FIELD',
      });
      expect(violation.description).not.toMatch(/allowed:.*reported/);
      const count = await call(t.app, 'POST', '/reviews/v1/reviews/count', {
        auth,
        body: { filter: { reported: true } },
      });
      expect(count.status).toBe(400);
      expect(count.body.details.validationError.fieldViolations[0].violatedRule).toBe('UNKNOWN_FIELD');
    }
    // An owner's cursor carrying the filter does not let a visitor use it either.
    const owners = await query(site.adminKey, { reported: { $ne: true } }, { cursorPaging: { limit: 1 } });
    const cursor = owners.body.metadata.cursors.next as string | null;
    if (cursor) {
      const replay = await call(t.app, 'POST', '/reviews/v1/reviews/query', {
        auth: await site.visitorToken(),
        body: { query: { cursorPaging: { cursor } } },
      });
      expect(replay.status).toBe(400);
    }
    for (const value of [1, 'yes', null, [true]]) {
      const res = await query(site.adminKey, { reported: value });
      expect(res.status).toBe(400);
      expect(res.body.details.validationError.fieldViolations[0].field).toBe('query.filter.reported');
    }
    const gt = await query(site.adminKey, { reported: { $gt: 0 } });
    expect(gt.body.details.validationError.fieldViolations[0].violatedRule).toBe('UNSUPPORTED_OPERATOR');
  });

  it('runs a bulk job over the reported reviews', async () => {
    const site = await buildSite(t);
    const entity = `bulk-${Math.random().toString(36).slice(2, 8)}`;
    const clean = await published(site, { entityId: entity });
    const reported = await published(site, { entityId: entity });
    await report(reported.id, await site.visitorToken());
    // Refused to an app that may not read reports, as in a query; run for one that may.
    const refused = await call(t.app, 'POST', '/reviews/v1/bulk/reviews/moderate', {
      auth: await site.appKey(['reviews.read']),
      body: { filter: { entityId: entity, reported: true }, status: 'REJECTED' },
    });
    expect(refused.status).toBe(403);
    const res = await call(t.app, 'POST', '/reviews/v1/bulk/reviews/moderate', {
      auth: await site.appKey(['reviews.manage']),
      body: { filter: { entityId: entity, reported: true }, status: 'REJECTED' },
    });
    expect(res.status).toBe(200);
    const done = await waitFor('the job to complete', async () => {
      const job = (await call(t.app, 'GET', `/verdict/v1/jobs/${res.body.jobId}`, { auth: site.adminKey })).body.job;
      return job.status === 'COMPLETED' || job.status === 'FAILED' ? job : undefined;
    });
    expect(done).toMatchObject({ status: 'COMPLETED', processed: 1, succeeded: 1 });
    const statusOf = async (id: string) =>
      (await call(t.app, 'GET', `/reviews/v1/reviews/${id}?returnPrivateReviews=true`, { auth: site.adminKey })).body
        .review.moderation.moderationStatus;
    expect([await statusOf(reported.id), await statusOf(clean.id)]).toEqual(['REJECTED', 'APPROVED']);
  });
});
