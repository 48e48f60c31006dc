/**
 * `review_reports.reporter_mint_mark`: for a visitor's report, the keyed hash of the network and day its identity
 * was minted from (never the address), so the report threshold counts visitors minted together once. Null for
 * members, and for reports filed before this column. Frozen once shipped.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('review_reports').addColumn('reporter_mint_mark', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('review_reports').dropColumn('reporter_mint_mark').execute();
}
