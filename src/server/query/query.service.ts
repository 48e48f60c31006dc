/**
 * queryReviews and countReviews: the validated filter, folded with what the caller may see, compiled to one
 * indexed query; keyset pages with signed cursors (PRODUCT.md §6, fact sheet §7).
 */
import type { SelectQueryBuilder } from 'kysely';
import { type FieldViolation, LIMITS, type QueryReviewsRequest, type QueryReviewsResponse } from '../../contract/index.ts';
import { privateReadScope } from '../auth/permissions.rules.ts';
import { ownContactId, type Principal } from '../auth/principal.ts';
import type { Database, ReviewRow } from '../db/schema.ts';
import { AppError, invalid } from '../errors.ts';
import { toReview } from '../reviews/reviews.mapper.ts';
import type { ReviewsDeps } from '../reviews/reviews.service.ts';
import { compileFilter, keysetCondition, type SortKey } from './compile.ts';
import { cursorKey, decodeCursor, encodeCursor } from './cursor.ts';
import { type FilterNode, parseFilter } from './filter.ts';
import { FIELDS, resolveField } from './query.fields.ts';

type ReviewsQuery = SelectQueryBuilder<Database, 'reviews', ReviewRow>;

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
      violations.push({ field: `${path}[${i}].fieldName`, description: `"${s.fieldName}" is sorted twice`, violatedRule: 'DUPLICATE' });
      return;
    }
    keys.push({ field: name, column: spec.column as SortKey['column'], order: s.order ?? 'ASC' });
  });
  if (keys.length === 0) keys.push({ field: 'createdDate', column: 'created_at', order: 'ASC' });
  // The tie-break follows the last key's direction, so an index on (…, key, id) serves the order in one scan.
  keys.push({ field: 'id', column: 'id', order: keys[keys.length - 1]?.order ?? 'ASC' });
  return { keys, violations };
}

/** Restricts `q` to live reviews of the caller's site that the caller may see. */
export function visibleReviews(q: ReviewsQuery, p: Principal, includePrivate: boolean): ReviewsQuery {
  const scoped = q.where('site_id', '=', p.siteId).where('deleted_at', 'is', null);
  const scope = includePrivate ? privateReadScope(p) : 'none';
  if (scope === 'all') return scoped;
  const own = ownContactId(p);
  if (scope === 'own' && own !== undefined) {
    return scoped.where((eb) => eb.or([eb('moderation_status', '=', 'APPROVED'), eb('contact_id', '=', own)]));
  }
  return scoped.where('moderation_status', '=', 'APPROVED');
}

function withFilter(q: ReviewsQuery, node: FilterNode | null): ReviewsQuery {
  return node ? q.where((eb) => compileFilter(eb, node)) : q;
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
  let rawSort = req.query?.sort;
  let includePrivate = req.returnPrivateReviews === true;
  let position: (string | number)[] | undefined;
  let direction: 'next' | 'prev' = 'next';
  if (paging?.cursor) {
    const state = decodeCursor(paging.cursor, key, p.siteId);
    if (!state) {
      throw invalid([{ field: 'query.cursorPaging.cursor', description: 'is malformed or was not issued for this site', violatedRule: 'INVALID_CURSOR' }]);
    }
    rawFilter = state.filter;
    rawSort = state.sort;
    includePrivate = state.includePrivate;
    position = state.position;
    direction = state.direction;
  }
  const parsed = parseFilter(rawFilter, 'query.filter');
  const sorted = parseSort(rawSort, 'query.sort');
  const violations = [...parsed.violations, ...sorted.violations];
  if (position && position.length !== sorted.keys.length) {
    violations.push({ field: 'query.cursorPaging.cursor', description: 'does not match its sort', violatedRule: 'INVALID_CURSOR' });
  }
  if (violations.length > 0) throw invalid(violations);

  const keys = sorted.keys;
  let q = withFilter(visibleReviews(deps.db.selectFrom('reviews').selectAll(), p, includePrivate), parsed.node);
  if (position) {
    const pos = position;
    q = q.where((eb) => keysetCondition(eb, keys, pos, direction));
  }
  for (const k of keys) {
    const forward = direction === 'next';
    const order = (k.order === 'ASC') === forward ? 'asc' : 'desc';
    q = q.orderBy(k.column, order);
  }
  const rows = await q.limit(limit + 1).execute();
  const hasMore = rows.length > limit;
  const page = rows.slice(0, limit);
  if (direction === 'prev') page.reverse();

  const sortState = keys.slice(0, -1).map((k) => ({ fieldName: k.field, order: k.order }));
  const cursorAt = (row: ReviewRow | undefined, dir: 'next' | 'prev') =>
    row
      ? encodeCursor(
          {
            siteId: p.siteId,
            filter: rawFilter ?? null,
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
  const prev = direction === 'next' ? (position ? cursorAt(first, 'prev') : null) : hasMore ? cursorAt(first, 'prev') : null;
  return { reviews: page.map(toReview), metadata: { count: page.length, cursors: { next, prev } } };
}

export async function countReviews(
  deps: ReviewsDeps,
  p: Principal,
  filter: unknown,
  includePrivate: boolean,
): Promise<number> {
  const parsed = parseFilter(filter, 'filter');
  if (parsed.violations.length > 0) throw invalid(parsed.violations);
  const q = withFilter(visibleReviews(deps.db.selectFrom('reviews').selectAll(), p, includePrivate), parsed.node);
  const row = await q
    .clearSelect()
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
