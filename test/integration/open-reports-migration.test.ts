/**
 * The open-reports migration on both dialects, from the schema before it: each review's count of open abuse reports
 * is taken from the reports already filed (dismissed ones and other reviews' not counted), and the partial index
 * comes back with it.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as migration from '../../src/server/db/migrations/2026_12_05_0301_open_reports.ts';
import { createSite } from '../../src/server/sites/sites.service.ts';
import { dialects, type TestDb } from '../support/databases.ts';

describe.each(dialects())('the open-reports migration on $name', (dialect) => {
  let db: TestDb;
  beforeAll(async () => {
    db = await dialect.open();
  });
  afterAll(async () => {
    await db.dispose();
  });

  it('counts the open reports already filed on each review', async () => {
    const deps = { db: db.db, dialect: db.dialect, clock: () => new Date('2026-01-01T00:00:00.000Z') };
    const { site } = await createSite(deps, 'before');
    const { site: other } = await createSite(deps, 'other');
    const t = '2026-01-01T00:00:00.000Z';
    const review = (siteId: string) => ({
      site_id: siteId,
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
      moderation_status: 'IN_MODERATION',
      manually_changed: 0,
      revision: 1,
      verified: 0,
      origin_type: 'ORGANIC',
      origin_app_id: null,
      review_date: t,
      relevance_rank: 0,
      publish_count: 1,
      event_sequence: 1,
      content_hash: 'h',
      created_at: t,
      updated_at: t,
      deleted_at: null,
    });
    const [a, b, c, d] = [review(site.id), review(site.id), review(site.id), review(other.id)];
    await db.db.insertInto('reviews').values([a, b, c, d]).execute();
    const report = (r: { site_id: string; id: string }, status: 'OPEN' | 'DISMISSED') => ({
      site_id: r.site_id,
      id: randomUUID(),
      review_id: r.id,
      reporter_id: randomUUID(),
      reporter_kind: 'MEMBER',
      reporter_mint_mark: null,
      review_author_id: null,
      reason: 'SPAM',
      text: null,
      status,
      created_at: t,
      dismissed_at: status === 'DISMISSED' ? t : null,
    });
    await db.db
      .insertInto('review_reports')
      .values([report(a, 'OPEN'), report(a, 'OPEN'), report(a, 'DISMISSED'), report(b, 'DISMISSED'), report(d, 'OPEN')])
      .execute();

    await migration.down(db.db);
    await migration.up(db.db);

    const counts = await db.db.selectFrom('reviews').select(['id', 'open_reports']).execute();
    const of = (id: string) => Number(counts.find((r) => r.id === id)?.open_reports);
    expect([of(a.id), of(b.id), of(c.id), of(d.id)]).toEqual([2, 0, 0, 1]);
    const indexes =
      db.dialect === 'sqlite'
        ? await sql<{
            name: string;
          }>`select name from sqlite_master where type = 'index' and name = 'reviews_reported_idx'`.execute(db.db)
        : await sql<{
            name: string;
          }>`select indexname as name from pg_indexes where indexname = 'reviews_reported_idx' and schemaname = current_schema()`.execute(
            db.db,
          );
    expect(indexes.rows).toHaveLength(1);
  });
});
