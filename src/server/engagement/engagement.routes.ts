/**
 * Verdict's engagement and data-care API under `/verdict/v1` (docs/engagement.md): helpfulness votes and abuse
 * reports (visitors and members), reports admin, trash and restore, GDPR erase/export of a contact, engagement
 * settings. Votes and reports are rate-limited per voter by an in-process token bucket (per instance).
 */
import { Type } from 'typebox';
import {
  CastVoteRequest,
  CastVoteResponse,
  ContactExport,
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
  ReviewResponse,
  TrashQuery,
  TrashResponse,
} from '../../contract/index.ts';
import type { Principal } from '../auth/principal.ts';
import { AppError } from '../errors.ts';
import type { AppDeps } from '../http/app-deps.ts';
import { type RouteDef, route } from '../http/route.ts';
import { eraseContact, exportContact } from './privacy.service.ts';
import { createRateLimiter, type RateLimiter } from './rate-limit.ts';
import {
  dismissReviewReports,
  getEngagementSettings,
  listReviewReports,
  reportReview,
  updateEngagementSettings,
} from './reports.service.ts';
import { listTrash, restoreReview } from './trash.service.ts';
import { actorId, castVote } from './votes.service.ts';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 429: ErrorBody };

const ReviewIdParams = Type.Object({ reviewId: Type.String({ minLength: 1, maxLength: 100 }) });
const ContactIdParams = Type.Object({ contactId: Type.String({ minLength: 1, maxLength: 100 }) });

/** Per-voter limits: a burst of 30 votes then one every 2 s; a burst of 10 reports then one a minute. */
export const VOTE_BUCKET = { capacity: 30, refillPerSecond: 0.5 } as const;
export const REPORT_BUCKET = { capacity: 10, refillPerSecond: 1 / 60 } as const;

/** The limiters of one app instance (keyed by its deps, so each app, and each test app, has its own). */
const limiters = new WeakMap<AppDeps, { votes: RateLimiter; reports: RateLimiter }>();

function limit(deps: AppDeps, p: Principal, which: 'votes' | 'reports'): void {
  let l = limiters.get(deps);
  if (!l) {
    l = { votes: createRateLimiter(VOTE_BUCKET, deps.clock), reports: createRateLimiter(REPORT_BUCKET, deps.clock) };
    limiters.set(deps, l);
  }
  const taken = l[which].take(`${p.siteId}\u0000${actorId(p)}`);
  if (!taken.ok) {
    throw new AppError('rate_limited', 'TOO_MANY_REQUESTS', `Too many ${which}; try again later`, {
      data: { retryAfterSeconds: taken.retryAfterSeconds },
      headers: { 'Retry-After': String(taken.retryAfterSeconds) },
    });
  }
}

export const engagementRoutes: RouteDef[] = [
  route({
    operation: 'castVote',
    method: 'POST',
    path: '/reviews/:reviewId/votes',
    summary: 'Vote a published review helpful or unhelpful (NONE withdraws); one vote per visitor or member',
    schema: { params: ReviewIdParams, body: CastVoteRequest, response: { 200: CastVoteResponse, ...errors } },
    handler: async (deps, req) => {
      limit(deps, req.principal, 'votes');
      return castVote(deps, req.principal, req.params.reviewId, req.body.vote);
    },
  }),
  route({
    operation: 'reportReview',
    method: 'POST',
    path: '/reviews/:reviewId/reports',
    summary: 'Report a published review (once per visitor or member); at the threshold it returns to moderation',
    schema: { params: ReviewIdParams, body: ReportReviewRequest, response: { 200: ReportReviewResponse, ...errors } },
    handler: async (deps, req) => {
      limit(deps, req.principal, 'reports');
      return { report: await reportReview(deps, req.principal, req.params.reviewId, req.body) };
    },
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
    schema: { params: ContactIdParams, response: { 200: EraseContactResponse, ...errors } },
    handler: (deps, req) => eraseContact(deps, req.principal, req.params.contactId),
  }),
  route({
    operation: 'exportContact',
    method: 'GET',
    path: '/contacts/:contactId/export',
    summary: 'GDPR: everything held about a contact, as JSON',
    schema: { params: ContactIdParams, response: { 200: ContactExport, ...errors } },
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
