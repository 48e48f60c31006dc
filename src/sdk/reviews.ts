/**
 * The `reviews` module: the Velo `wix-reviews.v2` functions over the Verdict REST API (`/reviews/v1/…`), with the
 * official SDK's argument order, renames and return unwrapping (bare review from get/create/update; `{ review }`
 * from delete, setReply, removeReply, updateModerationStatus and the legacy createReviewAndContact). Every function
 * is standalone (no `this`), so it can be passed around and to `elevate()`.
 */
import type {
  AbuseReport as RestAbuseReport,
  QueryReviewsResponse,
  ReportReason,
  BulkCreateReviewResponse as RestBulkCreateReviewResponse,
  Review as RestReview,
  VoteValue,
} from '../contract/index.ts';
import type { EventHandler, ReviewEventHandlers, ReviewEventMap } from './events.ts';
import type { Transport } from './http.ts';
import { type QueryState, ReviewsQueryBuilder } from './query-builder.ts';
import {
  bulkCreateFromRest,
  contentToRest,
  createInputToRest,
  filterToRest,
  reviewFromRest,
  updateInputToRest,
} from './transform.ts';
import type {
  BulkCreateReviewInput,
  BulkCreateReviewOptions,
  BulkCreateReviewResponse,
  BulkDeleteReviewsOptions,
  BulkUpdateModerationStatusOptions,
  CountReviewsOptions,
  CreateReviewAndContactOptions,
  CreateReviewInput,
  GetReviewOptions,
  QueryReviewsOptions,
  Review,
  ReviewContentInput,
  UpdateReviewContentOptions,
  UpdateReviewInput,
  UpdateReviewOptions,
} from './types.ts';

type RestReviewResponse = { review: RestReview };

/** An abuse report in Velo shape: `_id`, `_createdDate` and dates as `Date`; the reporter is never named. */
export interface AbuseReport {
  _id: string;
  reviewId: string;
  reason: ReportReason;
  text?: string;
  status: 'OPEN' | 'DISMISSED';
  reporterKind: 'VISITOR' | 'MEMBER';
  _createdDate: Date;
  dismissedDate?: Date;
}

function reportFromRest(r: RestAbuseReport): AbuseReport {
  return {
    _id: r.id,
    reviewId: r.reviewId,
    reason: r.reason,
    ...(r.text !== undefined ? { text: r.text } : {}),
    status: r.status,
    reporterKind: r.reporterKind,
    _createdDate: new Date(r.createdDate),
    ...(r.dismissedDate ? { dismissedDate: new Date(r.dismissedDate) } : {}),
  };
}

const BASE = '/reviews/v1';
const enc = encodeURIComponent;

export interface ReviewsModule {
  /** Creates a review; visitors and members write as themselves. Returns the review. */
  createReview(review: CreateReviewInput): Promise<Review>;
  /**
   * Legacy (removed from the official SDK in 2024): creates a review and, from `name` + `email`, its author's
   * contact. Returns `{ review }`, as the official SDK did.
   */
  createReviewAndContact(
    namespace: string,
    entityId: string,
    content: ReviewContentInput & { rating: number },
    options?: CreateReviewAndContactOptions,
  ): Promise<{ review: Review }>;
  /** One review; unpublished ones only with `returnPrivateReviews` and a caller allowed to see them. */
  getReview(reviewId: string, options?: GetReviewOptions): Promise<Review>;
  /** Restricted. Changes the fields present (PATCH); `review.revision` must be current. Returns the review. */
  updateReview(_id: string, review: UpdateReviewInput, options?: UpdateReviewOptions): Promise<Review>;
  /** Restricted, legacy. Replaces the content fields present (or those in `fieldMask`). Returns the review. */
  updateReviewContent(reviewId: string, options: UpdateReviewContentOptions): Promise<Review>;
  /** Restricted. Moves the review to the trash; returns `{ review }` (the deleted review). */
  deleteReview(reviewId: string): Promise<{ review: Review }>;
  /** A query builder: `queryReviews().eq('entityId', id).descending('_createdDate').limit(10).find()`. */
  queryReviews(options?: QueryReviewsOptions): ReviewsQueryBuilder;
  /** Counts the reviews matching `filter` (all published reviews without one). */
  countReviews(options?: CountReviewsOptions): Promise<{ count: number }>;
  /** Restricted. Sets (or overwrites) the owner reply; returns `{ review }`. */
  setReply(reviewId: string, message: string): Promise<{ review: Review }>;
  /** Restricted. Removes the owner reply; returns `{ review }`. */
  removeReply(reviewId: string): Promise<{ review: Review }>;
  /** Restricted. Approves or rejects a review; returns `{ review }`. */
  updateModerationStatus(reviewId: string, options: { status: 'APPROVED' | 'REJECTED' }): Promise<{ review: Review }>;
  /** Restricted. Creates up to 100 reviews; per-item results, HTTP 200 even when some fail. */
  bulkCreateReview(
    reviews: BulkCreateReviewInput[],
    options?: BulkCreateReviewOptions,
  ): Promise<BulkCreateReviewResponse>;
  /** Restricted. Deletes every review matching `filter` in a background job; poll `jobs.getJob(jobId)`. */
  bulkDeleteReviews(options: BulkDeleteReviewsOptions): Promise<{ jobId: string }>;
  /** Restricted. Sets the status of every review matching `filter` in a background job. */
  bulkUpdateModerationStatus(options: BulkUpdateModerationStatusOptions): Promise<{ jobId: string }>;
  /**
   * Verdict: a visitor's or member's helpfulness vote on a published review — `HELPFUL`, `UNHELPFUL`, or `NONE` to
   * withdraw. One vote per voter, changeable; returns the vote and the review with its new counts.
   */
  castVote(reviewId: string, vote: VoteValue): Promise<{ vote: VoteValue; review: Review }>;
  /** Verdict: a visitor or member reports a published review for abuse, once per reporter. */
  reportReview(reviewId: string, options: { reason: ReportReason; text?: string }): Promise<{ report: AbuseReport }>;
  /** Registers a handler for `wix.reviews.v1.review_created`; returns the function that removes it. */
  onReviewCreated(handler: EventHandler<ReviewEventMap['created']>): () => void;
  onReviewUpdated(handler: EventHandler<ReviewEventMap['updated']>): () => void;
  onReviewDeleted(handler: EventHandler<ReviewEventMap['deleted']>): () => void;
  /** Fires on every status change and on creation, with the previous status. */
  onReviewModerationStatusChanged(handler: EventHandler<ReviewEventMap['moderation_status_changed']>): () => void;
  /** Fires each time a review enters APPROVED. */
  onReviewPublished(handler: EventHandler<ReviewEventMap['review_published']>): () => void;
}

export function reviewsModule(transport: Transport, events: ReviewEventHandlers): ReviewsModule {
  const one = async (p: Promise<RestReviewResponse>): Promise<Review> => reviewFromRest((await p).review);
  const wrapped = async (p: Promise<RestReviewResponse>): Promise<{ review: Review }> => ({ review: await one(p) });

  return {
    createReview: (review) =>
      one(transport.request('POST', `${BASE}/reviews`, { body: { review: createInputToRest(review) } })),

    createReviewAndContact: (namespace, entityId, content, options = {}) =>
      wrapped(
        transport.request('POST', `${BASE}/reviews/contact`, {
          body: { namespace, entityId, content: contentToRest(content), ...options },
        }),
      ),

    getReview: (reviewId, options = {}) =>
      one(
        transport.request('GET', `${BASE}/reviews/${enc(reviewId)}`, {
          query: { returnPrivateReviews: options.returnPrivateReviews ? 'true' : undefined },
        }),
      ),

    updateReview: (_id, review, options = {}) =>
      one(
        transport.request('PATCH', `${BASE}/reviews/${enc(_id)}`, {
          body: {
            review: updateInputToRest(_id, review),
            ...(options.fieldMask ? { fieldMask: options.fieldMask } : {}),
          },
        }),
      ),

    updateReviewContent: (reviewId, options) =>
      one(
        transport.request('PUT', `${BASE}/reviews/content/${enc(reviewId)}`, {
          body: {
            reviewId,
            content: contentToRest(options.content),
            ...(options.fieldMask ? { fieldMask: options.fieldMask } : {}),
          },
        }),
      ),

    deleteReview: (reviewId) => wrapped(transport.request('DELETE', `${BASE}/reviews/${enc(reviewId)}`)),

    queryReviews: (options = {}) =>
      new ReviewsQueryBuilder(async (query: Partial<QueryState>) => {
        const res = await transport.request<QueryReviewsResponse>('POST', `${BASE}/reviews/query`, {
          body: { query, ...(options.returnPrivateReviews ? { returnPrivateReviews: true } : {}) },
        });
        return { items: res.reviews.map(reviewFromRest), cursors: res.metadata.cursors };
      }),

    countReviews: (options = {}) =>
      transport.request<{ count: number }>('POST', `${BASE}/reviews/count`, {
        body: {
          ...(options.filter ? { filter: filterToRest(options.filter) } : {}),
          ...(options.includePrivateReviews ? { includePrivateReviews: true } : {}),
        },
      }),

    setReply: (reviewId, message) =>
      wrapped(transport.request('PATCH', `${BASE}/reviews/${enc(reviewId)}/reply`, { body: { reviewId, message } })),

    removeReply: (reviewId) => wrapped(transport.request('DELETE', `${BASE}/reviews/${enc(reviewId)}/reply`)),

    updateModerationStatus: (reviewId, options) =>
      wrapped(
        transport.request('PATCH', `${BASE}/reviews/${enc(reviewId)}/moderate`, {
          body: { reviewId, status: options.status },
        }),
      ),

    bulkCreateReview: async (reviews, options = {}) =>
      bulkCreateFromRest(
        await transport.request<RestBulkCreateReviewResponse>('POST', `${BASE}/bulk/reviews/create`, {
          body: { reviews: reviews.map(createInputToRest), ...(options.returnEntity ? { returnEntity: true } : {}) },
        }),
      ),

    bulkDeleteReviews: (options) =>
      transport.request<{ jobId: string }>('POST', `${BASE}/bulk/reviews/delete`, {
        body: { filter: filterToRest(options.filter) },
      }),

    bulkUpdateModerationStatus: (options) =>
      transport.request<{ jobId: string }>('POST', `${BASE}/bulk/reviews/moderate`, {
        body: { filter: filterToRest(options.filter), status: options.status },
      }),

    castVote: async (reviewId, vote) => {
      const res = await transport.request<{ vote: VoteValue; review: RestReview }>(
        'POST',
        `/verdict/v1/reviews/${enc(reviewId)}/votes`,
        { body: { vote } },
      );
      return { vote: res.vote, review: reviewFromRest(res.review) };
    },

    reportReview: async (reviewId, options) => {
      const res = await transport.request<{ report: RestAbuseReport }>('POST', `/verdict/v1/reviews/${enc(reviewId)}/reports`, {
        body: { reason: options.reason, ...(options.text !== undefined ? { text: options.text } : {}) },
      });
      return { report: reportFromRest(res.report) };
    },

    onReviewCreated: (handler) => events.on('created', handler),
    onReviewUpdated: (handler) => events.on('updated', handler),
    onReviewDeleted: (handler) => events.on('deleted', handler),
    onReviewModerationStatusChanged: (handler) => events.on('moderation_status_changed', handler),
    onReviewPublished: (handler) => events.on('review_published', handler),
  };
}
