/**
 * Engagement under concurrency, on both dialects: 1,000 distinct voters at once give exact counts; a voter racing
 * with itself counts once; reports crossing the threshold together hold the review exactly once; one reporter
 * racing with itself files one report; restore racing a new review by the same author lets exactly one win.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildSite,
  call,
  contactId,
  noRateLimits,
  reviewBody,
  startTestApp,
  type TestApp,
  type TestSite,
} from '../support/app.ts';
import { dialects, type TestDb } from '../support/databases.ts';

describe.each(dialects())('engagement concurrency on $name', (dialect) => {
  let db: TestDb;
  let t: TestApp;
  let site: TestSite;
  beforeAll(async () => {
    db = await dialect.open();
    // A thousand voters at once from one test address: volume, not the limits, is under test here.
    t = await startTestApp(db, noRateLimits());
    site = await buildSite(t);
  });
  afterAll(async () => {
    await t.close();
    await db.dispose();
  });

  async function published(body = reviewBody()) {
    const res = await call(t.app, 'POST', '/reviews/v1/reviews', { auth: site.adminKey, body });
    expect(res.status).toBe(200);
    return res.body.review;
  }
  const vote = (id: string, auth: string, v: string) =>
    call(t.app, 'POST', `/verdict/v1/reviews/${id}/votes`, { auth, body: { vote: v } });
  const row = (id: string) =>
    t.deps.db.selectFrom('reviews').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

  it('keeps exact counts when 1,000 distinct voters vote at once, beside an edit', async () => {
    const review = await published();
    const voters = await Promise.all(Array.from({ length: 1000 }, () => site.visitorToken()));
    const [results, edit] = await Promise.all([
      Promise.all(voters.map((v, i) => vote(review.id, v, i % 5 < 3 ? 'HELPFUL' : 'UNHELPFUL'))),
      call(t.app, 'PATCH', `/reviews/v1/reviews/${review.id}`, {
        auth: site.adminKey,
        body: { review: { revision: review.revision, content: { title: 'Edited while voting' } } },
      }),
    ]);
    expect(results.filter((r) => r.status !== 200).map((r) => r.body)).toEqual([]);
    expect(edit.status).toBe(200);
    const after = await row(review.id);
    expect([after.found_helpful, after.found_unhelpful, after.helpfulness]).toEqual([600, 400, 200]);
    expect(after.revision).toBe(Number(review.revision) + 1);
    expect(after.title).toBe('Edited while voting');
    const votes = await t.deps.db
      .selectFrom('review_votes')
      .select('vote')
      .where('review_id', '=', review.id)
      .execute();
    expect(votes.length).toBe(1000);
  });

  it('counts one vote when a voter races with itself, whatever the mix of values', async () => {
    const review = await published();
    const voter = await site.memberToken(contactId());
    const same = await Promise.all(Array.from({ length: 10 }, () => vote(review.id, voter, 'HELPFUL')));
    expect(same.every((r) => r.status === 200)).toBe(true);
    expect((await row(review.id)).found_helpful).toBe(1);
    const mixed = await Promise.all(
      Array.from({ length: 20 }, (_, i) => vote(review.id, voter, ['HELPFUL', 'UNHELPFUL', 'NONE'][i % 3] as string)),
    );
    expect(mixed.every((r) => r.status === 200)).toBe(true);
    const after = await row(review.id);
    const votes = await t.deps.db
      .selectFrom('review_votes')
      .select('vote')
      .where('review_id', '=', review.id)
      .execute();
    expect(votes.length).toBeLessThanOrEqual(1);
    const helpful = votes.filter((v) => v.vote === 'HELPFUL').length;
    const unhelpful = votes.filter((v) => v.vote === 'UNHELPFUL').length;
    expect([after.found_helpful, after.found_unhelpful, after.helpfulness]).toEqual([
      helpful,
      unhelpful,
      helpful - unhelpful,
    ]);
    expect(after.revision).toBe(Number(review.revision));
  });

  it('holds a review exactly once when ten reports cross the threshold together (late ones find it unpublished)', async () => {
    const review = await published();
    const reporters = await Promise.all(Array.from({ length: 10 }, () => site.visitorToken()));
    const results = await Promise.all(
      reporters.map((r) =>
        call(t.app, 'POST', `/verdict/v1/reviews/${review.id}/reports`, { auth: r, body: { reason: 'SPAM' } }),
      ),
    );
    // A report that arrives after the hold finds the review no longer published: 404, like any unpublished review.
    expect(results.every((r) => r.status === 200 || r.status === 404)).toBe(true);
    const filed = results.filter((r) => r.status === 200).length;
    // Ten visitors minted from distinct networks weigh ½ each: the default threshold of 3 takes six of them.
    expect(filed).toBeGreaterThanOrEqual(6);
    const reports = await t.deps.db
      .selectFrom('review_reports')
      .select('id')
      .where('review_id', '=', review.id)
      .execute();
    expect(reports.length).toBe(filed);
    const after = await row(review.id);
    expect(after.moderation_status).toBe('IN_MODERATION');
    expect(after.revision).toBe(Number(review.revision) + 1);
    const moves = await t.deps.db
      .selectFrom('outbox_events')
      .select('id')
      .where('entity_id', '=', review.id)
      .where('slug', '=', 'moderation_status_changed')
      .execute();
    expect(moves.length).toBe(2); // creation, then the one hold
    const audits = await t.deps.db
      .selectFrom('moderation_audit')
      .select('reason')
      .where('review_id', '=', review.id)
      .where('reason', '=', 'REPORTED')
      .execute();
    expect(audits.length).toBe(1);
  });

  it('files one report when a reporter races with itself; the others get 409 REPORT_ALREADY_EXISTS', async () => {
    const review = await published();
    const reporter = await site.visitorToken();
    const results = await Promise.all(
      Array.from({ length: 8 }, () =>
        call(t.app, 'POST', `/verdict/v1/reviews/${review.id}/reports`, { auth: reporter, body: { reason: 'FAKE' } }),
      ),
    );
    expect(results.filter((r) => r.status === 200).length).toBe(1);
    for (const r of results.filter((x) => x.status !== 200)) {
      expect(r.status).toBe(409);
      expect(r.body.details.applicationError.code).toBe('REPORT_ALREADY_EXISTS');
    }
    const reports = await t.deps.db
      .selectFrom('review_reports')
      .select('id')
      .where('review_id', '=', review.id)
      .execute();
    expect(reports.length).toBe(1);
  });

  it('lets exactly one of a restore and a new review by the same author win, keeping the summary exact', async () => {
    for (let round = 0; round < 5; round++) {
      const body = reviewBody();
      const old = await published(body);
      expect((await call(t.app, 'DELETE', `/reviews/v1/reviews/${old.id}`, { auth: site.adminKey })).status).toBe(200);
      const [restored, created] = await Promise.all([
        call(t.app, 'POST', `/verdict/v1/reviews/${old.id}/restore`, { auth: site.adminKey }),
        call(t.app, 'POST', '/reviews/v1/reviews', {
          auth: site.adminKey,
          body: reviewBody({ ...body.review, content: { rating: 2 } }),
        }),
      ]);
      expect([restored.status, created.status].sort()).toEqual([200, 409]);
      const loser = restored.status === 409 ? restored : created;
      const winnerId = restored.status === 200 ? old.id : created.body.review.id;
      expect(loser.body.details.applicationError).toMatchObject({
        code: 'REVIEW_ALREADY_EXISTS',
        data: { reviewId: winnerId },
      });
      const summary = await call(
        t.app,
        'GET',
        `/verdict/v1/ratings/summary?namespace=stores&entityId=${encodeURIComponent(body.review.entityId as string)}`,
        { auth: site.adminKey },
      );
      expect(summary.body.summary.count).toBe(1);
    }
  });
});
