/**
 * Helpfulness votes (docs/product.md §3, Verdict extension): one vote per voter per published review, changeable and
 * withdrawable. The vote row and the review's counters change in one transaction, the counters by an atomic
 * `column = column + delta`; the vote row is compare-and-set, so a voter racing with itself counts once. Votes
 * change neither revision nor event sequence and emit no event; the relevance score is recomputed with them.
 */
import type { CastVoteResponse, Media, VoteValue } from '../../contract/index.ts';
import { ownContactId, type Principal } from '../auth/principal.ts';
import { type DbDeps, iso } from '../deps.ts';
import { AppError, forbidden, isUniqueViolation, notFound } from '../errors.ts';
import { toReview } from '../reviews/reviews.mapper.ts';
import { reviewsRepo } from '../reviews/reviews.repo.ts';
import { score } from '../reviews/reviews.service.ts';
import { engagementRepo, type VoteKey } from './engagement.repo.ts';
import { isReviewId } from './engagement.rules.ts';

const MAX_ATTEMPTS = 20;

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
 * counts. 404 when the review is not published (or does not exist). Safe under any concurrency: a lost
 * compare-and-set or a duplicate first vote retries the whole transaction.
 */
export async function castVote(
  deps: DbDeps,
  p: Principal,
  reviewId: string,
  vote: VoteValue,
): Promise<CastVoteResponse> {
  if (!isReviewId(reviewId)) throw notFound();
  const key: VoteKey = { siteId: p.siteId, reviewId, voterId: actorId(p) };
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    let result: CastVoteResponse | null;
    try {
      result = await deps.db.transaction().execute(async (trx) => {
        const nowDate = deps.clock();
        const now = iso(nowDate);
        const current = await engagementRepo.vote(trx, key.siteId, reviewId, key.voterId);
        const before: VoteValue = current?.vote ?? 'NONE';
        if (before === vote) {
          const row = await reviewsRepo.live(trx, key.siteId, reviewId);
          if (row?.moderation_status !== 'APPROVED') throw notFound();
          return { vote, review: toReview(row, nowDate) };
        }
        let ok = true;
        if (vote === 'NONE') {
          if (before !== 'NONE') ok = await engagementRepo.deleteVote(trx, key, before);
        } else if (before === 'NONE') {
          await engagementRepo.insertVote(trx, { ...voteRow(key), vote, created_at: now, updated_at: now });
        } else {
          ok = await engagementRepo.changeVote(trx, key, before, vote, now);
        }
        if (!ok) return null;
        const d = voteDelta(before, vote);
        const row = await engagementRepo.applyVoteDelta(trx, key.siteId, reviewId, d.helpful, d.unhelpful);
        if (!row) throw notFound();
        // The row is locked by the counter update until commit, so this score matches the counts it stores.
        const relevance = score(row, nowDate, JSON.parse(row.media_json) as Media[]);
        await engagementRepo.setRelevance(trx, row, relevance);
        return { vote, review: toReview({ ...row, relevance_rank: relevance }, nowDate) };
      });
    } catch (err) {
      if (isUniqueViolation(err)) continue;
      throw err;
    }
    if (result) return result;
  }
  throw new AppError('conflict', 'REVISION_MISMATCH', 'The vote is changing too fast; try again');
}

function voteRow(key: VoteKey) {
  return { site_id: key.siteId, review_id: key.reviewId, voter_id: key.voterId };
}
