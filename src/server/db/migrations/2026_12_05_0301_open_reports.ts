/**
 * `reviews.open_reports`: how many open abuse reports a review has, kept by the review unit of work with every
 * report, dismissal, erasure and purge, so the moderation queue can list the reported reviews (`reported` in the
 * query language, docs/query.md) without reading `review_reports` for each pending review. Existing open reports
 * are counted in. Frozen once shipped.
 * - `reviews_reported_idx`: the live reviews with an open report, by creation time. Partial, so it holds only the
 *   few reported reviews: a queue page of them reads this index alone instead of every pending review of the site.
 *   Its condition is written in the query exactly as here (`open_reports > 0`, the zero a literal): SQLite
 *   uses a partial index only when the query's WHERE clause contains the index's own terms.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('reviews')
    .addColumn('open_reports', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  // The same correlated update on both dialects: only reviews with an open report are written.
  await sql`
    update reviews set open_reports = (
      select count(*) from review_reports r
      where r.site_id = reviews.site_id and r.review_id = reviews.id and r.status = 'OPEN'
    )
    where exists (
      select 1 from review_reports r
      where r.site_id = reviews.site_id and r.review_id = reviews.id and r.status = 'OPEN'
    )`.execute(db);
  await db.schema
    .createIndex('reviews_reported_idx')
    .on('reviews')
    .columns(['site_id', 'created_at', 'id'])
    .where(sql<boolean>`deleted_at is null and open_reports > 0`)
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('reviews_reported_idx').execute();
  await db.schema.alterTable('reviews').dropColumn('open_reports').execute();
}
