/**
 * getInsights: one namespace's (or entity's) ratings, their course over the period, the namespace's most reviewed
 * and lowest rated entities, and the period's moderation holds by reason. Reads only; several small queries, none
 * of which reads the site's reviews one by one (see insights.repo.ts for the index each uses).
 */
import { INSIGHTS_LIMITS, type Insights, type InsightsQuery } from '../../contract/index.ts';
import type { DbDeps } from '../deps.ts';
import { invalid } from '../errors.ts';
import { insightsRepo, type Scope } from './insights.repo.ts';
import { averageOf, checkPeriod, ratingsOverTime } from './insights.rules.ts';

export async function getInsights(deps: Pick<DbDeps, 'db'>, siteId: string, query: InsightsQuery): Promise<Insights> {
  const period = checkPeriod(query.from, query.to);
  if (period.violations.length > 0) throw invalid(period.violations);
  const { from, to } = period;
  const scope: Scope = { siteId, namespace: query.namespace, entityId: query.entityId };
  const top = query.top !== undefined ? Number(query.top) : INSIGHTS_LIMITS.defaultTop;
  const minReviews = query.minReviews !== undefined ? Number(query.minReviews) : INSIGHTS_LIMITS.defaultMinReviews;
  const [summary, days, most, lowest, decisions, pending] = await Promise.all([
    insightsRepo.summary(deps.db, scope),
    insightsRepo.days(deps.db, scope, from, to),
    insightsRepo.mostReviewed(deps.db, scope, top),
    insightsRepo.lowestAverages(deps.db, scope, minReviews, top),
    insightsRepo.decisions(deps.db, scope, from, to),
    insightsRepo.pending(deps.db, scope),
  ]);
  const entity = (r: { entity_id: string; review_count: number; rating_sum: number }) => ({
    entityId: r.entity_id,
    count: Number(r.review_count),
    average: averageOf(Number(r.rating_sum), Number(r.review_count)),
  });
  const heldTotal = decisions.held.reduce((sum, r) => sum + r.count, 0);
  const [r1, r2, r3, r4, r5] = summary.histogram;
  return {
    summary: { count: summary.count, average: averageOf(summary.ratingSum, summary.count) },
    histogram: { '1': r1, '2': r2, '3': r3, '4': r4, '5': r5 },
    ratingsOverTime: ratingsOverTime(days, from, to, query.bucket ?? 'day'),
    mostReviewed: most.map(entity),
    lowestAverages: lowest.map(entity),
    held: {
      submitted: decisions.submitted,
      total: heldTotal,
      share: decisions.submitted ? Math.round((heldTotal / decisions.submitted) * 10_000) / 10_000 : 0,
      pending,
      byReason: decisions.held.sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason)),
    },
  };
}
