/**
 * Engagement and data care: helpfulness votes, abuse reports, per-site engagement settings, the GDPR request
 * audit, and the first/last name parts of a contact (Contacts v4 `info.name`). Frozen once shipped. Every key
 * leads with site_id (the shard key). Both dialects take the same statements: every column is text or integer.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  // One vote per voter per review; the row is the voter's current vote (withdrawing deletes it).
  await db.schema
    .createTable('review_votes')
    .addColumn('site_id', 'text', (c) => c.notNull())
    .addColumn('review_id', 'text', (c) => c.notNull())
    .addColumn('voter_id', 'text', (c) => c.notNull())
    .addColumn('vote', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('review_votes_pk', ['site_id', 'review_id', 'voter_id'])
    .execute();
  // Everything one voter did (GDPR erase and export).
  await db.schema.createIndex('review_votes_voter_idx').on('review_votes').columns(['site_id', 'voter_id']).execute();

  // One report per reporter per review. review_author_id is the reported review's author when reported, so the
  // HOLD_REPORTED_AUTHOR rule counts an author's open reports with one indexed query.
  await db.schema
    .createTable('review_reports')
    .addColumn('site_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('review_id', 'text', (c) => c.notNull())
    .addColumn('reporter_id', 'text', (c) => c.notNull())
    .addColumn('reporter_kind', 'text', (c) => c.notNull())
    .addColumn('review_author_id', 'text')
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('text', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('dismissed_at', 'text')
    .addPrimaryKeyConstraint('review_reports_pk', ['site_id', 'id'])
    .execute();
  await db.schema
    .createIndex('review_reports_reporter_uq')
    .on('review_reports')
    .columns(['site_id', 'review_id', 'reporter_id'])
    .unique()
    .execute();
  await db.schema
    .createIndex('review_reports_reporter_idx')
    .on('review_reports')
    .columns(['site_id', 'reporter_id'])
    .execute();
  await db.schema
    .createIndex('review_reports_author_open_idx')
    .on('review_reports')
    .columns(['site_id', 'review_author_id'])
    .where(sql<boolean>`status = 'OPEN'`)
    .execute();

  await db.schema
    .createTable('engagement_settings')
    .addColumn('site_id', 'text', (c) => c.notNull().primaryKey())
    .addColumn('report_threshold', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  // The audit trail of GDPR requests (erase, export): who asked and what was done, never whom it was about.
  await db.schema
    .createTable('privacy_audit')
    .addColumn('site_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('actor_kind', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'text')
    .addColumn('summary_json', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('privacy_audit_pk', ['site_id', 'id'])
    .execute();

  await db.schema.alterTable('contacts').addColumn('name_first', 'text').execute();
  await db.schema.alterTable('contacts').addColumn('name_last', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('contacts').dropColumn('name_last').execute();
  await db.schema.alterTable('contacts').dropColumn('name_first').execute();
  for (const t of ['privacy_audit', 'engagement_settings', 'review_reports', 'review_votes']) {
    await db.schema.dropTable(t).ifExists().execute();
  }
}
