/**
 * Verdict's own operations beside the Wix API: job status, rating summaries, member tokens, site settings.
 * Mounted under `/verdict/v1`.
 */
import { Type } from 'typebox';
import {
  EventFeedQuery,
  EventFeedResponse,
  BatchRatingSummariesRequest,
  BatchRatingSummariesResponse,
  EntityId,
  ErrorBody,
  Job,
  JobIdParams,
  MemberTokenRequest,
  MemberTokenResponse,
  Namespace,
  RatingSummaryResponse,
  SiteSettings,
  SiteSettingsResponse,
} from '../../contract/index.ts';
import { getJob } from '../jobs/jobs.service.ts';
import { readEvents } from '../outbox/events-feed.service.ts';
import { getSiteSettings, updateSiteSettings } from '../sites/sites.service.ts';
import { batchRatingSummaries, getRatingSummary } from '../summaries/summaries.service.ts';
import { type RouteDef, route } from './route.ts';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };

export const verdictRoutes: RouteDef[] = [
  route({
    operation: 'readEvents',
    method: 'GET',
    path: '/events',
    summary: 'Domain events after a position (replay, backfill, SDK event handlers); optional long-poll',
    schema: { querystring: EventFeedQuery, response: { 200: EventFeedResponse, ...errors, 410: ErrorBody } },
    handler: (deps, req) =>
      readEvents(deps, req.principal.siteId, {
        after: req.query.after,
        limit: req.query.limit ? Number(req.query.limit) : undefined,
        waitSeconds: req.query.waitSeconds ? Number(req.query.waitSeconds) : undefined,
        ...(deps.shutdown ? { signal: deps.shutdown } : {}),
      }),
  }),
  route({
    operation: 'getJob',
    method: 'GET',
    path: '/jobs/:jobId',
    summary: 'Status of a bulk job',
    schema: {
      params: JobIdParams,
      response: { 200: Type.Object({ job: Job }), ...errors },
    },
    handler: async (deps, req) => ({ job: await getJob(deps, req.principal, req.params.jobId) }),
  }),
  route({
    operation: 'getRatingSummary',
    method: 'GET',
    path: '/ratings/summary',
    summary: 'Rating summary (count, average, histogram) of one entity',
    schema: {
      querystring: Type.Object({ namespace: Namespace, entityId: EntityId }),
      response: { 200: RatingSummaryResponse, ...errors },
    },
    handler: async (deps, req) => ({
      summary: await getRatingSummary(deps, req.principal.siteId, req.query.namespace, req.query.entityId),
    }),
  }),
  route({
    operation: 'batchRatingSummaries',
    method: 'POST',
    path: '/ratings/summaries',
    summary: 'Rating summaries of up to 100 entities',
    schema: { body: BatchRatingSummariesRequest, response: { 200: BatchRatingSummariesResponse, ...errors } },
    handler: async (deps, req) => ({
      summaries: await batchRatingSummaries(deps, req.principal.siteId, req.body.namespace, req.body.entityIds),
    }),
  }),
  route({
    operation: 'createMemberToken',
    method: 'POST',
    path: '/members/tokens',
    summary: 'Mint a short-lived token for a logged-in member (owner only)',
    schema: { body: MemberTokenRequest, response: { 200: MemberTokenResponse, ...errors } },
    handler: async (deps, req) => {
      const ttl = req.body.ttlSeconds ?? 3600;
      return {
        accessToken: await deps.auth.mintMemberToken(req.principal.siteId, req.body.contactId, ttl),
        expiresIn: ttl,
      };
    },
  }),
  route({
    operation: 'getSiteSettings',
    method: 'GET',
    path: '/site/settings',
    summary: "The site's moderation setting",
    schema: { response: { 200: SiteSettingsResponse, ...errors } },
    handler: async (deps, req) => ({ settings: await getSiteSettings(deps, req.principal.siteId) }),
  }),
  route({
    operation: 'updateSiteSettings',
    method: 'PUT',
    path: '/site/settings',
    summary: "Replace the site's moderation setting",
    schema: { body: Type.Object({ settings: SiteSettings }), response: { 200: SiteSettingsResponse, ...errors } },
    handler: async (deps, req) => ({ settings: await updateSiteSettings(deps, req.principal.siteId, req.body.settings) }),
  }),
];
