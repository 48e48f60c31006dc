/**
 * Queries on `review_votes`, `review_reports`, `engagement_settings` and `privacy_audit` (and the relevance pass's
 * reads and guarded writes of `reviews`). Every method takes the executor first so the service owns the
 * transaction; no business rule lives here.
 */

import type { Selectable } from 'kysely';
import { sql } from 'kysely';
import type { Executor } from '../db/executor.ts';
import type { PrivacyAuditTable, ReviewReportRow, ReviewRow, ReviewVoteRow } from '../db/schema.ts';
import type { ReportWeight } from './engagement.rules.ts';

export type CastVote = 'HELPFUL' | 'UNHELPFUL';
export type PrivacyAuditRow = Selectable<PrivacyAuditTable>;

/** Values per `in` list: well under both drivers' bound-parameter limits. */
const IN_CHUNK = 500;

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

  /** Deletes the votes and reports on these reviews (purged with them), in the purge's transaction. */
  async deleteOfReviews(db: Executor, siteId: string, reviewIds: readonly string[]): Promise<void> {
    for (let i = 0; i < reviewIds.length; i += IN_CHUNK) {
      const chunk = reviewIds.slice(i, i + IN_CHUNK);
      await db.deleteFrom('review_votes').where('site_id', '=', siteId).where('review_id', 'in', chunk).execute();
      await db.deleteFrom('review_reports').where('site_id', '=', siteId).where('review_id', 'in', chunk).execute();
    }
  },

  /** Deletes a voter's votes; returns what they were, so their counts can come off the reviews. */
  deleteVotesOfVoter: (
    db: Executor,
    siteId: string,
    voterId: string,
  ): Promise<{ review_id: string; vote: CastVote }[]> =>
    db
      .deleteFrom('review_votes')
      .where('site_id', '=', siteId)
      .where('voter_id', '=', voterId)
      .returning(['review_id', 'vote'])
      .execute(),

  /**
   * Erasure of a contact: its reports go, and reports on its reviews no longer name it as their author. Returns the
   * reports deleted (review and status), so the open ones can come off their reviews' counts.
   */
  async forgetReporter(
    db: Executor,
    siteId: string,
    contactId: string,
  ): Promise<{ review_id: string; status: 'OPEN' | 'DISMISSED' }[]> {
    const deleted = await db
      .deleteFrom('review_reports')
      .where('site_id', '=', siteId)
      .where('reporter_id', '=', contactId)
      .returning(['review_id', 'status'])
      .execute();
    await db
      .updateTable('review_reports')
      .set({ review_author_id: null })
      .where('site_id', '=', siteId)
      .where('review_author_id', '=', contactId)
      .execute();
    return deleted;
  },

  insertPrivacyAudit: async (db: Executor, row: PrivacyAuditRow): Promise<void> => {
    await db.insertInto('privacy_audit').values(row).execute();
  },
};

export interface VoteKey {
  siteId: string;
  reviewId: string;
  voterId: string;
}
