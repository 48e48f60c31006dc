/**
 * Queries on `review_votes`, `review_reports`, `engagement_settings`, and the engagement-only queries on `reviews`
 * (atomic vote counters, relevance, trash). Every method takes the executor first so the service owns the
 * transaction; no business rule lives here.
 */
import { sql } from 'kysely';
import type { ReviewReportRow, ReviewRow, ReviewVoteRow } from '../db/schema.ts';
import type { Executor } from '../sites/sites.repo.ts';
import type { ReportWeight } from './engagement.rules.ts';

export type CastVote = 'HELPFUL' | 'UNHELPFUL';

export const engagementRepo = {
  vote: (db: Executor, siteId: string, reviewId: string, voterId: string): Promise<ReviewVoteRow | undefined> =>
    db
      .selectFrom('review_votes')
      .selectAll()
      .where('site_id', '=', siteId)
      .where('review_id', '=', reviewId)
      .where('voter_id', '=', voterId)
      .executeTakeFirst(),

  /** Inserts a first vote; a concurrent first vote by the same voter makes this throw a unique violation. */
  insertVote: async (db: Executor, row: ReviewVoteRow): Promise<void> => {
    await db.insertInto('review_votes').values(row).execute();
  },

  /** Changes a vote only if it is still `from` (compare-and-set); false when the voter changed it meanwhile. */
  async changeVote(db: Executor, key: VoteKey, from: CastVote, to: CastVote, now: string): Promise<boolean> {
    const r = await db
      .updateTable('review_votes')
      .set({ vote: to, updated_at: now })
      .where('site_id', '=', key.siteId)
      .where('review_id', '=', key.reviewId)
      .where('voter_id', '=', key.voterId)
      .where('vote', '=', from)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  },

  /** Withdraws a vote only if it is still `from`; false when the voter changed it meanwhile. */
  async deleteVote(db: Executor, key: VoteKey, from: CastVote): Promise<boolean> {
    const r = await db
      .deleteFrom('review_votes')
      .where('site_id', '=', key.siteId)
      .where('review_id', '=', key.reviewId)
      .where('voter_id', '=', key.voterId)
      .where('vote', '=', from)
      .executeTakeFirst();
    return Number(r.numDeletedRows) === 1;
  },

  /**
   * Adds to a published review's counters in one statement (`found_helpful = found_helpful + ?`), so concurrent
   * votes never lose an update; revision and event_sequence are left alone. Returns the row after the change, or
   * undefined when the review is not live and published.
   */
  applyVoteDelta: (
    db: Executor,
    siteId: string,
    reviewId: string,
    helpful: number,
    unhelpful: number,
  ): Promise<ReviewRow | undefined> =>
    db
      .updateTable('reviews')
      .set({
        found_helpful: sql<number>`found_helpful + ${helpful}`,
        found_unhelpful: sql<number>`found_unhelpful + ${unhelpful}`,
        helpfulness: sql<number>`helpfulness + ${helpful - unhelpful}`,
      })
      .where('site_id', '=', siteId)
      .where('id', '=', reviewId)
      .where('deleted_at', 'is', null)
      .where('moderation_status', '=', 'APPROVED')
      .returningAll()
      .executeTakeFirst(),

  /** Takes votes off a review whatever its state (erasure of a voter); returns the row after the change. */
  removeVoteCounts: (
    db: Executor,
    siteId: string,
    reviewId: string,
    helpful: number,
    unhelpful: number,
  ): Promise<ReviewRow | undefined> =>
    db
      .updateTable('reviews')
      .set({
        found_helpful: sql<number>`found_helpful - ${helpful}`,
        found_unhelpful: sql<number>`found_unhelpful - ${unhelpful}`,
        helpfulness: sql<number>`helpfulness - ${helpful - unhelpful}`,
      })
      .where('site_id', '=', siteId)
      .where('id', '=', reviewId)
      .returningAll()
      .executeTakeFirst(),

  /**
   * Sets the relevance rank only if the inputs it was computed from are unchanged (revision, counters), so a stale
   * computation never overwrites a rank a concurrent write computed from newer data.
   */
  async setRelevance(
    db: Executor,
    seen: Pick<ReviewRow, 'site_id' | 'id' | 'revision' | 'found_helpful' | 'found_unhelpful'>,
    score: number,
  ): Promise<boolean> {
    const r = await db
      .updateTable('reviews')
      .set({ relevance_rank: score })
      .where('site_id', '=', seen.site_id)
      .where('id', '=', seen.id)
      .where('revision', '=', seen.revision)
      .where('found_helpful', '=', seen.found_helpful)
      .where('found_unhelpful', '=', seen.found_unhelpful)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  },

  votesOfVoter: (db: Executor, siteId: string, voterId: string): Promise<ReviewVoteRow[]> =>
    db
      .selectFrom('review_votes')
      .selectAll()
      .where('site_id', '=', siteId)
      .where('voter_id', '=', voterId)
      .orderBy('created_at')
      .execute(),

  insertReport: async (db: Executor, row: ReviewReportRow): Promise<void> => {
    await db.insertInto('review_reports').values(row).execute();
  },

  openReportCount: async (db: Executor, siteId: string, reviewId: string): Promise<number> => {
    const r = await db
      .selectFrom('review_reports')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('site_id', '=', siteId)
      .where('review_id', '=', reviewId)
      .where('status', '=', 'OPEN')
      .executeTakeFirstOrThrow();
    return Number(r.n);
  },

  /**
   * A review's open reports as the threshold weighs them: how many members reported it, and how many distinct
   * visitor mint marks did (a visitor report without a mark, filed before marks existed, counts on its own).
   */
  openReportWeight: async (db: Executor, siteId: string, reviewId: string): Promise<ReportWeight> => {
    const r = await db
      .selectFrom('review_reports')
      .select([
        sql<number | string | null>`sum(case when reporter_kind = 'MEMBER' then 1 else 0 end)`.as('members'),
        sql<
          number | string
        >`count(distinct case when reporter_kind <> 'MEMBER' then coalesce(reporter_mint_mark, reporter_id) end)`.as(
          'visitor_groups',
        ),
      ])
      .where('site_id', '=', siteId)
      .where('review_id', '=', reviewId)
      .where('status', '=', 'OPEN')
      .executeTakeFirstOrThrow();
    return { members: Number(r.members ?? 0), visitorGroups: Number(r.visitor_groups) };
  },

  /** Open reports against reviews by each of these authors (HOLD_REPORTED_AUTHOR). */
  async openReportsByAuthor(db: Executor, siteId: string, authorIds: readonly string[]): Promise<Map<string, number>> {
    const unique = [...new Set(authorIds)];
    if (unique.length === 0) return new Map();
    const rows = await db
      .selectFrom('review_reports')
      .select(['review_author_id', (eb) => eb.fn.countAll<number>().as('n')])
      .where('site_id', '=', siteId)
      .where('review_author_id', 'in', unique)
      .where('status', '=', 'OPEN')
      .groupBy('review_author_id')
      .execute();
    return new Map(rows.flatMap((r) => (r.review_author_id === null ? [] : [[r.review_author_id, Number(r.n)]])));
  },

  reportsOfReview: (
    db: Executor,
    siteId: string,
    reviewId: string,
    status: 'OPEN' | 'DISMISSED' | undefined,
    limit: number,
  ): Promise<ReviewReportRow[]> => {
    let q = db.selectFrom('review_reports').selectAll().where('site_id', '=', siteId).where('review_id', '=', reviewId);
    if (status) q = q.where('status', '=', status);
    return q.orderBy('created_at').orderBy('id').limit(limit).execute();
  },

  reportsOfReporter: (db: Executor, siteId: string, reporterId: string): Promise<ReviewReportRow[]> =>
    db
      .selectFrom('review_reports')
      .selectAll()
      .where('site_id', '=', siteId)
      .where('reporter_id', '=', reporterId)
      .orderBy('created_at')
      .execute(),

  async dismissReports(db: Executor, siteId: string, reviewId: string, now: string): Promise<number> {
    const r = await db
      .updateTable('review_reports')
      .set({ status: 'DISMISSED', dismissed_at: now })
      .where('site_id', '=', siteId)
      .where('review_id', '=', reviewId)
      .where('status', '=', 'OPEN')
      .executeTakeFirst();
    return Number(r.numUpdatedRows);
  },

  reportThreshold: async (db: Executor, siteId: string): Promise<number | undefined> =>
    (
      await db
        .selectFrom('engagement_settings')
        .select('report_threshold')
        .where('site_id', '=', siteId)
        .executeTakeFirst()
    )?.report_threshold,

  async saveReportThreshold(db: Executor, siteId: string, threshold: number, now: string): Promise<void> {
    await db
      .insertInto('engagement_settings')
      .values({ site_id: siteId, report_threshold: threshold, updated_at: now })
      .onConflict((oc) => oc.column('site_id').doUpdateSet({ report_threshold: threshold, updated_at: now }))
      .execute();
  },

  /** Deleted reviews, most recently deleted first, after the keyset position (deleted_at, id). */
  trash: (
    db: Executor,
    siteId: string,
    after: readonly [string, string] | undefined,
    limit: number,
  ): Promise<ReviewRow[]> => {
    let q = db.selectFrom('reviews').selectAll().where('site_id', '=', siteId).where('deleted_at', 'is not', null);
    if (after) {
      q = q.where((eb) =>
        eb.or([eb('deleted_at', '<', after[0]), eb.and([eb('deleted_at', '=', after[0]), eb('id', '<', after[1])])]),
      );
    }
    return q.orderBy('deleted_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
  },

  deletedReview: (db: Executor, siteId: string, id: string): Promise<ReviewRow | undefined> =>
    db
      .selectFrom('reviews')
      .selectAll()
      .where('site_id', '=', siteId)
      .where('id', '=', id)
      .where('deleted_at', 'is not', null)
      .executeTakeFirst(),

  /** Brings a deleted review back, only if it is still deleted as seen; false when someone else got there first. */
  async undelete(
    db: Executor,
    seen: Pick<ReviewRow, 'site_id' | 'id' | 'deleted_at' | 'event_sequence'>,
    patch: { event_sequence: number; updated_at: string; relevance_rank: number },
  ): Promise<boolean> {
    if (seen.deleted_at === null) return false;
    const r = await db
      .updateTable('reviews')
      .set({ deleted_at: null, ...patch })
      .where('site_id', '=', seen.site_id)
      .where('id', '=', seen.id)
      .where('deleted_at', '=', seen.deleted_at)
      .where('event_sequence', '=', seen.event_sequence)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  },

  /** Ids of reviews deleted before `cutoff` (any site), oldest first. */
  expiredTrash: (db: Executor, cutoff: string, limit: number): Promise<{ site_id: string; id: string }[]> =>
    db
      .selectFrom('reviews')
      .select(['site_id', 'id'])
      .where('deleted_at', 'is not', null)
      .where('deleted_at', '<', cutoff)
      .orderBy('deleted_at')
      .limit(limit)
      .execute(),

  /**
   * Hard-deletes reviews of one site with their votes and reports. With `onlyDeletedBefore`, a review restored
   * meanwhile (or deleted later) is left alone.
   */
  async purgeReviews(
    db: Executor,
    siteId: string,
    ids: readonly string[],
    onlyDeletedBefore?: string,
  ): Promise<string[]> {
    if (ids.length === 0) return [];
    let q = db
      .deleteFrom('reviews')
      .where('site_id', '=', siteId)
      .where('id', 'in', [...ids]);
    if (onlyDeletedBefore !== undefined) {
      q = q.where('deleted_at', 'is not', null).where('deleted_at', '<', onlyDeletedBefore);
    }
    const gone = (await q.returning('id').execute()).map((r) => r.id);
    if (gone.length > 0) {
      await db.deleteFrom('review_votes').where('site_id', '=', siteId).where('review_id', 'in', gone).execute();
      await db.deleteFrom('review_reports').where('site_id', '=', siteId).where('review_id', 'in', gone).execute();
    }
    return gone;
  },
};

export interface VoteKey {
  siteId: string;
  reviewId: string;
  voterId: string;
}
