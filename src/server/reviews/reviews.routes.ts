/**
 * The Wix Reviews REST operations. Each route names its operation (checked by the auth hook against the
 * permission matrix), validates with the contract schemas, and hands over to one service function.
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
  ErrorBody,
  JobIdResponse,
  QueryReviewsRequest,
  QueryReviewsResponse,
  ReviewIdParams,
  ReviewResponse,
  SetReplyRequest,
  UpdateModerationStatusRequest,
  UpdateReviewContentRequest,
  UpdateReviewRequest,
} from '../../contract/index.ts';
import { type RouteDef, route } from '../http/route.ts';
import { enqueueBulkJob } from '../jobs/jobs.service.ts';
import { countReviews, queryReviews } from '../query/query.service.ts';
import * as reviews from './reviews.service.ts';

const GetQuery = Type.Object({
  reviewId: Type.Optional(Type.String()),
  returnPrivateReviews: Type.Optional(Type.Union([Type.Literal('true'), Type.Literal('false')])),
});
const DeleteQuery = Type.Object({ reviewId: Type.Optional(Type.String()) });
const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };
/** The errors of a rate-limited route: also 429 TOO_MANY_REQUESTS. */
const limited = { ...errors, 429: ErrorBody };

export const reviewRoutes: RouteDef[] = [
  route({
    operation: 'createReview',
    method: 'POST',
    path: '/reviews',
    summary: 'Create a review',
    rateLimit: 'creates',
    schema: { body: CreateReviewRequest, response: { 200: ReviewResponse, ...limited } },
    handler: async (deps, req) => ({ review: await reviews.createReview(deps, req.principal, req.body.review) }),
  }),
  route({
    operation: 'createReviewAndContact',
    method: 'POST',
    path: '/reviews/contact',
    summary: 'Create a review and its author contact (legacy)',
    rateLimit: 'creates',
    schema: { body: CreateReviewAndContactRequest, response: { 200: ReviewResponse, ...limited } },
    handler: async (deps, req) => ({ review: await reviews.createReviewAndContact(deps, req.principal, req.body) }),
  }),
  route({
    operation: 'queryReviews',
    method: 'POST',
    path: '/reviews/query',
    summary: 'Query reviews',
    bodyLimit: 64 * 1024,
    schema: { body: QueryReviewsRequest, response: { 200: QueryReviewsResponse, ...errors } },
    handler: (deps, req) => queryReviews(deps, req.principal, req.body),
  }),
  route({
    operation: 'countReviews',
    method: 'POST',
    path: '/reviews/count',
    summary: 'Count reviews',
    bodyLimit: 64 * 1024,
    schema: { body: CountReviewsRequest, response: { 200: Type.Object({ count: Type.Integer() }), ...errors } },
    handler: async (deps, req) => ({
      count: await countReviews(
        deps,
        req.principal,
        req.body.filter,
        req.body.includePrivateReviews === true,
        req.body.search,
      ),
    }),
  }),
  route({
    operation: 'getReview',
    method: 'GET',
    path: '/reviews/:reviewId',
    summary: 'Get a review',
    schema: { params: ReviewIdParams, querystring: GetQuery, response: { 200: ReviewResponse, ...errors } },
    handler: async (deps, req) => ({
      review: await reviews.getReview(
        deps,
        req.principal,
        req.params.reviewId,
        req.query.returnPrivateReviews === 'true',
      ),
    }),
  }),
  route({
    operation: 'updateReview',
    method: 'PATCH',
    path: '/reviews/:reviewId',
    summary: 'Update a review (PATCH; revision required)',
    schema: { params: ReviewIdParams, body: UpdateReviewRequest, response: { 200: ReviewResponse, ...errors } },
    handler: async (deps, req) => ({
      review: await reviews.updateReview(deps, req.principal, req.params.reviewId, req.body.review, req.body.fieldMask),
    }),
  }),
  route({
    operation: 'updateReviewContent',
    method: 'PUT',
    path: '/reviews/content/:reviewId',
    summary: "Update a review's content (legacy)",
    schema: { params: ReviewIdParams, body: UpdateReviewContentRequest, response: { 200: ReviewResponse, ...errors } },
    handler: async (deps, req) => ({
      review: await reviews.updateReviewContent(
        deps,
        req.principal,
        req.params.reviewId,
        req.body.content,
        req.body.fieldMask,
      ),
    }),
  }),
  route({
    operation: 'deleteReview',
    method: 'DELETE',
    path: '/reviews/:reviewId',
    summary: 'Delete a review (soft delete)',
    schema: { params: ReviewIdParams, querystring: DeleteQuery, response: { 200: ReviewResponse, ...errors } },
    handler: async (deps, req) => ({ review: await reviews.deleteReview(deps, req.principal, req.params.reviewId) }),
  }),
  route({
    operation: 'setReply',
    method: 'PATCH',
    path: '/reviews/:reviewId/reply',
    summary: 'Set the owner reply',
    schema: { params: ReviewIdParams, body: SetReplyRequest, response: { 200: ReviewResponse, ...errors } },
    handler: async (deps, req) => ({
      review: await reviews.setReply(deps, req.principal, req.params.reviewId, req.body.message),
    }),
  }),
  route({
    operation: 'removeReply',
    method: 'DELETE',
    path: '/reviews/:reviewId/reply',
    summary: 'Remove the owner reply',
    schema: { params: ReviewIdParams, querystring: DeleteQuery, response: { 200: ReviewResponse, ...errors } },
    handler: async (deps, req) => ({ review: await reviews.removeReply(deps, req.principal, req.params.reviewId) }),
  }),
  route({
    operation: 'updateModerationStatus',
    method: 'PATCH',
    path: '/reviews/:reviewId/moderate',
    summary: 'Approve or reject a review',
    schema: { params: ReviewIdParams, body: UpdateModerationStatusRequest, response: { 200: ReviewResponse, ...errors } },
    handler: async (deps, req) => ({
      review: await reviews.updateModerationStatus(deps, req.principal, req.params.reviewId, req.body.status),
    }),
  }),
  route({
    operation: 'bulkCreateReview',
    method: 'POST',
    path: '/bulk/reviews/create',
    summary: 'Create up to 100 reviews',
    bulk: true,
    rateLimit: 'creates',
    schema: { body: BulkCreateReviewRequest, response: { 200: BulkCreateReviewResponse, ...limited } },
    handler: (deps, req) => reviews.bulkCreateReview(deps, req.principal, req.body.reviews, req.body.returnEntity === true),
  }),
  route({
    operation: 'bulkDeleteReviews',
    method: 'POST',
    path: '/bulk/reviews/delete',
    summary: 'Delete every review matching a filter (async job)',
    schema: { body: BulkFilterRequest, response: { 200: JobIdResponse, ...errors } },
    handler: async (deps, req) => ({
      jobId: await enqueueBulkJob(deps, req.principal, 'BULK_DELETE_REVIEWS', { filter: req.body.filter }),
    }),
  }),
  route({
    operation: 'bulkUpdateModerationStatus',
    method: 'POST',
    path: '/bulk/reviews/moderate',
    summary: 'Set the moderation status of every review matching a filter (async job)',
    schema: { body: BulkModerateRequest, response: { 200: JobIdResponse, ...errors } },
    handler: async (deps, req) => ({
      jobId: await enqueueBulkJob(deps, req.principal, 'BULK_MODERATE_REVIEWS', {
        filter: req.body.filter,
        status: req.body.status,
      }),
    }),
  }),
];
