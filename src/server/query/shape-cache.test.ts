/**
 * The page read compiled once per shape must be the query built for each request's own input: same SQL text, same
 * parameters in the same order, for any filter, sort, cursor position, direction, page size and caller, on both
 * dialects' compilers (compiling needs no database).
 */
import fc from 'fast-check';
import {
  DummyDriver,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
  sql,
} from 'kysely';
import { describe, expect, it } from 'vitest';
import type { Principal } from '../auth/principal.ts';
import type { Dialect } from '../db/database.ts';
import type { Database } from '../db/schema.ts';
import type { FilterNode, Scalar } from './filter.ts';
import { FIELDS, type FieldSpec } from './query.fields.ts';
import { pageOf, pageQuery, parseSort, selectReviews, visibilityOf } from './query.service.ts';
import { resolveAt } from './relevance.ts';
import { ShapeCache, Slots } from './shape-cache.ts';

const compilers: Record<Dialect, Kysely<Database>> = {
  sqlite: new Kysely<Database>({
    dialect: {
      createAdapter: () => new SqliteAdapter(),
      createDriver: () => new DummyDriver(),
      createIntrospector: (db) => new SqliteIntrospector(db),
      createQueryCompiler: () => new SqliteQueryCompiler(),
    },
  }),
  postgres: new Kysely<Database>({
    dialect: {
      createAdapter: () => new PostgresAdapter(),
      createDriver: () => new DummyDriver(),
      createIntrospector: (db) => new PostgresIntrospector(db),
      createQueryCompiler: () => new PostgresQueryCompiler(),
    },
  }),
};

const SITE = 'a0000000-0000-4000-8000-000000000001';

const valueFor = (spec: FieldSpec): fc.Arbitrary<Scalar> => {
  switch (spec.type) {
    case 'string':
    case 'guid':
      return fc.string({ maxLength: 6 });
    case 'status':
      return fc.constantFrom('APPROVED', 'REJECTED', 'IN_MODERATION');
    case 'origin':
      return fc.constantFrom('ORGANIC', 'APP');
    case 'int':
      return fc.integer({ min: -5, max: 50 });
    case 'number':
      return fc.double({ noNaN: true, noDefaultInfinity: true });
    case 'bool':
      return fc.constantFrom(0, 1);
    case 'date':
      return fc.constantFrom('2026-01-01T00:00:00.000Z', '2026-02-03T04:05:06.789Z');
    case 'media':
    case 'count':
      return fc.constant(null);
  }
};

const leaf: fc.Arbitrary<FilterNode> = fc
  .constantFrom(...Object.keys(FIELDS))
  .chain((field): fc.Arbitrary<FilterNode> => {
    const spec = FIELDS[field] as FieldSpec;
    if (spec.type === 'media') return fc.boolean().map((value) => ({ op: 'isEmpty', field, value }));
    if (spec.type === 'count') return fc.boolean().map((value) => ({ op: 'positive', field, value }));
    const value = spec.nullable ? fc.option(valueFor(spec), { nil: null, freq: 3 }) : valueFor(spec);
    const cmps = spec.operators.filter((o) => o !== '$in' && o !== '$isEmpty') as Exclude<
      FieldSpec['operators'][number],
      '$in' | '$isEmpty'
    >[];
    const cmp = fc.record({ cmp: fc.constantFrom(...cmps), value }).map(
      ({ cmp, value }): FilterNode => ({
        op: 'cmp',
        field,
        cmp: value === null && cmp !== '$ne' ? '$eq' : cmp,
        value,
      }),
    );
    if (!spec.operators.includes('$in')) return cmp;
    const within = fc
      .array(value, { minLength: 1, maxLength: 4 })
      .map((values): FilterNode => ({ op: 'in', field, values }));
    return fc.oneof(cmp, within);
  })
  // As a request resolves it: conditions on relevanceScore become bounds on the stored rank.
  .map((node) => resolveAt(node, new Date('2026-06-01T12:00:00.000Z')));

const filter: fc.Arbitrary<FilterNode> = fc.letrec<{ node: FilterNode }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.array(tie('node'), { minLength: 1, maxLength: 3 }).map((nodes): FilterNode => ({ op: 'and', nodes })),
    fc.array(tie('node'), { minLength: 1, maxLength: 3 }).map((nodes): FilterNode => ({ op: 'or', nodes })),
    tie('node').map((node): FilterNode => ({ op: 'not', node })),
  ),
})).node;

/** A filter pinned to one entity, as a product page asks (the SQLite planning hints apply to these). */
const entityFilter = fc
  .tuple(fc.string({ maxLength: 6 }), fc.option(filter, { nil: undefined }))
  .map(([id, rest]): FilterNode => {
    const pin: FilterNode = { op: 'cmp', field: 'entityId', cmp: '$eq', value: id };
    return rest ? { op: 'and', nodes: [pin, rest] } : pin;
  });

const sortable = Object.keys(FIELDS).filter((k) => FIELDS[k]?.sortable);
const sort = fc.uniqueArray(
  fc.record({ fieldName: fc.constantFrom(...sortable), order: fc.constantFrom('ASC' as const, 'DESC' as const) }),
  { maxLength: 3, selector: (s) => s.fieldName },
);

const PRINCIPALS: readonly Principal[] = [
  { kind: 'ADMIN', siteId: SITE, keyId: 'k' },
  { kind: 'APP', siteId: SITE, keyId: 'k', appId: null, scopes: [] },
  { kind: 'APP', siteId: SITE, keyId: 'k', appId: null, scopes: ['reviews.read_private'] },
  { kind: 'VISITOR', siteId: SITE, visitorId: 'v', contactId: 'c0000000-0000-4000-8000-000000000002' },
  { kind: 'MEMBER', siteId: SITE, contactId: 'c0000000-0000-4000-8000-000000000003' },
];
const principal: fc.Arbitrary<Principal> = fc.constantFrom(...PRINCIPALS);

const request = fc.record({
  dialect: fc.constantFrom<Dialect>('sqlite', 'postgres'),
  principal,
  includePrivate: fc.boolean(),
  node: fc.option(fc.oneof(filter, entityFilter), { nil: null }),
  search: fc.option(fc.constant<string[]>(['warm', 'coat']), { nil: null, freq: 5 }),
  sort,
  position: fc.option(fc.array(fc.oneof(fc.string({ maxLength: 6 }), fc.integer()), { minLength: 6, maxLength: 6 }), {
    nil: undefined,
  }),
  direction: fc.constantFrom('next' as const, 'prev' as const),
  limit: fc.integer({ min: 1, max: 101 }),
});

type Request = typeof request extends fc.Arbitrary<infer R> ? R : never;

/** `node` with other values: strings and numbers changed, nulls given a value, values nulled where allowed, flags flipped. */
function revalue(node: FilterNode, step: number): FilterNode {
  const other = (v: Scalar, field: string): Scalar => {
    if (v === null) return step % 2 === 0 ? 'x' : null;
    if (FIELDS[field]?.nullable && step % 3 === 0) return null;
    return typeof v === 'number' ? v + step : `${v}~${step}`;
  };
  switch (node.op) {
    case 'and':
    case 'or':
      return { op: node.op, nodes: node.nodes.map((n) => revalue(n, step)) };
    case 'not':
      return { op: 'not', node: revalue(node.node, step) };
    case 'cmp': {
      const value = other(node.value, node.field);
      return { ...node, value, cmp: value === null && node.cmp !== '$ne' ? '$eq' : node.cmp };
    }
    case 'in':
      return { ...node, values: node.values.map((v) => other(v, node.field)) };
    case 'isEmpty':
    case 'positive':
      return { ...node, value: step % 2 === 0 ? !node.value : node.value };
    case 'rank':
      return { ...node, value: node.value + step };
  }
}

/** Requests that differ from `r` in one way each, so a shape that forgot a difference would serve the wrong query. */
function variants(r: Request): Request[] {
  const flip = (o: 'ASC' | 'DESC') => (o === 'ASC' ? 'DESC' : 'ASC');
  return [
    r,
    { ...r, direction: r.direction === 'next' ? 'prev' : 'next' },
    { ...r, includePrivate: !r.includePrivate },
    { ...r, dialect: r.dialect === 'sqlite' ? 'postgres' : 'sqlite' },
    { ...r, search: r.search ? null : ['warm'] },
    { ...r, position: r.position ? undefined : ['v1', 2, 'v3', 4, 'v5', 6] },
    { ...r, limit: r.limit + 1 },
    { ...r, sort: r.sort.map((s) => ({ ...s, order: flip(s.order) })) },
    { ...r, sort: r.sort.map((s, i) => (i === 0 ? { ...s, order: flip(s.order) } : s)) },
    { ...r, sort: [...r.sort].reverse() },
    ...[1, 2, 3].map((step) => ({ ...r, node: r.node && revalue(r.node, step) })),
    ...[0, 1, 2, 3, 4].map((i) => ({
      ...r,
      principal: PRINCIPALS[(PRINCIPALS.indexOf(r.principal) + 1 + i) % PRINCIPALS.length] as Principal,
    })),
  ];
}

describe('page reads compiled once per shape', () => {
  it('are the query built for the request itself, for any filter, sort, cursor, caller and dialect', () => {
    fc.assert(
      fc.property(request, (original) => {
        for (const r of variants(original)) {
          const deps = { db: compilers[r.dialect], dialect: r.dialect };
          const keys = parseSort(r.sort, 'sort').keys;
          const position = r.position?.slice(0, keys.length);
          const direct = pageOf(
            selectReviews(deps, r.principal, {
              node: r.node,
              search: r.search,
              includePrivate: r.includePrivate,
              sort: keys,
            }),
            keys,
            position,
            r.direction,
            r.limit,
          ).compile();
          const cached = pageQuery(
            deps,
            visibilityOf(r.principal, r.includePrivate),
            r.node,
            r.search,
            keys,
            position,
            r.direction,
            r.limit,
          );
          expect(cached.sql).toBe(direct.sql);
          expect(cached.parameters).toEqual(direct.parameters);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('gives each request of a shape its own values', () => {
    const deps = { db: compilers.sqlite, dialect: 'sqlite' as const };
    const keys = parseSort([{ fieldName: 'content.rating', order: 'DESC' }], 'sort').keys;
    const read = (entityId: string, min: number, position: (string | number)[]) =>
      pageQuery(
        deps,
        visibilityOf({ kind: 'VISITOR', siteId: SITE, visitorId: 'v', contactId: `contact-${entityId}` }, true),
        {
          op: 'and',
          nodes: [
            { op: 'cmp', field: 'entityId', cmp: '$eq', value: entityId },
            { op: 'cmp', field: 'content.rating', cmp: '$gte', value: min },
          ],
        },
        null,
        keys,
        position,
        'next',
        51,
      );
    const a = read('p-1', 2, [5, '2026-01-01T00:00:00.000Z', 'id-a']);
    const b = read('p-2', 4, [3, '2026-02-01T00:00:00.000Z', 'id-b']);
    expect(b.sql).toBe(a.sql);
    expect(a.parameters).toEqual([
      SITE,
      'APPROVED',
      'contact-p-1',
      'p-1',
      2,
      5,
      '2026-01-01T00:00:00.000Z',
      'id-a',
      51,
    ]);
    expect(b.parameters).toEqual([
      SITE,
      'APPROVED',
      'contact-p-2',
      'p-2',
      4,
      3,
      '2026-02-01T00:00:00.000Z',
      'id-b',
      51,
    ]);
  });
});

describe('ShapeCache', () => {
  const db = compilers.sqlite;
  const byName = (cache: ShapeCache, name: string, transform: (v: string) => string) => {
    const slots = new Slots();
    const marked = slots.mark(name);
    return cache.compile(
      `by name, ${transform('')}`,
      slots,
      () => db.selectFrom('reviews').select('id').where('author_name', '=', transform(marked)),
      () => db.selectFrom('reviews').select('id').where('author_name', '=', transform(name)),
    );
  };

  it('builds a shape from the plain input on every call when its builder transforms a value instead of binding it', () => {
    const cache = new ShapeCache(10);
    const prefixed = (v: string) => `${v}*`;
    expect(byName(cache, 'ann', prefixed).parameters).toEqual(['ann*']);
    expect(byName(cache, 'bob', prefixed).parameters).toEqual(['bob*']);
  });

  it('keeps at most its bound of shapes and still answers every shape', () => {
    const cache = new ShapeCache(1);
    const where = (column: 'author_name' | 'title', value: string) => {
      const slots = new Slots();
      const marked = slots.mark(value);
      return cache.compile(
        column,
        slots,
        () => db.selectFrom('reviews').select('id').where(column, '=', marked),
        () => db.selectFrom('reviews').select('id').where(column, '=', value),
      );
    };
    expect(where('author_name', 'a')).toMatchObject({
      sql: 'select "id" from "reviews" where "author_name" = ?',
      parameters: ['a'],
    });
    expect(where('title', 'b')).toMatchObject({
      sql: 'select "id" from "reviews" where "title" = ?',
      parameters: ['b'],
    });
    expect(where('author_name', 'c')).toMatchObject({
      sql: 'select "id" from "reviews" where "author_name" = ?',
      parameters: ['c'],
    });
  });

  it('does not take a literal the builder inlined for a value', () => {
    const cache = new ShapeCache(10);
    const run = (value: string) => {
      const slots = new Slots();
      const marked = slots.mark(value);
      return cache.compile(
        'literal',
        slots,
        () => db.selectFrom('reviews').select('id').where('title', '=', sql.lit(marked)),
        () => db.selectFrom('reviews').select('id').where('title', '=', sql.lit(value)),
      );
    };
    expect(run('x').sql).toBe(`select "id" from "reviews" where "title" = 'x'`);
    expect(run('y').sql).toBe(`select "id" from "reviews" where "title" = 'y'`);
  });
});
