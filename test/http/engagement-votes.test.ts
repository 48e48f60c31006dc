/**
 * Helpfulness votes (`POST /verdict/v1/reviews/:reviewId/votes`): one vote per visitor or member per published
 * review, changeable and withdrawable; counts exact; revision and events untouched; voter ids never on the wire.
 * The rate limits of votes are tested in rate-limits.test.ts.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSite, call, contactId, reviewBody, startTestApp, type TestApp, type TestSite } from '../support/app.ts';
import { dialects, type TestDb } from '../support/databases.ts';

const NOT_FOUND = {
  message: 'Review not found',
  details: { applicationError: { code: 'REVIEW_NOT_FOUND', description: 'Review not found' } },
};

describe.each(dialects())('helpfulness votes on $name', (dialect) => {
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

  async function published(s: TestSite = site) {
    const res = await call(t.app, 'POST', '/reviews/v1/reviews', { auth: s.adminKey, body: reviewBody() });
    expect(res.status).toBe(200);
    return res.body.review;
  }
  const vote = (id: string, auth: string, v: unknown) =>
    call(t.app, 'POST', `/verdict/v1/reviews/${id}/votes`, { auth, body: { vote: v } });
  const eventCount = async (id: string) =>
    (await t.deps.db.selectFrom('outbox_events').select('id').where('entity_id', '=', id).execute()).length;
  const counts = (r: { foundHelpful: number; foundUnhelpful: number; helpfulness: number }) => [
    r.foundHelpful,
    r.foundUnhelpful,
    r.helpfulness,
  ];

  it('counts a visitor vote, keeps the revision and emits no event', async () => {
    const review = await published();
    const events = await eventCount(review.id);
    const visitor = await site.visitorToken();
    const res = await vote(review.id, visitor, 'HELPFUL');
    expect(res.status).toBe(200);
    expect(res.body.vote).toBe('HELPFUL');
    expect(counts(res.body.review)).toEqual([1, 0, 1]);
    expect(res.body.review.revision).toBe(review.revision);
    expect(await eventCount(review.id)).toBe(events);
    const got = await call(t.app, 'GET', `/reviews/v1/reviews/${review.id}`, { auth: visitor });
    expect(counts(got.body.review)).toEqual([1, 0, 1]);
    expect(got.body.review.revision).toBe(review.revision);
  });

  it('lets a voter change and withdraw its vote, and treats a repeated vote as the same vote', async () => {
    const review = await published();
    const member = await site.memberToken(contactId());
    expect(counts((await vote(review.id, member, 'HELPFUL')).body.review)).toEqual([1, 0, 1]);
    expect(counts((await vote(review.id, member, 'HELPFUL')).body.review)).toEqual([1, 0, 1]);
    expect(counts((await vote(review.id, member, 'UNHELPFUL')).body.review)).toEqual([0, 1, -1]);
    const withdrawn = await vote(review.id, member, 'NONE');
    expect(withdrawn.body.vote).toBe('NONE');
    expect(counts(withdrawn.body.review)).toEqual([0, 0, 0]);
    expect(counts((await vote(review.id, member, 'NONE')).body.review)).toEqual([0, 0, 0]);
  });

  it('adds up the votes of different visitors and members', async () => {
    const review = await published();
    for (const v of ['HELPFUL', 'HELPFUL', 'UNHELPFUL'])
      expect((await vote(review.id, await site.visitorToken(), v)).status).toBe(200);
    const last = await vote(review.id, await site.memberToken(contactId()), 'HELPFUL');
    expect(counts(last.body.review)).toEqual([3, 1, 2]);
  });

  it('never exposes the voter id, in the vote response or on the review', async () => {
    const review = await published();
    const voter = contactId();
    const res = await vote(review.id, await site.memberToken(voter), 'HELPFUL');
    expect(JSON.stringify(res.body)).not.toContain(voter);
    const got = await call(t.app, 'GET', `/reviews/v1/reviews/${review.id}`, { auth: site.adminKey });
    expect(JSON.stringify(got.body)).not.toContain(voter);
  });

  it('raises the relevance score with helpful votes', async () => {
    const review = await published();
    let last = review.relevanceScore as number;
    for (let i = 0; i < 3; i++) {
      const res = await vote(review.id, await site.visitorToken(), 'HELPFUL');
      expect(res.body.review.relevanceScore).toBeGreaterThan(last);
      last = res.body.review.relevanceScore;
    }
  });

  it('keeps the counts through a later edit (an update never writes the counters)', async () => {
    const review = await published();
    await vote(review.id, await site.visitorToken(), 'HELPFUL');
    await vote(review.id, await site.visitorToken(), 'UNHELPFUL');
    const edited = await call(t.app, 'PATCH', `/reviews/v1/reviews/${review.id}`, {
      auth: site.adminKey,
      body: { review: { revision: review.revision, content: { title: 'Edited' } } },
    });
    expect(edited.status).toBe(200);
    expect(counts(edited.body.review)).toEqual([1, 1, 0]);
    expect(edited.body.review.revision).toBe(String(Number(review.revision) + 1));
  });

  it('answers 404 for a held, a deleted, an unknown, a non-GUID and another site’s review', async () => {
    const visitor = await site.visitorToken();
    const held = await buildSite(t);
    await held.setModeration({ mode: 'HOLD_ALL', heldRatings: [] });
    const heldReview = (await call(t.app, 'POST', '/reviews/v1/reviews', { auth: held.adminKey, body: reviewBody() }))
      .body.review;
    expect(heldReview.moderation.moderationStatus).toBe('IN_MODERATION');
    const deleted = await published();
    expect((await call(t.app, 'DELETE', `/reviews/v1/reviews/${deleted.id}`, { auth: site.adminKey })).status).toBe(
      200,
    );
    const foreign = await published(await buildSite(t));
    for (const [id, auth] of [
      [heldReview.id, await held.visitorToken()],
      [deleted.id, visitor],
      [randomUUID(), visitor],
      ['not-a-guid', visitor],
      [foreign.id, visitor],
    ]) {
      const res = await vote(id, auth, 'HELPFUL');
      expect(res.status).toBe(404);
      expect(res.body).toEqual(NOT_FOUND);
    }
    expect(
      await t.deps.db.selectFrom('review_votes').select('voter_id').where('review_id', '=', deleted.id).execute(),
    ).toEqual([]);
  });

  it('rejects a vote that is not HELPFUL, UNHELPFUL or NONE, and a missing vote, with a field violation', async () => {
    const review = await published();
    const visitor = await site.visitorToken();
    const bad = await vote(review.id, visitor, 'LOVE');
    expect(bad.status).toBe(400);
    expect(bad.body.details.validationError.fieldViolations.map((v: { field: string }) => v.field)).toContain('vote');
    const missing = await call(t.app, 'POST', `/verdict/v1/reviews/${review.id}/votes`, { auth: visitor, body: {} });
    expect(missing.status).toBe(400);
    expect(missing.body.details.validationError.fieldViolations.map((v: { field: string }) => v.field)).toContain(
      'vote',
    );
    const got = await call(t.app, 'GET', `/reviews/v1/reviews/${review.id}`, { auth: visitor });
    expect(counts(got.body.review)).toEqual([0, 0, 0]);
  });

  it('refuses votes from the owner and from apps (403), since votes are a shopper’s', async () => {
    const review = await published();
    for (const auth of [site.adminKey, await site.appKey(['reviews.manage', 'reviews.moderate', 'reviews.read'])]) {
      const res = await vote(review.id, auth, 'HELPFUL');
      expect(res.status).toBe(403);
      expect(res.body.details.applicationError.code).toBe('PERMISSION_DENIED');
    }
  });
});
