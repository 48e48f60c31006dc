/**
 * `reviews_media_idx`: the live reviews with photos or videos, by creation time — the moderation queue's "with
 * photos or videos" filter. Without it, a queue page of pending reviews with media read the site's reviews newest
 * first and skipped those without: when few or none have media, every pending review (200,000 rows: 480 ms a page
 * on SQLite, bench/queue.ts). Partial, so it holds only the reviews with media. The query's condition is the
 * index's own (`media_json <> '[]'`, `$isEmpty: false`); SQLite matches it with the value bound (it plans with bound
 * values for a partial index, and plans again if they change). Frozen once shipped.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createIndex('reviews_media_idx')
    .on('reviews')
    .columns(['site_id', 'created_at', 'id'])
    .where(sql<boolean>`deleted_at is null and media_json <> '[]'`)
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('reviews_media_idx').execute();
}
