/**
 * The Wix Reviews REST operations (docs/wix-api.md §4), served under `/reviews/v1` and its aliases.
 */
import { Type } from 'typebox';
import {
  BulkCreateReviewRequest,
  BulkCreateReviewResponse,
  BulkFilterRequest,
  BulkModerateRequest,
  CountReviewsRequest,
  CreateReviewAndContactRequest,
  CreateReviewRequest,
  JobIdResponse,
  QueryReviewsRequest,
  QueryReviewsResponse,
  ReviewIdParams,
  ReviewResponse,
  SetReplyRequest,
  UpdateModerationStatusRequest,
  UpdateReviewContentRequest,
  UpdateReviewRequest,
} from '../review.ts';
import { AUTHOR, CURATE, MANAGE, MODERATE, type Operation, READ } from './define.ts';
import * as routes from './routes.ts';

/** `GET /reviews/{id}`'s query: unpublished reviews only when asked (and allowed). */
export const GetReviewQuery = Type.Object({
  reviewId: Type.Optional(Type.String()),
  returnPrivateReviews: Type.Optional(Type.Union([Type.Literal('true'), Type.Literal('false')])),
});
/** The query string the official SDK sends on deletes (the id again); accepted and ignored. */
export const DeleteReviewQuery = Type.Object({ reviewId: Type.Optional(Type.String()) });
export const CountReviewsResponse = Type.Object({ count: Type.Integer() });

const tag = 'reviews';
/** Query and count bodies are small; a filter that needs more is refused before parsing. */
const QUERY_BODY_LIMIT = 64 * 1024;

export const reviewOperations = {
  createReview: {
    ...routes.createReview,
    summary: 'Create a review',
    tag,
    access: AUTHOR,
    body: CreateReviewRequest,
    response: ReviewResponse,
    errors: ['REVIEW_ALREADY_EXISTS', 'SITE_NOT_FOUND'],
    rateLimit: 'creates',
  },
  createReviewAndContact: {
    ...routes.createReviewAndContact,
    summary: 'Create a review and its author contact (legacy)',
    tag,
    access: AUTHOR,
    body: CreateReviewAndContactRequest,
    response: ReviewResponse,
    errors: ['REVIEW_ALREADY_EXISTS', 'SITE_NOT_FOUND'],
    rateLimit: 'creates',
  },
  queryReviews: {
    ...routes.queryReviews,
    summary: 'Query reviews',
    tag,
    access: READ,
    body: QueryReviewsRequest,
    response: QueryReviewsResponse,
    errors: ['SITE_NOT_FOUND'],
    bodyLimit: QUERY_BODY_LIMIT,
  },
  countReviews: {
    ...routes.countReviews,
    summary: 'Count reviews',
    tag,
    access: READ,
    body: CountReviewsRequest,
    response: CountReviewsResponse,
    errors: ['SITE_NOT_FOUND'],
    bodyLimit: QUERY_BODY_LIMIT,
  },
  getReview: {
    ...routes.getReview,
    summary: 'Get a review',
    tag,
    access: READ,
    params: ReviewIdParams,
    query: GetReviewQuery,
    response: ReviewResponse,
    errors: ['REVIEW_NOT_FOUND'],
  },
  updateReview: {
    ...routes.updateReview,
    summary: 'Update a review (PATCH; revision required)',
    tag,
    access: MANAGE,
    params: ReviewIdParams,
    body: UpdateReviewRequest,
    response: ReviewResponse,
    errors: ['REVIEW_NOT_FOUND', 'REVISION_MISMATCH', 'REVIEW_ALREADY_EXISTS'],
  },
  updateReviewContent: {
    ...routes.updateReviewContent,
    summary: "Update a review's content (legacy)",
    tag,
    access: MANAGE,
    params: ReviewIdParams,
    body: UpdateReviewContentRequest,
    response: ReviewResponse,
    errors: ['REVIEW_NOT_FOUND', 'REVISION_MISMATCH'],
  },
  deleteReview: {
    ...routes.deleteReview,
    summary: 'Delete a review (soft delete)',
    tag,
    access: CURATE,
    params: ReviewIdParams,
    query: DeleteReviewQuery,
    response: ReviewResponse,
    errors: ['REVIEW_NOT_FOUND', 'REVISION_MISMATCH'],
  },
  setReply: {
    ...routes.setReply,
    summary: 'Set the owner reply',
    tag,
    access: CURATE,
    params: ReviewIdParams,
    body: SetReplyRequest,
    response: ReviewResponse,
    errors: ['REVIEW_NOT_FOUND', 'REVISION_MISMATCH'],
  },
  removeReply: {
    ...routes.removeReply,
    summary: 'Remove the owner reply',
    tag,
    access: CURATE,
    params: ReviewIdParams,
    query: DeleteReviewQuery,
    response: ReviewResponse,
    errors: ['REVIEW_NOT_FOUND', 'REVISION_MISMATCH'],
  },
  updateModerationStatus: {
    ...routes.updateModerationStatus,
    summary: 'Approve or reject a review',
    tag,
    access: MODERATE,
    params: ReviewIdParams,
    body: UpdateModerationStatusRequest,
    response: ReviewResponse,
    errors: ['REVIEW_NOT_FOUND', 'REVISION_MISMATCH'],
  },
  bulkCreateReview: {
    ...routes.bulkCreateReview,
    summary: 'Create up to 100 reviews',
    tag,
    access: MANAGE,
    body: BulkCreateReviewRequest,
    response: BulkCreateReviewResponse,
    errors: ['SITE_NOT_FOUND'],
    rateLimit: 'creates',
    bodyLimit: 'bulk',
  },
  bulkDeleteReviews: {
    ...routes.bulkDeleteReviews,
    summary: 'Delete every review matching a filter (async job)',
    tag,
    access: CURATE,
    body: BulkFilterRequest,
    response: JobIdResponse,
    errors: [],
  },
  bulkUpdateModerationStatus: {
    ...routes.bulkUpdateModerationStatus,
    summary: 'Set the moderation status of every review matching a filter (async job)',
    tag,
    access: MODERATE,
    body: BulkModerateRequest,
    response: JobIdResponse,
    errors: [],
  },
} as const satisfies Record<string, Operation>;
