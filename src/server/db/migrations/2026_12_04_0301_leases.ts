/**
 * Leases on periodic work: one row per kind of work (`trash-purge`, `outbox-purge`), naming the instance that does
 * it in the current period and when the period ends, so among several instances exactly one does each period's
 * work. Frozen once shipped.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  // An exception to keys led by `site_id`: periodic work runs over all sites, so a lease belongs to none.
  await db.schema
    .createTable('leases')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('holder', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('leases').execute();
}
