/**
 * Cursor paging of the owner's lists beside the reviews (dashboard users, API keys, a webhook's deliveries, a
 * namespace's rule versions, contacts): ADR 0002's signed cursor (`cursor.ts`), keyed by the site's secret, carrying
 * which list it pages, the list's scope (a webhook, a namespace), its filter (a delivery status, contact e-mails) and
 * the keyset position of the last row shown. Each list orders by a total key (e.g. `created_at, id`), reads
 * `limit + 1` rows after the position, and hands out a next cursor only when there is more.
 *
 * - A cursor edited, forged, cut short, of another site, of another list or of another scope is answered with a
 *   Wix-shaped 400 (`INVALID_CURSOR` on the cursor's field); it never widens what the caller may read.
 * - With a cursor, its filter wins over one sent beside it (as for queryReviews): the cursor alone pages on.
 */
import type { FieldViolation, PageMetadata } from '../../contract/index.ts';
import { AppError, invalid } from '../errors.ts';
import type { SiteCache } from '../sites/site-cache.ts';
import { cursorKey, decodeCursor, encodeCursor } from './cursor.ts';

export type Position = (string | number)[];

export interface ListPageRequest<F> {
  /** Which list: a cursor of one list is refused by every other. */
  list: string;
  /** What the list is of (a webhook id, a namespace): part of the cursor, which must match the request's. */
  scope: string | null;
  /** The request's filter; ignored when a cursor is sent (the cursor's wins). */
  filter: F;
  cursor: string | undefined;
  limit: number;
  /** The request field that carries the cursor, named in a violation (`cursor`, `query.cursorPaging.cursor`). */
  cursorField: string;
}

export interface ListPage<R, F> {
  rows: R[];
  /** The filter the page was read with: the request's, or the cursor's. */
  filter: F;
  /** The cursor of the next page, or null on the last page. */
  next: string | null;
}

/** The violation of a cursor that is not one of this list, scope and site. */
export const invalidListCursor = (field: string): FieldViolation => ({
  field,
  description: 'is malformed or was not issued for this list',
  violatedRule: 'INVALID_CURSOR',
});

async function siteKey(sites: Pick<SiteCache, 'get'>, siteId: string): Promise<Buffer> {
  const site = await sites.get(siteId);
  if (!site) throw new AppError('not_found', 'SITE_NOT_FOUND', 'Site not found');
  return cursorKey(site.token_secret);
}

/**
 * Reads one page: `read(filter, after, limit + 1)` returns rows in the list's order strictly after `after` (the
 * first page when undefined); `position(row)` is a row's key in that order.
 */
export async function listPage<R, F>(
  deps: { sites: Pick<SiteCache, 'get'> },
  siteId: string,
  req: ListPageRequest<F>,
  read: (filter: F, after: Position | undefined, limit: number) => Promise<R[]>,
  position: (row: R) => Position,
): Promise<ListPage<R, F>> {
  const key = await siteKey(deps.sites, siteId);
  let filter = req.filter;
  let after: Position | undefined;
  if (req.cursor !== undefined) {
    const state = decodeCursor(req.cursor, key, siteId);
    const held = state?.filter as { list?: unknown; scope?: unknown; filter?: unknown } | null | undefined;
    if (
      state?.direction !== 'next' ||
      held?.list !== req.list ||
      held.scope !== req.scope ||
      state.position.length === 0
    ) {
      throw invalid([invalidListCursor(req.cursorField)]);
    }
    filter = (held.filter ?? undefined) as F;
    after = state.position;
  }
  const rows = await read(filter, after, req.limit + 1);
  const page = rows.slice(0, req.limit);
  const last = page.at(-1);
  const next =
    rows.length > req.limit && last !== undefined
      ? encodeCursor(
          {
            siteId,
            filter: { list: req.list, scope: req.scope, filter: filter ?? null },
            search: null,
            sort: [],
            includePrivate: false,
            position: position(last),
            direction: 'next',
          },
          key,
        )
      : null;
  return { rows: page, filter, next };
}

/**
 * A page of one of the site's lists kept oldest first by (created_at, id), with no scope or filter (dashboard users,
 * API keys), and its `metadata` as the GET lists answer it.
 */
export async function listOldestFirst<R extends { created_at: string; id: string }>(
  deps: { sites: Pick<SiteCache, 'get'> },
  siteId: string,
  list: string,
  query: { limit?: number | string; cursor?: string },
  defaultLimit: number,
  read: (after: [string, string] | undefined, limit: number) => Promise<R[]>,
): Promise<{ rows: R[]; metadata: PageMetadata }> {
  const page = await listPage(
    deps,
    siteId,
    {
      list,
      scope: null,
      filter: null,
      cursor: query.cursor,
      limit: query.limit ? Number(query.limit) : defaultLimit,
      cursorField: 'query.cursor',
    },
    (_filter, after, limit) => read(after as [string, string] | undefined, limit),
    (row) => [row.created_at, row.id],
  );
  return { rows: page.rows, metadata: { count: page.rows.length, cursors: { next: page.next } } };
}
