/**
 * The `reviews` module: the Velo `wix-reviews.v2` functions over the catalogue's review operations, with the
 * official SDK's argument order, renames and return unwrapping (bare review from get/create/update; `{ review }`
 * from delete, setReply, removeReply, updateModerationStatus and the legacy createReviewAndContact). Every function
 * is standalone (no `this`), so it can be passed around and to `elevate()`.
 */
import type { ReportReason, AbuseReport as RestAbuseReport, VoteValue } from '../contract/index.ts';
import type { CallOutput } from '../contract/operations/call.ts';
import type { EventHandler, ReviewEventHandlers, ReviewEventMap } from './events.ts';
import type { Transport } from './http.ts';
import { type QueryState, ReviewsQueryBuilder } from './query-builder.ts';
import {
  bulkCreateFromRest,
  bulkInputToRest,
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

/** The answer of the operations that return one review (`{ review }`). */
type RestReviewResponse = CallOutput<'getReview'>;

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

  const { call } = transport;
  return {
    createReview: (review) => one(call('createReview', { body: { review: createInputToRest(review) } })),

    createReviewAndContact: (namespace, entityId, content, options = {}) =>
      wrapped(
        call('createReviewAndContact', {
          body: { namespace, entityId, content: contentToRest(content), ...options },
        }),
      ),

    getReview: (reviewId, options = {}) =>
      one(
        call('getReview', {
          params: { reviewId },
          query: { returnPrivateReviews: options.returnPrivateReviews ? 'true' : undefined },
        }),
      ),

    updateReview: (_id, review, options = {}) =>
      one(
        call('updateReview', {
          params: { reviewId: _id },
          body: {
            review: updateInputToRest(_id, review),
            ...(options.fieldMask ? { fieldMask: options.fieldMask } : {}),
          },
        }),
      ),

    updateReviewContent: (reviewId, options) =>
      one(
        call('updateReviewContent', {
          params: { reviewId },
          body: {
            reviewId,
            content: contentToRest(options.content),
            ...(options.fieldMask ? { fieldMask: options.fieldMask } : {}),
          },
        }),
      ),

    deleteReview: (reviewId) => wrapped(call('deleteReview', { params: { reviewId } })),

    queryReviews: (options = {}) =>
      new ReviewsQueryBuilder(async (query: Partial<QueryState>) => {
        const res = await call('queryReviews', {
          body: { query, ...(options.returnPrivateReviews ? { returnPrivateReviews: true } : {}) },
        });
        return { items: res.reviews.map(reviewFromRest), cursors: res.metadata.cursors };
      }),

    countReviews: (options = {}) =>
      call('countReviews', {
        body: {
          ...(options.filter ? { filter: filterToRest(options.filter) } : {}),
          ...(options.includePrivateReviews ? { includePrivateReviews: true } : {}),
        },
      }),

    setReply: (reviewId, message) => wrapped(call('setReply', { params: { reviewId }, body: { reviewId, message } })),

    removeReply: (reviewId) => wrapped(call('removeReply', { params: { reviewId } })),

    updateModerationStatus: (reviewId, options) =>
      wrapped(call('updateModerationStatus', { params: { reviewId }, body: { reviewId, status: options.status } })),

    bulkCreateReview: async (reviews, options = {}) =>
      bulkCreateFromRest(
        await call('bulkCreateReview', {
          body: { reviews: reviews.map(bulkInputToRest), ...(options.returnEntity ? { returnEntity: true } : {}) },
        }),
      ),

    bulkDeleteReviews: (options) => call('bulkDeleteReviews', { body: { filter: filterToRest(options.filter) } }),

    bulkUpdateModerationStatus: (options) =>
      call('bulkUpdateModerationStatus', { body: { filter: filterToRest(options.filter), status: options.status } }),

    castVote: async (reviewId, vote) => {
      const res = await call('castVote', { params: { reviewId }, body: { vote } });
      return { vote: res.vote, review: reviewFromRest(res.review) };
    },

    reportReview: async (reviewId, options) => {
      const res = await call('reportReview', {
        params: { reviewId },
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
