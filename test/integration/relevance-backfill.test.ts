/**
 * The migration to stored relevance ranks, on both dialects: from the schema before it (relevance_score), it
 * backfills every review — more than one batch — with exactly the rank the application stores (`score()`), moves
 * the relevance index to the rank, and drops the score column.
 */
import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Media } from '../../src/contract/index.ts';
import * as migration from '../../src/server/db/migrations/2026_12_04_0301_relevance_rank.ts';
import type { Database } from '../../src/server/db/schema.ts';
import { score } from '../../src/server/reviews/reviews.rules.ts';
import { dialects, type TestDb } from '../support/databases.ts';

const DAY = 86_400_000;
const SITES = ['a0000000-0000-4000-8000-00000000000a', 'a0000000-0000-4000-8000-00000000000b'];

async function seed(db: Kysely<Database>, n: number) {
  const rows = Array.from({ length: n }, (_, i) => {
    const at = new Date(Date.now() - (i % 1500) * DAY - i * 1000).toISOString();
    return {
      site_id: SITES[i % 2] as string,
      id: crypto.randomUUID(),
      namespace: 'stores',
      entity_id: `e${i % 30}`,
      contact_id: null,
      author_name: null,
      title: i % 7 === 0 ? null : 't'.repeat(i % 40),
      body: i % 5 === 0 ? null : 'b'.repeat((i * 37) % 700),
      media_json: JSON.stringify(
        Array.from({ length: i % 4 }, (_, k) => ({ image: { url: `https://i.example/${i}/${k}` } })),
      ),
      rating: (i % 5) + 1,
      reply_message: null,
      reply_created_at: null,
      reply_updated_at: null,
      found_helpful: i % 9,
      found_unhelpful: i % 4,
      helpfulness: (i % 9) - (i % 4),
      moderation_status: 'APPROVED',
      manually_changed: 0,
      revision: 1,
      verified: i % 3 === 0 ? 1 : 0,
      origin_type: 'ORGANIC',
      origin_app_id: null,
      // Every 50th review is dated in the future: it ranks as dated on the day it is scored.
      review_date: i % 50 === 0 ? new Date(Date.now() + 40 * DAY).toISOString() : at,
      relevance_rank: 0,
      publish_count: 1,
      event_sequence: 1,
      content_hash: 'h',
      created_at: at,
      updated_at: at,
      deleted_at: i % 11 === 0 ? at : null,
    };
  });
  for (let i = 0; i < rows.length; i += 200)
    await db
      .insertInto('reviews')
      .values(rows.slice(i, i + 200))
      .execute();
}

const columns = async (t: TestDb): Promise<string[]> =>
  t.dialect === 'sqlite'
    ? (await sql<{ name: string }>`select name from pragma_table_info('reviews')`.execute(t.db)).rows.map((r) => r.name)
    : (
        await sql<{ name: string }>`select column_name as name from information_schema.columns
          where table_schema = current_schema() and table_name = 'reviews'`.execute(t.db)
      ).rows.map((r) => r.name);

const indexes = async (t: TestDb): Promise<string[]> =>
  t.dialect === 'sqlite'
    ? (
        await sql<{
          name: string;
        }>`select name from sqlite_master where type = 'index' and tbl_name = 'reviews'`.execute(t.db)
      ).rows.map((r) => r.name)
    : (
        await sql<{ name: string }>`select indexname as name from pg_indexes
          where schemaname = current_schema() and tablename = 'reviews'`.execute(t.db)
      ).rows.map((r) => r.name);

describe.each(dialects())('the relevance rank migration on $name', (dialect) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await dialect.open();
    await seed(t.db, 1234);
    // Back to the schema before it: scores, no ranks.
    await migration.down(t.db);
  });
  afterAll(async () => {
    await t.dispose();
  });

  it('backfills every review with the rank the application stores, in batches, and replaces score and index', async () => {
    expect(await columns(t)).toContain('relevance_score');
    await migration.up(t.db);
    const now = new Date();
    const rows = await t.db.selectFrom('reviews').selectAll().execute();
    expect(rows).toHaveLength(1234);
    const wrong = rows.filter((r) => r.relevance_rank !== score(r, now, JSON.parse(r.media_json) as Media[]));
    expect(wrong).toEqual([]);
    expect(await columns(t)).not.toContain('relevance_score');
    const names = await indexes(t);
    expect(names).toContain('reviews_entity_status_relevance_rank_idx');
    expect(names).not.toContain('reviews_entity_status_relevance_idx');
  });
});
