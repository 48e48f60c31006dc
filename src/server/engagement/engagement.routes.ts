/**
 * Handlers of Verdict's engagement and data-care operations (catalogue: `src/contract/operations/engagement.ts`,
 * docs/engagement.md): votes and reports, reports admin, trash and restore, GDPR erase/export, engagement settings.
 */
import { ENGAGEMENT_LIMITS } from '../../contract/index.ts';
import type { Handlers } from '../http/route.ts';
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

export const engagementHandlers = {
  castVote: (deps, req) => castVote(deps, req.principal, req.params.reviewId, req.body.vote),
  reportReview: async (deps, req) => ({
    report: await reportReview(deps, req.principal, req.params.reviewId, req.body),
  }),
  listReviewReports: (deps, req) =>
    listReviewReports(
      deps,
      req.principal.siteId,
      req.params.reviewId,
      req.query.status,
      req.query.limit !== undefined ? Number(req.query.limit) : ENGAGEMENT_LIMITS.reportsDefaultLimit,
    ),
  dismissReviewReports: async (deps, req) => ({
    dismissed: await dismissReviewReports(deps, req.principal.siteId, req.params.reviewId),
  }),
  listTrash: (deps, req) => listTrash(deps, req.principal.siteId, req.query, deps.config.trashRetentionDays),
  restoreReview: async (deps, req) => ({ review: await restoreReview(deps, req.principal, req.params.reviewId) }),
  eraseContact: (deps, req) => eraseContact(deps, req.principal, req.params.contactId),
  exportContact: (deps, req) =>
    exportContact(deps, req.principal, req.params.contactId, deps.config.trashRetentionDays),
  getEngagementSettings: async (deps, req) => ({ settings: await getEngagementSettings(deps, req.principal.siteId) }),
  updateEngagementSettings: async (deps, req) => ({
    settings: await updateEngagementSettings(deps, req.principal.siteId, req.body.settings),
  }),
} satisfies Partial<Handlers>;
