/**
 * The outbox read in feed order across sites: the webhook fan-out (`position > cursor order by position`) and the
 * newest position (`max(position)`), both once per poll. PostgreSQL had only (site_id, position), so each poll
 * scanned the whole table; SQLite's position is the rowid and needs nothing. Frozen once shipped.
 */
import { type Kysely, SqliteAdapter } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  // SQLite: `position` is the rowid, already the table's own order.
  if (db.getExecutor().adapter instanceof SqliteAdapter) return;
  await db.schema.createIndex('outbox_events_position_idx').on('outbox_events').column('position').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  if (db.getExecutor().adapter instanceof SqliteAdapter) return;
  await db.schema.dropIndex('outbox_events_position_idx').execute();
}
