/**
 * Outbox retention: `outbox_purged` keeps, per site, the highest feed position purged so far (a feed position below
 * it has lost events, and the feed says so instead of skipping them); an index on `webhook_deliveries
 * (event_position)` lets the purge find the pending deliveries of a batch of events and delete the finished ones.
 * Frozen once shipped.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  // Positions are integers on SQLite and bigint on PostgreSQL, like outbox_events.position.
  await db.schema
    .createTable('outbox_purged')
    .addColumn('site_id', 'text', (c) => c.primaryKey())
    .addColumn('position', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('webhook_deliveries_event_position_idx')
    .on('webhook_deliveries')
    .column('event_position')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('webhook_deliveries_event_position_idx').execute();
  await db.schema.dropTable('outbox_purged').execute();
}
