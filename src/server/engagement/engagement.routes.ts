/**
 * Verdict's engagement and data-care API under `/verdict/v1` (docs/engagement.md): helpfulness votes and abuse
 * reports (visitors and members), reports admin, trash and restore, GDPR erase/export of a contact, engagement
 * settings. Votes and reports are rate-limited per client network and per site by the route table's limit hook.
 */
import { Type } from 'typebox';
import {
  CastVoteRequest,
  CastVoteResponse,
  ContactExport,
  DataSubjectParams,
  DismissReportsResponse,
  ENGAGEMENT_LIMITS,
  EngagementSettings,
  EngagementSettingsResponse,
  EraseContactResponse,
  ErrorBody,
  ListReportsQuery,
  ListReportsResponse,
  ReportReviewRequest,
  ReportReviewResponse,
  ReviewIdParams,
  ReviewResponse,
  TrashQuery,
  TrashResponse,
} from '../../contract/index.ts';
import { type RouteDef, route } from '../http/route.ts';
import { eraseContact, exportContact } from './privacy.service.ts';
import {
  dismissReviewReports,
  getEngagementSettings,
  listReviewReports,
  reportReview,
  updateEngagementSettings,
} from './reports.service.ts';
import { listTrash, restoreReview } from './trash.service.ts';
import { castVote } from './votes.service.ts';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 429: ErrorBody };


export const engagementRoutes: RouteDef[] = [
  route({
    operation: 'castVote',
    method: 'POST',
    path: '/reviews/:reviewId/votes',
    summary: 'Vote a published review helpful or unhelpful (NONE withdraws); one vote per visitor or member',
    schema: { params: ReviewIdParams, body: CastVoteRequest, response: { 200: CastVoteResponse, ...errors } },
    rateLimit: 'votes',
    handler: (deps, req) => castVote(deps, req.principal, req.params.reviewId, req.body.vote),
  }),
  route({
    operation: 'reportReview',
    method: 'POST',
    path: '/reviews/:reviewId/reports',
    summary: 'Report a published review (once per visitor or member); at the threshold it returns to moderation',
    schema: { params: ReviewIdParams, body: ReportReviewRequest, response: { 200: ReportReviewResponse, ...errors } },
    rateLimit: 'reports',
    handler: async (deps, req) => ({ report: await reportReview(deps, req.principal, req.params.reviewId, req.body) }),
  }),
  route({
    operation: 'listReviewReports',
    method: 'GET',
    path: '/reviews/:reviewId/reports',
    summary: "A review's abuse reports, oldest first (reporter ids are never shown)",
    schema: {
      params: ReviewIdParams,
      querystring: ListReportsQuery,
      response: { 200: ListReportsResponse, ...errors },
    },
    handler: (deps, req) =>
      listReviewReports(
        deps,
        req.principal.siteId,
        req.params.reviewId,
        req.query.status,
        req.query.limit !== undefined ? Number(req.query.limit) : ENGAGEMENT_LIMITS.reportsDefaultLimit,
      ),
  }),
  route({
    operation: 'dismissReviewReports',
    method: 'POST',
    path: '/reviews/:reviewId/reports/dismiss',
    summary: "Dismiss a review's open reports (they stop counting toward the threshold)",
    schema: { params: ReviewIdParams, response: { 200: DismissReportsResponse, ...errors } },
    handler: async (deps, req) => ({
      dismissed: await dismissReviewReports(deps, req.principal.siteId, req.params.reviewId),
    }),
  }),
  route({
    operation: 'listTrash',
    method: 'GET',
    path: '/trash',
    summary: 'Deleted reviews, most recently deleted first, with their purge dates (cursor paged)',
    schema: { querystring: TrashQuery, response: { 200: TrashResponse, ...errors } },
    handler: (deps, req) => listTrash(deps, req.principal.siteId, req.query, deps.config.trashRetentionDays),
  }),
  route({
    operation: 'restoreReview',
    method: 'POST',
    path: '/reviews/:reviewId/restore',
    summary: 'Restore a deleted review (409 if the author has a new review of the entity)',
    schema: { params: ReviewIdParams, response: { 200: ReviewResponse, ...errors } },
    handler: async (deps, req) => ({ review: await restoreReview(deps, req.principal, req.params.reviewId) }),
  }),
  route({
    operation: 'eraseContact',
    method: 'POST',
    path: '/contacts/:contactId/erase',
    summary: 'GDPR: erase a contact with its reviews, votes and reports at once',
    schema: { params: DataSubjectParams, response: { 200: EraseContactResponse, ...errors } },
    handler: (deps, req) => eraseContact(deps, req.principal, req.params.contactId),
  }),
  route({
    operation: 'exportContact',
    method: 'GET',
    path: '/contacts/:contactId/export',
    summary: 'GDPR: everything held about a contact, as JSON',
    schema: { params: DataSubjectParams, response: { 200: ContactExport, ...errors } },
    handler: (deps, req) => exportContact(deps, req.principal, req.params.contactId, deps.config.trashRetentionDays),
  }),
  route({
    operation: 'getEngagementSettings',
    method: 'GET',
    path: '/engagement/settings',
    summary: "The site's engagement settings (report threshold)",
    schema: { response: { 200: EngagementSettingsResponse, ...errors } },
    handler: async (deps, req) => ({ settings: await getEngagementSettings(deps, req.principal.siteId) }),
  }),
  route({
    operation: 'updateEngagementSettings',
    method: 'PUT',
    path: '/engagement/settings',
    summary: "Replace the site's engagement settings",
    schema: {
      body: Type.Object({ settings: EngagementSettings }, { additionalProperties: false }),
      response: { 200: EngagementSettingsResponse, ...errors },
    },
    handler: async (deps, req) => ({
      settings: await updateEngagementSettings(deps, req.principal.siteId, req.body.settings),
    }),
  }),
];
