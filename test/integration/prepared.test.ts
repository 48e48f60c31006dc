import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { preparedQuery } from '../../src/server/db/prepared.ts';
import { dialects, type TestDb } from '../support/databases.ts';

const summaryOf = preparedQuery((db, p: { siteId: string; entityId: string }) =>
  db
    .selectFrom('entity_summaries')
    .select(['entity_id', 'review_count'])
    .where('site_id', '=', p.siteId)
    .where('namespace', '=', 'stores')
    .where('entity_id', '=', p.entityId),
);

describe.each(dialects())('prepared queries on $name', (dialect) => {
  let db: TestDb;
  beforeAll(async () => {
    db = await dialect.open();
    const row = (siteId: string, entityId: string, count: number) => ({
      site_id: siteId,
      namespace: entityId === 'other-ns' ? 'other' : 'stores',
      entity_id: entityId === 'other-ns' ? 'p-1' : entityId,
      review_count: count,
      rating_sum: count * 5,
      r1: 0,
      r2: 0,
      r3: 0,
      r4: 0,
      r5: count,
      updated_at: '2026-01-01T00:00:00.000Z',
    });
    await db.db
      .insertInto('entity_summaries')
      .values([row('s-1', 'p-1', 3), row('s-1', 'p-2', 7), row('s-2', 'p-1', 11), row('s-1', 'other-ns', 13)])
      .execute();
  });
  afterAll(async () => {
    await db.dispose();
  });

  it('runs with each call’s values in place of the compiled ones, keeping constants the builder inlined', async () => {
    expect(await summaryOf(db.db, { siteId: 's-1', entityId: 'p-1' })).toEqual([{ entity_id: 'p-1', review_count: 3 }]);
    expect(await summaryOf(db.db, { siteId: 's-1', entityId: 'p-2' })).toEqual([{ entity_id: 'p-2', review_count: 7 }]);
    expect(await summaryOf(db.db, { siteId: 's-2', entityId: 'p-1' })).toEqual([
      { entity_id: 'p-1', review_count: 11 },
    ]);
    expect(await summaryOf(db.db, { siteId: 's-3', entityId: 'p-1' })).toEqual([]);
  });

  it('treats a value that looks like SQL as data', async () => {
    expect(await summaryOf(db.db, { siteId: "s-1' or '1'='1", entityId: 'p-1' })).toEqual([]);
  });

  it('runs inside a transaction and sees its uncommitted writes', async () => {
    await db.db.transaction().execute(async (trx) => {
      await trx
        .updateTable('entity_summaries')
        .set({ review_count: 4 })
        .where('site_id', '=', 's-1')
        .where('entity_id', '=', 'p-1')
        .where('namespace', '=', 'stores')
        .execute();
      expect(await summaryOf(trx, { siteId: 's-1', entityId: 'p-1' })).toEqual([{ entity_id: 'p-1', review_count: 4 }]);
    });
  });

  it('refuses a builder that leaves a parameter out, naming it', async () => {
    const unused = preparedQuery((d, p: { siteId: string; entityId: string }) =>
      d.selectFrom('entity_summaries').select('entity_id').where('site_id', '=', p.siteId),
    );
    await expect(unused(db.db, { siteId: 's-1', entityId: 'p-1' })).rejects.toThrow(/parameter entityId/);
  });
});
