/**
 * Moderation rules per site and namespace, and the moderation audit log. Frozen once shipped. Keys lead with
 * site_id (the shard key). Both dialects take the same statements: every column is text or integer.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('moderation_rules')
    .addColumn('site_id', 'text', (c) => c.notNull())
    .addColumn('namespace', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('rules_json', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('moderation_rules_pk', ['site_id', 'namespace'])
    .execute();

  await db.schema
    .createTable('moderation_audit')
    .addColumn('site_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('review_id', 'text', (c) => c.notNull())
    .addColumn('actor_kind', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'text')
    .addColumn('from_status', 'text', (c) => c.notNull())
    .addColumn('to_status', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('moderation_audit_pk', ['site_id', 'id'])
    .execute();
  // The history of one review, oldest first.
  await db.schema
    .createIndex('moderation_audit_review_idx')
    .on('moderation_audit')
    .columns(['site_id', 'review_id', 'created_at', 'id'])
    .execute();
  // The site's decisions in a time range.
  await db.schema
    .createIndex('moderation_audit_created_idx')
    .on('moderation_audit')
    .columns(['site_id', 'created_at', 'id'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['moderation_audit', 'moderation_rules']) {
    await db.schema.dropTable(t).ifExists().execute();
  }
}
