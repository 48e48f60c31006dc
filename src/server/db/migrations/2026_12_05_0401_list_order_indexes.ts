/**
 * Indexes in the keyset order of the owner's cursor-paged lists that can grow large: `contacts (site_id,
 * created_at, id)` (queryContacts, oldest first) and `webhook_deliveries (site_id, webhook_id, created_at, id)`
 * (a webhook's deliveries, newest first, read backwards), so a page after a cursor is one index range on both
 * dialects. The deliveries index replaces `webhook_deliveries_list_idx`, a prefix of it. Same definitions on both
 * dialects. Frozen once shipped.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('contacts_order_idx').on('contacts').columns(['site_id', 'created_at', 'id']).execute();
  await db.schema
    .createIndex('webhook_deliveries_order_idx')
    .on('webhook_deliveries')
    .columns(['site_id', 'webhook_id', 'created_at', 'id'])
    .execute();
  await db.schema.dropIndex('webhook_deliveries_list_idx').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema
    .createIndex('webhook_deliveries_list_idx')
    .on('webhook_deliveries')
    .columns(['site_id', 'webhook_id', 'created_at'])
    .execute();
  await db.schema.dropIndex('webhook_deliveries_order_idx').execute();
  await db.schema.dropIndex('contacts_order_idx').execute();
}
