/** Rating summaries: one row read per entity, maintained transactionally by every review change. */
import type { RatingSummary } from '../../contract/index.ts';
import type { DbDeps } from '../deps.ts';
import { summariesRepo } from './summaries.repo.ts';
import { toSummary } from './summaries.rules.ts';

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
