/**
 * Handlers of the Wix Reviews REST operations (their routes, schemas and access are in the catalogue,
 * `src/contract/operations/reviews.ts`): each hands the validated request to one service function.
 */
import type { Handlers } from '../http/route.ts';
import { enqueueBulkJob } from '../jobs/jobs.service.ts';
import { PRIVATE_CACHING, sendPage, serialized } from '../page-cache/page-reply.ts';
import { countReviews, queryReviews, sharedPage } from '../query/query.service.ts';
import * as reviews from './reviews.service.ts';

export const reviewHandlers = {
  createReview: async (deps, req) => ({ review: await reviews.createReview(deps, req.principal, req.body.review) }),
  createReviewAndContact: async (deps, req) => ({
    review: await reviews.createReviewAndContact(deps, req.principal, req.body),
  }),
  // A storefront's pages of one entity are the same for every visitor: served from the page cache's bytes.
  queryReviews: async (deps, req) => {
    const cache = deps.pageCache;
    const now = deps.clock();
    const shared = cache ? sharedPage(req.principal, req.body, now) : null;
    if (!cache || !shared) return queryReviews(deps, req.principal, req.body);
    const { reply } = req.http;
    const siteId = req.principal.siteId;
    const page = await cache.read('query', shared.key, async () => {
      // Rendered at the instant the key's day was read from, with the route's own serializer.
      const body = serialized(reply, await queryReviews({ ...deps, clock: () => now }, req.principal, req.body));
      return { body, siteId, entityId: shared.entityId };
    });
    return reply.type('application/json; charset=utf-8').send(page.body);
  },
  countReviews: async (deps, req) => ({
    count: await countReviews(
      deps,
      req.principal,
      req.body.filter,
      req.body.includePrivateReviews === true,
      req.body.search,
    ),
  }),
  // A published review reads the same for every visitor and member: served from the page cache's bytes, with an
  // ETag, and dropped with its entity's pages when the review (or any review of that entity) changes.
  getReview: async (deps, req) => {
    const { reviewId } = req.params;
    const returnPrivate = req.query.returnPrivateReviews === 'true';
    const cache = deps.pageCache;
    const now = deps.clock();
    const key = cache ? reviews.sharedReview(req.principal, reviewId, returnPrivate, now) : null;
    if (!cache || !key) return { review: await reviews.getReview(deps, req.principal, reviewId, returnPrivate) };
    const { request, reply } = req.http;
    const siteId = req.principal.siteId;
    const page = await cache.read('review', key, async () => {
      // Rendered at the instant the key's day was read from, with the route's own serializer.
      const review = await reviews.getReview({ ...deps, clock: () => now }, req.principal, reviewId, false);
      return { body: serialized(reply, { review }), siteId, entityId: review.entityId };
    });
    return sendPage(request, reply, page, 'application/json; charset=utf-8', PRIVATE_CACHING);
  },
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
