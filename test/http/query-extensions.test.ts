import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSite, call, reviewBody, startTestApp, type TestApp, type TestSite } from '../support/app.ts';
import { dialects, type TestDb } from '../support/databases.ts';

describe.each(dialects())('Verdict query extensions on $name', (dialect) => {
  let db: TestDb;
  let t: TestApp;
  let site: TestSite;
  const entity = `qx-${crypto.randomUUID().slice(0, 8)}`;
  const ids: Record<string, string> = {};
  beforeAll(async () => {
    db = await dialect.open();
    t = await startTestApp(db);
    site = await buildSite(t);
    const texts: [string, string, string, string][] = [
      ['warm', 'Warm and cozy', 'The wool keeps me warm in winter.', '2024-01-10T00:00:00.000Z'],
      ['size', 'Runs small', 'Order one size up, the fit is tight.', '2024-06-01T00:00:00.000Z'],
      ['both', 'Great jacket', 'Warm, and the size is right.', '2025-02-01T00:00:00.000Z'],
      ['other', 'Nothing special', 'It is a jacket.', '2025-03-01T00:00:00.000Z'],
    ];
    for (const [key, title, body, reviewDate] of texts) {
      const res = await call(t.app, 'POST', '/reviews/v1/reviews', {
        auth: site.adminKey,
        body: reviewBody({ entityId: entity, reviewDate, content: { title, body } }),
      });
      ids[key] = res.body.review.id;
    }
  });
  afterAll(async () => {
    await t.close();
    await db.dispose();
  });

  const query = (q: Record<string, unknown>) =>
    call(t.app, 'POST', '/reviews/v1/reviews/query', { auth: site.adminKey, body: { query: q } });
  const idsOf = (res: { body: { reviews: { id: string }[] } }) => res.body.reviews.map((r) => r.id).sort();

  it('finds reviews whose title or body contain every searched word, the last one as a prefix', async () => {
    expect(idsOf(await query({ filter: { entityId: entity }, search: 'warm' }))).toEqual([ids.warm, ids.both].sort());
    expect(idsOf(await query({ filter: { entityId: entity }, search: 'WARM size' }))).toEqual([ids.both]);
    expect(idsOf(await query({ filter: { entityId: entity }, search: 'jack' }))).toEqual([ids.both, ids.other].sort());
    expect(idsOf(await query({ filter: { entityId: entity }, search: 'velvet' }))).toEqual([]);
  });

  it('treats search text as words only, so query syntax in it is inert', async () => {
    for (const text of ['warm" OR "size', 'warm) | (size', 'NEAR(warm size)', "warm' or 1=1 --", 'warm*']) {
      const res = await query({ filter: { entityId: entity }, search: text });
      expect(res.status).toBe(200);
      for (const r of res.body.reviews) expect([ids.warm, ids.both, ids.size, ids.other]).toContain(r.id);
    }
  });

  it('keeps the search in the cursor, and counts with it', async () => {
    const first = await query({ filter: { entityId: entity }, search: 'warm', cursorPaging: { limit: 1 } });
    expect(first.body.reviews).toHaveLength(1);
    const second = await call(t.app, 'POST', '/reviews/v1/reviews/query', {
      auth: site.adminKey,
      body: { query: { cursorPaging: { limit: 1, cursor: first.body.metadata.cursors.next } } },
    });
    expect([...idsOf(first), ...idsOf(second)].sort()).toEqual([ids.warm, ids.both].sort());
    expect(second.body.metadata.cursors.next).toBeNull();
    const count = await call(t.app, 'POST', '/reviews/v1/reviews/count', {
      auth: site.adminKey,
      body: { filter: { entityId: entity }, search: 'warm' },
    });
    expect(count.body.count).toBe(2);
  });

  it('follows edits and deletes', async () => {
    const created = await call(t.app, 'POST', '/reviews/v1/reviews', {
      auth: site.adminKey,
      body: reviewBody({ entityId: entity, content: { title: 'Zebra pattern', body: 'stripes' } }),
    });
    const id = created.body.review.id;
    expect(idsOf(await query({ filter: { entityId: entity }, search: 'zebra' }))).toEqual([id]);
    await call(t.app, 'PATCH', `/reviews/v1/reviews/${id}`, {
      auth: site.adminKey,
      body: { review: { revision: '1', content: { title: 'Leopard pattern' } } },
    });
    expect(idsOf(await query({ filter: { entityId: entity }, search: 'zebra' }))).toEqual([]);
    expect(idsOf(await query({ filter: { entityId: entity }, search: 'leopard' }))).toEqual([id]);
    await call(t.app, 'DELETE', `/reviews/v1/reviews/${id}`, { auth: site.adminKey });
    expect(idsOf(await query({ filter: { entityId: entity }, search: 'leopard' }))).toEqual([]);
  });

  it('rejects a search without a letter or digit, and one over 200 characters', async () => {
    const empty = await query({ search: '!!! ---' });
    expect(empty.status).toBe(400);
    expect(empty.body.details.validationError.fieldViolations[0].field).toBe('query.search');
    const long = await query({ search: 'a'.repeat(201) });
    expect(long.status).toBe(400);
    expect(long.body.details.validationError.fieldViolations[0].field).toBe('query.search');
  });

  it('filters on reviewDate and updatedDate (Verdict extensions)', async () => {
    const res = await query({ filter: { entityId: entity, reviewDate: { $gte: '2025-01-01T00:00:00Z' } } });
    expect(idsOf(res)).toEqual([ids.both, ids.other].sort());
    const before = await query({ filter: { entityId: entity, reviewDate: { $lt: '2024-03-01' } } });
    expect(idsOf(before)).toEqual([ids.warm]);
    const updated = await query({ filter: { entityId: entity, _updatedDate: { $gt: '2000-01-01T00:00:00Z' } } });
    expect(updated.body.reviews.length).toBe(4);
    const bad = await query({ filter: { reviewDate: { $gt: 'last week' } } });
    expect(bad.status).toBe(400);
    expect(bad.body.details.validationError.fieldViolations[0].field).toBe('query.filter.reviewDate.$gt');
  });
});
