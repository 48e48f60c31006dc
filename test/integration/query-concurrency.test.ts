/**
 * Keyset cursors under concurrent writes: while a client walks the pages, another inserts and deletes reviews.
 * Every review that existed throughout appears exactly once, and no review appears twice.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildSite,
  call,
  noRateLimits,
  reviewBody,
  startTestApp,
  type TestApp,
  type TestSite,
} from '../support/app.ts';
import { dialects, type TestDb } from '../support/databases.ts';

describe.each(dialects())('paging under concurrent writes on $name', (dialect) => {
  let db: TestDb;
  let t: TestApp;
  let site: TestSite;
  beforeAll(async () => {
    db = await dialect.open();
    t = await startTestApp(db, noRateLimits());
    site = await buildSite(t);
  });
  afterAll(async () => {
    await t.close();
    await db.dispose();
  });

  const create = async (entity: string, rating: number) => {
    const res = await call(t.app, 'POST', '/reviews/v1/reviews', {
      auth: site.adminKey,
      body: reviewBody({ entityId: entity, content: { rating } }),
    });
    expect(res.status).toBe(200);
    return res.body.review.id as string;
  };

  for (const sort of [
    [{ fieldName: 'createdDate', order: 'DESC' }],
    [{ fieldName: 'content.rating', order: 'DESC' }],
    [
      { fieldName: 'content.rating', order: 'ASC' },
      { fieldName: 'createdDate', order: 'DESC' },
    ],
  ]) {
    it(`keeps every stable review exactly once when sorted by ${sort.map((s) => `${s.fieldName} ${s.order}`).join(', ')}`, async () => {
      const entity = `cc-${crypto.randomUUID().slice(0, 8)}`;
      const stable: string[] = [];
      const volatile: string[] = [];
      for (let i = 0; i < 40; i++) stable.push(await create(entity, (i % 5) + 1));
      for (let i = 0; i < 15; i++) volatile.push(await create(entity, ((i * 3) % 5) + 1));

      const seen: string[] = [];
      let res = await call(t.app, 'POST', '/reviews/v1/reviews/query', {
        auth: site.adminKey,
        body: { query: { filter: { entityId: entity }, sort, cursorPaging: { limit: 6 } } },
      });
      let step = 0;
      for (;;) {
        seen.push(...res.body.reviews.map((r: { id: string }) => r.id));
        const next = res.body.metadata.cursors.next;
        if (!next) break;
        // Between pages: two new reviews land somewhere in the order, one volatile review disappears.
        volatile.push(await create(entity, (step % 5) + 1), await create(entity, ((step + 2) % 5) + 1));
        const gone = volatile.splice(step % volatile.length, 1)[0] as string;
        expect((await call(t.app, 'DELETE', `/reviews/v1/reviews/${gone}`, { auth: site.adminKey })).status).toBe(200);
        step++;
        res = await call(t.app, 'POST', '/reviews/v1/reviews/query', {
          auth: site.adminKey,
          body: { query: { cursorPaging: { limit: 6, cursor: next } } },
        });
        expect(res.status).toBe(200);
      }
      expect(new Set(seen).size).toBe(seen.length);
      for (const id of stable) expect(seen.filter((s) => s === id)).toHaveLength(1);
    });
  }
});
