/**
 * Verdict's own operations beside the Wix API, under `/verdict/v1`: bulk job status, the event feed, rating
 * summaries, member tokens and the site's moderation setting; and the Prometheus metrics scrape.
 */
import { Type } from 'typebox';
import { MemberTokenRequest, MemberTokenResponse, SiteSettings, SiteSettingsResponse } from '../auth.ts';
import { EventFeedQuery, EventFeedResponse } from '../events.ts';
import { EntityId, Job, JobIdParams, Namespace } from '../review.ts';
import { BatchRatingSummariesRequest, BatchRatingSummariesResponse, RatingSummaryResponse } from '../summaries.ts';
import { type Operation, OWNER, READ } from './define.ts';
import * as routes from './routes.ts';

export const JobResponse = Type.Object({ job: Job });
export const RatingSummaryQuery = Type.Object({ namespace: Namespace, entityId: EntityId });
export const UpdateSiteSettingsRequest = Type.Object({ settings: SiteSettings });
export const MetricsText = Type.String({
  description: 'Prometheus text exposition: process-wide counts, no site ids or content (README, Metrics).',
});

const tag = 'verdict';

export const verdictOperations = {
  readEvents: {
    ...routes.readEvents,
    summary: 'Domain events after a position (replay, backfill, SDK event handlers); optional long-poll',
    tag,
    // Events carry unpublished reviews too (Wix: REVIEWS.READ_PRIVATE_REVIEWS).
    access: { visitor: false, member: false, appScopes: ['reviews.read_private', 'reviews.manage'], moderator: true },
    query: EventFeedQuery,
    response: EventFeedResponse,
    errors: ['FEED_POSITION_EXPIRED'],
  },
  getJob: {
    ...routes.getJob,
    summary: 'Status of a bulk job',
    tag,
    // A moderator reads only the jobs it started (jobs.service.ts).
    access: { visitor: false, member: false, appScopes: ['reviews.manage', 'reviews.moderate'], moderator: true },
    params: JobIdParams,
    response: JobResponse,
    errors: ['JOB_NOT_FOUND'],
  },
  getRatingSummary: {
    ...routes.getRatingSummary,
    summary: 'Rating summary (count, average, histogram) of one entity',
    tag,
    access: READ,
    query: RatingSummaryQuery,
    response: RatingSummaryResponse,
    errors: [],
  },
  batchRatingSummaries: {
    ...routes.batchRatingSummaries,
    summary: 'Rating summaries of up to 100 entities',
    tag,
    access: READ,
    body: BatchRatingSummariesRequest,
    response: BatchRatingSummariesResponse,
    errors: [],
  },
  createMemberToken: {
    ...routes.createMemberToken,
    summary: 'Mint a short-lived token for a logged-in member (owner only)',
    tag,
    access: OWNER,
    body: MemberTokenRequest,
    response: MemberTokenResponse,
    errors: ['SITE_NOT_FOUND'],
  },
  getSiteSettings: {
    ...routes.getSiteSettings,
    summary: "The site's moderation setting",
    tag,
    access: OWNER,
    response: SiteSettingsResponse,
    errors: ['SITE_NOT_FOUND'],
  },
  updateSiteSettings: {
    ...routes.updateSiteSettings,
    summary: "Replace the site's moderation setting",
    tag,
    access: OWNER,
    body: UpdateSiteSettingsRequest,
    response: SiteSettingsResponse,
    errors: ['SITE_NOT_FOUND'],
  },
  readMetrics: {
    ...routes.readMetrics,
    summary: 'Prometheus metrics of this instance (served here only when METRICS_PORT is not set)',
    tag: 'operations',
    // Process-wide counts without site ids or content: any site's owner may scrape them.
    access: OWNER,
    response: MetricsText,
    produces: 'text/plain',
    errors: [],
  },
} as const satisfies Record<string, Operation>;
