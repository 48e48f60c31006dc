/**
 * Webhooks: registrations, the per-site RS256 key pair of `wix`-format deliveries, one delivery row per event ×
 * matching target, and the fan-out cursor. Frozen once shipped. Keys lead with site_id, except `webhook_fanout`,
 * a single global row (the outbox position is global), and the due-deliveries index, which the worker scans
 * across sites.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('webhooks')
    .addColumn('site_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('event_types_json', 'text', (c) => c.notNull())
    .addColumn('format', 'text', (c) => c.notNull())
    .addColumn('secret', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('webhooks_pk', ['site_id', 'id'])
    .execute();

  await db.schema
    .createTable('webhook_keys')
    .addColumn('site_id', 'text', (c) => c.primaryKey())
    .addColumn('private_key_pem', 'text', (c) => c.notNull())
    .addColumn('public_key_pem', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  // Positions are integers on SQLite and bigint on PostgreSQL, like outbox_events.position.
  await db.schema
    .createTable('webhook_deliveries')
    .addColumn('site_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('webhook_id', 'text', (c) => c.notNull())
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addColumn('event_position', 'bigint', (c) => c.notNull())
    .addColumn('event_type', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'text')
    .addColumn('window_started_at', 'text', (c) => c.notNull())
    .addColumn('last_status', 'integer')
    .addColumn('last_error', 'text')
    .addColumn('locked_by', 'text')
    .addColumn('locked_until', 'text')
    .addColumn('delivered_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('webhook_deliveries_pk', ['site_id', 'id'])
    .addUniqueConstraint('webhook_deliveries_event_uq', ['site_id', 'webhook_id', 'event_id'])
    .execute();
  await db.schema
    .createIndex('webhook_deliveries_due_idx')
    .on('webhook_deliveries')
    .columns(['status', 'next_attempt_at'])
    .execute();
  await db.schema
    .createIndex('webhook_deliveries_list_idx')
    .on('webhook_deliveries')
    .columns(['site_id', 'webhook_id', 'created_at'])
    .execute();

  await db.schema
    .createTable('webhook_fanout')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('position', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  // Starts at the current end of the outbox: events written before webhooks existed have no webhook to go to.
  await db
    .insertInto('webhook_fanout')
    .columns(['id', 'position', 'updated_at'])
    .expression((eb) =>
      eb
        .selectFrom('outbox_events')
        .select([
          eb.val('outbox').as('id'),
          eb.fn.coalesce(eb.fn.max('position'), eb.lit(0)).as('position'),
          eb.val(new Date().toISOString()).as('updated_at'),
        ]),
    )
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['webhook_fanout', 'webhook_deliveries', 'webhook_keys', 'webhooks']) {
    await db.schema.dropTable(t).ifExists().execute();
  }
}
