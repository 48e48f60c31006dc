/**
 * The Velo `ReviewsQueryBuilder` (docs/wix-api.md §7.3): immutable, chainable conditions combined with `$and`, Velo
 * field names renamed and `Date` values serialized before sending, cursor paging through `find()` results.
 * Serialization follows the official SDK's runtime query builder, so the same code sends the same wire body.
 */
import { LIMITS } from '../contract/limits.ts';
import { filterToRest, restFieldName } from './transform.ts';
import type { ModerationStatus, OriginType, Review } from './types.ts';

/** Value type of each filterable field. */
export interface ReviewQueryFields {
  namespace: string;
  entityId: string;
  _id: string;
  'content.rating': number;
  _createdDate: Date;
  'author.contactId': string;
  helpfulness: number;
  'moderation.moderationStatus': ModerationStatus;
  verified: boolean;
  'origin.type': OriginType;
  relevanceScore: number;
}
/** Fields `eq`/`ne` accept. */
export type EqField = keyof ReviewQueryFields;
/** Fields `gt`/`ge`/`lt`/`le` accept. */
export type RangeField = 'content.rating' | '_createdDate' | 'helpfulness' | 'relevanceScore';
/** Fields `in` accepts. */
export type InField = Exclude<EqField, 'verified' | 'origin.type'>;
/** Fields `ascending`/`descending` accept. */
export type SortField =
  | 'content.rating'
  | '_createdDate'
  | 'helpfulness'
  | 'verified'
  | 'origin.type'
  | 'relevanceScore';
/** Fields `isEmpty`/`isNotEmpty` accept (the only nullable one). */
export type EmptyField = 'author.contactId';

export interface SortItem {
  fieldName: string;
  order: 'ASC' | 'DESC';
}

/** The query as the builder holds it (REST names). */
export interface QueryState {
  filter: Record<string, unknown>;
  sort: SortItem[];
  cursorPaging: { limit: number; cursor?: string };
}

/** One page of `find()`: the Velo `ReviewsQueryResult`. */
export interface ReviewsQueryResult {
  readonly items: Review[];
  readonly length: number;
  readonly pageSize: number;
  readonly cursors: { next?: string; prev?: string };
  /** The builder this page came from. */
  readonly query: ReviewsQueryBuilder;
  hasNext(): boolean;
  hasPrev(): boolean;
  /** The next page; throws when `hasNext()` is false. */
  next(): Promise<ReviewsQueryResult>;
  /** The previous page; throws when `hasPrev()` is false. */
  prev(): Promise<ReviewsQueryResult>;
}

/** Runs one REST query body and returns the page (reviews already in Velo shape). */
export type RunQuery = (query: Partial<QueryState>) => Promise<{
  items: Review[];
  cursors: { next: string | null; prev: string | null };
}>;

export class ReviewsQueryBuilder {
  constructor(
    private readonly run: RunQuery,
    /** The query in REST names, as it will be sent. */
    readonly query: QueryState = { filter: {}, sort: [], cursorPaging: { limit: LIMITS.queryDefaultLimit } },
  ) {}

  private with(patch: Partial<QueryState>): ReviewsQueryBuilder {
    return new ReviewsQueryBuilder(this.run, { ...this.query, ...patch });
  }

  private where(field: string, condition: unknown): ReviewsQueryBuilder {
    return this.with({ filter: and(this.query.filter, filterToRest({ [field]: condition })) });
  }

  eq<K extends EqField>(field: K, value: ReviewQueryFields[K] | null): ReviewsQueryBuilder {
    return this.where(field, value);
  }
  ne<K extends EqField>(field: K, value: ReviewQueryFields[K] | null): ReviewsQueryBuilder {
    return this.where(field, { $ne: value });
  }
  gt<K extends RangeField>(field: K, value: ReviewQueryFields[K]): ReviewsQueryBuilder {
    return this.where(field, { $gt: value });
  }
  ge<K extends RangeField>(field: K, value: ReviewQueryFields[K]): ReviewsQueryBuilder {
    return this.where(field, { $gte: value });
  }
  lt<K extends RangeField>(field: K, value: ReviewQueryFields[K]): ReviewsQueryBuilder {
    return this.where(field, { $lt: value });
  }
  le<K extends RangeField>(field: K, value: ReviewQueryFields[K]): ReviewsQueryBuilder {
    return this.where(field, { $lte: value });
  }
  in<K extends InField>(field: K, values: ReviewQueryFields[K][]): ReviewsQueryBuilder {
    return this.where(field, { $in: values });
  }
  /** Matches reviews whose field is empty (`{ field: null }`, as the official SDK sends it). */
  isEmpty(field: EmptyField): ReviewsQueryBuilder {
    return this.where(field, null);
  }
  isNotEmpty(field: EmptyField): ReviewsQueryBuilder {
    return this.where(field, { $ne: null });
  }
  /** This query's conditions AND the other builder's. */
  and(other: ReviewsQueryBuilder): ReviewsQueryBuilder {
    return this.with({ filter: and(this.query.filter, other.query.filter) });
  }
  /** This query's conditions OR the other builder's. */
  or(other: ReviewsQueryBuilder): ReviewsQueryBuilder {
    return this.with({ filter: or(this.query.filter, other.query.filter) });
  }
  /**
   * Replaces the filter with the negation of the other builder's conditions (the official SDK's behaviour: write
   * `q.and(queryReviews().not(other))` to keep this query's conditions too).
   */
  not(other: ReviewsQueryBuilder): ReviewsQueryBuilder {
    return this.with({ filter: not(other.query.filter) });
  }
  /** Sorts ascending by these fields, after any earlier sort. */
  ascending(...fields: SortField[]): ReviewsQueryBuilder {
    return this.with({
      sort: [...this.query.sort, ...fields.map((f) => ({ fieldName: restFieldName(f), order: 'ASC' as const }))],
    });
  }
  descending(...fields: SortField[]): ReviewsQueryBuilder {
    return this.with({
      sort: [...this.query.sort, ...fields.map((f) => ({ fieldName: restFieldName(f), order: 'DESC' as const }))],
    });
  }
  /** Page size, 1 to 100 (default 50). */
  limit(limit: number): ReviewsQueryBuilder {
    return this.with({ cursorPaging: { ...this.query.cursorPaging, limit } });
  }
  /** Continues from a cursor of an earlier result (`result.cursors.next`); the cursor carries filter and sort. */
  skipTo(cursor: string): ReviewsQueryBuilder {
    return this.with({ cursorPaging: { limit: this.query.cursorPaging.limit, cursor } });
  }

  /** Runs the query and returns the first page (or the page at the `skipTo` cursor). */
  async find(): Promise<ReviewsQueryResult> {
    const q = this.query;
    // With a cursor only the paging is sent: the cursor already carries filter and sort (official SDK behaviour).
    const body: Partial<QueryState> = q.cursorPaging.cursor
      ? { cursorPaging: q.cursorPaging }
      : {
          ...(Object.keys(q.filter).length > 0 ? { filter: q.filter } : {}),
          ...(q.sort.length > 0 ? { sort: q.sort } : {}),
          cursorPaging: q.cursorPaging,
        };
    const page = await this.run(body);
    const next = page.cursors.next ?? undefined;
    const prev = page.cursors.prev ?? undefined;
    const goTo = (cursor: string | undefined, which: string) => {
      if (!cursor) return Promise.reject(new Error(`No ${which} page to fetch`));
      return this.skipTo(cursor).find();
    };
    return {
      items: page.items,
      length: page.items.length,
      pageSize: q.cursorPaging.limit,
      cursors: { ...(next ? { next } : {}), ...(prev ? { prev } : {}) },
      query: this,
      hasNext: () => Boolean(next),
      hasPrev: () => Boolean(prev),
      next: () => goTo(next, 'next'),
      prev: () => goTo(prev, 'previous'),
    };
  }
}

type Filter = Record<string, unknown>;
const isEmptyFilter = (f: Filter | undefined): f is undefined => f === undefined || Object.keys(f).length === 0;
const only = (f: Filter, op: string): unknown[] | undefined => {
  const v = Object.keys(f).length === 1 ? f[op] : undefined;
  return Array.isArray(v) ? v : undefined;
};

function and(a: Filter, b: Filter): Filter {
  if (isEmptyFilter(a)) return b;
  if (isEmptyFilter(b)) return a;
  return { $and: [...(only(a, '$and') ?? [a]), ...(only(b, '$and') ?? [b])] };
}

function or(a: Filter, b: Filter): Filter {
  if (isEmptyFilter(a)) return b;
  if (isEmptyFilter(b)) return a;
  return { $or: [...(only(a, '$or') ?? [a]), ...(only(b, '$or') ?? [b])] };
}

function not(a: Filter): Filter {
  if (isEmptyFilter(a)) return {};
  const inner = Object.keys(a).length === 1 ? a.$not : undefined;
  if (typeof inner === 'object' && inner !== null && !Array.isArray(inner)) return filterToRest(inner);
  return { $not: a };
}
