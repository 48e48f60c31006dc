import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildSite,
  call,
  contactId,
  entityId,
  reviewBody,
  startTestApp,
  type TestApp,
  type TestSite,
} from '../support/app.ts';
import { dialects, type TestDb } from '../support/databases.ts';

type Histogram = Record<'1' | '2' | '3' | '4' | '5', number>;
interface Summary {
  namespace: string;
  entityId: string;
  count: number;
  average: number;
  histogram: Histogram;
}

/** The summary of a set of ratings, computed independently of the server. */
function summaryOf(namespace: string, entity: string, ratings: number[]): Summary {
  const histogram: Histogram = { '1': 0, '2': 0, '3': 0, '4': 0, '5': 0 };
  for (const r of ratings) histogram[String(r) as keyof Histogram] += 1;
  const sum = ratings.reduce((a, b) => a + b, 0);
  return {
    namespace,
    entityId: entity,
    count: ratings.length,
    average: ratings.length === 0 ? 0 : Math.round((sum / ratings.length) * 100) / 100,
    histogram,
  };
}

describe.each(dialects())('rating summaries and outbox events on $name', (dialect) => {
  let db: TestDb;
  let t: TestApp;
  /** A controlled clock, wired at start: every service call sees `now`; `tick` moves it and returns the new ISO time. */
  let now = Date.parse('2033-07-01T12:00:00.000Z');
  const at = () => new Date(now).toISOString();
  const tick = () => {
    now += 1000;
    return at();
  };
  beforeAll(async () => {
    db = await dialect.open();
    t = await startTestApp(db, { clock: () => new Date(now) });
  });
  afterAll(async () => {
    await t.close();
    await db.dispose();
  });

  async function ok(res: Promise<{ status: number; body: any }>) {
    const r = await res;
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return r.body;
  }
  const create = async (s: TestSite, over: Record<string, unknown> = {}) =>
    (await ok(call(t.app, 'POST', '/reviews/v1/reviews', { auth: s.adminKey, body: reviewBody(over) }))).review;
  const update = async (s: TestSite, id: string, review: Record<string, unknown>) =>
    (await ok(call(t.app, 'PATCH', `/reviews/v1/reviews/${id}`, { auth: s.adminKey, body: { review } }))).review;
  const moderate = async (s: TestSite, id: string, status: string) =>
    (await ok(call(t.app, 'PATCH', `/reviews/v1/reviews/${id}/moderate`, { auth: s.adminKey, body: { status } })))
      .review;
  const remove = async (s: TestSite, id: string) =>
    (await ok(call(t.app, 'DELETE', `/reviews/v1/reviews/${id}`, { auth: s.adminKey }))).review;

  const summary = async (s: TestSite, entity: string, namespace = 'stores', auth = s.adminKey): Promise<Summary> =>
    (await ok(call(t.app, 'GET', `/verdict/v1/ratings/summary?namespace=${namespace}&entityId=${entity}`, { auth })))
      .summary;

  /** What the summary must be: the approved live reviews of the entity, as the query API lists them. */
  async function approvedRatings(s: TestSite, entity: string, namespace = 'stores'): Promise<number[]> {
    const body = await ok(
      call(t.app, 'POST', '/reviews/v1/reviews/query', {
        auth: s.adminKey,
        body: {
          query: {
            filter: { namespace, entityId: entity, 'moderation.moderationStatus': 'APPROVED' },
            cursorPaging: { limit: 100 },
          },
          returnPrivateReviews: true,
        },
      }),
    );
    return body.reviews.map((r: { content: { rating: number } }) => r.content.rating);
  }

  async function expectSummary(s: TestSite, entity: string, ratings: number[], namespace = 'stores') {
    expect((await approvedRatings(s, entity, namespace)).sort()).toEqual([...ratings].sort());
    expect(await summary(s, entity, namespace)).toEqual(summaryOf(namespace, entity, ratings));
  }

  describe('summaries', () => {
    it('tracks count, average and histogram of approved live reviews through every kind of change', async () => {
      const s = await buildSite(t);
      await s.setModeration({ mode: 'HOLD_RATINGS', heldRatings: [1, 2] });
      const e = entityId();
      await expectSummary(s, e, []);

      const five = await create(s, { entityId: e, content: { rating: 5 } });
      await expectSummary(s, e, [5]);

      const one = await create(s, { entityId: e, content: { rating: 1 } });
      expect(one.moderation.moderationStatus).toBe('IN_MODERATION');
      await expectSummary(s, e, [5]);

      const four = await create(s, { entityId: e, content: { rating: 4 } });
      await expectSummary(s, e, [5, 4]);

      await update(s, four.id, { revision: four.revision, content: { rating: 3 } });
      await expectSummary(s, e, [5, 3]);

      await update(s, four.id, { revision: '2', content: { title: 'Only the title' } });
      await expectSummary(s, e, [5, 3]);

      await moderate(s, one.id, 'APPROVED');
      await expectSummary(s, e, [5, 3, 1]);

      await moderate(s, five.id, 'REJECTED');
      await expectSummary(s, e, [3, 1]);

      await moderate(s, five.id, 'REJECTED');
      await expectSummary(s, e, [3, 1]);

      await remove(s, four.id);
      await expectSummary(s, e, [1]);

      await moderate(s, five.id, 'APPROVED');
      await expectSummary(s, e, [5, 1]);

      // Editing a published review into a held rating takes it out of the summary.
      const moved = await update(s, five.id, { revision: '4', content: { rating: 2 } });
      expect(moved.moderation.moderationStatus).toBe('IN_MODERATION');
      await expectSummary(s, e, [1]);
    });

    it('rounds the average to two decimals', async () => {
      const s = await buildSite(t);
      const e = entityId();
      for (const rating of [5, 4, 4]) await create(s, { entityId: e, content: { rating } });
      expect((await summary(s, e)).average).toBe(4.33);
    });

    it('moves a review’s contribution when updateReview changes its entity or namespace', async () => {
      const s = await buildSite(t);
      const from = entityId();
      const to = entityId();
      const r = await create(s, { entityId: from, content: { rating: 4 } });
      await create(s, { entityId: from, content: { rating: 2 } });
      await update(s, r.id, { revision: '1', entityId: to });
      await expectSummary(s, from, [2]);
      await expectSummary(s, to, [4]);
      await update(s, r.id, { revision: '2', namespace: 'bookings', content: { rating: 5 } });
      await expectSummary(s, to, []);
      await expectSummary(s, to, [5], 'bookings');
    });

    it('keeps summaries per site: the same entity id on another site is independent', async () => {
      const a = await buildSite(t);
      const b = await buildSite(t);
      const e = entityId();
      await create(a, { entityId: e, content: { rating: 5 } });
      expect(await summary(b, e)).toEqual(summaryOf('stores', e, []));
      await create(b, { entityId: e, content: { rating: 1 } });
      expect(await summary(a, e)).toEqual(summaryOf('stores', e, [5]));
      expect(await summary(b, e)).toEqual(summaryOf('stores', e, [1]));
    });

    it('returns batch summaries in the order asked, with zeros for entities without reviews', async () => {
      const s = await buildSite(t);
      const e1 = entityId();
      const e2 = entityId();
      const unknown = entityId();
      await create(s, { entityId: e1, content: { rating: 5 } });
      await create(s, { entityId: e1, content: { rating: 2 } });
      await create(s, { entityId: e2, content: { rating: 3 } });
      const body = await ok(
        call(t.app, 'POST', '/verdict/v1/ratings/summaries', {
          auth: await s.visitorToken(),
          body: { namespace: 'stores', entityIds: [e2, unknown, e1] },
        }),
      );
      expect(body).toEqual({
        summaries: [summaryOf('stores', e2, [3]), summaryOf('stores', unknown, []), summaryOf('stores', e1, [5, 2])],
      });
      const single = await ok(
        call(t.app, 'POST', '/verdict/v1/ratings/summaries', {
          auth: s.adminKey,
          body: { namespace: 'bookings', entityIds: [e1] },
        }),
      );
      expect(single).toEqual({ summaries: [summaryOf('bookings', e1, [])] });
    });

    it('lets visitors, members and read-only app keys read summaries, and refuses anonymous callers', async () => {
      const s = await buildSite(t);
      const e = entityId();
      await create(s, { entityId: e, content: { rating: 4 } });
      for (const auth of [await s.visitorToken(), await s.memberToken(contactId()), await s.appKey(['reviews.read'])]) {
        expect(await summary(s, e, 'stores', auth)).toEqual(summaryOf('stores', e, [4]));
      }
      const anon = await call(t.app, 'GET', `/verdict/v1/ratings/summary?namespace=stores&entityId=${e}`);
      expect(anon.status).toBe(401);
      expect(anon.body.details.applicationError.code).toBe('UNAUTHENTICATED');
    });

    it('rejects a summary request without entityId or with a NUL in it, and a batch of 0 or 101 entities, naming the field', async () => {
      const s = await buildSite(t);
      const missing = await call(t.app, 'GET', '/verdict/v1/ratings/summary?namespace=stores', { auth: s.adminKey });
      expect(missing.status).toBe(400);
      expect(missing.body.details.validationError.fieldViolations).toEqual([
        expect.objectContaining({ field: 'query.entityId', violatedRule: 'REQUIRED_FIELD' }),
      ]);
      const nul = await call(t.app, 'GET', '/verdict/v1/ratings/summary?namespace=stores&entityId=a%00b', {
        auth: s.adminKey,
      });
      expect(nul.status).toBe(400);
      expect(nul.body.details.validationError.fieldViolations).toEqual([
        expect.objectContaining({ field: 'query.entityId' }),
      ]);
      for (const entityIds of [[], Array.from({ length: 101 }, () => entityId())]) {
        const res = await call(t.app, 'POST', '/verdict/v1/ratings/summaries', {
          auth: s.adminKey,
          body: { namespace: 'stores', entityIds },
        });
        expect(res.status).toBe(400);
        expect(res.body.details.validationError.fieldViolations).toEqual([
          expect.objectContaining({ field: 'entityIds' }),
        ]);
      }
    });
  });

  describe('outbox events', () => {
    interface Stored {
      eventType: string;
      slug: string;
      sequence: number;
      body: any;
    }

    async function events(s: TestSite, reviewId: string): Promise<Stored[]> {
      const rows = await t.deps.db
        .selectFrom('outbox_events')
        .selectAll()
        .where('site_id', '=', s.siteId)
        .where('entity_id', '=', reviewId)
        .orderBy('position')
        .execute();
      return rows.map((r) => ({
        eventType: r.event_type,
        slug: r.slug,
        sequence: Number(r.entity_event_sequence),
        body: JSON.parse(r.body_json),
      }));
    }

    /** Every envelope of one review is well formed and numbered "1", "2", … in position order. */
    function expectEnvelopes(list: Stored[], reviewId: string) {
      const TYPES: Record<string, string> = {
        created: 'wix.reviews.v1.review_created',
        updated: 'wix.reviews.v1.review_updated',
        deleted: 'wix.reviews.v1.review_deleted',
        moderation_status_changed: 'wix.reviews.v1.review_moderation_status_changed',
        review_published: 'wix.reviews.v1.review_review_published',
      };
      list.forEach((e, i) => {
        expect(e.eventType).toBe(TYPES[e.slug]);
        expect(e.sequence).toBe(i + 1);
        expect(e.body).toMatchObject({
          id: expect.stringMatching(/^[0-9a-f-]{36}$/),
          entityFqdn: 'wix.reviews.v1.review',
          slug: e.slug,
          entityId: reviewId,
          entityEventSequence: String(i + 1),
        });
        expect(new Date(e.body.eventTime).toISOString()).toBe(e.body.eventTime);
      });
      expect(new Set(list.map((e) => e.body.id)).size).toBe(list.length);
    }

    it('writes created, moderation_status_changed (from SUBMITTED) and review_published for an approved create', async () => {
      const s = await buildSite(t);
      const time = tick();
      const review = await create(s);
      const list = await events(s, review.id);
      expectEnvelopes(list, review.id);
      expect(list.map((e) => e.slug)).toEqual(['created', 'moderation_status_changed', 'review_published']);
      const [created, changed, published] = list.map((e) => e.body);
      expect(created.createdEvent).toEqual({ entity: review });
      expect(changed.actionEvent).toEqual({ body: { review, previousModerationStatus: 'SUBMITTED' } });
      expect(published.actionEvent).toEqual({ body: { review } });
      for (const e of list) expect(e.body.eventTime).toBe(time);
    });

    it('writes no review_published for a held create, then one on each entry into APPROVED', async () => {
      const s = await buildSite(t);
      await s.setModeration({ mode: 'HOLD_ALL', heldRatings: [] });
      const review = await create(s);
      tick();
      const edited = await update(s, review.id, { revision: '1', content: { title: 'Edited' } });
      tick();
      const approved = await moderate(s, review.id, 'APPROVED');
      tick();
      const rejected = await moderate(s, review.id, 'REJECTED');
      tick();
      const again = await moderate(s, review.id, 'APPROVED');
      const deleteTime = tick();
      const deleted = await remove(s, review.id);

      const list = await events(s, review.id);
      expectEnvelopes(list, review.id);
      expect(list.map((e) => e.slug)).toEqual([
        'created',
        'moderation_status_changed',
        'updated',
        'updated',
        'moderation_status_changed',
        'review_published',
        'updated',
        'moderation_status_changed',
        'updated',
        'moderation_status_changed',
        'review_published',
        'deleted',
      ]);
      const b = list.map((e) => e.body);
      expect(b[0].createdEvent.entity).toEqual(review);
      expect(b[1].actionEvent.body).toEqual({ review, previousModerationStatus: 'SUBMITTED' });
      // modifiedFields: each changed path with its value before the change.
      expect(b[2].updatedEvent).toEqual({ currentEntity: edited, modifiedFields: { 'content.title': 'Good' } });
      expect(b[3].updatedEvent.modifiedFields).toEqual({
        'moderation.moderationStatus': 'IN_MODERATION',
        'moderation.manuallyChanged': false,
        publishCount: 0,
      });
      expect(b[3].updatedEvent.currentEntity).toEqual(approved);
      expect(b[4].actionEvent.body).toEqual({ review: approved, previousModerationStatus: 'IN_MODERATION' });
      expect(b[5].actionEvent.body).toEqual({ review: approved });
      expect(b[7].actionEvent.body).toEqual({ review: rejected, previousModerationStatus: 'APPROVED' });
      expect(b[9].actionEvent.body).toEqual({ review: again, previousModerationStatus: 'REJECTED' });
      expect(b[10].actionEvent.body).toEqual({ review: again });
      expect(b[11].deletedEvent).toEqual({ deletedEntity: deleted });
      expect(b[11].eventTime).toBe(deleteTime);
      expect(again.publishCount).toBe(2);
    });

    it('writes updated for reply changes, and updated + moderation_status_changed when an edit holds the review', async () => {
      const s = await buildSite(t);
      await s.setModeration({ mode: 'HOLD_RATINGS', heldRatings: [1] });
      const review = await create(s, { content: { rating: 5 } });
      const replied = (
        await ok(
          call(t.app, 'PATCH', `/reviews/v1/reviews/${review.id}/reply`, {
            auth: s.adminKey,
            body: { message: 'Thanks' },
          }),
        )
      ).review;
      const unreplied = (
        await ok(call(t.app, 'DELETE', `/reviews/v1/reviews/${review.id}/reply`, { auth: s.adminKey }))
      ).review;
      const heldAgain = await update(s, review.id, { revision: unreplied.revision, content: { rating: 1 } });
      expect(heldAgain.moderation.moderationStatus).toBe('IN_MODERATION');

      const list = await events(s, review.id);
      expectEnvelopes(list, review.id);
      expect(list.slice(3).map((e) => e.slug)).toEqual(['updated', 'updated', 'updated', 'moderation_status_changed']);
      const b = list.slice(3).map((e) => e.body);
      expect(b[0].updatedEvent.currentEntity).toEqual(replied);
      expect(b[1].updatedEvent.currentEntity).toEqual(unreplied);
      expect(b[2].updatedEvent.currentEntity).toEqual(heldAgain);
      expect(b[3].actionEvent.body).toEqual({ review: heldAgain, previousModerationStatus: 'APPROVED' });
    });

    it('numbers each review’s events on its own, starting at "1"', async () => {
      const s = await buildSite(t);
      const a = await create(s);
      const b = await create(s);
      await moderate(s, a.id, 'REJECTED');
      const c = await create(s);
      for (const r of [a, b, c]) expectEnvelopes(await events(s, r.id), r.id);
      expect((await events(s, c.id)).map((e) => e.sequence)).toEqual([1, 2, 3]);
    });

    it('writes no event for a refused change (stale revision, invalid input, unknown review, wrong caller)', async () => {
      const s = await buildSite(t);
      const review = await create(s);
      const before = await events(s, review.id);
      const refused = [
        await call(t.app, 'PATCH', `/reviews/v1/reviews/${review.id}`, {
          auth: s.adminKey,
          body: { review: { revision: '7', content: { title: 'x' } } },
        }),
        await call(t.app, 'PATCH', `/reviews/v1/reviews/${review.id}`, {
          auth: s.adminKey,
          body: { review: { revision: '1', content: { rating: 9 } } },
        }),
        await call(t.app, 'PATCH', `/reviews/v1/reviews/${review.id}`, {
          auth: s.adminKey,
          body: { review: { revision: '1', author: { contactId: contactId() } } },
        }),
        await call(t.app, 'PATCH', `/reviews/v1/reviews/${review.id}/moderate`, {
          auth: s.adminKey,
          body: { status: 'SUBMITTED' },
        }),
        await call(t.app, 'DELETE', `/reviews/v1/reviews/${review.id}`, { auth: await s.visitorToken() }),
      ];
      expect(refused.map((r) => r.status)).toEqual([409, 400, 400, 400, 403]);
      expect(await events(s, review.id)).toEqual(before);
    });
  });
});
