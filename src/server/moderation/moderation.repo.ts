/** Queries on `moderation_rules` and `moderation_audit`. Every method takes the executor first. */

import type { Executor } from '../db/executor.ts';
import { insertRows } from '../db/insert-rows.ts';
import type { ModerationAuditRow, ModerationRulesRow, ModerationRulesVersionRow } from '../db/schema.ts';

/** Rows per insert statement: 9 columns each, far below either driver's bound-parameter limit. */
const AUDIT_CHUNK = 500;

export interface AuditFilter {
  reviewId?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
  /** Keyset position: entries strictly after (created_at, id). */
  after?: readonly [string, string] | undefined;
  limit: number;
}

export const moderationRepo = {
  rules: (db: Executor, siteId: string, namespace: string): Promise<ModerationRulesRow | undefined> =>
    db
      .selectFrom('moderation_rules')
      .selectAll()
      .where('site_id', '=', siteId)
      .where('namespace', '=', namespace)
      .executeTakeFirst(),

  allRules: (db: Executor, siteId: string): Promise<ModerationRulesRow[]> =>
    db.selectFrom('moderation_rules').selectAll().where('site_id', '=', siteId).execute(),

  insertRules: async (db: Executor, row: ModerationRulesRow): Promise<void> => {
    await db.insertInto('moderation_rules').values(row).execute();
  },

  /** Replaces the rules only if the stored version is still `version`; false when someone else replaced them first. */
  async replaceRules(db: Executor, row: ModerationRulesRow, version: number): Promise<boolean> {
    const r = await db
      .updateTable('moderation_rules')
      .set({ version: row.version, rules_json: row.rules_json, updated_at: row.updated_at })
      .where('site_id', '=', row.site_id)
      .where('namespace', '=', row.namespace)
      .where('version', '=', version)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  },

  insertVersion: async (db: Executor, row: ModerationRulesVersionRow): Promise<void> => {
    await db.insertInto('moderation_rules_versions').values(row).execute();
  },

  /** Saved versions of a namespace's rules, newest first (the primary key's order, read backwards). */
  versions: (
    db: Executor,
    siteId: string,
    namespace: string,
    page: { before?: number | undefined; limit: number },
  ): Promise<ModerationRulesVersionRow[]> => {
    let q = db
      .selectFrom('moderation_rules_versions')
      .selectAll()
      .where('site_id', '=', siteId)
      .where('namespace', '=', namespace);
    if (page.before !== undefined) q = q.where('version', '<', page.before);
    return q.orderBy('version', 'desc').limit(page.limit).execute();
  },

  version: (
    db: Executor,
    siteId: string,
    namespace: string,
    version: number,
  ): Promise<ModerationRulesVersionRow | undefined> =>
    db
      .selectFrom('moderation_rules_versions')
      .selectAll()
      .where('site_id', '=', siteId)
      .where('namespace', '=', namespace)
      .where('version', '=', version)
      .executeTakeFirst(),

  /** Inserts audit rows, up to AUDIT_CHUNK per statement (a bulk create records a hundred decisions at once). */
  async appendAudit(db: Executor, rows: readonly ModerationAuditRow[]): Promise<void> {
    for (let i = 0; i < rows.length; i += AUDIT_CHUNK) {
      const chunk = rows.slice(i, i + AUDIT_CHUNK);
      await insertRows(db, 'moderation_audit', chunk, (r) => db.insertInto('moderation_audit').values([...r]));
    }
  },

  /** Deletes every entry about these reviews (erasure of their author). */
  async deleteAuditOf(db: Executor, siteId: string, reviewIds: readonly string[]): Promise<void> {
    for (let i = 0; i < reviewIds.length; i += AUDIT_CHUNK) {
      await db
        .deleteFrom('moderation_audit')
        .where('site_id', '=', siteId)
        .where('review_id', 'in', reviewIds.slice(i, i + AUDIT_CHUNK))
        .execute();
    }
  },

  /** Entries made by this actor keep their kind and lose the id (erasure of a visitor or member). */
  async clearActor(db: Executor, siteId: string, actorId: string): Promise<void> {
    await db
      .updateTable('moderation_audit')
      .set({ actor_id: null })
      .where('site_id', '=', siteId)
      .where('actor_id', '=', actorId)
      .execute();
  },

  /** Entries oldest first, by (created_at, id); served by the by-review or the by-time index. */
  audit: (db: Executor, siteId: string, f: AuditFilter): Promise<ModerationAuditRow[]> =>
    moderationRepo.auditQuery(db, siteId, f).execute(),

  /** The query `audit` runs (exposed so tests can check its plan). */
  auditQuery(db: Executor, siteId: string, f: AuditFilter) {
    let q = db.selectFrom('moderation_audit').selectAll().where('site_id', '=', siteId);
    if (f.reviewId !== undefined) q = q.where('review_id', '=', f.reviewId);
    if (f.from !== undefined) q = q.where('created_at', '>=', f.from);
    if (f.to !== undefined) q = q.where('created_at', '<', f.to);
    const after = f.after;
    if (after) {
      q = q.where((eb) =>
        eb.or([eb('created_at', '>', after[0]), eb.and([eb('created_at', '=', after[0]), eb('id', '>', after[1])])]),
      );
    }
    return q.orderBy('created_at').orderBy('id').limit(f.limit);
  },
};
