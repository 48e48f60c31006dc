/**
 * The reads of insights. Ratings come from the per-entity summaries (one row per entity, kept by every review
 * write), the course over time from `reviews_published_date_idx` (published live reviews by namespace and review
 * date, rating included), holds from the moderation audit's by-time index.
 */
import { sql } from 'kysely';
import type { Executor } from '../db/executor.ts';
import type { DayTotal } from './insights.rules.ts';

export interface Scope {
  siteId: string;
  namespace: string;
  entityId?: string | undefined;
}

export interface SummaryTotals {
  count: number;
  ratingSum: number;
  histogram: [number, number, number, number, number];
}

const n = (v: unknown): number => Number(v ?? 0);

export const insightsRepo = {
  async summary(db: Executor, s: Scope): Promise<SummaryTotals> {
    let q = db
      .selectFrom('entity_summaries')
      .select((eb) => [
        eb.fn.sum<number | string>('review_count').as('count'),
        eb.fn.sum<number | string>('rating_sum').as('rating_sum'),
        eb.fn.sum<number | string>('r1').as('r1'),
        eb.fn.sum<number | string>('r2').as('r2'),
        eb.fn.sum<number | string>('r3').as('r3'),
        eb.fn.sum<number | string>('r4').as('r4'),
        eb.fn.sum<number | string>('r5').as('r5'),
      ])
      .where('site_id', '=', s.siteId)
      .where('namespace', '=', s.namespace);
    if (s.entityId !== undefined) q = q.where('entity_id', '=', s.entityId);
    const r = await q.executeTakeFirst();
    return {
      count: n(r?.count),
      ratingSum: n(r?.rating_sum),
      histogram: [n(r?.r1), n(r?.r2), n(r?.r3), n(r?.r4), n(r?.r5)],
    };
  },

  /** Published live reviews per review day in [from, to). */
  async days(db: Executor, s: Scope, from: string, to: string): Promise<DayTotal[]> {
    const rows = await insightsRepo.daysQuery(db, s, from, to).execute();
    return rows.map((r) => ({ day: r.day, count: n(r.count), ratingSum: n(r.rating_sum) }));
  },

  /** The query `days` runs (exposed so tests can check its plan). */
  daysQuery(db: Executor, s: Scope, from: string, to: string) {
    const day = sql<string>`substr(review_date, 1, 10)`;
    let q = db
      .selectFrom('reviews')
      .select((eb) => [
        day.as('day'),
        eb.fn.countAll<number | string>().as('count'),
        eb.fn.sum<number | string>('rating').as('rating_sum'),
      ])
      .where('site_id', '=', s.siteId)
      .where('namespace', '=', s.namespace)
      // The predicates of the partial index, written as its definition writes them, so both planners match it.
      .where('moderation_status', '=', sql.lit('APPROVED'))
      .where('deleted_at', 'is', null)
      .where('review_date', '>=', from)
      .where('review_date', '<', to);
    if (s.entityId !== undefined) q = q.where('entity_id', '=', s.entityId);
    return q.groupBy(day);
  },

  /** Entities of the namespace with the most published reviews. */
  mostReviewed: (db: Executor, s: Scope, top: number) =>
    db
      .selectFrom('entity_summaries')
      .select(['entity_id', 'review_count', 'rating_sum'])
      .where('site_id', '=', s.siteId)
      .where('namespace', '=', s.namespace)
      .where('review_count', '>', 0)
      .orderBy('review_count', 'desc')
      .orderBy('entity_id')
      .limit(top)
      .execute(),

  /** Entities with at least `minReviews` published reviews, lowest average first. */
  lowestAverages: (db: Executor, s: Scope, minReviews: number, top: number) =>
    db
      .selectFrom('entity_summaries')
      .select(['entity_id', 'review_count', 'rating_sum'])
      .where('site_id', '=', s.siteId)
      .where('namespace', '=', s.namespace)
      .where('review_count', '>=', minReviews)
      .orderBy(sql`rating_sum * 1.0 / review_count`)
      .orderBy('review_count', 'desc')
      .orderBy('entity_id')
      .limit(top)
      .execute(),

  /**
   * Decisions of the period about the scope's reviews: how many were submitted (every creation is audited from
   * SUBMITTED; imports are not) and how many times one was held, by reason.
   */
  async decisions(
    db: Executor,
    s: Scope,
    from: string,
    to: string,
  ): Promise<{ submitted: number; held: { reason: string; count: number }[] }> {
    let q = db
      .selectFrom('moderation_audit as a')
      .innerJoin('reviews as r', (j) => j.onRef('r.site_id', '=', 'a.site_id').onRef('r.id', '=', 'a.review_id'))
      .select((eb) => ['a.reason', 'a.from_status', 'a.to_status', eb.fn.countAll<number | string>().as('count')])
      .where('a.site_id', '=', s.siteId)
      .where('a.created_at', '>=', from)
      .where('a.created_at', '<', to)
      .where('r.namespace', '=', s.namespace)
      .where((eb) => eb.or([eb('a.from_status', '=', 'SUBMITTED'), eb('a.to_status', '=', 'IN_MODERATION')]));
    if (s.entityId !== undefined) q = q.where('r.entity_id', '=', s.entityId);
    const rows = await q.groupBy(['a.reason', 'a.from_status', 'a.to_status']).execute();
    let submitted = 0;
    const held = new Map<string, number>();
    for (const r of rows) {
      if (r.from_status === 'SUBMITTED') submitted += n(r.count);
      if (r.to_status === 'IN_MODERATION') held.set(r.reason, (held.get(r.reason) ?? 0) + n(r.count));
    }
    return { submitted, held: [...held].map(([reason, count]) => ({ reason, count })) };
  },

  /** Live reviews of the scope awaiting moderation now. */
  async pending(db: Executor, s: Scope): Promise<number> {
    let q = db
      .selectFrom('reviews')
      .select((eb) => eb.fn.countAll<number | string>().as('count'))
      .where('site_id', '=', s.siteId)
      .where('moderation_status', '=', 'IN_MODERATION')
      .where('deleted_at', 'is', null)
      .where('namespace', '=', s.namespace);
    if (s.entityId !== undefined) q = q.where('entity_id', '=', s.entityId);
    return n((await q.executeTakeFirst())?.count);
  },
};
