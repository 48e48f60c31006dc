/**
 * The trash (docs/product.md §3 decision 6): deleted reviews listed for the owner, restored unless a new review took the
 * author's slot (409), and purged for good after the retention by the maintenance loop. Restore and purge keep
 * summaries and events exact: restore adds the review back to its summary and emits `created` (the review
 * reappears for consumers that dropped it on `deleted`); purge touches nothing public, since the review left every
 * read path when it was deleted.
 */
import type { Media, Review, TrashQuery, TrashResponse } from '../../contract/index.ts';
import { ENGAGEMENT_LIMITS } from '../../contract/index.ts';
import type { Principal } from '../auth/principal.ts';
import { type DbDeps, iso } from '../deps.ts';
import { AppError, invalid, isUniqueViolation, notFound } from '../errors.ts';
import { buildEvents } from '../outbox/outbox.events.ts';
import { outboxRepo } from '../outbox/outbox.repo.ts';
import { eventIdentity } from '../outbox/outbox.rules.ts';
import { toReview } from '../reviews/reviews.mapper.ts';
import { reviewsRepo } from '../reviews/reviews.repo.ts';
import { score } from '../reviews/reviews.service.ts';
import { summariesRepo } from '../summaries/summaries.repo.ts';
import { contribution, summaryDeltas } from '../summaries/summaries.rules.ts';
import { yieldToEventLoop } from '../polling-loop.ts';
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
  const rows = await engagementRepo.trash(deps.db, siteId, after, limit + 1);
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  const now = deps.clock();
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

const MAX_ATTEMPTS = 5;

/**
 * restoreReview: brings a deleted review back with its status, counts and revision. 404 when it is not in the
 * trash; 409 REVIEW_ALREADY_EXISTS (data.reviewId = the holder) when the author has a live review of the entity
 * again. One transaction: the row, the summary delta and the `created` event.
 */
export async function restoreReview(deps: DbDeps, p: Principal, id: string): Promise<Review> {
  const siteId = p.siteId;
  if (!isReviewId(id)) throw notFound();
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    let seen: { namespace: string; entity_id: string; contact_id: string | null } | undefined;
    let result: Review | null;
    try {
      result = await deps.db.transaction().execute(async (trx) => {
        const row = await engagementRepo.deletedReview(trx, siteId, id);
        if (!row) throw notFound();
        seen = row;
        const nowDate = deps.clock();
        const now = iso(nowDate);
        const next = { ...row, deleted_at: null, event_sequence: row.event_sequence + 1, updated_at: now };
        next.relevance_rank = score(next, nowDate, JSON.parse(next.media_json) as Media[]);
        const ok = await engagementRepo.undelete(trx, row, {
          event_sequence: next.event_sequence,
          updated_at: now,
          relevance_rank: next.relevance_rank,
        });
        if (!ok) return null;
        await summariesRepo.applyMany(trx, siteId, summaryDeltas(contribution(row), contribution(next)), now);
        const review = toReview(next, nowDate);
        await outboxRepo.append(
          trx,
          siteId,
          buildEvents(review, [{ slug: 'created' }], next.event_sequence, now),
          eventIdentity(p),
        );
        return review;
      });
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      const slot = seen;
      const holder = slot?.contact_id
        ? await reviewsRepo.liveByAuthor(deps.db, siteId, slot.namespace, slot.entity_id, slot.contact_id)
        : undefined;
      throw new AppError('conflict', 'REVIEW_ALREADY_EXISTS', 'The author has a newer review of this entity', {
        ...(holder ? { data: { reviewId: holder.id } } : {}),
      });
    }
    if (result) return result;
  }
  throw new AppError('conflict', 'REVISION_MISMATCH', 'The review is changing too fast; try again');
}

const PURGE_BATCH = 200;

/**
 * Purges every review deleted more than `retentionDays` before `now` (all sites), with its votes and reports, in
 * batches of one transaction each. A review restored meanwhile is left alone. Returns how many were purged.
 */
export async function purgeTrash(deps: Pick<DbDeps, 'db'>, now: Date, retentionDays: number): Promise<number> {
  const cutoff = purgeCutoff(now, retentionDays);
  let purged = 0;
  for (;;) {
    await yieldToEventLoop();
    const batch = await engagementRepo.expiredTrash(deps.db, cutoff, PURGE_BATCH);
    if (batch.length === 0) return purged;
    const bySite = new Map<string, string[]>();
    for (const r of batch) bySite.set(r.site_id, [...(bySite.get(r.site_id) ?? []), r.id]);
    for (const [siteId, ids] of bySite) {
      purged += (await deps.db.transaction().execute((trx) => engagementRepo.purgeReviews(trx, siteId, ids, cutoff)))
        .length;
    }
    if (batch.length < PURGE_BATCH) return purged;
  }
}
