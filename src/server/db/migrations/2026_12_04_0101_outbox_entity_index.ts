/**
 * An index on `outbox_events (site_id, entity_id)`: a GDPR erasure finds the stored events of the erased contact's
 * reviews through it (to redact them in place) instead of reading every event of the site. Same definition on both
 * dialects. Frozen once shipped.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createIndex('outbox_events_entity_idx')
    .on('outbox_events')
    .columns(['site_id', 'entity_id'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('outbox_events_entity_idx').execute();
}
