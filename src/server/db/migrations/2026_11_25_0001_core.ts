/**
 * Core schema: sites, api_keys, contacts, reviews, entity_summaries, outbox_events, jobs, idempotency_keys.
 * Frozen once shipped. Every primary and unique key leads with site_id (the shard key), except sites itself and
 * SQLite's outbox rowid, which only exists on the single-node dialect.
 */
import { type Kysely, SqliteAdapter, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  const sqlite = db.getExecutor().adapter instanceof SqliteAdapter;

  await db.schema
    .createTable('sites')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('client_id', 'text', (c) => c.notNull().unique())
    .addColumn('token_secret', 'text', (c) => c.notNull())
    .addColumn('settings_json', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('api_keys')
    .addColumn('site_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('display_prefix', 'text', (c) => c.notNull())
    .addColumn('key_hash', 'text', (c) => c.notNull())
    .addColumn('scopes_json', 'text', (c) => c.notNull())
    .addColumn('app_id', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('revoked_at', 'text')
    .addPrimaryKeyConstraint('api_keys_pk', ['site_id', 'id'])
    .execute();
  // Keys are looked up by hash before the site is known; a plain index (not a unique key) keeps the shard rule.
  await db.schema.createIndex('api_keys_hash_idx').on('api_keys').column('key_hash').execute();

  await db.schema
    .createTable('contacts')
    .addColumn('site_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('name', 'text')
    .addColumn('email', 'text')
    .addColumn('email_normalized', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('contacts_pk', ['site_id', 'id'])
    .execute();
  await db.schema
    .createIndex('contacts_email_uq')
    .on('contacts')
    .columns(['site_id', 'email_normalized'])
    .unique()
    .where(sql.ref('email_normalized'), 'is not', null)
    .execute();

  // Columns that order pages compare byte-wise on both dialects (PostgreSQL's default collation may not), so
  // keyset cursors and sorts mean the same everywhere.
  const ordered = sqlite ? sql`text` : sql`text collate "C"`;
  await db.schema
    .createTable('reviews')
    .addColumn('site_id', 'text', (c) => c.notNull())
    .addColumn('id', ordered, (c) => c.notNull())
    .addColumn('namespace', 'text', (c) => c.notNull())
    .addColumn('entity_id', 'text', (c) => c.notNull())
    .addColumn('contact_id', 'text')
    .addColumn('author_name', 'text')
    .addColumn('title', 'text')
    .addColumn('body', 'text')
    .addColumn('media_json', 'text', (c) => c.notNull())
    .addColumn('rating', 'integer', (c) => c.notNull())
    .addColumn('reply_message', 'text')
    .addColumn('reply_created_at', 'text')
    .addColumn('reply_updated_at', 'text')
    .addColumn('found_helpful', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('found_unhelpful', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('helpfulness', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('moderation_status', 'text', (c) => c.notNull())
    .addColumn('manually_changed', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('revision', 'bigint', (c) => c.notNull())
    .addColumn('verified', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('origin_type', ordered, (c) => c.notNull())
    .addColumn('origin_app_id', 'text')
    .addColumn('review_date', ordered, (c) => c.notNull())
    .addColumn('relevance_score', 'double precision', (c) => c.notNull().defaultTo(0))
    .addColumn('publish_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('event_sequence', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('content_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', ordered, (c) => c.notNull())
    .addColumn('updated_at', ordered, (c) => c.notNull())
    .addColumn('deleted_at', 'text')
    .addPrimaryKeyConstraint('reviews_pk', ['site_id', 'id'])
    .execute();

  const live = sql<boolean>`deleted_at is null`;
  // One live review per (site, namespace, entity, author) — docs/product.md §3 decision 1.
  await db.schema
    .createIndex('reviews_live_author_uq')
    .on('reviews')
    .columns(['site_id', 'namespace', 'entity_id', 'contact_id'])
    .unique()
    .where(sql<boolean>`deleted_at is null and contact_id is not null`)
    .execute();
  // Shop pages: one entity's reviews in one status, newest/oldest first. The namespace is left out of the key:
  // callers often filter by entityId alone, and an entity id rarely repeats across namespaces, so a namespace
  // filter is checked on the few rows of the entity instead.
  await db.schema
    .createIndex('reviews_entity_status_created_idx')
    .on('reviews')
    .columns(['site_id', 'entity_id', 'moderation_status', 'created_at', 'id'])
    .where(live)
    .execute();
  // Owner views of one entity across statuses.
  await db.schema
    .createIndex('reviews_entity_created_idx')
    .on('reviews')
    .columns(['site_id', 'entity_id', 'created_at', 'id'])
    .where(live)
    .execute();
  // Moderation queue: every review in a status, oldest first.
  await db.schema
    .createIndex('reviews_status_created_idx')
    .on('reviews')
    .columns(['site_id', 'moderation_status', 'created_at', 'id'])
    .where(live)
    .execute();
  // Site-wide listing and bulk jobs without a narrower filter.
  await db.schema
    .createIndex('reviews_site_created_idx')
    .on('reviews')
    .columns(['site_id', 'created_at', 'id'])
    .where(live)
    .execute();
  await db.schema
    .createIndex('reviews_contact_idx')
    .on('reviews')
    .columns(['site_id', 'contact_id', 'created_at', 'id'])
    .where(live)
    .execute();
  // Trash: deleted reviews by deletion time, for listing and purge.
  await db.schema
    .createIndex('reviews_trash_idx')
    .on('reviews')
    .columns(['site_id', 'deleted_at'])
    .where(sql<boolean>`deleted_at is not null`)
    .execute();

  await db.schema
    .createTable('entity_summaries')
    .addColumn('site_id', 'text', (c) => c.notNull())
    .addColumn('namespace', 'text', (c) => c.notNull())
    .addColumn('entity_id', 'text', (c) => c.notNull())
    .addColumn('review_count', 'integer', (c) => c.notNull())
    .addColumn('rating_sum', 'integer', (c) => c.notNull())
    .addColumn('r1', 'integer', (c) => c.notNull())
    .addColumn('r2', 'integer', (c) => c.notNull())
    .addColumn('r3', 'integer', (c) => c.notNull())
    .addColumn('r4', 'integer', (c) => c.notNull())
    .addColumn('r5', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('entity_summaries_pk', ['site_id', 'namespace', 'entity_id'])
    .execute();

  if (sqlite) {
    // SQLite: the rowid is the global feed position (single node, never sharded).
    await db.schema
      .createTable('outbox_events')
      .addColumn('position', 'integer', (c) => c.primaryKey().autoIncrement())
      .addColumn('site_id', 'text', (c) => c.notNull())
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('event_type', 'text', (c) => c.notNull())
      .addColumn('slug', 'text', (c) => c.notNull())
      .addColumn('entity_id', 'text', (c) => c.notNull())
      .addColumn('entity_event_sequence', 'integer', (c) => c.notNull())
      .addColumn('body_json', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addUniqueConstraint('outbox_events_id_uq', ['site_id', 'id'])
      .execute();
  } else {
    // PostgreSQL: an identity column gives the feed position; the key leads with site_id.
    await db.schema
      .createTable('outbox_events')
      .addColumn('position', 'bigint', (c) => c.generatedAlwaysAsIdentity().notNull())
      .addColumn('site_id', 'text', (c) => c.notNull())
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('event_type', 'text', (c) => c.notNull())
      .addColumn('slug', 'text', (c) => c.notNull())
      .addColumn('entity_id', 'text', (c) => c.notNull())
      .addColumn('entity_event_sequence', 'bigint', (c) => c.notNull())
      .addColumn('body_json', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('outbox_events_pk', ['site_id', 'id'])
      .execute();
  }
  await db.schema
    .createIndex('outbox_events_site_position_idx')
    .on('outbox_events')
    .columns(['site_id', 'position'])
    .execute();

  await db.schema
    .createTable('jobs')
    .addColumn('site_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('params_json', 'text', (c) => c.notNull())
    .addColumn('cursor', 'text')
    .addColumn('processed', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('succeeded', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('failed', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('error', 'text')
    .addColumn('locked_by', 'text')
    .addColumn('locked_until', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('completed_at', 'text')
    .addPrimaryKeyConstraint('jobs_pk', ['site_id', 'id'])
    .execute();
  await db.schema.createIndex('jobs_status_idx').on('jobs').columns(['status', 'created_at']).execute();

  await db.schema
    .createTable('idempotency_keys')
    .addColumn('site_id', 'text', (c) => c.notNull())
    .addColumn('principal', 'text', (c) => c.notNull())
    .addColumn('idem_key', 'text', (c) => c.notNull())
    .addColumn('request_hash', 'text', (c) => c.notNull())
    .addColumn('status_code', 'integer')
    .addColumn('response_json', 'text')
    .addColumn('locked_until', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('idempotency_keys_pk', ['site_id', 'principal', 'idem_key'])
    .execute();
  await db.schema.createIndex('idempotency_keys_created_idx').on('idempotency_keys').column('created_at').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of [
    'idempotency_keys',
    'jobs',
    'outbox_events',
    'entity_summaries',
    'reviews',
    'contacts',
    'api_keys',
    'sites',
  ]) {
    await db.schema.dropTable(t).ifExists().execute();
  }
}
