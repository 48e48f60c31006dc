/**
 * The maintenance loop on both dialects: start-up writes nothing to reviews however many there are and however far
 * the clock has moved (relevance needs no pass); each purge is claimed with a lease, so of several instances exactly
 * one does it per period; a stored relevance rank is never overwritten from stale vote counts; and the trash purge
 * removes only reviews past the retention.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/server/app.ts';
import { loadConfig } from '../../src/server/config.ts';
import { createMaintenance, MAINTENANCE_LEASES } from '../../src/server/engagement/maintenance.ts';
import { purgeTrash } from '../../src/server/engagement/trash.service.ts';
import { buildSite, call, reviewBody, startTestApp, type TestApp, type TestSite } from '../support/app.ts';
import { testClock } from '../support/clock.ts';
import { dialects, type TestDb } from '../support/databases.ts';

const DAY = 86_400_000;
const HOUR = 3_600_000;

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

  async function created(body = reviewBody({ content: { body: 'A long and useful body text' } })) {
    const res = await call(t.app, 'POST', '/reviews/v1/reviews', { auth: site.adminKey, body });
    expect(res.status).toBe(200);
    return res.body.review;
  }
  const allReviews = () => t.deps.db.selectFrom('reviews').selectAll().orderBy('site_id').orderBy('id').execute();

  it('starts with N reviews and writes nothing to reviews, even a year later, while scores still decay', async () => {
    for (let i = 0; i < 40; i++) await created();
    const one = await created();
    const before = await allReviews();
    expect(before.length).toBeGreaterThanOrEqual(41);
    const later = new Date(Date.now() + 365 * DAY);
    const ctx = await createApp(db, loadConfig({ LOG_LEVEL: 'silent' }), { logger: false, clock: () => later });
    try {
      await ctx.app.ready();
      // `stop` waits for the pass the start began: the whole start-up pass has run when it returns.
      await ctx.maintenance.stop();
      expect(await allReviews()).toEqual(before);
      const read = await call(ctx.app, 'GET', `/reviews/v1/reviews/${one.id}`, { auth: site.adminKey });
      expect(read.status).toBe(200);
      expect(read.body.review.relevanceScore).toBeCloseTo(one.relevanceScore / 2, 5);
    } finally {
      await ctx.app.close();
    }
  });

  it('leases each purge to one instance per period', async () => {
    const time = testClock(Date.now() + 2 * 365 * DAY);
    const log = t.app.log;
    const instance = () =>
      createMaintenance({ ...t.deps, clock: time.clock, trashRetentionDays: 30, outboxRetentionDays: 7, log });
    const [a, b, c] = [instance(), instance(), instance()];
    const pass = () => Promise.all([a.runOnce(), b.runOnce(), c.runOnce()]);
    const took = (passes: Awaited<ReturnType<typeof pass>>, key: 'purged' | 'outboxPurged' | 'usersPurged') =>
      passes.filter((p) => p[key] !== null).length;

    const first = await pass();
    expect(took(first, 'purged')).toBe(1);
    expect(took(first, 'outboxPurged')).toBe(1);
    expect(took(first, 'usersPurged')).toBe(1);
    // Later in the same period: the work is done, nobody does it again.
    time.advance(HOUR - 1);
    const again = await pass();
    expect(took(again, 'purged')).toBe(0);
    expect(took(again, 'outboxPurged')).toBe(0);
    // The next period: one instance again, whichever asks first.
    time.advance(1);
    const next = await pass();
    expect(took(next, 'purged')).toBe(1);
    expect(took(next, 'outboxPurged')).toBe(1);
    const leases = await t.deps.db.selectFrom('leases').selectAll().orderBy('name').execute();
    expect(leases.map((l) => [l.name, l.expires_at])).toEqual([
      [MAINTENANCE_LEASES.outbox, new Date(time.now().getTime() + HOUR).toISOString()],
      [MAINTENANCE_LEASES.trash, new Date(time.now().getTime() + HOUR).toISOString()],
      [MAINTENANCE_LEASES.users, new Date(time.now().getTime() + HOUR).toISOString()],
    ]);
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
    expect(
      await t.deps.db.selectFrom('reviews').select('id').where('id', '=', old.id).executeTakeFirst(),
    ).toBeUndefined();
    expect(await t.deps.db.selectFrom('reviews').select('id').where('id', '=', young.id).executeTakeFirst()).toEqual({
      id: young.id,
    });
    expect(await purgeTrash(t.deps, now, 30)).toBe(0);
  });
});
