/**
 * Relevance decays with the clock and nothing rewrites it: with only the injected clock moved, no write in between,
 * queryReviews sorted by relevanceScore returns the reviews in the order of their decayed scores (the scores the
 * pure rule gives at that instant), pages continue by cursor across a change of day, and every filter on
 * relevanceScore (and countReviews) selects exactly the reviews whose returned score satisfies it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Review } from '../../src/contract/index.ts';
import { relevanceScore } from '../../src/server/reviews/reviews.rules.ts';
import { buildSite, call, entityId, reviewBody, startTestApp, type TestApp, type TestSite } from '../support/app.ts';
import { testClock } from '../support/clock.ts';
import { dialects, type TestDb } from '../support/databases.ts';

const DAY = 86_400_000;
const START = '2030-06-01T10:00:00.000Z';

describe.each(dialects())('relevance over time on $name', (dialect) => {
  let db: TestDb;
  let t: TestApp;
  let site: TestSite;
  const time = testClock(START);
  const entity = entityId();
  /** When each review was written: a review dated later counts as dated on that day. */
  const writtenAt = new Map<string, Date>();

  beforeAll(async () => {
    db = await dialect.open();
    t = await startTestApp(db, { clock: time.clock });
    site = await buildSite(t);
    // Qualities from text, media and votes; ages from a day to three years; one dated in the future.
    const shapes = [
      { days: 1, body: 10, media: 0, votes: 0 },
      { days: 40, body: 600, media: 0, votes: 0 },
      { days: 200, body: 300, media: 3, votes: 2 },
      { days: 400, body: 50, media: 1, votes: 0 },
      { days: 700, body: 900, media: 2, votes: 3 },
      { days: 1000, body: 120, media: 0, votes: 1 },
      { days: 3, body: 0, media: 0, votes: 0 },
      { days: 90, body: 0, media: 0, votes: 0 },
      { days: 10, body: 250, media: 0, votes: 0 },
      { days: 365, body: 250, media: 0, votes: 0 },
      { days: -30, body: 200, media: 1, votes: 0 },
    ];
    for (const [i, s] of shapes.entries()) {
      time.advance(60_000);
      const body = reviewBody({
        entityId: entity,
        reviewDate: new Date(time.now().getTime() - s.days * DAY).toISOString(),
        // A review without text leaves both out (JSON drops the undefined).
        content: {
          title: s.body === 0 ? undefined : 'T',
          body: s.body === 0 ? undefined : 'x'.repeat(s.body),
          media: Array.from({ length: s.media }, (_, k) => ({ image: { url: `https://img.example/${i}-${k}.png` } })),
        },
      });
      const res = await call(t.app, 'POST', '/reviews/v1/reviews', { auth: site.adminKey, body });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      writtenAt.set(res.body.review.id, time.now());
      for (let v = 0; v < s.votes; v++) {
        const voted = await call(t.app, 'POST', `/verdict/v1/reviews/${res.body.review.id}/votes`, {
          auth: await site.visitorToken(),
          body: { vote: 'HELPFUL' },
        });
        expect(voted.status).toBe(200);
      }
    }
  });
  afterAll(async () => {
    await t.close();
    await db.dispose();
  });

  /** The score the pure rule gives `r` at `now` (a review dated after it was written counts as dated that day). */
  function expected(r: Review, now: Date): number {
    const written = writtenAt.get(r.id) as Date;
    const reviewDate = new Date(Math.min(Date.parse(r.reviewDate), written.getTime()));
    return relevanceScore({
      helpful: r.foundHelpful,
      unhelpful: r.foundUnhelpful,
      textLength: (r.content.title?.length ?? 0) + (r.content.body?.length ?? 0),
      mediaCount: r.content.media.length,
      verified: r.verified,
      reviewDate,
      now,
    });
  }

  const query = (body: unknown) => call(t.app, 'POST', '/reviews/v1/reviews/query', { auth: site.adminKey, body });

  /** Every review of the entity by relevance, walked 4 at a time; `between` runs before each further page. */
  async function byRelevance(between: () => void = () => {}): Promise<Review[]> {
    const out: Review[] = [];
    let res = await query({
      query: {
        filter: { entityId: entity },
        sort: [{ fieldName: 'relevanceScore', order: 'DESC' }],
        cursorPaging: { limit: 4 },
      },
    });
    for (;;) {
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      out.push(...res.body.reviews);
      const next = res.body.metadata.cursors.next;
      if (!next) return out;
      between();
      res = await query({ query: { cursorPaging: { cursor: next, limit: 4 } } });
    }
  }

  const rows = () =>
    t.deps.db.selectFrom('reviews').selectAll().where('site_id', '=', site.siteId).orderBy('id').execute();

  it('orders by the decayed score at every instant, with no write as time passes', async () => {
    const before = await rows();
    const orders: string[][] = [];
    for (const later of [0, 1, 400 * DAY, 5 * 365 * DAY + DAY / 2]) {
      time.set(Date.parse(START) + DAY + later);
      const now = time.now();
      const reviews = await byRelevance();
      expect(reviews).toHaveLength(11);
      const scores = reviews.map((r) => r.relevanceScore);
      expect(scores).toEqual(reviews.map((r) => expected(r, now)));
      expect(scores).toEqual([...scores].sort((a, b) => b - a));
      orders.push(reviews.map((r) => r.id));
    }
    // The decay of exponential relevance never reorders reviews: the same order at every instant.
    for (const order of orders) expect(order).toEqual(orders[0]);
    const first = await byRelevance();
    time.advance(3 * 365 * DAY);
    const decayed = await byRelevance();
    for (const [i, r] of decayed.entries()) {
      const was = first[i] as Review;
      expect(r.id).toBe(was.id);
      if (was.relevanceScore > 0) expect(r.relevanceScore).toBeLessThan(was.relevanceScore);
    }
    expect(await rows()).toEqual(before);
  });

  it('continues a relevance page by cursor after the day changes, neither repeating nor skipping a review', async () => {
    time.set(Date.parse(START) + 30 * DAY);
    const straight = (await byRelevance()).map((r) => r.id);
    time.set(Date.parse(START) + 30 * DAY);
    const across = await byRelevance(() => time.advance(200 * DAY));
    expect(across.map((r) => r.id)).toEqual(straight);
  });

  it('filters on relevanceScore (and counts) exactly the reviews whose score at the request instant satisfies it', async () => {
    time.set(Date.parse(START) + 2 * 365 * DAY + 7 * DAY);
    const all = await byRelevance();
    const scores = [...new Set(all.map((r) => r.relevanceScore))];
    const values = [
      ...scores,
      ...scores.map((s) => s + 0.0000004),
      ...scores.map((s) => s - 0.0000006),
      0,
      1,
      0.5,
      -1,
      2,
    ];
    const ids = (pred: (s: number) => boolean) =>
      all
        .filter((r) => pred(r.relevanceScore))
        .map((r) => r.id)
        .sort();
    const check = async (cond: unknown, pred: (s: number) => boolean) => {
      const filter = { entityId: entity, relevanceScore: cond };
      const res = await query({ query: { filter, cursorPaging: { limit: 100 } } });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body.reviews.map((r: Review) => r.id).sort(), JSON.stringify(cond)).toEqual(ids(pred));
      const counted = await call(t.app, 'POST', '/reviews/v1/reviews/count', { auth: site.adminKey, body: { filter } });
      expect(counted.status).toBe(200);
      expect(counted.body.count, JSON.stringify(cond)).toBe(ids(pred).length);
    };
    for (const x of values) {
      await check({ $gt: x }, (s) => s > x);
      await check({ $gte: x }, (s) => s >= x);
      await check({ $lt: x }, (s) => s < x);
      await check({ $lte: x }, (s) => s <= x);
      await check({ $eq: x }, (s) => s === x);
      await check({ $ne: x }, (s) => s !== x);
    }
    await check({ $in: scores.slice(0, 3) }, (s) => scores.slice(0, 3).includes(s));
    const rowsNow = await rows();
    // A year later the same filter selects by the scores of that instant: fewer reviews clear a threshold.
    const threshold = scores[Math.floor(scores.length / 2)] as number;
    const matching = async () =>
      (
        await query({
          query: { filter: { entityId: entity, relevanceScore: { $gte: threshold } }, cursorPaging: { limit: 100 } },
        })
      ).body.reviews as Review[];
    const now = await matching();
    time.advance(365 * DAY);
    const later = await matching();
    expect(later.length).toBeLessThan(now.length);
    for (const r of later) expect(r.relevanceScore).toBeGreaterThanOrEqual(threshold);
    expect(await rows()).toEqual(rowsNow);
  });
});
