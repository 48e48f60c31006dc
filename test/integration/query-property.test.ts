/**
 * Property test of queryReviews: random reviews, random valid Wix queries (filters, sorts, page sizes), every
 * result walked to the end by cursor (forwards, then back by `prev`) and compared with a reference evaluator
 * written from docs/wix-api.md §7 — on both dialects.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Review } from '../../src/contract/index.ts';
import type { Principal } from '../../src/server/auth/principal.ts';
import { queryReviews } from '../../src/server/query/query.service.ts';
import { relevanceRank } from '../../src/server/reviews/reviews.rules.ts';
import { buildSite, startTestApp, type TestApp } from '../support/app.ts';
import { dialects, type TestDb } from '../support/databases.ts';

// ---------- the reference evaluator ----------

type Value = string | number | boolean | null;
type Filter = Record<string, unknown>;

/** Field → how to read it from a wire review (REST names, docs/wix-api.md §7.2). */
const GET: Record<string, (r: Review) => Value | readonly unknown[]> = {
  id: (r) => r.id,
  namespace: (r) => r.namespace,
  entityId: (r) => r.entityId,
  'author.contactId': (r) => r.author.contactId ?? null,
  'moderation.moderationStatus': (r) => r.moderation.moderationStatus,
  'content.rating': (r) => r.content.rating,
  createdDate: (r) => r.createdDate,
  helpfulness: (r) => r.helpfulness,
  relevanceScore: (r) => r.relevanceScore,
  verified: (r) => r.verified,
  'origin.type': (r) => r.origin.type,
  'content.media': (r) => r.content.media,
};

function cmp(a: Value, b: Value): number {
  if (typeof a === 'boolean') return Number(a) - Number(b);
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
}

function matches(r: Review, f: Filter): boolean {
  return Object.entries(f).every(([key, cond]) => {
    if (key === '$and') return (cond as Filter[]).every((c) => matches(r, c));
    if (key === '$or') return (cond as Filter[]).some((c) => matches(r, c));
    if (key === '$not') return !matches(r, cond as Filter);
    const get = GET[key === '_id' ? 'id' : key === '_createdDate' ? 'createdDate' : key];
    if (!get) throw new Error(`reference: unknown field ${key}`);
    const v = get(r);
    const ops =
      typeof cond === 'object' && cond !== null && !Array.isArray(cond)
        ? (cond as Record<string, unknown>)
        : { $eq: cond };
    return Object.entries(ops).every(([op, x]) => {
      switch (op) {
        case '$eq':
          return cmp(v as Value, x as Value) === 0 && (v === null) === (x === null);
        case '$ne':
          return !(cmp(v as Value, x as Value) === 0 && (v === null) === (x === null));
        case '$in':
          return (x as Value[]).some((y) => cmp(v as Value, y) === 0 && (v === null) === (y === null));
        case '$lt':
          return cmp(v as Value, x as Value) < 0;
        case '$lte':
          return cmp(v as Value, x as Value) <= 0;
        case '$gt':
          return cmp(v as Value, x as Value) > 0;
        case '$gte':
          return cmp(v as Value, x as Value) >= 0;
        case '$isEmpty':
          return ((v as unknown[]).length === 0) === x;
        default:
          throw new Error(`reference: unknown operator ${op}`);
      }
    });
  });
}

/** Verdict's documented order: the sorts given (default createdDate ASC), then createdDate, then id, in the last direction. */
function order(sort: { fieldName: string; order: 'ASC' | 'DESC' }[]): (a: Review, b: Review) => number {
  const keys = sort.length > 0 ? [...sort] : [{ fieldName: 'createdDate', order: 'ASC' as const }];
  const last = keys[keys.length - 1]?.order ?? 'ASC';
  if (!keys.some((k) => k.fieldName === 'createdDate')) keys.push({ fieldName: 'createdDate', order: last });
  keys.push({ fieldName: 'id', order: last });
  return (a, b) => {
    for (const k of keys) {
      const get = GET[k.fieldName] as (r: Review) => Value;
      const c = cmp(get(a), get(b));
      if (c !== 0) return k.order === 'ASC' ? c : -c;
    }
    return 0;
  };
}

// ---------- generators ----------

const ENTITIES = ['e1', 'e2', 'e3'];
const STATUSES = ['APPROVED', 'IN_MODERATION', 'REJECTED'] as const;

function leaf(pool: { ids: string[]; contacts: string[]; dates: string[] }): fc.Arbitrary<Filter> {
  const num = (vals: number[]) => fc.constantFrom(...vals);
  const range = (field: string, values: fc.Arbitrary<Value>) =>
    fc.oneof(
      values.map((v) => ({ [field]: v })),
      fc
        .tuple(fc.constantFrom('$eq', '$ne', '$lt', '$lte', '$gt', '$gte'), values)
        .map(([op, v]) => ({ [field]: { [op]: v } })),
      fc.array(values, { minLength: 1, maxLength: 3 }).map((vs) => ({ [field]: { $in: vs } })),
    );
  const eq = (field: string, values: fc.Arbitrary<Value>) =>
    fc.oneof(
      values.map((v) => ({ [field]: v })),
      values.map((v) => ({ [field]: { $ne: v } })),
      fc.array(values, { minLength: 1, maxLength: 3 }).map((vs) => ({ [field]: { $in: vs } })),
    );
  return fc.oneof(
    eq('entityId', fc.constantFrom(...ENTITIES, 'none')),
    eq('namespace', fc.constantFrom('stores', 'blog')),
    eq('id', fc.constantFrom(...pool.ids.slice(0, 10))),
    eq('_id', fc.constantFrom(...pool.ids.slice(0, 10))),
    eq('author.contactId', fc.constantFrom(...pool.contacts.slice(0, 6))),
    eq('moderation.moderationStatus', fc.constantFrom(...STATUSES)),
    range('content.rating', num([1, 2, 3, 4, 5])),
    range('helpfulness', num([-2, -1, 0, 1, 3])),
    range('relevanceScore', num([0, 0.25, 0.5, 0.75, 0.3, 1e-7, 0.2500004, -1, 2])),
    range('createdDate', fc.constantFrom(...pool.dates)),
    range('_createdDate', fc.constantFrom(...pool.dates)),
    fc.boolean().map((b) => ({ verified: b })),
    fc.boolean().map((b) => ({ verified: { $ne: b } })),
    fc.constantFrom('ORGANIC', 'APP').map((o) => ({ 'origin.type': o })),
    fc.boolean().map((b) => ({ 'content.media': { $isEmpty: b } })),
  );
}

function filterArb(pool: { ids: string[]; contacts: string[]; dates: string[] }): fc.Arbitrary<Filter | undefined> {
  const { tree } = fc.letrec<{ tree: Filter }>((tie) => ({
    tree: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      leaf(pool),
      fc.array(tie('tree'), { minLength: 1, maxLength: 3 }).map((fs) => ({ $and: fs })),
      fc.array(tie('tree'), { minLength: 1, maxLength: 3 }).map((fs) => ({ $or: fs })),
      tie('tree').map((f) => ({ $not: f })),
    ),
  }));
  return fc.option(tree, { nil: undefined, freq: 4 });
}

const sortArb = fc
  .uniqueArray(
    fc.constantFrom('content.rating', 'createdDate', 'helpfulness', 'relevanceScore', 'verified', 'origin.type'),
    {
      maxLength: 3,
    },
  )
  .chain((fields) =>
    fc.tuple(
      ...fields.map((f) => fc.constantFrom('ASC', 'DESC').map((o) => ({ fieldName: f, order: o as 'ASC' | 'DESC' }))),
    ),
  );

// ---------- the test ----------

const NOW = new Date('2026-03-01T12:00:00.000Z');

describe.each(dialects())('queryReviews against the reference evaluator on $name', (dialect) => {
  let db: TestDb;
  let t: TestApp;
  let admin: Principal;
  let all: Review[];
  let pool: { ids: string[]; contacts: string[]; dates: string[] };

  beforeAll(async () => {
    db = await dialect.open();
    // The scores below are chosen for one instant: the app reads that instant, whenever the test runs.
    t = await startTestApp(db, { clock: () => NOW });
    const site = await buildSite(t);
    admin = { kind: 'ADMIN', siteId: site.siteId, keyId: 'property-test' };
    const contacts = Array.from({ length: 8 }, () => crypto.randomUUID());
    const rand = fc.sample(
      fc.record({
        entity: fc.constantFrom(...ENTITIES),
        ns: fc.constantFrom('stores', 'stores', 'blog'),
        rating: fc.integer({ min: 1, max: 5 }),
        helpful: fc.constantFrom(-2, -1, 0, 0, 1, 3),
        relevance: fc.constantFrom(0, 0.25, 0.5, 0.75),
        verified: fc.boolean(),
        origin: fc.constantFrom('ORGANIC', 'APP'),
        status: fc.constantFrom(...STATUSES),
        media: fc.boolean(),
        minute: fc.integer({ min: 0, max: 40 }),
      }),
      { numRuns: 80, seed: 42 },
    );
    // Rows are written directly so every field (helpfulness, verified, dates with ties) can be chosen.
    const rows = rand.map((r, i) => {
      const at = new Date(Date.UTC(2026, 0, 1, 0, r.minute)).toISOString();
      return {
        site_id: site.siteId,
        id: crypto.randomUUID(),
        namespace: r.ns,
        entity_id: r.entity,
        // The uniqueness slot allows one live review per author and entity; keep the others anonymous.
        contact_id: i < contacts.length ? (contacts[i] as string) : null,
        author_name: null,
        title: `t${i}`,
        body: null,
        media_json: r.media ? JSON.stringify([{ image: { url: `https://img.example/${i}.png` } }]) : '[]',
        rating: r.rating,
        reply_message: null,
        reply_created_at: null,
        reply_updated_at: null,
        found_helpful: Math.max(0, r.helpful),
        found_unhelpful: Math.max(0, -r.helpful),
        helpfulness: r.helpful,
        moderation_status: r.status,
        manually_changed: 0,
        revision: 1,
        verified: r.verified ? 1 : 0,
        origin_type: r.origin,
        origin_app_id: null,
        review_date: at,
        // The rank whose score at NOW is exactly the chosen one (ties included).
        relevance_rank: relevanceRank(r.relevance, NOW, NOW),
        publish_count: 1,
        event_sequence: 0,
        content_hash: 'h',
        created_at: at,
        updated_at: at,
        deleted_at: null,
      };
    });
    await t.deps.db.insertInto('reviews').values(rows).execute();
    const res = await queryReviews(t.deps, admin, {
      query: { cursorPaging: { limit: 100 } },
      returnPrivateReviews: true,
    });
    all = res.reviews;
    expect(all).toHaveLength(80);
    pool = {
      ids: all.map((r) => r.id),
      contacts,
      dates: [...new Set(all.map((r) => r.createdDate))].slice(0, 8).concat(['2025-12-31T23:00:00Z']),
    };
  });
  afterAll(async () => {
    await t.close();
    await db.dispose();
  });

  async function walk(
    filter: Filter | undefined,
    sort: { fieldName: string; order: 'ASC' | 'DESC' }[],
    limit: number,
    p: Principal,
    priv: boolean,
  ) {
    const pages: Review[][] = [];
    let res = await queryReviews(t.deps, p, {
      query: { filter, sort, cursorPaging: { limit } },
      returnPrivateReviews: priv,
    });
    pages.push(res.reviews);
    expect(res.metadata.cursors.prev).toBeNull();
    let guard = 0;
    while (res.metadata.cursors.next) {
      if (++guard > 200) throw new Error('paging does not end');
      res = await queryReviews(t.deps, p, { query: { cursorPaging: { limit, cursor: res.metadata.cursors.next } } });
      pages.push(res.reviews);
    }
    // And back again: every earlier page, in order, through `prev`.
    const back: Review[][] = [res.reviews];
    while (res.metadata.cursors.prev) {
      if (++guard > 400) throw new Error('backward paging does not end');
      res = await queryReviews(t.deps, p, { query: { cursorPaging: { limit, cursor: res.metadata.cursors.prev } } });
      back.unshift(res.reviews);
    }
    return { forward: pages.flat(), pages, backward: back.flat() };
  }

  it('returns exactly the matching reviews, in the documented order, walking forwards and back', async () => {
    await fc.assert(
      fc.asyncProperty(filterArb(pool), sortArb, fc.integer({ min: 1, max: 9 }), async (filter, sort, limit) => {
        const expected = all.filter((r) => (filter ? matches(r, filter) : true)).sort(order(sort));
        const got = await walk(filter, sort, limit, admin, true);
        expect(got.forward.map((r) => r.id)).toEqual(expected.map((r) => r.id));
        expect(got.backward.map((r) => r.id)).toEqual(expected.map((r) => r.id));
        for (const page of got.pages.slice(0, -1)) expect(page).toHaveLength(limit);
      }),
      { numRuns: 60, seed: 7 },
    );
  });

  it('shows a public caller only APPROVED reviews, whatever its filter says', async () => {
    const visitor: Principal = {
      kind: 'VISITOR',
      siteId: admin.siteId,
      visitorId: 'v',
      contactId: crypto.randomUUID(),
    };
    await fc.assert(
      fc.asyncProperty(filterArb(pool), sortArb, async (filter, sort) => {
        const expected = all
          .filter((r) => r.moderation.moderationStatus === 'APPROVED' && (filter ? matches(r, filter) : true))
          .sort(order(sort));
        const got = await walk(filter, sort, 25, visitor, true);
        expect(got.forward.map((r) => r.id)).toEqual(expected.map((r) => r.id));
      }),
      { numRuns: 30, seed: 11 },
    );
  });
});
