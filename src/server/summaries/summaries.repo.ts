/** Reads and atomically adjusts entity_summaries rows. */
import type { Executor } from '../db/executor.ts';
import { insertRows } from '../db/insert-rows.ts';
import { preparedQuery } from '../db/prepared.ts';
import { SUMMARY_COUNT_COLUMNS, type SummaryCounts, type SummaryDelta } from './summaries.rules.ts';

/** The conflict target of every summary upsert: one row per entity of a site. */
export const SUMMARY_KEY_COLUMNS = ['site_id', 'namespace', 'entity_id'] as const;

/**
 * The conflict clause of a summary upsert as SQL text, for statements composed by hand (the one-statement create on
 * PostgreSQL): every count adds up, the time is the change's. The same rule as {@link summariesRepo.applyMany}, built
 * from the same column lists.
 */
export const SUMMARY_UPSERT_SQL = `on conflict (${SUMMARY_KEY_COLUMNS.map((c) => `"${c}"`).join(', ')}) do update set ${[
  ...SUMMARY_COUNT_COLUMNS.map((c) => `"${c}" = "entity_summaries"."${c}" + excluded."${c}"`),
  '"updated_at" = excluded."updated_at"',
].join(', ')}`;

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
            oc.columns(SUMMARY_KEY_COLUMNS).doUpdateSet((eb) => ({
              ...Object.fromEntries(
                SUMMARY_COUNT_COLUMNS.map((c) => [c, eb(`entity_summaries.${c}`, '+', eb.ref(`excluded.${c}`))]),
              ),
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
