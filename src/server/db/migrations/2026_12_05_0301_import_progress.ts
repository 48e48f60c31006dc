/**
 * `jobs.bytes_total` and `jobs.bytes_read`: an import job's upload size and how much of it the reader has got
 * through, so the job's status carries a total and the dashboard a percentage. Null for bulk jobs (their total is
 * the count their caller took) and for import jobs queued before this migration. Frozen once shipped.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  // An upload is bounded by UPLOAD_BODY_LIMIT_BYTES (50 MB by default), far inside a 32-bit integer on both dialects.
  await db.schema.alterTable('jobs').addColumn('bytes_total', 'integer').execute();
  await db.schema.alterTable('jobs').addColumn('bytes_read', 'integer').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('jobs').dropColumn('bytes_read').execute();
  await db.schema.alterTable('jobs').dropColumn('bytes_total').execute();
}
