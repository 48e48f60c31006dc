/**
 * The maintenance passes on both dialects: the relevance recompute applies age decay to stored scores (and only
 * rewrites what changed), never overwrites a score computed from newer counts, and the trash purge removes only
 * reviews past the retention.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engagementRepo } from '../../src/server/engagement/engagement.repo.ts';
import { recomputeRelevance } from '../../src/server/engagement/maintenance.ts';
import { purgeTrash } from '../../src/server/engagement/trash.service.ts';
import { buildSite, call, reviewBody, startTestApp, type TestApp, type TestSite } from '../support/app.ts';
import { dialects, type TestDb } from '../support/databases.ts';

const DAY = 86_400_000;

describe.each(dialects())('engagement maintenance on $name', (dialect) => {
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

  const row = (id: string) =>
    t.deps.db.selectFrom('reviews').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  async function created(body = reviewBody({ content: { body: 'A long and useful body text' } })) {
    const res = await call(t.app, 'POST', '/reviews/v1/reviews', { auth: site.adminKey, body });
    expect(res.status).toBe(200);
    return res.body.review;
  }

  it('lowers stored scores as reviews age, orders by them, and rewrites nothing when run again at the same time', async () => {
    const a = await created();
    const b = await created();
    const before = [(await row(a.id)).relevance_score, (await row(b.id)).relevance_score];
    const later = new Date(Date.now() + 365 * DAY);
    expect(await recomputeRelevance(t.deps, later)).toBeGreaterThanOrEqual(2);
    const after = [(await row(a.id)).relevance_score, (await row(b.id)).relevance_score];
    expect(after[0]).toBeLessThan(before[0] as number);
    expect(after[1]).toBeLessThan(before[1] as number);
    expect(after[0]).toBeCloseTo((before[0] as number) / 2, 3);
    expect(await recomputeRelevance(t.deps, later)).toBe(0);
  });

  it('never overwrites a score computed from newer vote counts', async () => {
    const review = await created();
    const stale = await row(review.id);
    const voted = await call(t.app, 'POST', `/verdict/v1/reviews/${review.id}/votes`, {
      auth: await site.visitorToken(),
      body: { vote: 'HELPFUL' },
    });
    expect(voted.status).toBe(200);
    expect(await engagementRepo.setRelevance(t.deps.db, stale, 0.000001)).toBe(false);
    expect((await row(review.id)).relevance_score).toBe(voted.body.review.relevanceScore);
  });

  it('purges only reviews deleted before the retention cutoff', async () => {
    const old = await created();
    const young = await created();
    for (const id of [old.id, young.id]) {
      expect((await call(t.app, 'DELETE', `/reviews/v1/reviews/${id}`, { auth: site.adminKey })).status).toBe(200);
    }
    const now = new Date();
    await t.deps.db
      .updateTable('reviews')
      .set({ deleted_at: new Date(now.getTime() - 31 * DAY).toISOString() })
      .where('id', '=', old.id)
      .execute();
    expect(await purgeTrash(t.deps, now, 30)).toBe(1);
    expect(await t.deps.db.selectFrom('reviews').select('id').where('id', 'in', [old.id, young.id]).execute()).toEqual([
      { id: young.id },
    ]);
    expect(await purgeTrash(t.deps, now, 30)).toBe(0);
  });
});
