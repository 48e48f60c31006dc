/**
 * Abuse reports (docs/product.md §4): a visitor or member reports a published review once; when the review's open
 * reports reach the site's threshold (default 3), weighed so that cheap visitor identities cannot get there alone
 * (a member's report weighs 1; visitors minted from one network on one day count once, at ½; docs/engagement.md),
 * it goes back to IN_MODERATION with reason `REPORTED`, through the
 * reviews service's mutation (revision + 1, `updated` + `moderation_status_changed` events, an audit entry, summary
 * delta, all in one transaction). The owner lists a review's reports and dismisses them.
 */
import { randomUUID } from 'node:crypto';
import { UNKNOWN_IDENTITY } from '../../contract/events.ts';
import {
  type AbuseReport,
  ENGAGEMENT_LIMITS,
  type EngagementSettings,
  type ListReportsResponse,
  type ReportReviewRequest,
} from '../../contract/index.ts';
import type { Principal } from '../auth/principal.ts';
import type { ReviewReportRow } from '../db/schema.ts';
import { type DbDeps, iso } from '../deps.ts';
import { AppError, isUniqueViolation, notFound } from '../errors.ts';
import { auditActor } from '../moderation/moderation.service.ts';
import { reviewsRepo } from '../reviews/reviews.repo.ts';
import { mutateReview, type ReviewsDeps } from '../reviews/reviews.service.ts';
import { engagementRepo } from './engagement.repo.ts';
import { isReviewId, reachesReportThreshold } from './engagement.rules.ts';
import { actorId } from './votes.service.ts';

/** The audit reason of a review sent back to moderation by reports. */
export const REPORTED = 'REPORTED';

function toReport(row: ReviewReportRow): AbuseReport {
  return {
    id: row.id,
    reviewId: row.review_id,
    reason: row.reason as AbuseReport['reason'],
    ...(row.text !== null ? { text: row.text } : {}),
    status: row.status,
    reporterKind: row.reporter_kind as AbuseReport['reporterKind'],
    createdDate: row.created_at,
    ...(row.dismissed_at !== null ? { dismissedDate: row.dismissed_at } : {}),
  };
}

/** The site's engagement settings (defaults until saved). */
export async function getEngagementSettings(deps: Pick<DbDeps, 'db'>, siteId: string): Promise<EngagementSettings> {
  const threshold = await engagementRepo.reportThreshold(deps.db, siteId);
  return { reportThreshold: threshold ?? ENGAGEMENT_LIMITS.defaultReportThreshold };
}

/** Replaces the site's engagement settings; applies to the next report (reports already open are not re-counted). */
export async function updateEngagementSettings(
  deps: DbDeps,
  siteId: string,
  settings: EngagementSettings,
): Promise<EngagementSettings> {
  await engagementRepo.saveReportThreshold(deps.db, siteId, settings.reportThreshold, iso(deps.clock()));
  return settings;
}

/**
 * reportReview: files the caller's report on a published review (404 otherwise); a second report by the same
 * caller → 409 REPORT_ALREADY_EXISTS. Then, if the open reports reach the threshold and the review is still
 * published, it is held. The hold re-counts on every report, so a crash between the two steps is repaired by the
 * next report.
 */
export async function reportReview(
  deps: ReviewsDeps,
  p: Principal,
  reviewId: string,
  input: ReportReviewRequest,
): Promise<AbuseReport> {
  if (!isReviewId(reviewId)) throw notFound();
  const reporter = actorId(p);
  const review = await reviewsRepo.live(deps.db, p.siteId, reviewId);
  if (review?.moderation_status !== 'APPROVED') throw notFound();
  const row: ReviewReportRow = {
    site_id: p.siteId,
    id: randomUUID(),
    review_id: reviewId,
    reporter_id: reporter,
    reporter_kind: p.kind,
    reporter_mint_mark: p.kind === 'VISITOR' ? (p.mintMark ?? null) : null,
    review_author_id: review.contact_id,
    reason: input.reason,
    text: input.text ?? null,
    status: 'OPEN',
    created_at: iso(deps.clock()),
    dismissed_at: null,
  };
  try {
    await engagementRepo.insertReport(deps.db, row);
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    throw new AppError('conflict', 'REPORT_ALREADY_EXISTS', 'You have already reported this review');
  }
  await holdIfReported(deps, p, reviewId);
  return toReport(row);
}

class NothingToDo extends Error {}

/**
 * Sends a published review back to IN_MODERATION when the weight of its open reports reaches the site threshold
 * (`reachesReportThreshold`). The audit entry
 * names the reporter whose report crossed the threshold (erasing that contact anonymizes it).
 */
async function holdIfReported(deps: ReviewsDeps, p: Principal, reviewId: string): Promise<void> {
  const siteId = p.siteId;
  const [weight, settings] = await Promise.all([
    engagementRepo.openReportWeight(deps.db, siteId, reviewId),
    getEngagementSettings(deps, siteId),
  ]);
  if (!reachesReportThreshold(weight, settings.reportThreshold)) return;
  try {
    // Verdict's own work (the reporter did not decide it): its events carry the UNKNOWN identity.
    await mutateReview(deps, siteId, UNKNOWN_IDENTITY, reviewId, undefined, (row, now) => {
      // Another report (or the owner) got there first: nothing left to do.
      if (row.moderation_status !== 'APPROVED') throw new NothingToDo();
      return {
        patch: { moderation_status: 'IN_MODERATION', manually_changed: 0, updated_at: now },
        bumpRevision: true,
        events: [{ slug: 'updated' }, { slug: 'moderation_status_changed', previous: 'APPROVED' }],
        audit: { actor: auditActor(p), from: 'APPROVED', to: 'IN_MODERATION', reason: REPORTED },
      };
    });
  } catch (err) {
    // Gone meanwhile, or already held: the report stands either way.
    if (err instanceof NothingToDo || (err instanceof AppError && err.code === 'REVIEW_NOT_FOUND')) return;
    throw err;
  }
}

/** listReviewReports: a live review's reports (any status, or one), oldest first. */
export async function listReviewReports(
  deps: Pick<DbDeps, 'db'>,
  siteId: string,
  reviewId: string,
  status: 'OPEN' | 'DISMISSED' | undefined,
  limit: number,
): Promise<ListReportsResponse> {
  if (!isReviewId(reviewId) || !(await reviewsRepo.live(deps.db, siteId, reviewId))) throw notFound();
  const [rows, openCount] = await Promise.all([
    engagementRepo.reportsOfReview(deps.db, siteId, reviewId, status, limit),
    engagementRepo.openReportCount(deps.db, siteId, reviewId),
  ]);
  return { reports: rows.map(toReport), metadata: { count: rows.length, openCount } };
}

/**
 * dismissReviewReports: marks every open report of a live review DISMISSED (they stop counting toward the
 * threshold and the author's open reports). The review's status is left to the moderator.
 */
export async function dismissReviewReports(deps: DbDeps, siteId: string, reviewId: string): Promise<number> {
  if (!isReviewId(reviewId) || !(await reviewsRepo.live(deps.db, siteId, reviewId))) throw notFound();
  return engagementRepo.dismissReports(deps.db, siteId, reviewId, iso(deps.clock()));
}
