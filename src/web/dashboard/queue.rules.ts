/**
 * The queue's filters: what the form holds, how it is kept in the address (`#/queue?status=…`, so a reload or a
 * shared link shows the same list), and the query-language filter it means (docs/query.md). Pure.
 */

/** `PENDING` is every review waiting for a decision: held by the rules (IN_MODERATION) or not yet decided (SUBMITTED). */
export type StatusChoice = 'PENDING' | 'APPROVED' | 'REJECTED' | 'ALL';
export const STATUS_CHOICES: readonly StatusChoice[] = ['PENDING', 'APPROVED', 'REJECTED', 'ALL'];

export interface QueueFilters {
  status: StatusChoice;
  /** '' for any rating, else '1'…'5'. */
  rating: string;
  entityId: string;
  /** Calendar days (YYYY-MM-DD, UTC), inclusive; '' for open. */
  from: string;
  to: string;
  hasMedia: boolean;
  /** Only reviews with an open abuse report (`reported` in the query language). */
  reported: boolean;
  search: string;
}

/** The queue a moderator opens first: reviews awaiting a decision. */
export const DEFAULT_FILTERS: QueueFilters = {
  status: 'PENDING',
  rating: '',
  entityId: '',
  from: '',
  to: '',
  hasMedia: false,
  reported: false,
  search: '',
};

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** The filters an address's query string holds; anything missing or malformed takes its default. */
export function parseFilters(params: URLSearchParams): QueueFilters {
  const status = params.get('status') ?? '';
  const rating = params.get('rating') ?? '';
  const from = params.get('from') ?? '';
  const to = params.get('to') ?? '';
  return {
    status: (STATUS_CHOICES as readonly string[]).includes(status) ? (status as StatusChoice) : DEFAULT_FILTERS.status,
    rating: /^[1-5]$/.test(rating) ? rating : '',
    entityId: params.get('entityId') ?? '',
    from: DAY.test(from) ? from : '',
    to: DAY.test(to) ? to : '',
    hasMedia: params.get('media') === '1',
    reported: params.get('reported') === '1',
    search: params.get('q') ?? '',
  };
}

/** The query string of `filters`, holding only what differs from the defaults. */
export function serializeFilters(filters: QueueFilters): string {
  const p = new URLSearchParams();
  if (filters.status !== DEFAULT_FILTERS.status) p.set('status', filters.status);
  if (filters.rating) p.set('rating', filters.rating);
  if (filters.entityId.trim()) p.set('entityId', filters.entityId.trim());
  if (filters.from) p.set('from', filters.from);
  if (filters.to) p.set('to', filters.to);
  if (filters.hasMedia) p.set('media', '1');
  if (filters.reported) p.set('reported', '1');
  if (filters.search.trim()) p.set('q', filters.search.trim());
  return p.toString();
}

/** The day after `day` (YYYY-MM-DD), so an inclusive end day becomes an exclusive bound. */
function nextDay(day: string): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

/** The query-language filter of `filters` (without the search, which travels beside it). */
export function toFilter(filters: QueueFilters): Record<string, unknown> {
  const filter: Record<string, unknown> = {};
  if (filters.status === 'PENDING') filter['moderation.moderationStatus'] = { $in: ['IN_MODERATION', 'SUBMITTED'] };
  else if (filters.status !== 'ALL') filter['moderation.moderationStatus'] = filters.status;
  if (filters.rating) filter['content.rating'] = Number(filters.rating);
  if (filters.entityId.trim()) filter.entityId = filters.entityId.trim();
  const created: Record<string, string> = {};
  if (filters.from) created.$gte = `${filters.from}T00:00:00.000Z`;
  if (filters.to) created.$lt = `${nextDay(filters.to)}T00:00:00.000Z`;
  if (Object.keys(created).length > 0) filter.createdDate = created;
  if (filters.hasMedia) filter['content.media'] = { $isEmpty: false };
  if (filters.reported) filter.reported = true;
  return filter;
}

/** The search text to send, or undefined when there is none (a blank search is a 400). */
export function toSearch(filters: QueueFilters): string | undefined {
  const text = filters.search.trim();
  return /[\p{L}\p{N}]/u.test(text) ? text : undefined;
}

/**
 * Problems with the filters that the server would refuse, worded for the form, so the moderator fixes them before
 * anything is sent.
 */
export function filterProblems(filters: QueueFilters): string[] {
  const problems: string[] = [];
  if (filters.from && filters.to && filters.from > filters.to) problems.push('The "from" day is after the "to" day.');
  if (filters.search.trim() && !toSearch(filters)) problems.push('Search needs at least one letter or digit.');
  return problems;
}

/**
 * A bulk job acts on a filter alone: the search extension has no place in it, so "everything matching" cannot be
 * offered while a search narrows the list (the page's selection still can: it is a list of ids).
 */
export const canActOnAllMatching = (filters: QueueFilters): boolean => toSearch(filters) === undefined;

/** The filter naming exactly the reviews `ids`. */
export const idsFilter = (ids: readonly string[]): Record<string, unknown> => ({ id: { $in: [...ids] } });
