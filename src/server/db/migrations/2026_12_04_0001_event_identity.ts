/**
 * Who made each change, kept with its event: `outbox_events.identity_json` (the event's Wix `identity`, null on
 * events written before), so a delivery or a feed read long after still names the actor. And `webhooks.app_id`,
 * the receiving app's id that `wix`-format JWTs name as their audience (null: no audience claim). Both nullable,
 * so existing rows stay valid. Frozen once shipped.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('outbox_events').addColumn('identity_json', 'text').execute();
  await db.schema.alterTable('webhooks').addColumn('app_id', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('webhooks').dropColumn('app_id').execute();
  await db.schema.alterTable('outbox_events').dropColumn('identity_json').execute();
}
