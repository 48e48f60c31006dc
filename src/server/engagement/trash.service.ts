/**
 * The trash (docs/product.md §3 decision 6): deleted reviews listed for the owner, restored unless a new review took the
 * author's slot (409), and purged for good after the retention by the maintenance loop. Both go through the review
 * unit of work, which keeps summaries and events exact: restore adds the review back to its summary and emits
 * `created` (the review reappears for consumers that dropped it on `deleted`); purge touches nothing public, since
 * the review left every read path when it was deleted.
 */
import type { Review, TrashQuery, TrashResponse } from '../../contract/index.ts';
import { ENGAGEMENT_LIMITS, UNKNOWN_IDENTITY } from '../../contract/index.ts';
import type { Principal } from '../auth/principal.ts';
import type { ReviewRow } from '../db/schema.ts';
import type { DbDeps } from '../deps.ts';
import { AppError, invalid, isUniqueViolation, notFound } from '../errors.ts';
import { eventIdentity } from '../outbox/outbox.rules.ts';
import { yieldToEventLoop } from '../polling-loop.ts';
import { toReview } from '../reviews/reviews.mapper.ts';
import { reviewsRepo } from '../reviews/reviews.repo.ts';
import { slotHolder } from '../reviews/reviews.service.ts';
import { runReviewWrite, type WriteDeps } from '../reviews/unit-of-work.ts';
import { engagementRepo } from './engagement.repo.ts';
import { decodeTrashCursor, encodeTrashCursor, isReviewId, purgeCutoff, purgeDate } from './engagement.rules.ts';

/** listTrash: deleted reviews, most recently deleted first, cursor paged; each with its purge date. */
export async function listTrash(
  deps: Pick<DbDeps, 'db' | 'clock'>,
  siteId: string,
  query: TrashQuery,
  retentionDays: number,
): Promise<TrashResponse> {
  const after = query.cursor !== undefined ? decodeTrashCursor(query.cursor) : undefined;
  if (after === null) {
    throw invalid([{ field: 'query.cursor', description: 'is not a valid cursor', violatedRule: 'INVALID_ARGUMENT' }]);
  }
  const limit = query.limit !== undefined ? Number(query.limit) : ENGAGEMENT_LIMITS.trashDefaultLimit;
  const now = deps.clock();
  const rows = await reviewsRepo.trash(deps.db, siteId, after, limit + 1);
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    reviews: page.map((row) => ({
      review: toReview(row, now),
      deletedDate: row.deleted_at ?? '',
      purgeDate: purgeDate(row.deleted_at ?? '', retentionDays),
    })),
    metadata: {
      count: page.length,
      cursors: { next: rows.length > limit && last?.deleted_at ? encodeTrashCursor(last.deleted_at, last.id) : null },
    },
  };
}

/**
 * restoreReview: brings a deleted review back with its status, counts and revision. 404 when it is not in the
 * trash; 409 REVIEW_ALREADY_EXISTS (data.reviewId = the holder) when the author has a live review of the entity
 * again. One unit of work: the row, the summary delta and the `created` event.
 */
export async function restoreReview(deps: WriteDeps, p: Principal, id: string): Promise<Review> {
  const siteId = p.siteId;
  if (!isReviewId(id)) throw notFound();
  let seen: ReviewRow | undefined;
  try {
    return await runReviewWrite(deps, { siteId, identity: eventIdentity(p) }, async (w) => {
      const row = (await w.lock([id], 'deleted')).get(id);
      if (!row) throw notFound();
      seen = row;
      return w.change(row, {
        patch: { deleted_at: null, updated_at: w.now },
        bumpRevision: false,
        events: [{ slug: 'created' }],
      });
    });
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    const holder = seen ? await slotHolder(deps, siteId, seen) : undefined;
    throw new AppError('conflict', 'REVIEW_ALREADY_EXISTS', 'The author has a newer review of this entity', {
      ...(holder ? { data: { reviewId: holder } } : {}),
    });
  }
}

const PURGE_BATCH = 200;

/**
 * Purges every review deleted more than `retentionDays` before `now` (all sites), with its votes and reports, in
 * batches of one unit of work each. A review restored meanwhile is left alone. Returns how many were purged.
 */
export async function purgeTrash(deps: WriteDeps, now: Date, retentionDays: number): Promise<number> {
  const cutoff = purgeCutoff(now, retentionDays);
  let purged = 0;
  for (;;) {
    await yieldToEventLoop();
    const batch = await reviewsRepo.expiredTrash(deps.db, cutoff, PURGE_BATCH);
    if (batch.length === 0) return purged;
    const bySite = new Map<string, string[]>();
    for (const r of batch) bySite.set(r.site_id, [...(bySite.get(r.site_id) ?? []), r.id]);
    for (const [siteId, ids] of bySite) {
      // Verdict's own work; a purge emits no event (the reviews left every read path when they were deleted).
      purged += await runReviewWrite(deps, { siteId, identity: UNKNOWN_IDENTITY }, async (w) => {
        const rows = [...(await w.lock(ids, 'deleted')).values()].filter((r) => (r.deleted_at ?? '') < cutoff);
        await w.purge(rows);
        await engagementRepo.deleteOfReviews(
          w.db,
          siteId,
          rows.map((r) => r.id),
        );
        return rows.length;
      });
    }
    if (batch.length < PURGE_BATCH) return purged;
  }
}
