/**
 * What a dashboard user is shown about their sessions, and what the periodic purges need: on `user_sessions` a
 * summary of the browser (`user_agent`, e.g. "Firefox 133 on Linux", never the full header) and the client's network
 * (`client_network`: an IPv4 /24 or an IPv6 /64, never the address itself), both null for sessions made before; an
 * index to find one session by its id within a site (ending one session); and an index on `user_audit (created_at)`
 * for the retention purge, which runs over all sites. (The purge of ended sessions reads the whole of
 * `user_sessions`, which that hourly purge keeps small.) Frozen once shipped.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('user_sessions').addColumn('user_agent', 'text').execute();
  await db.schema.alterTable('user_sessions').addColumn('client_network', 'text').execute();
  await db.schema.createIndex('user_sessions_id_idx').on('user_sessions').columns(['site_id', 'id']).unique().execute();
  // An exception to indexes led by `site_id`: the purge runs over every site.
  await db.schema.createIndex('user_audit_created_idx').on('user_audit').column('created_at').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('user_audit_created_idx').execute();
  await db.schema.dropIndex('user_sessions_id_idx').execute();
  await db.schema.alterTable('user_sessions').dropColumn('client_network').execute();
  await db.schema.alterTable('user_sessions').dropColumn('user_agent').execute();
}
