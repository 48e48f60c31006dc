import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildSite,
  call,
  contactId,
  entityId,
  reviewBody,
  startTestApp,
  type TestApp,
  type TestSite,
} from '../support/app.ts';
import { dialects, type TestDb } from '../support/databases.ts';

type Review = {
  id: string;
  entityId: string;
  createdDate: string;
  content: { rating: number };
  moderation: { moderationStatus: string };
};

const ids = (reviews: { id: string }[]) => reviews.map((r) => r.id);

describe.each(dialects())('queryReviews and countReviews on $name', (dialect) => {
  let db: TestDb;
  let t: TestApp;
  /**
   * A controlled clock advancing one second per reading, so creation order is createdDate order. Wired at start, so
   * the workers read it too (and move it along; tokens live for hours of it).
   */
  let now = Date.parse('2032-01-01T00:00:00.000Z');
  beforeAll(async () => {
    db = await dialect.open();
    t = await startTestApp(db, {
      clock: () => {
        now += 1000;
        return new Date(now);
      },
    });
  });
  afterAll(async () => {
    await t.close();
    await db.dispose();
  });

  async function create(s: TestSite, over: Record<string, unknown> = {}, auth = s.adminKey): Promise<Review> {
    const res = await call(t.app, 'POST', '/reviews/v1/reviews', { auth, body: reviewBody(over) });
    expect(res.status).toBe(200);
    return res.body.review;
  }

  const query = (auth: string, body: unknown, prefix = '/reviews/v1') =>
    call(t.app, 'POST', `${prefix}/reviews/query`, { auth, body });
  const count = (auth: string, body: unknown, prefix = '/reviews/v1') =>
    call(t.app, 'POST', `${prefix}/reviews/count`, { auth, body });

  describe('filters', () => {
    let s: TestSite;
    const e1 = entityId();
    const e2 = entityId();
    const c1 = contactId();
    const c2 = contactId();
    const c3 = contactId();
    let a: Review;
    let b: Review;
    let c: Review;
    let d: Review;
    beforeAll(async () => {
      s = await buildSite(t);
      a = await create(s, { namespace: 'stores', entityId: e1, author: { contactId: c1 }, content: { rating: 5 } });
      b = await create(s, { namespace: 'stores', entityId: e2, author: { contactId: c2 }, content: { rating: 3 } });
      c = await create(s, { namespace: 'bookings', entityId: e1, author: { contactId: c1 }, content: { rating: 1 } });
      d = await create(s, { namespace: 'stores', entityId: e1, author: { contactId: c3 }, content: { rating: 3 } });
      const rejected = await call(t.app, 'PATCH', `/reviews/v1/reviews/${d.id}/moderate`, {
        auth: s.adminKey,
        body: { status: 'REJECTED' },
      });
      expect(rejected.status).toBe(200);
    });

    const cases: [string, () => Record<string, unknown>, () => Review[]][] = [
      ['namespace shorthand', () => ({ namespace: 'bookings' }), () => [c]],
      ['namespace $eq', () => ({ namespace: { $eq: 'stores' } }), () => [a, b, d]],
      ['namespace $ne', () => ({ namespace: { $ne: 'stores' } }), () => [c]],
      ['namespace $in', () => ({ namespace: { $in: ['bookings', 'events'] } }), () => [c]],
      ['entityId shorthand', () => ({ entityId: e1 }), () => [a, c, d]],
      ['entityId $eq', () => ({ entityId: { $eq: e2 } }), () => [b]],
      ['entityId $ne', () => ({ entityId: { $ne: e1 } }), () => [b]],
      ['entityId $in', () => ({ entityId: { $in: [e2, 'nothing'] } }), () => [b]],
      ['author.contactId shorthand', () => ({ 'author.contactId': c1 }), () => [a, c]],
      ['author.contactId $eq', () => ({ 'author.contactId': { $eq: c2 } }), () => [b]],
      ['author.contactId $ne', () => ({ 'author.contactId': { $ne: c1 } }), () => [b, d]],
      ['author.contactId $in', () => ({ 'author.contactId': { $in: [c2, c3] } }), () => [b, d]],
      ['moderation.moderationStatus shorthand', () => ({ 'moderation.moderationStatus': 'REJECTED' }), () => [d]],
      [
        'moderation.moderationStatus $eq',
        () => ({ 'moderation.moderationStatus': { $eq: 'APPROVED' } }),
        () => [a, b, c],
      ],
      ['moderation.moderationStatus $ne', () => ({ 'moderation.moderationStatus': { $ne: 'APPROVED' } }), () => [d]],
      [
        'moderation.moderationStatus $in',
        () => ({ 'moderation.moderationStatus': { $in: ['REJECTED', 'IN_MODERATION'] } }),
        () => [d],
      ],
      ['id shorthand', () => ({ id: b.id }), () => [b]],
      ['_id alias $in', () => ({ _id: { $in: [a.id, c.id] } }), () => [a, c]],
      ['_id alias $ne', () => ({ _id: { $ne: a.id } }), () => [b, c, d]],
      ['_createdDate alias $gt', () => ({ _createdDate: { $gt: a.createdDate } }), () => [b, c, d]],
      ['createdDate $lte', () => ({ createdDate: { $lte: b.createdDate } }), () => [a, b]],
      ['content.rating $gte', () => ({ 'content.rating': { $gte: 3 } }), () => [a, b, d]],
      ['$and', () => ({ $and: [{ entityId: e1 }, { namespace: 'stores' }] }), () => [a, d]],
      ['$or', () => ({ $or: [{ namespace: 'bookings' }, { entityId: e2 }] }), () => [b, c]],
      ['$not', () => ({ $not: { entityId: e1 } }), () => [b]],
      ['two fields at one level', () => ({ entityId: e1, 'author.contactId': c1 }), () => [a, c]],
    ];

    it.each(cases)('filters by %s, in query (private) and count alike', async (_name, filter, expected) => {
      const q = await query(s.adminKey, { query: { filter: filter() }, returnPrivateReviews: true });
      expect(q.status).toBe(200);
      expect(ids(q.body.reviews)).toEqual(ids(expected()));
      expect(q.body.metadata).toEqual({ count: expected().length, cursors: { next: null, prev: null } });
      const n = await count(s.adminKey, { filter: filter(), includePrivateReviews: true });
      expect(n.status).toBe(200);
      expect(n.body).toEqual({ count: expected().length });
    });

    it('returns every live review of the site, oldest first, with no filter, under both prefixes', async () => {
      for (const prefix of ['/reviews/v1', '/_api/reviews/v1']) {
        const q = await query(s.adminKey, { returnPrivateReviews: true }, prefix);
        expect(q.status).toBe(200);
        expect(ids(q.body.reviews)).toEqual(ids([a, b, c, d]));
        expect((await count(s.adminKey, { includePrivateReviews: true }, prefix)).body).toEqual({ count: 4 });
        expect((await count(s.adminKey, {}, prefix)).body).toEqual({ count: 3 });
      }
    });

    it.each([
      ['createdDate', 'ASC', () => [a, b, c, d]],
      ['createdDate', 'DESC', () => [d, c, b, a]],
      ['_createdDate', 'DESC', () => [d, c, b, a]],
    ] as const)('sorts by %s %s', async (fieldName, order, expected) => {
      const q = await query(s.adminKey, { query: { sort: [{ fieldName, order }] }, returnPrivateReviews: true });
      expect(q.status).toBe(200);
      expect(ids(q.body.reviews)).toEqual(ids(expected()));
    });

    it('sorts by content.rating DESC, breaking ties by the following sort key', async () => {
      const q = await query(s.adminKey, {
        query: {
          sort: [
            { fieldName: 'content.rating', order: 'DESC' },
            { fieldName: 'createdDate', order: 'DESC' },
          ],
        },
        returnPrivateReviews: true,
      });
      expect(ids(q.body.reviews)).toEqual(ids([a, d, b, c]));
    });

    it('never shows a public caller a non-APPROVED review, whatever its filter says', async () => {
      const visitor = await s.visitorToken();
      const reader = await s.appKey(['reviews.read']);
      const filters = [
        { 'moderation.moderationStatus': 'REJECTED' },
        { 'moderation.moderationStatus': { $ne: 'APPROVED' } },
        { 'moderation.moderationStatus': { $in: ['REJECTED', 'APPROVED'] } },
        { $or: [{ id: d.id }, { 'moderation.moderationStatus': 'REJECTED' }] },
        { $not: { 'moderation.moderationStatus': 'APPROVED' } },
        { id: d.id },
      ];
      for (const auth of [visitor, reader, s.adminKey]) {
        for (const filter of filters) {
          const q = await query(auth, { query: { filter } });
          expect(q.status).toBe(200);
          expect(ids(q.body.reviews)).not.toContain(d.id);
          for (const r of q.body.reviews) expect(r.moderation.moderationStatus).toBe('APPROVED');
          const n = await count(auth, { filter });
          const expected = q.body.reviews.length;
          expect(n.body).toEqual({ count: expected });
        }
      }
      // A reader without reviews.read_private gains nothing by asking for private reviews.
      const q = await query(reader, { query: { filter: { id: d.id } }, returnPrivateReviews: true });
      expect(q.body.reviews).toEqual([]);
      expect((await count(reader, { filter: { id: d.id }, includePrivateReviews: true })).body).toEqual({ count: 0 });
    });
  });

  describe('private reads', () => {
    let s: TestSite;
    let visitor: string;
    let approved: Review;
    let heldByOwner: Review;
    let heldByVisitor: Review;
    beforeAll(async () => {
      s = await buildSite(t);
      await s.setModeration({ mode: 'HOLD_RATINGS', heldRatings: [1, 2] });
      visitor = await s.visitorToken();
      approved = await create(s, { content: { rating: 5 } });
      heldByOwner = await create(s, { content: { rating: 1 } });
      heldByVisitor = await create(s, { author: { authorName: 'V' }, content: { rating: 2 } }, visitor);
      expect(heldByVisitor.moderation).toMatchObject({ moderationStatus: 'IN_MODERATION' });
    });

    it('counts held reviews for the owner and a reviews.read_private key only when includePrivateReviews is set', async () => {
      expect((await count(s.adminKey, { includePrivateReviews: true })).body).toEqual({ count: 3 });
      expect((await count(s.adminKey, { includePrivateReviews: false })).body).toEqual({ count: 1 });
      expect((await count(s.adminKey, {})).body).toEqual({ count: 1 });
      const priv = await s.appKey(['reviews.read_private']);
      expect((await count(priv, { includePrivateReviews: true })).body).toEqual({ count: 3 });
      expect((await count(await s.appKey(['reviews.read']), { includePrivateReviews: true })).body).toEqual({
        count: 1,
      });
    });

    it('counts and queries for a visitor only the approved reviews plus its own held one', async () => {
      expect((await count(visitor, { includePrivateReviews: true })).body).toEqual({ count: 2 });
      expect((await count(visitor, {})).body).toEqual({ count: 1 });
      const q = await query(visitor, { returnPrivateReviews: true });
      expect(ids(q.body.reviews)).toEqual(ids([approved, heldByVisitor]));
      const stranger = await s.visitorToken();
      expect((await count(stranger, { includePrivateReviews: true })).body).toEqual({ count: 1 });
      expect(ids((await query(stranger, { returnPrivateReviews: true })).body.reviews)).toEqual([approved.id]);
    });

    it('gives a visitor replaying the owner’s private cursor only what the visitor may see', async () => {
      const first = await query(s.adminKey, { query: { cursorPaging: { limit: 1 } }, returnPrivateReviews: true });
      expect(ids(first.body.reviews)).toEqual([approved.id]);
      const cursor = first.body.metadata.cursors.next;
      const owner = await query(s.adminKey, { query: { cursorPaging: { limit: 5, cursor } } });
      expect(ids(owner.body.reviews)).toEqual(ids([heldByOwner, heldByVisitor]));
      const stranger = await query(await s.visitorToken(), { query: { cursorPaging: { limit: 5, cursor } } });
      expect(stranger.status).toBe(200);
      expect(stranger.body.reviews).toEqual([]);
      const author = await query(visitor, { query: { cursorPaging: { limit: 5, cursor } } });
      expect(ids(author.body.reviews)).toEqual([heldByVisitor.id]);
    });

    it('queries every held review for the owner with returnPrivateReviews', async () => {
      const q = await query(s.adminKey, {
        query: { filter: { 'moderation.moderationStatus': 'IN_MODERATION' } },
        returnPrivateReviews: true,
      });
      expect(ids(q.body.reviews)).toEqual(ids([heldByOwner, heldByVisitor]));
    });
  });

  describe('cursor paging', () => {
    let s: TestSite;
    let all: Review[];
    const entity = entityId();
    beforeAll(async () => {
      s = await buildSite(t);
      all = [];
      for (let i = 0; i < 5; i++) all.push(await create(s, { entityId: entity }));
      await create(s); // another entity, filtered out below
    });

    async function walk(first: unknown, auth = s.adminKey) {
      const pages: { ids: string[]; next: string | null; prev: string | null; count: number }[] = [];
      let res = await query(auth, first);
      for (;;) {
        expect(res.status).toBe(200);
        const m = res.body.metadata;
        pages.push({ ids: ids(res.body.reviews), next: m.cursors.next, prev: m.cursors.prev, count: m.count });
        if (!m.cursors.next) break;
        expect(pages.length).toBeLessThan(10);
        // The SDK sends only the cursor and the limit for the next page (docs/wix-api.md §7.1).
        res = await query(auth, { query: { cursorPaging: { limit: 2, cursor: m.cursors.next } } });
      }
      return pages;
    }

    it('walks all pages with limit 2, returning every review exactly once and next null on the last page', async () => {
      const pages = await walk({ query: { filter: { entityId: entity }, cursorPaging: { limit: 2 } } });
      expect(pages.map((p) => p.ids)).toEqual([ids(all.slice(0, 2)), ids(all.slice(2, 4)), ids(all.slice(4))]);
      expect(pages.map((p) => p.count)).toEqual([2, 2, 1]);
      expect(pages[0]?.prev).toBeNull();
      expect(pages[2]?.next).toBeNull();
      expect(new Set(pages.flatMap((p) => p.ids)).size).toBe(5);
    });

    it('keeps the filter and a DESC sort in the cursor', async () => {
      const pages = await walk({
        query: {
          filter: { entityId: entity },
          sort: [{ fieldName: '_createdDate', order: 'DESC' }],
          cursorPaging: { limit: 2 },
        },
      });
      expect(pages.flatMap((p) => p.ids)).toEqual(ids([...all].reverse()));
    });

    it('follows prev cursors back to the previous pages, and next again forward', async () => {
      const pages = await walk({ query: { filter: { entityId: entity }, cursorPaging: { limit: 2 } } });
      const [p1, p2, p3] = pages;
      if (!p1 || !p2 || !p3) throw new Error('expected three pages');
      expect(p3.prev).toEqual(expect.any(String));

      const back2 = await query(s.adminKey, { query: { cursorPaging: { limit: 2, cursor: p3.prev } } });
      expect(back2.status).toBe(200);
      expect(ids(back2.body.reviews)).toEqual(p2.ids);
      const back1 = await query(s.adminKey, {
        query: { cursorPaging: { limit: 2, cursor: back2.body.metadata.cursors.prev } },
      });
      expect(ids(back1.body.reviews)).toEqual(p1.ids);
      expect(back1.body.metadata.cursors.prev).toBeNull();

      const forward = await query(s.adminKey, {
        query: { cursorPaging: { limit: 2, cursor: back1.body.metadata.cursors.next } },
      });
      expect(ids(forward.body.reviews)).toEqual(p2.ids);
    });

    it.each([
      ['content.rating', 'DESC'],
      ['content.rating', 'ASC'],
      ['relevanceScore', 'DESC'],
      ['helpfulness', 'ASC'],
      ['verified', 'DESC'],
      ['origin.type', 'ASC'],
    ] as const)(
      'pages a sort on %s %s with ties in the same order as one big page, each review once',
      async (fieldName, order) => {
        const p = await buildSite(t);
        const e = entityId();
        for (const [i, rating] of [3, 5, 3, 1, 3, 5, 3].entries()) {
          await create(p, { entityId: e, content: { rating, body: 'x'.repeat(40 * (i % 3)) } });
        }
        const sort = [{ fieldName, order }];
        const whole = await query(p.adminKey, {
          query: { filter: { entityId: e }, sort, cursorPaging: { limit: 100 } },
        });
        expect(whole.body.reviews).toHaveLength(7);
        const seen: string[] = [];
        let res = await query(p.adminKey, { query: { filter: { entityId: e }, sort, cursorPaging: { limit: 2 } } });
        for (;;) {
          expect(res.status).toBe(200);
          seen.push(...ids(res.body.reviews));
          const next = res.body.metadata.cursors.next;
          if (!next) break;
          expect(seen.length).toBeLessThan(8);
          res = await query(p.adminKey, { query: { cursorPaging: { limit: 2, cursor: next } } });
        }
        expect(seen).toEqual(ids(whole.body.reviews));
      },
    );

    it('keeps returnPrivateReviews in the cursor', async () => {
      const h = await buildSite(t);
      await h.setModeration({ mode: 'HOLD_ALL', heldRatings: [] });
      const made: Review[] = [];
      for (let i = 0; i < 3; i++) made.push(await create(h));
      const first = await query(h.adminKey, { query: { cursorPaging: { limit: 2 } }, returnPrivateReviews: true });
      expect(ids(first.body.reviews)).toEqual(ids(made.slice(0, 2)));
      const second = await query(h.adminKey, {
        query: { cursorPaging: { limit: 2, cursor: first.body.metadata.cursors.next } },
      });
      expect(ids(second.body.reviews)).toEqual(ids(made.slice(2)));
    });

    it('pages 50 reviews by default and at most 100 when asked', async () => {
      const big = await buildSite(t);
      const reviews = Array.from({ length: 100 }, () => reviewBody().review);
      const bulk = await call(t.app, 'POST', '/reviews/v1/bulk/reviews/create', {
        auth: big.adminKey,
        body: { reviews },
      });
      expect(bulk.status).toBe(200);
      expect(bulk.body.bulkActionMetadata.totalSuccesses).toBe(100);
      await create(big);
      const byDefault = await query(big.adminKey, {});
      expect(byDefault.body.metadata.count).toBe(50);
      expect(byDefault.body.metadata.cursors.next).toEqual(expect.any(String));
      const max = await query(big.adminKey, { query: { cursorPaging: { limit: 100 } } });
      expect(max.body.reviews).toHaveLength(100);
      const rest = await query(big.adminKey, {
        query: { cursorPaging: { limit: 100, cursor: max.body.metadata.cursors.next } },
      });
      expect(rest.body.reviews).toHaveLength(1);
      expect(rest.body.metadata.cursors.next).toBeNull();
    });
  });

  describe('invalid requests', () => {
    let s: TestSite;
    let cursor: string;
    beforeAll(async () => {
      s = await buildSite(t);
      for (let i = 0; i < 3; i++) await create(s);
      const first = await query(s.adminKey, { query: { cursorPaging: { limit: 1 } } });
      cursor = first.body.metadata.cursors.next;
      expect(cursor).toEqual(expect.any(String));
    });

    const violations = (body: any) =>
      body.details.validationError.fieldViolations.map((v: { field: string; violatedRule?: string }) => [
        v.field,
        v.violatedRule,
      ]);

    it.each([
      ['an unknown field', { foo: 'x' }, [['query.filter.foo', 'UNKNOWN_FIELD']]],
      ['a non-filterable field', { 'author.authorName': 'Ann' }, [['query.filter.author.authorName', 'UNKNOWN_FIELD']]],
      ['$nin', { entityId: { $nin: ['a'] } }, [['query.filter.entityId.$nin', 'UNSUPPORTED_OPERATOR']]],
      [
        '$startsWith',
        { entityId: { $startsWith: 'p' } },
        [['query.filter.entityId.$startsWith', 'UNSUPPORTED_OPERATOR']],
      ],
      ['$gt on a string field', { namespace: { $gt: 'a' } }, [['query.filter.namespace.$gt', 'UNSUPPORTED_OPERATOR']]],
      [
        '$in with 101 values',
        { namespace: { $in: Array.from({ length: 101 }, (_, i) => `ns${i}`) } },
        [['query.filter.namespace.$in', 'MAX_SIZE']],
      ],
      [
        'an unknown status',
        { 'moderation.moderationStatus': 'PUBLISHED' },
        [['query.filter.moderation.moderationStatus', 'INVALID_ARGUMENT']],
      ],
      ['a NUL byte in a value', { entityId: 'a\u0000b' }, [['query.filter.entityId', 'INVALID_CHARACTER']]],
      [
        'several problems at once',
        { foo: 1, entityId: { $nin: [] }, $and: [{ bar: 2 }] },
        [
          ['query.filter.foo', 'UNKNOWN_FIELD'],
          ['query.filter.entityId.$nin', 'UNSUPPORTED_OPERATOR'],
          ['query.filter.$and[0].bar', 'UNKNOWN_FIELD'],
        ],
      ],
    ])('rejects a filter with %s, naming every offending field', async (_what, filter, expected) => {
      const q = await query(s.adminKey, { query: { filter } });
      expect(q.status).toBe(400);
      expect(q.body.message).toBeTypeOf('string');
      expect(violations(q.body)).toEqual(expected);
      const n = await count(s.adminKey, { filter });
      expect(n.status).toBe(400);
      expect(violations(n.body)).toEqual(
        expected.map(([field, rule]) => [String(field).replace(/^query\./, ''), rule]),
      );
    });

    it('rejects limit 101 with a violation on query.cursorPaging.limit', async () => {
      const q = await query(s.adminKey, { query: { cursorPaging: { limit: 101 } } });
      expect(q.status).toBe(400);
      expect(violations(q.body)).toEqual([['query.cursorPaging.limit', 'MAX']]);
    });

    it('rejects an unsortable field with a violation on query.sort[0].fieldName', async () => {
      const q = await query(s.adminKey, { query: { sort: [{ fieldName: 'entityId', order: 'ASC' }] } });
      expect(q.status).toBe(400);
      expect(violations(q.body)).toEqual([['query.sort[0].fieldName', 'UNSUPPORTED_SORT']]);
    });

    it.each([
      ['garbage', () => 'not-a-cursor'],
      ['base64 noise with a dot', () => 'eyJhIjoxfQ.AAAA'],
      ['truncated', () => cursor.slice(0, -3)],
      [
        'forged (payload widened to private reviews, signature kept)',
        () => {
          const [payload, mac] = cursor.split('.');
          const state = JSON.parse(Buffer.from(String(payload), 'base64url').toString('utf8'));
          state[4] = 1;
          return `${Buffer.from(JSON.stringify(state)).toString('base64url')}.${mac}`;
        },
      ],
    ])('rejects a %s cursor with a violation on query.cursorPaging.cursor', async (_what, make) => {
      const q = await query(s.adminKey, { query: { cursorPaging: { limit: 1, cursor: make() } } });
      expect(q.status).toBe(400);
      expect(violations(q.body)).toEqual([['query.cursorPaging.cursor', 'INVALID_CURSOR']]);
    });

    it('rejects a cursor issued for another site with a violation on query.cursorPaging.cursor', async () => {
      const other = await buildSite(t);
      await create(other);
      const q = await query(other.adminKey, { query: { cursorPaging: { limit: 1, cursor } } });
      expect(q.status).toBe(400);
      expect(violations(q.body)).toEqual([['query.cursorPaging.cursor', 'INVALID_CURSOR']]);
    });

    it('refuses an unauthenticated query or count with 401', async () => {
      for (const res of [await query('', {}), await count('', {})]) {
        expect(res.status).toBe(401);
        expect(res.body.details.applicationError.code).toBe('UNAUTHENTICATED');
      }
    });

    it('never shows another site’s reviews', async () => {
      const other = await buildSite(t);
      expect((await query(other.adminKey, { returnPrivateReviews: true })).body.reviews).toEqual([]);
      expect((await count(other.adminKey, { includePrivateReviews: true })).body).toEqual({ count: 0 });
    });
  });
});
