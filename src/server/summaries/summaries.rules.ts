/**
 * What a review contributes to its entity's summary: only live, APPROVED reviews count. The difference between
 * a review's contribution before and after a change is applied in the same transaction as the change. Pure.
 */
import type { RatingSummary } from '../../contract/index.ts';
import type { EntitySummaryRow } from '../db/schema.ts';

export interface Contribution {
  namespace: string;
  entityId: string;
  rating: number;
}

export function contribution(r: {
  namespace: string;
  entity_id: string;
  rating: number;
  moderation_status: string;
  deleted_at: string | null;
}): Contribution | null {
  return r.deleted_at === null && r.moderation_status === 'APPROVED'
    ? { namespace: r.namespace, entityId: r.entity_id, rating: r.rating }
    : null;
}

export interface SummaryDelta {
  namespace: string;
  entityId: string;
  count: number;
  sum: number;
  /** index 0 = one star … 4 = five stars */
  stars: [number, number, number, number, number];
}

/** The deltas (zero, one or two entities) that turn `before` into `after`. */
export function summaryDeltas(before: Contribution | null, after: Contribution | null): SummaryDelta[] {
  if (
    before &&
    after &&
    before.namespace === after.namespace &&
    before.entityId === after.entityId &&
    before.rating === after.rating
  ) {
    return [];
  }
  const one = (c: Contribution, sign: 1 | -1): SummaryDelta => {
    const stars: SummaryDelta['stars'] = [0, 0, 0, 0, 0];
    stars[c.rating - 1] = sign;
    return { namespace: c.namespace, entityId: c.entityId, count: sign, sum: sign * c.rating, stars };
  };
  return mergeDeltas([...(before ? [one(before, -1)] : []), ...(after ? [one(after, 1)] : [])]);
}

/**
 * Deltas summed per entity, one per (namespace, entityId) in first-seen order, those that change nothing dropped:
 * what a multi-row upsert needs (PostgreSQL refuses to update one row twice in a statement).
 */
export function mergeDeltas(deltas: Iterable<SummaryDelta>): SummaryDelta[] {
  const byEntity = new Map<string, SummaryDelta>();
  for (const d of deltas) {
    const key = `${d.namespace}\u0000${d.entityId}`;
    const acc = byEntity.get(key);
    if (!acc) {
      byEntity.set(key, { ...d, stars: [...d.stars] });
      continue;
    }
    acc.count += d.count;
    acc.sum += d.sum;
    acc.stars = acc.stars.map((n, i) => n + (d.stars[i] ?? 0)) as SummaryDelta['stars'];
  }
  return [...byEntity.values()].filter((d) => d.count !== 0 || d.sum !== 0 || d.stars.some((x) => x !== 0));
}

/** The columns a summary is read from. */
export type SummaryCounts = Pick<EntitySummaryRow, 'review_count' | 'rating_sum' | 'r1' | 'r2' | 'r3' | 'r4' | 'r5'>;
export const SUMMARY_COUNT_COLUMNS = ['review_count', 'rating_sum', 'r1', 'r2', 'r3', 'r4', 'r5'] as const;

export function toSummary(namespace: string, entityId: string, row: SummaryCounts | undefined): RatingSummary {
  const count = row?.review_count ?? 0;
  return {
    namespace,
    entityId,
    count,
    average: count > 0 && row ? Math.round((row.rating_sum / count) * 100) / 100 : 0,
    histogram: {
      '1': row?.r1 ?? 0,
      '2': row?.r2 ?? 0,
      '3': row?.r3 ?? 0,
      '4': row?.r4 ?? 0,
      '5': row?.r5 ?? 0,
    },
  };
}
