/**
 * The write path of bulk creates: multi-row inserts whose SQL is compiled once per shape (`insertRows`), one audit
 * entry and the domain events of every review written with it, time-ordered ids, and (SQLite) the background WAL
 * checkpointer that keeps checkpoints out of commits.
 */
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqlite } from '../../src/server/db/database.ts';
import { insertRows } from '../../src/server/db/insert-rows.ts';
import { migrateToLatest } from '../../src/server/db/migrate.ts';
import type { ModerationAuditRow } from '../../src/server/db/schema.ts';
import { buildSite, call, reviewBody, startTestApp, type TestApp, type TestSite, waitFor } from '../support/app.ts';
import { dialects, type TestDb } from '../support/databases.ts';

describe.each(dialects())('bulk writes on $name', (dialect) => {
  let db: TestDb;
  let t: TestApp;
  let site: TestSite;
  beforeAll(async () => {
    db = await dialect.open();
    t = await startTestApp(db);
    site = await buildSite(t);
  });
  afterAll(async () => {
    await t.close();
    await db.dispose();
  });

  const auditRow = (reviewId: string, i: number, over: Partial<ModerationAuditRow> = {}): ModerationAuditRow => ({
    site_id: site.siteId,
    id: `${reviewId}-${i}`,
    review_id: reviewId,
    actor_kind: 'ADMIN',
    actor_id: i % 2 === 0 ? null : `key-${i}`,
    from_status: 'SUBMITTED',
    to_status: 'APPROVED',
    reason: `reason ${i} with 'quotes' and ? marks`,
    created_at: new Date(Date.UTC(2030, 0, 1, 0, 0, i)).toISOString(),
    ...over,
  });

  const readAudit = (reviewId: string) =>
    t.deps.db
      .selectFrom('moderation_audit')
      .selectAll()
      .where('site_id', '=', site.siteId)
      .where('review_id', '=', reviewId)
      .orderBy('id')
      .execute();

  it('writes every value of rows inserted through a reused statement, and of rows of another shape', async () => {
    const reviewId = `insert-rows-${crypto.randomUUID()}`;
    const insert = (rows: readonly ModerationAuditRow[]) =>
      insertRows(t.deps.db, 'moderation_audit', rows, (r) => t.deps.db.insertInto('moderation_audit').values([...r]));
    const first = [0, 1, 2].map((i) => auditRow(reviewId, i));
    const second = [3, 4, 5].map((i) => auditRow(reviewId, i));
    // Key order differs from the rows above: another shape, compiled on its own.
    const reordered = [6, 7].map((i) => {
      const { reason, ...rest } = auditRow(reviewId, i);
      return { reason, ...rest };
    });
    await insert(first);
    await insert(second);
    await insert(reordered);
    expect(await readAudit(reviewId)).toEqual([...first, ...second, ...reordered]);
  });

  it('adds each bulk create to the summaries of all its entities in one upsert, on top of what they held', async () => {
    const prefix = `bs-${crypto.randomUUID().slice(0, 8)}`;
    const entities = Array.from({ length: 7 }, (_, i) => `${prefix}-${i}`);
    const expected = new Map(entities.map((e) => [e, [0, 0, 0, 0, 0]]));
    for (let batch = 0; batch < 3; batch++) {
      const items = Array.from({ length: 60 }, (_, i) => {
        const entityId = entities[(i * (batch + 2)) % entities.length] as string;
        const rating = ((i + batch) % 5) + 1;
        const stars = expected.get(entityId) as number[];
        stars[rating - 1] = (stars[rating - 1] ?? 0) + 1;
        return reviewBody({ entityId, content: { rating } }).review;
      });
      const res = await call(t.app, 'POST', '/reviews/v1/bulk/reviews/create', {
        auth: site.adminKey,
        body: { reviews: items },
      });
      expect(res.body.bulkActionMetadata.totalSuccesses).toBe(60);
    }
    const res = await call(t.app, 'POST', '/verdict/v1/ratings/summaries', {
      auth: site.adminKey,
      body: { namespace: 'stores', entityIds: entities },
    });
    expect(res.status).toBe(200);
    expect(
      res.body.summaries.map((s: { entityId: string; count: number; histogram: Record<string, number> }) => [
        s.entityId,
        s.count,
        Object.values(s.histogram),
      ]),
    ).toEqual(
      entities.map((e) => {
        const stars = expected.get(e) as number[];
        return [e, stars.reduce((a, b) => a + b, 0), stars];
      }),
    );
  });

  it('records one audit entry and the create events of every review of consecutive bulk creates, ids in write order', async () => {
    const entity = `bw-${crypto.randomUUID().slice(0, 8)}`;
    const ids: string[] = [];
    for (let batch = 0; batch < 2; batch++) {
      const items = Array.from(
        { length: 40 },
        (_, i) => reviewBody({ entityId: entity, content: { rating: (i % 5) + 1 } }).review,
      );
      const res = await call(t.app, 'POST', '/reviews/v1/bulk/reviews/create', {
        auth: site.adminKey,
        body: { reviews: items },
      });
      expect(res.status).toBe(200);
      expect(res.body.bulkActionMetadata).toEqual({ totalSuccesses: 40, totalFailures: 0, undetailedFailures: 0 });
      ids.push(...res.body.results.map((r: { itemMetadata: { id: string } }) => r.itemMetadata.id));
    }
    expect([...ids].sort()).toEqual(ids);

    const audit = await t.deps.db
      .selectFrom('moderation_audit')
      .select(['review_id', 'from_status', 'to_status', 'reason'])
      .where('site_id', '=', site.siteId)
      .where('review_id', 'in', ids)
      .orderBy('id')
      .execute();
    expect(audit).toEqual(
      ids.map((id) => ({ review_id: id, from_status: 'SUBMITTED', to_status: 'APPROVED', reason: 'RULE:APPROVE_ALL' })),
    );

    const events = await t.deps.db
      .selectFrom('outbox_events')
      .select(['id', 'entity_id', 'slug', 'entity_event_sequence', 'body_json'])
      .where('site_id', '=', site.siteId)
      .where('entity_id', 'in', ids)
      .orderBy('position')
      .execute();
    expect(events.map((e) => [e.entity_id, e.slug, Number(e.entity_event_sequence)])).toEqual(
      ids.flatMap((id) => [
        [id, 'created', 1],
        [id, 'moderation_status_changed', 2],
        [id, 'review_published', 3],
      ]),
    );
    expect(events.map((e) => (JSON.parse(e.body_json) as { id: string }).id)).toEqual(events.map((e) => e.id));
    const eventIds = events.map((e) => e.id);
    expect([...eventIds].sort()).toEqual(eventIds);
  });
});

describe('background WAL checkpoints on SQLite', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'verdict-ckpt-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('copies committed pages into the database file while the writer only appends to the WAL', async () => {
    const path = join(dir, 'copies.db');
    const db = openSqlite(path);
    try {
      await migrateToLatest(db.db);
      const before = statSync(path).size;
      // About 1 MB of rows: below even SQLite's default autocheckpoint (1,000 pages), so the writer never copies.
      for (let batch = 0; batch < 10; batch++) {
        await db.db.transaction().execute(async (trx) => {
          await trx
            .insertInto('idempotency_keys')
            .values(
              Array.from({ length: 50 }, (_, i) => ({
                site_id: 's',
                principal: 'p',
                idem_key: `k-${batch}-${i}`,
                request_hash: 'h'.repeat(2000),
                status_code: null,
                response_json: null,
                locked_until: '2030-01-01T00:00:00.000Z',
                created_at: '2030-01-01T00:00:00.000Z',
              })),
            )
            .execute();
        });
      }
      await waitFor('the database file to hold the committed rows', async () =>
        statSync(path).size > before + 900_000 ? true : undefined,
      );
    } finally {
      await db.close();
    }
  });

  it('stops the checkpointer when the database closes, so the last connection removes the WAL', async () => {
    const path = join(dir, 'close.db');
    const db = openSqlite(path);
    await migrateToLatest(db.db);
    expect(existsSync(`${path}-wal`)).toBe(true);
    await db.close();
    expect(existsSync(`${path}-wal`)).toBe(false);
  });
});
