/**
 * Handlers of the Wix Reviews REST operations (their routes, schemas and access are in the catalogue,
 * `src/contract/operations/reviews.ts`): each hands the validated request to one service function.
 */
import type { Handlers } from '../http/route.ts';
import { enqueueBulkJob } from '../jobs/jobs.service.ts';
import { countReviews, queryReviews } from '../query/query.service.ts';
import * as reviews from './reviews.service.ts';

export const reviewHandlers = {
  createReview: async (deps, req) => ({ review: await reviews.createReview(deps, req.principal, req.body.review) }),
  createReviewAndContact: async (deps, req) => ({
    review: await reviews.createReviewAndContact(deps, req.principal, req.body),
  }),
  queryReviews: (deps, req) => queryReviews(deps, req.principal, req.body),
  countReviews: async (deps, req) => ({
    count: await countReviews(
      deps,
      req.principal,
      req.body.filter,
      req.body.includePrivateReviews === true,
      req.body.search,
    ),
  }),
  getReview: async (deps, req) => ({
    review: await reviews.getReview(
      deps,
      req.principal,
      req.params.reviewId,
      req.query.returnPrivateReviews === 'true',
    ),
  }),
  updateReview: async (deps, req) => ({
    review: await reviews.updateReview(deps, req.principal, req.params.reviewId, req.body.review, req.body.fieldMask),
  }),
  updateReviewContent: async (deps, req) => ({
    review: await reviews.updateReviewContent(
      deps,
      req.principal,
      req.params.reviewId,
      req.body.content,
      req.body.fieldMask,
    ),
  }),
  deleteReview: async (deps, req) => ({ review: await reviews.deleteReview(deps, req.principal, req.params.reviewId) }),
  setReply: async (deps, req) => ({
    review: await reviews.setReply(deps, req.principal, req.params.reviewId, req.body.message),
  }),
  removeReply: async (deps, req) => ({ review: await reviews.removeReply(deps, req.principal, req.params.reviewId) }),
  updateModerationStatus: async (deps, req) => ({
    review: await reviews.updateModerationStatus(deps, req.principal, req.params.reviewId, req.body.status),
  }),
  bulkCreateReview: (deps, req) =>
    reviews.bulkCreateReview(deps, req.principal, req.body.reviews, req.body.returnEntity === true),
  bulkDeleteReviews: async (deps, req) => ({
    jobId: await enqueueBulkJob(deps, req.principal, 'BULK_DELETE_REVIEWS', { filter: req.body.filter }),
  }),
  bulkUpdateModerationStatus: async (deps, req) => ({
    jobId: await enqueueBulkJob(deps, req.principal, 'BULK_MODERATE_REVIEWS', {
      filter: req.body.filter,
      status: req.body.status,
    }),
  }),
} satisfies Partial<Handlers>;
