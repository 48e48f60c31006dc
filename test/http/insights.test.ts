/**
 * Insights (`GET /verdict/v1/insights`): a namespace's or an entity's ratings from the summaries, the published
 * reviews over time by day, week and month, the most reviewed and lowest rated entities, and the period's holds by
 * reason; bad input listing every problem; sites kept apart; and the plan of the time series on both dialects (the
 * partial index, no scan of the site's reviews).
 */
import { CompiledQuery, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insightsRepo } from '../../src/server/insights/insights.repo.ts';
import { buildSite, call, reviewBody, startTestApp, type TestApp, type TestSite } from '../support/app.ts';
import { dialects, type TestDb } from '../support/databases.ts';

const INSIGHTS = '/verdict/v1/insights';
const PERIOD = 'from=2026-01-01T00:00:00Z&to=2026-03-01T00:00:00Z';

describe.each(dialects())('insights on $name', (dialect) => {
  let db: TestDb;
  let t: TestApp;
  const now = new Date('2026-02-20T12:00:00.000Z');
  beforeAll(async () => {
    db = await dialect.open();
    t = await startTestApp(db, { clock: () => now });
  });
  afterAll(async () => {
    await t.close();
    await db.dispose();
  });

  const get = (site: TestSite, query: string, auth = site.adminKey) =>
    call(t.app, 'GET', `${INSIGHTS}?${query}`, { auth });

  async function create(
    site: TestSite,
    entity: string,
    rating: number,
    day: string,
    over: Record<string, unknown> = {},
  ) {
    const res = await call(t.app, 'POST', '/reviews/v1/reviews', {
      auth: site.adminKey,
      body: reviewBody({ entityId: entity, reviewDate: `${day}T10:00:00.000Z`, content: { rating }, ...over }),
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body.review;
  }

  /** A site whose rules hold blocked words and 1-star reviews, with reviews on three entities and another namespace. */
  async function shop() {
    const site = await buildSite(t);
    const rules = [
      { type: 'HOLD_BLOCKED_WORDS', words: ['spam'] },
      { type: 'HOLD_RATINGS', ratings: [1] },
      { type: 'APPROVE_ALL' },
    ];
    const put = await call(t.app, 'PUT', '/verdict/v1/moderation/rules', {
      auth: site.adminKey,
      body: { namespace: 'stores', rules },
    });
    expect(put.status).toBe(200);
    await create(site, 'A', 5, '2026-01-05');
    await create(site, 'A', 4, '2026-01-06');
    await create(site, 'A', 3, '2026-01-13');
    const heldLow = await create(site, 'A', 1, '2026-01-14');
    await create(site, 'A', 5, '2026-01-15', { content: { rating: 5, body: 'Buy SPAM here' } });
    await create(site, 'B', 2, '2026-02-01');
    await create(site, 'B', 2, '2026-02-01');
    await create(site, 'C', 5, '2026-02-15');
    await create(site, 'A', 1, '2026-01-20', { namespace: 'blog' });
    return { site, heldLow };
  }

  it('sums up a namespace: ratings, weekly course, top and bottom entities, and holds by reason', async () => {
    const { site } = await shop();
    const res = await get(site, `namespace=stores&${PERIOD}&bucket=week&minReviews=2`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const insights = res.body.insights;
    expect(insights.summary).toEqual({ count: 6, average: 3.5 });
    expect(insights.histogram).toEqual({ '1': 0, '2': 2, '3': 1, '4': 1, '5': 2 });
    expect(insights.ratingsOverTime).toEqual([
      { at: '2025-12-29', count: 0, average: 0 },
      { at: '2026-01-05', count: 2, average: 4.5 },
      { at: '2026-01-12', count: 1, average: 3 },
      { at: '2026-01-19', count: 0, average: 0 },
      { at: '2026-01-26', count: 2, average: 2 },
      { at: '2026-02-02', count: 0, average: 0 },
      { at: '2026-02-09', count: 1, average: 5 },
      { at: '2026-02-16', count: 0, average: 0 },
      { at: '2026-02-23', count: 0, average: 0 },
    ]);
    expect(insights.mostReviewed).toEqual([
      { entityId: 'A', count: 3, average: 4 },
      { entityId: 'B', count: 2, average: 2 },
      { entityId: 'C', count: 1, average: 5 },
    ]);
    expect(insights.lowestAverages).toEqual([
      { entityId: 'B', count: 2, average: 2 },
      { entityId: 'A', count: 3, average: 4 },
    ]);
    expect(insights.held).toEqual({
      submitted: 8,
      total: 2,
      share: 0.25,
      pending: 2,
      byReason: [
        { reason: 'RULE:HOLD_BLOCKED_WORDS', count: 1 },
        { reason: 'RULE:HOLD_RATINGS', count: 1 },
      ],
    });
  });

  it('buckets by month and by day, scopes to one entity, and counts holds only in the period', async () => {
    const { site, heldLow } = await shop();
    const monthly = await get(site, `namespace=stores&${PERIOD}&bucket=month`);
    expect(monthly.body.insights.ratingsOverTime).toEqual([
      { at: '2026-01-01', count: 3, average: 4 },
      { at: '2026-02-01', count: 3, average: 3 },
    ]);
    const daily = await get(site, 'namespace=stores&from=2026-01-05T00:00:00Z&to=2026-01-07T00:00:00Z');
    expect(daily.body.insights.ratingsOverTime).toEqual([
      { at: '2026-01-05', count: 1, average: 5 },
      { at: '2026-01-06', count: 1, average: 4 },
    ]);

    // The owner approves the held 1-star review: it is published, no longer pending, and was still held once.
    const approved = await call(t.app, 'PATCH', `/reviews/v1/reviews/${heldLow.id}/moderate`, {
      auth: site.adminKey,
      body: { status: 'APPROVED' },
    });
    expect(approved.status).toBe(200);
    const entity = await get(site, `namespace=stores&entityId=A&${PERIOD}&bucket=month`);
    expect(entity.body.insights.summary).toEqual({ count: 4, average: 3.25 });
    expect(entity.body.insights.ratingsOverTime).toEqual([
      { at: '2026-01-01', count: 4, average: 3.25 },
      { at: '2026-02-01', count: 0, average: 0 },
    ]);
    expect(entity.body.insights.held).toMatchObject({ submitted: 5, total: 2, pending: 1 });

    const later = await get(site, 'namespace=stores&from=2026-03-01T00:00:00Z&to=2026-04-01T00:00:00Z');
    expect(later.body.insights.held).toEqual({ submitted: 0, total: 0, share: 0, pending: 1, byReason: [] });
  });

  it('lists every problem of a bad query in one Wix-shaped 400', async () => {
    const site = await buildSite(t);
    const schema = await get(site, 'from=2026-01-01T00:00:00Z&to=2026-02-01T00:00:00Z&bucket=year&top=0&minReviews=x');
    expect(schema.status).toBe(400);
    expect(schema.body.details.validationError.fieldViolations.map((v: { field: string }) => v.field)).toEqual(
      expect.arrayContaining(['namespace', 'bucket', 'top', 'minReviews'].map((f) => expect.stringContaining(f))),
    );
    const backwards = await get(site, 'namespace=stores&from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z');
    expect(backwards.status).toBe(400);
    expect(backwards.body.details.validationError.fieldViolations).toEqual([
      expect.objectContaining({ field: 'query.to', description: 'must be after query.from' }),
    ]);
    const tooLong = await get(site, 'namespace=stores&from=2000-01-01T00:00:00Z&to=2026-01-01T00:00:00Z');
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.details.validationError.fieldViolations).toEqual([
      expect.objectContaining({ field: 'query.to' }),
    ]);
  });

  it("keeps sites apart: another site's insights count none of these reviews", async () => {
    await shop();
    const other = await buildSite(t);
    const res = await get(other, `namespace=stores&${PERIOD}&bucket=month`);
    expect(res.status).toBe(200);
    expect(res.body.insights).toMatchObject({
      summary: { count: 0, average: 0 },
      mostReviewed: [],
      lowestAverages: [],
      held: { submitted: 0, total: 0, pending: 0 },
    });
    expect(res.body.insights.ratingsOverTime.every((p: { count: number }) => p.count === 0)).toBe(true);
  });

  it('refuses visitors, members and apps, whatever their scopes', async () => {
    const site = await buildSite(t);
    const callers = [
      await site.visitorToken(),
      await site.memberToken(crypto.randomUUID()),
      await site.appKey(['reviews.read', 'reviews.read_private', 'reviews.manage', 'reviews.moderate']),
    ];
    for (const auth of callers) {
      const res = await get(site, `namespace=stores&${PERIOD}`, auth);
      expect(res.status).toBe(403);
      expect(res.body.details.applicationError.code).toBe('PERMISSION_DENIED');
    }
  });

  it('reads the course over time from the partial index alone, without scanning the reviews', async () => {
    const c = insightsRepo
      .daysQuery(db.db, { siteId: 's', namespace: 'stores' }, '2026-01-01T00:00:00.000Z', '2026-03-01T00:00:00.000Z')
      .compile();
    if (dialect.name === 'sqlite') {
      const r = await db.db.executeQuery<{ detail: string }>(
        CompiledQuery.raw(`explain query plan ${c.sql}`, [...c.parameters]),
      );
      const text = r.rows.map((x) => x.detail).join('\n');
      expect(text).toContain('USING COVERING INDEX reviews_published_date_idx');
      expect(text).not.toMatch(/SCAN reviews(?! USING)/);
      return;
    }
    // Tiny tables make a sequential scan cheapest on PostgreSQL; forbid it to see which index the planner can use.
    const text = await db.db.transaction().execute(async (trx) => {
      await sql`set local enable_seqscan = off`.execute(trx);
      const r = await trx.executeQuery<{ 'QUERY PLAN': string }>(
        CompiledQuery.raw(`explain ${c.sql}`, [...c.parameters]),
      );
      return r.rows.map((x) => x['QUERY PLAN']).join('\n');
    });
    expect(text).toContain('reviews_published_date_idx');
    expect(text).not.toContain('Seq Scan');
  });
});
