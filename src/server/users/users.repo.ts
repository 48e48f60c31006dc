/** Queries on `users`, `user_sessions`, `sign_in_failures` and `user_audit`. No business rules here. */
import { sql } from 'kysely';
import type { Executor } from '../db/executor.ts';
import type { UserAuditTable, UserRow, UserSessionRow } from '../db/schema.ts';

/** Sites one e-mail is looked up on when a sign-in names none (more is refused as ambiguous all the same). */
export const MAX_SITES_PER_EMAIL = 10;

export const usersRepo = {
  byId: (db: Executor, siteId: string, id: string): Promise<UserRow | undefined> =>
    db.selectFrom('users').selectAll().where('site_id', '=', siteId).where('id', '=', id).executeTakeFirst(),
  byEmail: (db: Executor, siteId: string, emailNormalized: string): Promise<UserRow | undefined> =>
    db
      .selectFrom('users')
      .selectAll()
      .where('site_id', '=', siteId)
      .where('email_normalized', '=', emailNormalized)
      .executeTakeFirst(),
  byEmailAnySite: (db: Executor, emailNormalized: string): Promise<UserRow[]> =>
    db
      .selectFrom('users')
      .selectAll()
      .where('email_normalized', '=', emailNormalized)
      .orderBy('site_id')
      .limit(MAX_SITES_PER_EMAIL)
      .execute(),
  /** Up to `limit` users of a site, oldest first (created_at, id), after the position `after` when given. */
  page: (
    db: Executor,
    siteId: string,
    after: readonly [string, string] | undefined,
    limit: number,
  ): Promise<UserRow[]> => {
    let q = db.selectFrom('users').selectAll().where('site_id', '=', siteId);
    if (after) q = q.where((eb) => eb(eb.refTuple('created_at', 'id'), '>', eb.tuple(after[0], after[1])));
    return q.orderBy('created_at').orderBy('id').limit(limit).execute();
  },
  countOwners: async (db: Executor, siteId: string): Promise<number> => {
    const r = await db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('site_id', '=', siteId)
      .where('role', '=', 'owner')
      .executeTakeFirstOrThrow();
    return Number(r.n);
  },
  insert: async (db: Executor, row: UserRow): Promise<void> => {
    await db.insertInto('users').values(row).execute();
  },
  update: async (
    db: Executor,
    siteId: string,
    id: string,
    patch: Partial<Pick<UserRow, 'role' | 'password_hash' | 'updated_at'>>,
  ): Promise<boolean> => {
    const r = await db
      .updateTable('users')
      .set(patch)
      .where('site_id', '=', siteId)
      .where('id', '=', id)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  },
  delete: async (db: Executor, siteId: string, id: string): Promise<boolean> => {
    const r = await db.deleteFrom('users').where('site_id', '=', siteId).where('id', '=', id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  },
  /** Site ids that have no user at all (the first owner is still to be made). */
  sitesWithoutUsers: async (db: Executor, limit: number): Promise<{ id: string; name: string }[]> =>
    db
      .selectFrom('sites')
      .select(['sites.id', 'sites.name'])
      .where(({ not, exists, selectFrom }) =>
        not(exists(selectFrom('users').select('users.id').whereRef('users.site_id', '=', 'sites.id'))),
      )
      .orderBy('sites.created_at')
      .limit(limit)
      .execute(),

  // ── sessions ──
  sessionByHash: (
    db: Executor,
    tokenHash: string,
  ): Promise<(UserSessionRow & { email: string; role: UserRow['role'] }) | undefined> =>
    db
      .selectFrom('user_sessions')
      .innerJoin('users', (j) =>
        j.onRef('users.site_id', '=', 'user_sessions.site_id').onRef('users.id', '=', 'user_sessions.user_id'),
      )
      .selectAll('user_sessions')
      .select(['users.email', 'users.role'])
      .where('user_sessions.token_hash', '=', tokenHash)
      .executeTakeFirst(),
  /** A user's sessions (ended ones included, until purged), most recently used first. */
  sessionsOf: (db: Executor, siteId: string, userId: string): Promise<UserSessionRow[]> =>
    db
      .selectFrom('user_sessions')
      .selectAll()
      .where('site_id', '=', siteId)
      .where('user_id', '=', userId)
      .orderBy('last_seen_at', 'desc')
      .orderBy('created_at', 'desc')
      .execute(),
  sessionById: (db: Executor, siteId: string, sessionId: string): Promise<UserSessionRow | undefined> =>
    db
      .selectFrom('user_sessions')
      .selectAll()
      .where('site_id', '=', siteId)
      .where('id', '=', sessionId)
      .executeTakeFirst(),
  insertSession: async (db: Executor, row: UserSessionRow): Promise<void> => {
    await db.insertInto('user_sessions').values(row).execute();
  },
  touchSession: async (db: Executor, tokenHash: string, at: string): Promise<void> => {
    await db.updateTable('user_sessions').set({ last_seen_at: at }).where('token_hash', '=', tokenHash).execute();
  },
  deleteSessionByHash: async (db: Executor, tokenHash: string): Promise<void> => {
    await db.deleteFrom('user_sessions').where('token_hash', '=', tokenHash).execute();
  },
  deleteSession: async (db: Executor, siteId: string, sessionId: string): Promise<void> => {
    await db.deleteFrom('user_sessions').where('site_id', '=', siteId).where('id', '=', sessionId).execute();
  },
  /** Ends every session of a user, or every other one when `keep` names the session to keep. */
  deleteSessionsOf: async (db: Executor, siteId: string, userId: string, keep?: string): Promise<number> => {
    let q = db.deleteFrom('user_sessions').where('site_id', '=', siteId).where('user_id', '=', userId);
    if (keep !== undefined) q = q.where('id', '!=', keep);
    const r = await q.executeTakeFirst();
    return Number(r.numDeletedRows);
  },

  /** Deletes sessions past their absolute end or unused since `idleCutoff`; returns how many. */
  deleteEndedSessions: async (db: Executor, now: string, idleCutoff: string): Promise<number> => {
    const r = await db
      .deleteFrom('user_sessions')
      .where((eb) => eb.or([eb('expires_at', '<=', now), eb('last_seen_at', '<=', idleCutoff)]))
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  },

  // ── failed sign-ins ──
  failures: (db: Executor, siteId: string, emailNormalized: string) =>
    db
      .selectFrom('sign_in_failures')
      .selectAll()
      .where('site_id', '=', siteId)
      .where('email_normalized', '=', emailNormalized)
      .executeTakeFirst(),
  /**
   * Counts one failure in one statement (concurrent failures all count): a window that began at or before
   * `windowCutoff` starts over at `now` with this failure. Returns the failures of the current window.
   */
  addFailure: async (
    db: Executor,
    siteId: string,
    emailNormalized: string,
    now: string,
    windowCutoff: string,
  ): Promise<number> => {
    const r = await db
      .insertInto('sign_in_failures')
      .values({
        site_id: siteId,
        email_normalized: emailNormalized,
        failures: 1,
        window_started_at: now,
        locked_until: null,
      })
      .onConflict((oc) =>
        oc.columns(['site_id', 'email_normalized']).doUpdateSet({
          failures: sql<number>`case when sign_in_failures.window_started_at <= ${windowCutoff} then 1 else sign_in_failures.failures + 1 end`,
          window_started_at: sql<string>`case when sign_in_failures.window_started_at <= ${windowCutoff} then ${now} else sign_in_failures.window_started_at end`,
        }),
      )
      .returning('failures')
      .executeTakeFirstOrThrow();
    return Number(r.failures);
  },
  /** Locks (site, e-mail) until `until`; the failures start over. */
  lock: async (db: Executor, siteId: string, emailNormalized: string, now: string, until: string): Promise<void> => {
    await db
      .updateTable('sign_in_failures')
      .set({ locked_until: until, failures: 0, window_started_at: now })
      .where('site_id', '=', siteId)
      .where('email_normalized', '=', emailNormalized)
      .execute();
  },
  clearFailures: async (db: Executor, siteId: string, emailNormalized: string): Promise<void> => {
    await db
      .deleteFrom('sign_in_failures')
      .where('site_id', '=', siteId)
      .where('email_normalized', '=', emailNormalized)
      .execute();
  },

  /** Deletes failure counts whose window began at or before `windowCutoff` and that lock nothing now. */
  deleteStaleFailures: async (db: Executor, now: string, windowCutoff: string): Promise<number> => {
    const r = await db
      .deleteFrom('sign_in_failures')
      .where('window_started_at', '<=', windowCutoff)
      .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<=', now)]))
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  },

  // ── audit ──
  /**
   * Deletes the oldest audit entries of any site written before `cutoff`: `limit` of them, or a few more when
   * entries share the `limit`-th one's time; returns how many. One statement, a range of the `created_at` index
   * (bounded by the `limit`-th oldest entry's time) on both dialects.
   */
  deleteAuditBefore: async (db: Executor, cutoff: string, limit: number): Promise<number> => {
    const r = await usersRepo.deleteAuditBeforeQuery(cutoff, limit).execute(db);
    return Number(r.numAffectedRows ?? 0);
  },
  /** The statement `deleteAuditBefore` runs (exposed so tests can check its plan). */
  deleteAuditBeforeQuery: (cutoff: string, limit: number) =>
    sql`delete from user_audit where created_at < ${cutoff} and created_at <= coalesce(
        (select created_at from user_audit where created_at < ${cutoff}
          order by created_at limit 1 offset ${Math.max(0, limit - 1)}),
        ${cutoff})`,
  audit: async (db: Executor, row: UserAuditTable): Promise<void> => {
    await db.insertInto('user_audit').values(row).execute();
  },
  /** A page of a site's audit, newest first, before the id `before`; by or about `userId` when given. */
  auditPage: (db: Executor, siteId: string, opts: { userId?: string; before?: string; limit: number }) => {
    let q = db.selectFrom('user_audit').selectAll().where('site_id', '=', siteId);
    const userId = opts.userId;
    if (userId !== undefined)
      q = q.where((eb) => eb.or([eb('actor_id', '=', userId), eb('subject_user_id', '=', userId)]));
    if (opts.before !== undefined) q = q.where('id', '<', opts.before);
    return q.orderBy('id', 'desc').limit(opts.limit).execute();
  },
};
