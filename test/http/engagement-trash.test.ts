/**
 * Trash, restore and purge: deleted reviews are listed newest-deleted first with cursor paging and purge dates,
 * restored with their summary contribution and a `created` event (409 when the author's slot is taken again), and
 * purged for good by the maintenance loop after the retention, with their votes and reports.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/server/app.ts';
import { loadConfig } from '../../src/server/config.ts';
import { buildSite, call, reviewBody, startTestApp, type TestApp, type TestSite, waitFor } from '../support/app.ts';
import { dialects, type TestDb } from '../support/databases.ts';

const NOT_FOUND = {
  message: 'Review not found',
  details: { applicationError: { code: 'REVIEW_NOT_FOUND', description: 'Review not found' } },
};
const DAY = 86_400_000;

describe.each(dialects())('trash, restore and purge on $name', (dialect) => {
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

  async function created(site: TestSite, body = reviewBody()) {
    const res = await call(t.app, 'POST', '/reviews/v1/reviews', { auth: site.adminKey, body });
    expect(res.status).toBe(200);
    return res.body.review;
  }
  const del = async (site: TestSite, id: string) =>
    expect((await call(t.app, 'DELETE', `/reviews/v1/reviews/${id}`, { auth: site.adminKey })).status).toBe(200);
  const summary = async (site: TestSite, entityId: string) =>
    (
      await call(
        t.app,
        'GET',
        `/verdict/v1/ratings/summary?namespace=stores&entityId=${encodeURIComponent(entityId)}`,
        {
          auth: site.adminKey,
        },
      )
    ).body.summary;
  const restore = (site: TestSite, id: string, auth = site.adminKey) =>
    call(t.app, 'POST', `/verdict/v1/reviews/${id}/restore`, { auth });

  it('lists deleted reviews, most recently deleted first, page by page with purge dates', async () => {
    const site = await buildSite(t);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await created(site);
      await del(site, r.id);
      ids.push(r.id);
    }
    await created(site); // live: never in the trash
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await call(t.app, 'GET', `/verdict/v1/trash?limit=2${cursor ? `&cursor=${cursor}` : ''}`, {
        auth: site.adminKey,
      });
      expect(res.status).toBe(200);
      for (const item of res.body.reviews) {
        expect(Date.parse(item.purgeDate) - Date.parse(item.deletedDate)).toBe(30 * DAY);
        seen.push(item.review.id);
      }
      cursor = res.body.metadata.cursors.next;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());
  });

  it('rejects a page size of 0 or over 100 with a field violation on the limit', async () => {
    const site = await buildSite(t);
    for (const limit of ['0', '101', 'ten']) {
      const res = await call(t.app, 'GET', `/verdict/v1/trash?limit=${limit}`, { auth: site.adminKey });
      expect(res.status).toBe(400);
      expect(res.body.details.validationError.fieldViolations.map((v: { field: string }) => v.field)).toEqual([
        expect.stringContaining('limit'),
      ]);
    }
  });

  it('rejects a tampered trash cursor with a field violation on query.cursor', async () => {
    const site = await buildSite(t);
    const res = await call(t.app, 'GET', '/verdict/v1/trash?cursor=garbage', { auth: site.adminKey });
    expect(res.status).toBe(400);
    expect(res.body.details.validationError.fieldViolations).toEqual([
      { field: 'query.cursor', description: 'is not a valid cursor', violatedRule: 'INVALID_ARGUMENT' },
    ]);
  });

  it('restores a deleted review with its summary contribution and a created event', async () => {
    const site = await buildSite(t);
    const review = await created(site, reviewBody({ content: { rating: 2 } }));
    await del(site, review.id);
    expect((await summary(site, review.entityId)).count).toBe(0);
    const res = await restore(site, review.id);
    expect(res.status).toBe(200);
    expect(res.body.review).toMatchObject({ id: review.id, revision: review.revision, content: review.content });
    expect((await summary(site, review.entityId)).count).toBe(1);
    const got = await call(t.app, 'GET', `/reviews/v1/reviews/${review.id}`, { auth: site.adminKey });
    expect(got.status).toBe(200);
    const events = await t.deps.db
      .selectFrom('outbox_events')
      .select(['slug', 'entity_event_sequence'])
      .where('entity_id', '=', review.id)
      .orderBy('entity_event_sequence')
      .execute();
    expect(events.map((e) => e.slug)).toEqual([
      'created',
      'moderation_status_changed',
      'review_published',
      'deleted',
      'created',
    ]);
    expect(events.map((e) => e.entity_event_sequence)).toEqual([1, 2, 3, 4, 5]);
    const trash = await call(t.app, 'GET', '/verdict/v1/trash', { auth: site.adminKey });
    expect(trash.body.reviews).toEqual([]);
  });

  it('refuses to restore when the author has a new review of the entity (409, data.reviewId = the new one)', async () => {
    const site = await buildSite(t);
    const body = reviewBody();
    const old = await created(site, body);
    await del(site, old.id);
    const fresh = await created(site, body);
    const res = await restore(site, old.id);
    expect(res.status).toBe(409);
    expect(res.body).toEqual({
      message: 'The author has a newer review of this entity',
      details: {
        applicationError: {
          code: 'REVIEW_ALREADY_EXISTS',
          description: 'The author has a newer review of this entity',
          data: { reviewId: fresh.id },
        },
      },
    });
    expect((await summary(site, body.review.entityId as string)).count).toBe(1);
  });

  it('answers 404 when restoring a live, unknown, non-GUID or another site’s review', async () => {
    const site = await buildSite(t);
    const live = await created(site);
    const other = await buildSite(t);
    const foreign = await created(other);
    await del(other, foreign.id);
    for (const id of [live.id, randomUUID(), 'x', foreign.id]) {
      const res = await restore(site, id);
      expect(res.status).toBe(404);
      expect(res.body).toEqual(NOT_FOUND);
    }
  });

  it('lets an app with reviews.manage list and restore, and refuses one that only moderates (403)', async () => {
    const site = await buildSite(t);
    const review = await created(site);
    await del(site, review.id);
    const moderator = await site.appKey(['reviews.moderate']);
    expect((await call(t.app, 'GET', '/verdict/v1/trash', { auth: moderator })).status).toBe(403);
    expect((await restore(site, review.id, moderator)).status).toBe(403);
    const manager = await site.appKey(['reviews.manage']);
    expect((await call(t.app, 'GET', '/verdict/v1/trash', { auth: manager })).body.reviews.length).toBe(1);
    expect((await restore(site, review.id, manager)).status).toBe(200);
  });

  it('purges reviews past the retention with their votes and reports, and keeps younger ones and summaries', async () => {
    const site = await buildSite(t);
    const old = await created(site);
    await call(t.app, 'POST', `/verdict/v1/reviews/${old.id}/votes`, {
      auth: await site.visitorToken(),
      body: { vote: 'HELPFUL' },
    });
    await call(t.app, 'POST', `/verdict/v1/reviews/${old.id}/reports`, {
      auth: await site.visitorToken(),
      body: { reason: 'SPAM' },
    });
    await del(site, old.id);
    const keep = await created(site);
    const live = await created(site, reviewBody({ entityId: old.entityId }));
    const before = await summary(site, old.entityId);

    // A second instance whose clock is 30 days and 1 hour ahead runs the maintenance pass at start.
    const later = new Date(Date.now() + 30 * DAY + 3_600_000);
    await t.deps.db
      .updateTable('reviews')
      .set({ deleted_at: new Date(Date.now() + 2 * DAY).toISOString() })
      .where('id', '=', keep.id)
      .execute();
    const ctx = await createApp(db, loadConfig({ LOG_LEVEL: 'silent' }), { logger: false, clock: () => later });
    try {
      await ctx.app.ready();
      await waitFor('the purge of the expired review', async () =>
        (await t.deps.db.selectFrom('reviews').select('id').where('id', '=', old.id).executeTakeFirst())
          ? undefined
          : true,
      );
    } finally {
      await ctx.app.close();
    }
    expect(
      await t.deps.db.selectFrom('review_votes').select('voter_id').where('review_id', '=', old.id).execute(),
    ).toEqual([]);
    expect(await t.deps.db.selectFrom('review_reports').select('id').where('review_id', '=', old.id).execute()).toEqual(
      [],
    );
    expect(await t.deps.db.selectFrom('reviews').select('id').where('id', '=', keep.id).executeTakeFirst()).toEqual({
      id: keep.id,
    });
    expect(await summary(site, old.entityId)).toEqual(before);
    expect((await call(t.app, 'GET', `/reviews/v1/reviews/${live.id}`, { auth: site.adminKey })).status).toBe(200);
    expect((await restore(site, old.id)).status).toBe(404);
  });
});
