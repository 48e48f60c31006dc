/**
 * Abuse reports (docs/product.md §4): a visitor or member reports a published review once; when the review's open
 * reports reach the site's threshold (default 3), weighed so that cheap visitor identities cannot get there alone
 * (a member's report weighs 1; visitors minted from one network on one day count once, at ½; docs/engagement.md),
 * it goes back to IN_MODERATION with reason `REPORTED` (revision + 1, `updated` + `moderation_status_changed`
 * events, an audit entry, summary delta), in the unit of work that files the report. The owner lists a review's
 * reports and dismisses them.
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
import type { ReviewReportRow, ReviewRow } from '../db/schema.ts';
import { type DbDeps, iso } from '../deps.ts';
import { AppError, isUniqueViolation, notFound } from '../errors.ts';
import { auditActor } from '../moderation/moderation.service.ts';
import { isLiveReview, type ReviewsDeps } from '../reviews/reviews.service.ts';
import { type ReviewChange, type ReviewWrite, runReviewWrite, type WriteDeps } from '../reviews/unit-of-work.ts';
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
 * caller → 409 REPORT_ALREADY_EXISTS. If the open reports then reach the threshold, the review is held in the same
 * unit of work: the report and the hold commit together or not at all.
 */
export async function reportReview(
  deps: ReviewsDeps,
  p: Principal,
  reviewId: string,
  input: ReportReviewRequest,
): Promise<AbuseReport> {
  if (!isReviewId(reviewId)) throw notFound();
  const reporter = actorId(p);
  try {
    // The hold is Verdict's own work (the reporter did not decide it): its events carry the UNKNOWN identity.
    return await runReviewWrite(deps, { siteId: p.siteId, identity: UNKNOWN_IDENTITY }, async (w) => {
      const review = (await w.lock([reviewId])).get(reviewId);
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
        created_at: w.now,
        dismissed_at: null,
      };
      await engagementRepo.insertReport(w.db, row);
      // The review counts its open reports (the queue's `reported` filter); the hold, if any, is the same change.
      const opened = { open_reports: review.open_reports + 1 };
      const hold = await holdIfReported(w, p, review);
      await w.change(
        review,
        hold ? { ...hold, patch: { ...hold.patch, ...opened } } : { patch: opened, bumpRevision: false, events: [] },
      );
      return toReport(row);
    });
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    throw new AppError('conflict', 'REPORT_ALREADY_EXISTS', 'You have already reported this review');
  }
}

/**
 * The change that sends the locked, published review back to IN_MODERATION when the weight of its open reports
 * reaches the site threshold (`reachesReportThreshold`), or undefined. The audit entry names the reporter whose
 * report crossed the threshold (erasing that contact anonymizes it).
 */
async function holdIfReported(w: ReviewWrite, p: Principal, review: ReviewRow): Promise<ReviewChange | undefined> {
  const [weight, threshold] = await Promise.all([
    engagementRepo.openReportWeight(w.db, p.siteId, review.id),
    engagementRepo.reportThreshold(w.db, p.siteId),
  ]);
  if (!reachesReportThreshold(weight, threshold ?? ENGAGEMENT_LIMITS.defaultReportThreshold)) return undefined;
  return {
    patch: { moderation_status: 'IN_MODERATION', manually_changed: 0, updated_at: w.now },
    bumpRevision: true,
    events: [{ slug: 'updated' }, { slug: 'moderation_status_changed', previous: 'APPROVED' }],
    audit: { actor: auditActor(p), from: 'APPROVED', to: 'IN_MODERATION', reason: REPORTED },
  };
}

/** Open abuse reports against reviews by each of these authors (the HOLD_REPORTED_AUTHOR rule's input). */
export function openReportsByAuthor(
  deps: Pick<DbDeps, 'db'>,
  siteId: string,
  authorIds: readonly string[],
): Promise<Map<string, number>> {
  return engagementRepo.openReportsByAuthor(deps.db, siteId, authorIds);
}

/** listReviewReports: a live review's reports (any status, or one), oldest first. */
export async function listReviewReports(
  deps: Pick<DbDeps, 'db'>,
  siteId: string,
  reviewId: string,
  status: 'OPEN' | 'DISMISSED' | undefined,
  limit: number,
): Promise<ListReportsResponse> {
  if (!(await isLiveReview(deps, siteId, reviewId))) throw notFound();
  const [rows, openCount] = await Promise.all([
    engagementRepo.reportsOfReview(deps.db, siteId, reviewId, status, limit),
    engagementRepo.openReportCount(deps.db, siteId, reviewId),
  ]);
  return { reports: rows.map(toReport), metadata: { count: rows.length, openCount } };
}

/**
 * dismissReviewReports: marks every open report of a live review DISMISSED (they stop counting toward the
 * threshold and the author's open reports), and the review's count of open reports goes to zero with them, in one
 * unit of work. The review's status is left to the moderator.
 */
export async function dismissReviewReports(deps: WriteDeps, siteId: string, reviewId: string): Promise<number> {
  if (!isReviewId(reviewId)) throw notFound();
  // Nothing public changes (no event): the identity is never written.
  return runReviewWrite(deps, { siteId, identity: UNKNOWN_IDENTITY }, async (w) => {
    const review = (await w.lock([reviewId])).get(reviewId);
    if (!review) throw notFound();
    const dismissed = await engagementRepo.dismissReports(w.db, siteId, reviewId, w.now);
    if (review.open_reports !== 0 || dismissed > 0) {
      await w.change(review, { patch: { open_reports: 0 }, bumpRevision: false, events: [] });
    }
    return dismissed;
  });
}
