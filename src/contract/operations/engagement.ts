/**
 * Verdict's engagement and data-care operations under `/verdict/v1` (docs/engagement.md): helpfulness votes and
 * abuse reports (visitors and members), reports admin, trash and restore, GDPR erase/export of a contact, and the
 * engagement settings.
 */
import { Type } from 'typebox';
import {
  CastVoteRequest,
  CastVoteResponse,
  ContactExport,
  DataSubjectParams,
  DismissReportsResponse,
  EngagementSettings,
  EngagementSettingsResponse,
  EraseContactResponse,
  ListReportsQuery,
  ListReportsResponse,
  ReportReviewRequest,
  ReportReviewResponse,
  TrashQuery,
  TrashResponse,
} from '../engagement.ts';
import { ReviewIdParams, ReviewResponse } from '../review.ts';
import { CURATE, MODERATE, type Operation, OWNER, SHOPPER } from './define.ts';
import * as routes from './routes.ts';

export const UpdateEngagementSettingsRequest = Type.Object(
  { settings: EngagementSettings },
  { additionalProperties: false },
);

const tag = 'engagement';

export const engagementOperations = {
  castVote: {
    ...routes.castVote,
    summary: 'Vote a published review helpful or unhelpful (NONE withdraws); one vote per visitor or member',
    tag,
    access: SHOPPER,
    params: ReviewIdParams,
    body: CastVoteRequest,
    response: CastVoteResponse,
    errors: ['REVIEW_NOT_FOUND', 'REVISION_MISMATCH'],
    rateLimit: 'votes',
  },
  reportReview: {
    ...routes.reportReview,
    summary: 'Report a published review (once per visitor or member); at the threshold it returns to moderation',
    tag,
    access: SHOPPER,
    params: ReviewIdParams,
    body: ReportReviewRequest,
    response: ReportReviewResponse,
    errors: ['REVIEW_NOT_FOUND', 'REPORT_ALREADY_EXISTS'],
    rateLimit: 'reports',
  },
  listReviewReports: {
    ...routes.listReviewReports,
    summary: "A review's abuse reports, oldest first (reporter ids are never shown)",
    tag,
    // Reports are moderation material.
    access: MODERATE,
    params: ReviewIdParams,
    query: ListReportsQuery,
    response: ListReportsResponse,
    errors: ['REVIEW_NOT_FOUND'],
  },
  dismissReviewReports: {
    ...routes.dismissReviewReports,
    summary: "Dismiss a review's open reports (they stop counting toward the threshold)",
    tag,
    access: MODERATE,
    params: ReviewIdParams,
    response: DismissReportsResponse,
    errors: ['REVIEW_NOT_FOUND'],
  },
  listTrash: {
    ...routes.listTrash,
    summary: 'Deleted reviews, most recently deleted first, with their purge dates (cursor paged)',
    tag,
    access: CURATE,
    query: TrashQuery,
    response: TrashResponse,
    errors: [],
  },
  restoreReview: {
    ...routes.restoreReview,
    summary: 'Restore a deleted review (409 if the author has a new review of the entity)',
    tag,
    // The reverse of deleteReview.
    access: CURATE,
    params: ReviewIdParams,
    response: ReviewResponse,
    errors: ['REVIEW_NOT_FOUND', 'REVIEW_ALREADY_EXISTS', 'REVISION_MISMATCH'],
  },
  eraseContact: {
    ...routes.eraseContact,
    summary: 'GDPR: erase a contact with its reviews, votes and reports at once',
    tag,
    // Personal data of one person: the owner only.
    access: OWNER,
    params: DataSubjectParams,
    response: EraseContactResponse,
    errors: ['CONTACT_NOT_FOUND'],
  },
  exportContact: {
    ...routes.exportContact,
    summary: 'GDPR: everything held about a contact, as JSON',
    tag,
    access: OWNER,
    params: DataSubjectParams,
    response: ContactExport,
    errors: ['CONTACT_NOT_FOUND'],
  },
  getEngagementSettings: {
    ...routes.getEngagementSettings,
    summary: "The site's engagement settings (report threshold)",
    tag,
    access: OWNER,
    response: EngagementSettingsResponse,
    errors: [],
  },
  updateEngagementSettings: {
    ...routes.updateEngagementSettings,
    summary: "Replace the site's engagement settings",
    tag,
    access: OWNER,
    body: UpdateEngagementSettingsRequest,
    response: EngagementSettingsResponse,
    errors: [],
  },
} as const satisfies Record<string, Operation>;
