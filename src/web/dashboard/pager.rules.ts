/**
 * Where a cursor-paged list is, for Next / Previous: the server hands out only the next page's cursor, so the
 * cursors of the pages already passed are kept here (null is the first page). Pure: a screen keeps the value in a
 * state property and replaces it after each load.
 */
export interface Pages {
  /** The cursors of the pages before the one shown, oldest first. */
  readonly before: readonly (string | null)[];
  /** The cursor the page shown was read with; null for the first page. */
  readonly at: string | null;
  /** The next page's cursor, from the page shown; null on the last page. */
  readonly next: string | null;
}

export const FIRST_PAGE: Pages = { before: [], at: null, next: null };

export type Move = 'first' | 'next' | 'previous' | 'same';

/** The cursor to read for `move`, and the pages before it. `next` past the last page stays on the page shown. */
export function target(pages: Pages, move: Move): { cursor: string | null; before: (string | null)[] } {
  switch (move) {
    case 'first':
      return { cursor: null, before: [] };
    case 'next':
      return pages.next === null
        ? { cursor: pages.at, before: [...pages.before] }
        : { cursor: pages.next, before: [...pages.before, pages.at] };
    case 'previous':
      return pages.before.length === 0
        ? { cursor: null, before: [] }
        : { cursor: pages.before.at(-1) ?? null, before: pages.before.slice(0, -1) };
    case 'same':
      return { cursor: pages.at, before: [...pages.before] };
  }
}

/** Where the list is once the page read at `target(pages, move)` answered `next`. */
export function landed(to: { cursor: string | null; before: (string | null)[] }, next: string | null): Pages {
  return { before: to.before, at: to.cursor, next };
}

/** The page number shown, from 1. */
export const pageNumber = (pages: Pages): number => pages.before.length + 1;
