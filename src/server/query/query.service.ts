/**
 * queryReviews and countReviews: the validated filter, folded with what the caller may see, compiled to one
 * indexed query; keyset pages with signed cursors (docs/product.md §6, docs/wix-api.md §7).
 */
import type { CompiledQuery, Kysely, SelectQueryBuilder } from 'kysely';
import {
  type FieldViolation,
  LIMITS,
  type QueryReviewsRequest,
  type QueryReviewsResponse,
} from '../../contract/index.ts';
import { mayReadReports, privateReadScope } from '../auth/permissions.rules.ts';
import { ownContactId, type Principal } from '../auth/principal.ts';
import type { Dialect } from '../db/database.ts';
import type { Database } from '../db/schema.ts';
import { AppError, invalid } from '../errors.ts';
import { REVIEW_WIRE_COLUMNS, type ReviewWireRow, toReview } from '../reviews/reviews.mapper.ts';
import { scoreDay } from '../reviews/reviews.rules.ts';
import type { ReviewsDeps } from '../reviews/reviews.service.ts';
import { summariesRepo } from '../summaries/summaries.repo.ts';
import { compileFilter, keysetCondition, type SortKey } from './compile.ts';
import { cursorKey, decodeCursor, encodeCursor, peekCursor } from './cursor.ts';
import { type FilterNode, parseFilter } from './filter.ts';
import { FIELDS, resolveField } from './query.fields.ts';
import { resolveAt } from './relevance.ts';
import { searchCondition, searchTokens } from './search.ts';
import { ShapeCache, Slots } from './shape-cache.ts';

type ReviewsQuery<O = ReviewWireRow> = SelectQueryBuilder<Database, 'reviews', O>;

/** Parses a sort list (default createdDate ASC); always ends with the id tie-break so the order is total. */
export function parseSort(
  sort: readonly { fieldName: string; order?: 'ASC' | 'DESC' | undefined }[] | undefined,
  path: string,
): { keys: SortKey[]; violations: FieldViolation[] } {
  const violations: FieldViolation[] = [];
  const keys: SortKey[] = [];
  (sort ?? []).forEach((s, i) => {
    const name = resolveField(s.fieldName);
    const spec = FIELDS[name];
    if (!spec || !spec.sortable) {
      const sortable = Object.keys(FIELDS).filter((k) => FIELDS[k]?.sortable);
      violations.push({
        field: `${path}[${i}].fieldName`,
        description: `"${s.fieldName}" is not sortable; sortable fields: ${sortable.join(', ')}`,
        violatedRule: 'UNSUPPORTED_SORT',
      });
      return;
    }
    if (keys.some((k) => k.field === name)) {
      violations.push({
        field: `${path}[${i}].fieldName`,
        description: `"${s.fieldName}" is sorted twice`,
        violatedRule: 'DUPLICATE',
      });
      return;
    }
    keys.push({ field: name, column: spec.column as SortKey['column'], order: s.order ?? 'ASC' });
  });
  // Ties break by createdDate (unless sorted already) and then id, in the last key's direction, so the order is
  // total and an index on (…, key, created_at, id) serves it in one scan: "highest rated, newest first".
  if (!keys.some((k) => k.field === 'createdDate')) {
    keys.push({ field: 'createdDate', column: 'created_at', order: keys[keys.length - 1]?.order ?? 'ASC' });
  }
  keys.push({ field: 'id', column: 'id', order: keys[keys.length - 1]?.order ?? 'ASC' });
  return { keys, violations };
}

/** What a caller may see: the live, published reviews of one site, and none, their own or all of the unpublished ones. */
export type Visibility =
  | { siteId: string; unpublished: 'none' | 'all' }
  | { siteId: string; unpublished: 'own'; contactId: string };

/** What `p` may see, with unpublished reviews only if they were asked for. */
export function visibilityOf(p: Principal, includePrivate: boolean): Visibility {
  const scope = includePrivate ? privateReadScope(p) : 'none';
  if (scope === 'all') return { siteId: p.siteId, unpublished: 'all' };
  const own = ownContactId(p);
  if (scope === 'own' && own !== undefined) return { siteId: p.siteId, unpublished: 'own', contactId: own };
  return { siteId: p.siteId, unpublished: 'none' };
}

/** Restricts `q` to the reviews `v` allows. */
function restrictTo<O>(q: ReviewsQuery<O>, v: Visibility): ReviewsQuery<O> {
  const scoped = q.where('site_id', '=', v.siteId).where('deleted_at', 'is', null);
  if (v.unpublished === 'all') return scoped;
  if (v.unpublished === 'own') {
    const own = v.contactId;
    return scoped.where((eb) => eb.or([eb('moderation_status', '=', 'APPROVED'), eb('contact_id', '=', own)]));
  }
  return scoped.where('moderation_status', '=', 'APPROVED');
}

/** Restricts `q` to live reviews of the caller's site that the caller may see. */
export function visibleReviews<O>(q: ReviewsQuery<O>, p: Principal, includePrivate: boolean): ReviewsQuery<O> {
  return restrictTo(q, visibilityOf(p, includePrivate));
}

/** A validated query: what it matches and whether unpublished reviews were asked for. */
export interface ReviewSelection {
  node: FilterNode | null;
  search: string[] | null;
  includePrivate: boolean;
  /** The order the rows will be read in, when they will be paged (planning hints only; `pageOf` applies it). */
  sort?: readonly SortKey[];
}

/** Keys with an index per entity: (site, entity, status, key, created_at, id); created_at leads the default one. */
const ENTITY_SORT_COLUMNS: ReadonlySet<string> = new Set(['created_at', 'rating', 'helpfulness', 'relevance_rank']);

/**
 * Which filter columns must not pick an index, so that one entity's page is read through the index that serves its
 * sort. SQLite plans from average rows per entity: for a big ("hot") entity it may take a range on another key's
 * index and sort the whole range — "rating ≥ 4, newest first" on a 200,000-review product read 120,000 rows and
 * sorted them (274 ms) where reading newest first and skipping the low ratings reads about 85 rows. A range, `$ne`
 * or `$in` on an entity-indexed key other than the leading sort key is therefore written `+column` on SQLite; an
 * equality keeps its index (that index then serves the sort by createdDate exactly). PostgreSQL keeps per-value
 * statistics and plans this well by itself.
 */
function sortServingHints(
  dialect: Dialect,
  node: FilterNode | null,
  sort: readonly SortKey[] | undefined,
): Set<string> | undefined {
  if (dialect !== 'sqlite' || !node || !sort?.[0] || !pinsEntity(node)) return undefined;
  const lead = sort[0].column;
  return new Set([...ENTITY_SORT_COLUMNS].filter((c) => c !== lead));
}

/** Whether every match has one given entityId (the filter is, or is a conjunction with, `entityId $eq`). */
function pinsEntity(node: FilterNode): boolean {
  const parts = node.op === 'and' ? node.nodes : [node];
  return parts.some((n) => n.op === 'cmp' && n.cmp === '$eq' && n.field === 'entityId' && typeof n.value === 'string');
}

/**
 * The live reviews `v` allows that match `node` and `search`, in no order. Only the columns of the wire shape are read:
 * each column costs its conversion on every row (on SQLite about a tenth of a 50-review page read for the four others).
 */
function matching(
  db: Kysely<Database>,
  dialect: Dialect,
  v: Visibility,
  node: FilterNode | null,
  search: string[] | null,
  unindexed: ReadonlySet<string> | undefined,
): ReviewsQuery {
  let q = restrictTo(db.selectFrom('reviews').select(REVIEW_WIRE_COLUMNS), v);
  if (node) q = q.where((eb) => compileFilter(eb, node, { unindexed }));
  if (search) q = q.where((eb) => searchCondition(eb, dialect, search));
  return q;
}

/** The live reviews `p` may see that match `sel`, the columns of their wire shape, in no particular order. */
export function selectReviews(
  deps: Pick<ReviewsDeps, 'db' | 'dialect'>,
  p: Principal,
  sel: ReviewSelection,
): ReviewsQuery {
  const unindexed = sortServingHints(deps.dialect, sel.node, sel.sort);
  return matching(deps.db, deps.dialect, visibilityOf(p, sel.includePrivate), sel.node, sel.search, unindexed);
}

/** Orders `q` by `keys` (reversed when paging backwards) and continues after `position`. */
export function pageOf<O>(
  q: ReviewsQuery<O>,
  keys: readonly SortKey[],
  position: (string | number)[] | undefined,
  direction: 'next' | 'prev',
  limit: number,
): ReviewsQuery<O> {
  let out = position ? q.where((eb) => keysetCondition(eb, keys, position, direction)) : q;
  for (const k of keys) out = out.orderBy(k.column, (k.order === 'ASC') === (direction === 'next') ? 'asc' : 'desc');
  return out.limit(limit);
}

/** `node` with each value replaced by a marker of `slots` (null, `$isEmpty`'s flag and the structure are the shape). */
function markFilter(node: FilterNode, slots: Slots): FilterNode {
  switch (node.op) {
    case 'and':
    case 'or':
      return { op: node.op, nodes: node.nodes.map((n) => markFilter(n, slots)) };
    case 'not':
      return { op: 'not', node: markFilter(node.node, slots) };
    case 'cmp':
      return {
        op: 'cmp',
        field: node.field,
        cmp: node.cmp,
        value: node.value === null ? null : slots.mark(node.value),
      };
    case 'in':
      return { op: 'in', field: node.field, values: node.values.map((v) => (v === null ? null : slots.mark(v))) };
    case 'rank':
      return { op: 'rank', bound: node.bound, value: slots.mark(node.value) };
    case 'isEmpty':
    case 'positive':
      return node;
  }
}

/** Page reads compiled once per shape: the filter's structure, the caller's visibility kind, sort and direction. */
const pageShapes = new ShapeCache(500);

/**
 * The page read, compiled: `pageOf(selectReviews(…))` for these inputs, the same SQL and parameters. Every request of
 * a page shape seen before skips building and compiling it (shape-cache.ts): about 15–30 µs of a page request on
 * SQLite. A full-text search is built each time (its tokens are folded into one match expression, not bound one by one).
 */
export function pageQuery(
  deps: Pick<ReviewsDeps, 'db' | 'dialect'>,
  v: Visibility,
  node: FilterNode | null,
  search: string[] | null,
  keys: readonly SortKey[],
  position: (string | number)[] | undefined,
  direction: 'next' | 'prev',
  limit: number,
): CompiledQuery {
  const unindexed = sortServingHints(deps.dialect, node, keys);
  const build = (vis: Visibility, filter: FilterNode | null, after: (string | number)[] | undefined, count: number) =>
    pageOf(matching(deps.db, deps.dialect, vis, filter, search, unindexed), keys, after, direction, count);
  if (search) return build(v, node, position, limit).compile();
  const slots = new Slots();
  const markedV: Visibility =
    v.unpublished === 'own'
      ? { siteId: slots.mark(v.siteId), unpublished: 'own', contactId: slots.mark(v.contactId) }
      : { siteId: slots.mark(v.siteId), unpublished: v.unpublished };
  const markedNode = node && markFilter(node, slots);
  const markedPosition = position?.map((x) => slots.mark(x));
  const markedLimit = slots.mark(limit);
  // The marked filter names its structure, null comparisons and `$isEmpty` flags; the planning hints follow from it,
  // the dialect and the sort, and are part of the name so the two cannot drift apart.
  const shape = JSON.stringify([
    deps.dialect,
    markedV.unpublished,
    markedNode,
    keys.map((k) => `${k.column} ${k.order}`),
    markedPosition?.length ?? 0,
    direction,
    unindexed ? [...unindexed] : null,
  ]);
  return pageShapes.compile(
    shape,
    slots,
    () => build(markedV, markedNode, markedPosition, markedLimit),
    () => build(v, node, position, limit),
  );
}

function parseSearch(
  text: string | null | undefined,
  field: string,
): { tokens: string[] | null; violations: FieldViolation[] } {
  if (text === undefined || text === null) return { tokens: null, violations: [] };
  const tokens = searchTokens(text);
  return tokens.length > 0
    ? { tokens, violations: [] }
    : {
        tokens: null,
        violations: [{ field, description: 'must contain a letter or a digit', violatedRule: 'INVALID_ARGUMENT' }],
      };
}

/**
 * The page-cache key of a query whose answer is the same for every caller of its shape, or null when it is not
 * one. That is a visitor's or member's page of published reviews (no `returnPrivateReviews`, which would add the
 * caller's own pending ones; no search) of one entity (the filter pins `entityId`, so only that entity's writes
 * change it), on one day (`relevanceScore` moves with the day): the first page, and every page continued by cursor
 * from it — a cursor is the same string for every visitor who reached that page, so the second and later pages of a
 * popular product are shared as its first page is. Keys and app credentials are not cached. A malformed request is
 * not one either: it goes the usual way and gets its 400.
 *
 * A first page's key holds the filter as written, not as parsed: the answer's cursor carries it. A continued page's
 * key holds the cursor exactly as sent; it is read here without being verified, which is safe because an entry
 * exists under it only once `queryReviews` has verified it for this site and answered.
 */
export function sharedPage(
  p: Principal,
  req: QueryReviewsRequest,
  now: Date,
): { entityId: string; key: string } | null {
  if (p.kind !== 'VISITOR' && p.kind !== 'MEMBER') return null;
  const q = req.query;
  if (req.returnPrivateReviews === true) return null;
  const limit = q?.cursorPaging?.limit || LIMITS.queryDefaultLimit;
  const cursor = q?.cursorPaging?.cursor;
  if (cursor) {
    const state = peekCursor(cursor);
    if (!state || state.includePrivate || state.search !== null) return null;
    const entityId = pinnedEntity(state.filter);
    return entityId === null
      ? null
      : { entityId, key: JSON.stringify(['page', p.siteId, scoreDay(now), cursor, limit]) };
  }
  if (q?.search !== undefined && q.search !== null) return null;
  const entityId = pinnedEntity(q?.filter);
  const sorted = parseSort(q?.sort, 'query.sort');
  if (entityId === null || sorted.violations.length > 0) return null;
  const sort = sorted.keys.map((k) => `${k.field} ${k.order}`);
  return { entityId, key: JSON.stringify(['query', p.siteId, scoreDay(now), q?.filter ?? null, sort, limit]) };
}

/** The entity a valid filter pins with `entityId $eq`, or null. */
function pinnedEntity(filter: unknown): string | null {
  const parsed = parseFilter(filter, 'query.filter');
  if (!parsed.node || parsed.violations.length > 0) return null;
  const parts = parsed.node.op === 'and' ? parsed.node.nodes : [parsed.node];
  const pin = parts.find(
    (n) => n.op === 'cmp' && n.cmp === '$eq' && n.field === 'entityId' && typeof n.value === 'string',
  );
  return pin?.op === 'cmp' && typeof pin.value === 'string' ? pin.value : null;
}

export async function queryReviews(
  deps: ReviewsDeps,
  p: Principal,
  req: QueryReviewsRequest,
): Promise<QueryReviewsResponse> {
  const site = await deps.sites.get(p.siteId);
  if (!site) throw new AppError('not_found', 'SITE_NOT_FOUND', 'Site not found');
  const key = cursorKey(site.token_secret);
  const paging = req.query?.cursorPaging;
  const limit = paging?.limit || LIMITS.queryDefaultLimit;

  let rawFilter: unknown = req.query?.filter;
  let rawSearch: string | null = req.query?.search ?? null;
  let rawSort = req.query?.sort;
  let includePrivate = req.returnPrivateReviews === true;
  let position: (string | number)[] | undefined;
  let direction: 'next' | 'prev' = 'next';
  if (paging?.cursor) {
    // The SDK sends only the cursor for the next page: filter, search, sort and visibility come from it.
    const state = decodeCursor(paging.cursor, key, p.siteId);
    if (!state) {
      throw invalid([
        {
          field: 'query.cursorPaging.cursor',
          description: 'is malformed or was not issued for this site',
          violatedRule: 'INVALID_CURSOR',
        },
      ]);
    }
    rawFilter = state.filter;
    rawSearch = state.search;
    rawSort = state.sort;
    includePrivate = state.includePrivate;
    position = state.position;
    direction = state.direction;
  }
  const parsed = parseFilter(rawFilter, 'query.filter', { reports: mayReadReports(p) });
  const search = parseSearch(rawSearch, 'query.search');
  const sorted = parseSort(rawSort, 'query.sort');
  const violations = [...parsed.violations, ...search.violations, ...sorted.violations];
  if (position && position.length !== sorted.keys.length) {
    violations.push({
      field: 'query.cursorPaging.cursor',
      description: 'does not match its sort',
      violatedRule: 'INVALID_CURSOR',
    });
  }
  if (violations.length > 0) throw invalid(violations);

  const keys = sorted.keys;
  // One reading of the clock per request: the scores a filter compares with are the scores the page carries. A
  // cursor keeps the filter as written, so each page compares with the scores of its own request.
  const now = deps.clock();
  const node = parsed.node && resolveAt(parsed.node, now);
  // One statement per page (nothing counted, no summary read), compiled once per shape: see `pageQuery`.
  const visibility = visibilityOf(p, includePrivate);
  const query = pageQuery(deps, visibility, node, search.tokens, keys, position, direction, limit + 1);
  const { rows } = await deps.db.executeQuery<ReviewWireRow>(query);
  const hasMore = rows.length > limit;
  const page = rows.slice(0, limit);
  if (direction === 'prev') page.reverse();

  const sortState = keys.slice(0, -1).map((k) => ({ fieldName: k.field, order: k.order }));
  const cursorAt = (row: ReviewWireRow | undefined, dir: 'next' | 'prev') =>
    row
      ? encodeCursor(
          {
            siteId: p.siteId,
            filter: rawFilter ?? null,
            search: rawSearch,
            sort: sortState,
            includePrivate,
            position: keys.map((k) => row[k.column]),
            direction: dir,
          },
          key,
        )
      : null;
  const first = page[0];
  const last = page[page.length - 1];
  const next = direction === 'next' ? (hasMore ? cursorAt(last, 'next') : null) : cursorAt(last, 'next');
  const prev =
    direction === 'next' ? (position ? cursorAt(first, 'prev') : null) : hasMore ? cursorAt(first, 'prev') : null;
  return { reviews: page.map((row) => toReview(row, now)), metadata: { count: page.length, cursors: { next, prev } } };
}

/**
 * The published reviews of one entity are counted in its summary row, kept exact in every write transaction:
 * a count of exactly that (entityId, optionally namespace and status APPROVED, nothing private) is one row read
 * instead of counting up to hundreds of thousands of index entries.
 */
function summaryCountable(
  node: FilterNode | null,
  approvedOnly: boolean,
): { entityId: string; namespace: string | undefined } | null {
  if (!node) return null;
  const parts = node.op === 'and' ? node.nodes : [node];
  let entityId: string | undefined;
  let namespace: string | undefined;
  let approved = approvedOnly;
  for (const n of parts) {
    if (n.op !== 'cmp' || n.cmp !== '$eq' || typeof n.value !== 'string') return null;
    if (n.field === 'entityId' && entityId === undefined) entityId = n.value;
    else if (n.field === 'namespace' && namespace === undefined) namespace = n.value;
    else if (n.field === 'moderation.moderationStatus' && n.value === 'APPROVED') approved = true;
    else return null;
  }
  return entityId !== undefined && approved ? { entityId, namespace } : null;
}

export async function countReviews(
  deps: ReviewsDeps,
  p: Principal,
  filter: unknown,
  includePrivate: boolean,
  searchText?: string,
): Promise<number> {
  const parsed = parseFilter(filter, 'filter', { reports: mayReadReports(p) });
  const search = parseSearch(searchText, 'search');
  const violations = [...parsed.violations, ...search.violations];
  if (violations.length > 0) throw invalid(violations);
  const approvedOnly = !includePrivate || privateReadScope(p) === 'none';
  const fast = search.tokens ? null : summaryCountable(parsed.node, approvedOnly);
  if (fast) return summariesRepo.publishedCount(deps.db, p.siteId, fast.entityId, fast.namespace);
  const node = parsed.node && resolveAt(parsed.node, deps.clock());
  const row = await selectReviews(deps, p, { node, search: search.tokens, includePrivate })
    .clearSelect()
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
