/**
 * Helpfulness votes (docs/product.md §3, Verdict extension): one vote per voter per published review, changeable and
 * withdrawable. The vote row and the review's counters change in one unit of work that locks the review first, so
 * votes on one review take turns and no count is lost. Votes change neither revision nor event sequence and emit no
 * event; the unit of work recomputes the relevance score with them.
 */
import type { CastVoteResponse, VoteValue } from '../../contract/index.ts';
import { ownContactId, type Principal } from '../auth/principal.ts';
import type { ReviewRow } from '../db/schema.ts';
import { forbidden, notFound } from '../errors.ts';
import { eventIdentity } from '../outbox/outbox.rules.ts';
import { toReview } from '../reviews/reviews.mapper.ts';
import { type ReviewChange, runReviewWrite, type WriteDeps } from '../reviews/unit-of-work.ts';
import { engagementRepo, type VoteKey } from './engagement.repo.ts';
import { isReviewId } from './engagement.rules.ts';

/** The id a visitor or member votes and reports as (its contact id); keys never vote. */
export function actorId(p: Principal): string {
  const id = ownContactId(p);
  if (id === undefined) throw forbidden('Only visitors and members vote and report');
  return id;
}

/** How a vote change moves the counters: +1/−1 on helpful and unhelpful. */
export function voteDelta(before: VoteValue, after: VoteValue): { helpful: number; unhelpful: number } {
  const h = (v: VoteValue) => (v === 'HELPFUL' ? 1 : 0);
  const u = (v: VoteValue) => (v === 'UNHELPFUL' ? 1 : 0);
  return { helpful: h(after) - h(before), unhelpful: u(after) - u(before) };
}

/**
 * castVote: sets the caller's vote on a published review (`NONE` withdraws it) and returns the review with its new
 * counts. 404 when the review is not published (or does not exist). One unit of work: the review is locked first,
 * so concurrent votes on it (a voter racing with itself included) take turns and each sees the last one's result.
 */
export async function castVote(
  deps: WriteDeps,
  p: Principal,
  reviewId: string,
  vote: VoteValue,
): Promise<CastVoteResponse> {
  if (!isReviewId(reviewId)) throw notFound();
  const key: VoteKey = { siteId: p.siteId, reviewId, voterId: actorId(p) };
  // Votes emit no event; the identity is never written.
  return runReviewWrite(deps, { siteId: p.siteId, identity: eventIdentity(p) }, async (w) => {
    const row = (await w.lock([reviewId])).get(reviewId);
    if (row?.moderation_status !== 'APPROVED') throw notFound();
    const current = await engagementRepo.vote(w.db, key.siteId, reviewId, key.voterId);
    const before: VoteValue = current?.vote ?? 'NONE';
    if (before === vote) return { vote, review: toReview(row, w.nowDate) };
    // The review's lock serializes this voter's votes on it, so the vote row is as read.
    if (vote === 'NONE') {
      if (before !== 'NONE') await engagementRepo.deleteVote(w.db, key, before);
    } else if (before === 'NONE') {
      await engagementRepo.insertVote(w.db, { ...voteRow(key), vote, created_at: w.now, updated_at: w.now });
    } else {
      await engagementRepo.changeVote(w.db, key, before, vote, w.now);
    }
    const d = voteDelta(before, vote);
    const review = await w.change(row, countChange(row, d.helpful, d.unhelpful));
    return { vote, review };
  });
}

/**
 * The change of a review's vote counters by `helpful` and `unhelpful` (negative to take votes off): no revision,
 * no event, a new relevance score. Shared by votes and the erasure of a voter.
 */
export function countChange(
  row: Pick<ReviewRow, 'found_helpful' | 'found_unhelpful' | 'helpfulness'>,
  helpful: number,
  unhelpful: number,
): ReviewChange {
  return {
    patch: {
      found_helpful: row.found_helpful + helpful,
      found_unhelpful: row.found_unhelpful + unhelpful,
      helpfulness: row.helpfulness + helpful - unhelpful,
    },
    bumpRevision: false,
    events: [],
  };
}

function voteRow(key: VoteKey) {
  return { site_id: key.siteId, review_id: key.reviewId, voter_id: key.voterId };
}
