/**
 * Cursor paging of the owner's lists that are read with GET (dashboard users, API keys, a webhook's deliveries, a
 * namespace's rule versions): `limit` and `cursor` in the query string, `metadata {count, cursors {next}}` beside the
 * list, as listTrash and the audit logs page. The cursor is opaque and signed (docs/adr/0002-cursors.md); with it,
 * the list's filter comes from the cursor.
 */
import { type Static, Type } from 'typebox';

/** Longest cursor a GET list accepts (its cursors are about 300 characters). */
export const LIST_CURSOR_MAX_LENGTH = 1000;

/** The `limit` query parameter: a page size of 1–100, as text. */
export const PageLimit = (defaultLimit: number) =>
  Type.Optional(
    Type.String({ pattern: '^(100|[1-9][0-9]?)$', description: `Page size, 1–100 (default ${defaultLimit}).` }),
  );

/** The `cursor` query parameter: `metadata.cursors.next` of the previous page. */
export const PageCursor = Type.Optional(
  Type.String({
    minLength: 1,
    maxLength: LIST_CURSOR_MAX_LENGTH,
    description: '`metadata.cursors.next` of the previous page; the filter of the first page comes with it.',
  }),
);

/** What is answered beside a page: its size and the cursor of the next page (null on the last page). */
export const PageMetadata = Type.Object({
  count: Type.Integer({ description: 'Items in this page.' }),
  cursors: Type.Object({
    next: Type.Union([Type.String(), Type.Null()], { description: 'The next page’s cursor; null on the last page.' }),
  }),
});
export type PageMetadata = Static<typeof PageMetadata>;
