/**
 * What the dashboard's owner-data operations need. Frozen once shipped.
 * - `api_keys.last_four`: the last four characters of a key, so a list can tell keys apart without any secret
 *   (four of 43 random characters leave 234 bits unknown). Null for keys made before.
 * - `jobs.result_json`: what a job leaves behind besides its counts (an import's reconciliation report).
 * - `job_uploads`: the file of an import job until the job has run. In the database rather than on one instance's
 *   disk, so whichever instance claims the job can read it, and a job resumed after a crash still has it.
 * - `moderation_rules_versions`: every saved version of a namespace's rules, with who saved it and when; the rules
 *   saved before this migration become their namespace's first recorded version, with no actor.
 * - `reviews_published_date_idx`: ratings over time read the published reviews of a namespace between two review
 *   dates. No index led by (site, namespace, review date): the existing ones are by entity or by creation time, so
 *   the query read every review of the site (200,000 rows) through the table. This partial index holds only live
 *   published reviews and covers the query, so it reads the range alone: rating is in it; entity_id too, so one
 *   entity's series is filtered in the index rather than by reading each review of the range (measured on SQLite,
 *   200,000 reviews, 40,000 of them on one entity: 364 ms → 40-50 ms; the whole namespace over two years, 90 ms);
 *   and so are the two columns of its condition (constant in it), because SQLite counts an index as covering only
 *   when it holds every column the query names, those of the condition included.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('api_keys').addColumn('last_four', 'text').execute();
  await db.schema.alterTable('jobs').addColumn('result_json', 'text').execute();
  await db.schema
    .createTable('job_uploads')
    .addColumn('site_id', 'text', (c) => c.notNull())
    .addColumn('job_id', 'text', (c) => c.notNull())
    .addColumn('content', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('job_uploads_pk', ['site_id', 'job_id'])
    .execute();

  await db.schema
    .createTable('moderation_rules_versions')
    .addColumn('site_id', 'text', (c) => c.notNull())
    .addColumn('namespace', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('rules_json', 'text', (c) => c.notNull())
    .addColumn('actor_kind', 'text')
    .addColumn('actor_id', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('moderation_rules_versions_pk', ['site_id', 'namespace', 'version'])
    .execute();
  await sql`
    insert into moderation_rules_versions (site_id, namespace, version, rules_json, actor_kind, actor_id, created_at)
    select site_id, namespace, version, rules_json, null, null, updated_at from moderation_rules`.execute(db);

  await db.schema
    .createIndex('reviews_published_date_idx')
    .on('reviews')
    .columns(['site_id', 'namespace', 'review_date', 'entity_id', 'rating', 'moderation_status', 'deleted_at'])
    .where(sql.ref('moderation_status'), '=', 'APPROVED')
    .where(sql.ref('deleted_at'), 'is', null)
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('reviews_published_date_idx').execute();
  await db.schema.dropTable('moderation_rules_versions').execute();
  await db.schema.dropTable('job_uploads').execute();
  await db.schema.alterTable('jobs').dropColumn('result_json').execute();
  await db.schema.alterTable('api_keys').dropColumn('last_four').execute();
}
