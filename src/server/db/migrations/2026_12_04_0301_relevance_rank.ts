/**
 * Relevance without full-table passes: `reviews.relevance_rank` = log2(quality) + reviewDay / 365 replaces the
 * stored, decaying `relevance_score`. The rank never changes with time (the score at any instant is
 * 2^(rank - today / 365), computed when read), so nothing rescores every review daily, and the relevance index is
 * built on it. The backfill recomputes each review's rank from its own columns in primary-key batches; the formula
 * is copied here, as it stood when this migration shipped, because a migration never imports application code.
 * Frozen once shipped.
 */
import { type Kysely, sql } from 'kysely';

const BATCH = 500;
const DAY_MS = 86_400_000;
const FLOOR = 2 ** -128;

function wilson(helpful: number, unhelpful: number): number {
  const n = helpful + unhelpful;
  if (n === 0) return 0;
  const z = 1.96;
  const p = helpful / n;
  return (p + (z * z) / (2 * n) - z * Math.sqrt((p * (1 - p) + (z * z) / (4 * n)) / n)) / (1 + (z * z) / n);
}

interface Source {
  site_id: string;
  id: string;
  found_helpful: number;
  found_unhelpful: number;
  title: string | null;
  body: string | null;
  media_json: string;
  verified: number;
  review_date: string;
}

function mediaCount(json: string): number {
  try {
    const media: unknown = JSON.parse(json);
    return Array.isArray(media) ? media.length : 0;
  } catch {
    return 0;
  }
}

function rank(r: Source, today: number): number {
  const quality =
    0.5 * wilson(Number(r.found_helpful), Number(r.found_unhelpful)) +
    0.25 * Math.min(1, ((r.title?.length ?? 0) + (r.body?.length ?? 0)) / 500) +
    0.15 * Math.min(1, mediaCount(r.media_json) / 3) +
    0.1 * (Number(r.verified) === 1 ? 1 : 0);
  const reviewDay = Math.floor(Date.parse(r.review_date) / DAY_MS);
  // A review dated in the future counts as dated today; an unreadable date (none is stored) as today too.
  const day = Number.isNaN(reviewDay) ? today : Math.min(reviewDay, today);
  return Math.log2(Math.max(quality, FLOOR)) + day / 365;
}

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('reviews')
    .addColumn('relevance_rank', 'double precision', (c) => c.notNull().defaultTo(0))
    .execute();

  const today = Math.floor(Date.now() / DAY_MS);
  let after: [string, string] | undefined;
  for (;;) {
    let q = db
      .selectFrom('reviews')
      .select([
        'site_id',
        'id',
        'found_helpful',
        'found_unhelpful',
        'title',
        'body',
        'media_json',
        'verified',
        'review_date',
      ]);
    const from = after;
    if (from) q = q.where((eb) => eb(eb.refTuple('site_id', 'id'), '>', eb.tuple(from[0], from[1])));
    const rows = (await q.orderBy('site_id').orderBy('id').limit(BATCH).execute()) as Source[];
    const last = rows[rows.length - 1];
    if (!last) break;
    // One statement per batch on both dialects: an update joined to a VALUES list (whose columns both name
    // column1, column2, …). PostgreSQL types unknown parameters in VALUES as text, hence the cast.
    const values = sql.join(rows.map((r) => sql`(${r.site_id}, ${r.id}, ${rank(r, today)})`));
    await sql`update reviews set relevance_rank = cast(v.column3 as double precision)
      from (values ${values}) as v
      where reviews.site_id = v.column1 and reviews.id = v.column2`.execute(db);
    if (rows.length < BATCH) break;
    after = [last.site_id, last.id];
  }

  // The sort index of 2026_11_25_0004_query, on the rank instead of the score; then the score goes.
  await db.schema.dropIndex('reviews_entity_status_relevance_idx').execute();
  await db.schema
    .createIndex('reviews_entity_status_relevance_rank_idx')
    .on('reviews')
    .columns(['site_id', 'entity_id', 'moderation_status', 'relevance_rank', 'created_at', 'id'])
    .where(sql<boolean>`deleted_at is null`)
    .execute();
  await db.schema.alterTable('reviews').dropColumn('relevance_score').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  // Scores start at 0: the code before this migration rescored every review at start-up.
  await db.schema
    .alterTable('reviews')
    .addColumn('relevance_score', 'double precision', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.dropIndex('reviews_entity_status_relevance_rank_idx').execute();
  await db.schema
    .createIndex('reviews_entity_status_relevance_idx')
    .on('reviews')
    .columns(['site_id', 'entity_id', 'moderation_status', 'relevance_score', 'created_at', 'id'])
    .where(sql<boolean>`deleted_at is null`)
    .execute();
  await db.schema.alterTable('reviews').dropColumn('relevance_rank').execute();
}
