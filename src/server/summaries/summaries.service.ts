/** Rating summaries: one row read per entity, maintained transactionally by every review change. */
import type { RatingSummary } from '../../contract/index.ts';
import type { Executor } from '../db/executor.ts';
import type { DbDeps } from '../deps.ts';
import { summariesRepo } from './summaries.repo.ts';
import { mergeDeltas, type SummaryDelta, toSummary } from './summaries.rules.ts';

/**
 * Adds review changes' deltas to their entities' summaries, in the caller's transaction (the one that makes the
 * changes). The deltas are merged per entity and written in (namespace, entityId) order, so two transactions that
 * touch the same entities always lock their summary rows in the same order and cannot deadlock on them.
 */
export async function applySummaryDeltas(
  db: Executor,
  siteId: string,
  deltas: readonly SummaryDelta[],
  at: string,
): Promise<void> {
  const ordered = orderedDeltas(deltas);
  if (ordered.length > 0) await summariesRepo.applyMany(db, siteId, ordered, at);
}

/** Deltas merged per entity, in (namespace, entityId) order: the order every writer locks summary rows in. */
export function orderedDeltas(deltas: readonly SummaryDelta[]): SummaryDelta[] {
  return mergeDeltas(deltas).sort((a, b) =>
    a.namespace === b.namespace ? compare(a.entityId, b.entityId) : compare(a.namespace, b.namespace),
  );
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The page-cache key of an entity's rating summary: the same answer for every caller of the site, so one entry per
 * entity serves them all.
 */
export function sharedSummary(siteId: string, namespace: string, entityId: string): string {
  return JSON.stringify(['summary', siteId, namespace, entityId]);
}

export async function getRatingSummary(
  deps: Pick<DbDeps, 'db'>,
  siteId: string,
  namespace: string,
  entityId: string,
): Promise<RatingSummary> {
  return toSummary(namespace, entityId, await summariesRepo.get(deps.db, siteId, namespace, entityId));
}

/** Summaries for up to 100 entities, in the order asked; entities without reviews get zeros. */
export async function batchRatingSummaries(
  deps: Pick<DbDeps, 'db'>,
  siteId: string,
  namespace: string,
  entityIds: readonly string[],
): Promise<RatingSummary[]> {
  const unique = [...new Set(entityIds)];
  const rows = await summariesRepo.many(deps.db, siteId, namespace, unique);
  const byId = new Map(rows.map((r) => [r.entity_id, r]));
  return unique.map((id) => toSummary(namespace, id, byId.get(id)));
}
