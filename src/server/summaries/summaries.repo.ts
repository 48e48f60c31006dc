/** Reads and atomically adjusts entity_summaries rows. */
import type { Executor } from '../db/executor.ts';
import { SUMMARY_COUNT_COLUMNS, type SummaryCounts, type SummaryDelta } from './summaries.rules.ts';
import { preparedQuery } from '../db/prepared.ts';
import { insertRows } from '../db/insert-rows.ts';

/** Entities per upsert statement: 11 parameters each, far below either driver's bound-parameter limit. */
const UPSERT_CHUNK = 200;

const oneSummary = preparedQuery((db, p: { siteId: string; namespace: string; entityId: string }) =>
  db
    .selectFrom('entity_summaries')
    .select(SUMMARY_COUNT_COLUMNS)
    .where('site_id', '=', p.siteId)
    .where('namespace', '=', p.namespace)
    .where('entity_id', '=', p.entityId),
);

/** The row an upsert adds to an entity's summary: the delta's counts, and the time of the change. */
export function summaryRow(siteId: string, d: SummaryDelta, at: string) {
  return {
    site_id: siteId,
    namespace: d.namespace,
    entity_id: d.entityId,
    review_count: d.count,
    rating_sum: d.sum,
    r1: d.stars[0],
    r2: d.stars[1],
    r3: d.stars[2],
    r4: d.stars[3],
    r5: d.stars[4],
    updated_at: at,
  };
}

export const summariesRepo = {
  /**
   * Adds deltas with one multi-row upsert (SQL compiled once per row count), so concurrent writers cannot lose an
   * increment. The entities must be distinct, as `summaryDeltas` and `mergeDeltas` give them: PostgreSQL refuses
   * to update one row twice in a statement.
   */
  async applyMany(db: Executor, siteId: string, deltas: readonly SummaryDelta[], at: string): Promise<void> {
    const rows = deltas.map((d) => summaryRow(siteId, d, at));
    for (let i = 0; i < rows.length; i += UPSERT_CHUNK) {
      await insertRows(db, 'entity_summaries', rows.slice(i, i + UPSERT_CHUNK), (chunk) =>
        db
          .insertInto('entity_summaries')
          .values([...chunk])
          .onConflict((oc) =>
            oc.columns(['site_id', 'namespace', 'entity_id']).doUpdateSet((eb) => ({
              review_count: eb('entity_summaries.review_count', '+', eb.ref('excluded.review_count')),
              rating_sum: eb('entity_summaries.rating_sum', '+', eb.ref('excluded.rating_sum')),
              r1: eb('entity_summaries.r1', '+', eb.ref('excluded.r1')),
              r2: eb('entity_summaries.r2', '+', eb.ref('excluded.r2')),
              r3: eb('entity_summaries.r3', '+', eb.ref('excluded.r3')),
              r4: eb('entity_summaries.r4', '+', eb.ref('excluded.r4')),
              r5: eb('entity_summaries.r5', '+', eb.ref('excluded.r5')),
              updated_at: eb.ref('excluded.updated_at'),
            })),
          ),
      );
    }
  },

  get: async (db: Executor, siteId: string, namespace: string, entityId: string): Promise<SummaryCounts | undefined> =>
    (await oneSummary(db, { siteId, namespace, entityId }))[0],

  many: (
    db: Executor,
    siteId: string,
    namespace: string,
    entityIds: readonly string[],
  ): Promise<(SummaryCounts & { entity_id: string })[]> =>
    db
      .selectFrom('entity_summaries')
      .select(['entity_id', ...SUMMARY_COUNT_COLUMNS])
      .where('site_id', '=', siteId)
      .where('namespace', '=', namespace)
      .where('entity_id', 'in', entityIds)
      .execute(),

  /** Published reviews of an entity, in one namespace or all of them: the sum of its summary rows' counts. */
  async publishedCount(db: Executor, siteId: string, entityId: string, namespace?: string): Promise<number> {
    let q = db
      .selectFrom('entity_summaries')
      .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('review_count'), eb.lit(0)).as('n'))
      .where('site_id', '=', siteId)
      .where('entity_id', '=', entityId);
    if (namespace !== undefined) q = q.where('namespace', '=', namespace);
    return Number((await q.executeTakeFirstOrThrow()).n);
  },
};
