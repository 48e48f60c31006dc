/**
 * The review-write-indexes migration on both dialects, from the schema before it: the one-live-review-per-author
 * rule holds through the new unique index (a deleted review or a review without a contact takes no slot), the two
 * indexes it replaces are gone, and on SQLite the full-text table is built again without positions, over the reviews
 * written before, and kept by its triggers afterwards (insert, update, delete).
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as migration from '../../src/server/db/migrations/2026_12_05_2201_review_write_indexes.ts';
import { isUniqueViolation } from '../../src/server/errors.ts';
import { searchCondition, searchTokens } from '../../src/server/query/search.ts';
import { dialects, type TestDb } from '../support/databases.ts';

const SITE = 'c0000000-0000-4000-8000-000000000001';
const T = '2026-01-01T00:00:00.000Z';

function review(over: {
  namespace?: string;
  entity_id?: string;
  contact_id?: string | null;
  title?: string;
  body?: string;
  deleted_at?: string | null;
}) {
  return {
    site_id: SITE,
    id: randomUUID(),
    namespace: 'stores',
    entity_id: 'p',
    contact_id: null,
    author_name: null,
    title: 't',
    body: 'b',
    media_json: '[]',
    rating: 3,
    reply_message: null,
    reply_created_at: null,
    reply_updated_at: null,
    found_helpful: 0,
    found_unhelpful: 0,
    helpfulness: 0,
    moderation_status: 'APPROVED',
    manually_changed: 0,
    revision: 1,
    verified: 0,
    origin_type: 'ORGANIC',
    origin_app_id: null,
    review_date: T,
    relevance_rank: 0,
    publish_count: 1,
    event_sequence: 1,
    content_hash: 'h',
    created_at: T,
    updated_at: T,
    deleted_at: null,
    ...over,
  };
}

describe.each(dialects())('the review-write-indexes migration on $name', (dialect) => {
  let db: TestDb;
  beforeAll(async () => {
    db = await dialect.open();
  });
  afterAll(async () => {
    await db.dispose();
  });

  const indexNames = async (): Promise<string[]> =>
    (db.dialect === 'sqlite'
      ? await sql<{
          name: string;
        }>`select name from sqlite_master where type = 'index' and tbl_name = 'reviews'`.execute(db.db)
      : await sql<{
          name: string;
        }>`select indexname as name from pg_indexes where tablename = 'reviews' and schemaname = current_schema()`.execute(
          db.db,
        )
    ).rows.map((r) => r.name);
  const search = async (text: string): Promise<string[]> =>
    (
      await db.db
        .selectFrom('reviews')
        .select('id')
        .where('site_id', '=', SITE)
        .where((eb) => searchCondition(eb, db.dialect, searchTokens(text)))
        .execute()
    )
      .map((r) => r.id)
      .sort();
  const insertFails = async (row: ReturnType<typeof review>): Promise<boolean> => {
    try {
      await db.db.insertInto('reviews').values(row).execute();
      return false;
    } catch (e) {
      if (isUniqueViolation(e)) return true;
      throw e;
    }
  };

  it('keeps one live review per author per entity, and search over the reviews written before it', async () => {
    await migration.down(db.db);
    const author = randomUUID();
    const before = [
      review({ contact_id: author, title: 'Warm jacket', body: 'The café sold it to me.' }),
      review({ contact_id: author, entity_id: 'q', title: 'Runs small', body: 'Order one size up.' }),
      review({ contact_id: author, deleted_at: T, title: 'Deleted warm words', body: 'gone' }),
    ];
    await db.db.insertInto('reviews').values(before).execute();
    const [jacket, small, deleted] = before.map((r) => r.id) as [string, string, string];

    await migration.up(db.db);

    const names = await indexNames();
    expect(names).toContain('reviews_live_contact_uq');
    expect(names).not.toContain('reviews_live_author_uq');
    expect(names).not.toContain('reviews_contact_idx');

    // The slot of (stores, p, author) is held by the live review; the deleted one held none.
    expect(await insertFails(review({ contact_id: author }))).toBe(true);
    expect(await insertFails(review({ contact_id: author, namespace: 'other' }))).toBe(false);
    expect(await insertFails(review({ contact_id: author, entity_id: 'r', deleted_at: T }))).toBe(false);
    expect(await insertFails(review({ contact_id: author, entity_id: 'r' }))).toBe(false);
    expect(await insertFails(review({ contact_id: null }))).toBe(false);
    expect(await insertFails(review({ contact_id: null }))).toBe(false);

    // Every word must match (in the title or the body), the last as a prefix; deleted rows are in the index too
    // (the query filters them), as before.
    expect(await search('warm')).toEqual([jacket, deleted].sort());
    expect(await search('jacket sold')).toEqual([jacket]);
    expect(await search('order siz')).toEqual([small]);
    expect(await search('velvet')).toEqual([]);
    if (db.dialect === 'sqlite') {
      expect(await search('cafe')).toEqual([jacket]);
      const fts = await sql<{ sql: string }>`select sql from sqlite_master where name = 'reviews_fts'`.execute(db.db);
      expect(fts.rows[0]?.sql).toMatch(/detail=none, columnsize=0/);
      const triggers = await sql<{
        name: string;
      }>`select name from sqlite_master where type = 'trigger' and tbl_name = 'reviews' order by name`.execute(db.db);
      expect(triggers.rows.map((r) => r.name)).toEqual(['reviews_fts_ad', 'reviews_fts_ai', 'reviews_fts_au']);
      expect(
        (await sql`insert into reviews_fts(reviews_fts, rank) values ('integrity-check', 1)`.execute(db.db)).rows,
      ).toEqual([]);
    }

    // The triggers keep it after the migration: an update replaces the words, a delete removes them.
    await db.db
      .updateTable('reviews')
      .set({ title: 'Velvet jacket' })
      .where('site_id', '=', SITE)
      .where('id', '=', jacket)
      .execute();
    expect(await search('velvet')).toEqual([jacket]);
    expect(await search('warm jacket')).toEqual([]);
    await db.db.deleteFrom('reviews').where('site_id', '=', SITE).where('id', '=', small).execute();
    expect(await search('order')).toEqual([]);
    if (db.dialect === 'sqlite') {
      await sql`insert into reviews_fts(reviews_fts, rank) values ('integrity-check', 1)`.execute(db.db);
    }
  });

  it('goes back down to the two indexes and the full-text table it replaced', async () => {
    await migration.down(db.db);
    const names = await indexNames();
    expect(names).toEqual(expect.arrayContaining(['reviews_live_author_uq', 'reviews_contact_idx']));
    expect(names).not.toContain('reviews_live_contact_uq');
    if (db.dialect === 'sqlite') {
      const fts = await sql<{ sql: string }>`select sql from sqlite_master where name = 'reviews_fts'`.execute(db.db);
      expect(fts.rows[0]?.sql).not.toMatch(/detail=/);
      await sql`insert into reviews_fts(reviews_fts, rank) values ('integrity-check', 1)`.execute(db.db);
    }
    expect(await search('velvet')).toHaveLength(1);
    await migration.up(db.db);
  });
});
