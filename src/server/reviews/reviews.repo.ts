/** Queries on `reviews`. Every method takes the executor first so the service owns the transaction. */
import type { ReviewRow, NewReviewRow, ReviewRowPatch } from '../db/schema.ts';
import type { Executor } from '../sites/sites.repo.ts';

export const reviewsRepo = {
  /** A live (not deleted) review. */
  live: (db: Executor, siteId: string, id: string): Promise<ReviewRow | undefined> =>
    db
      .selectFrom('reviews')
      .selectAll()
      .where('site_id', '=', siteId)
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .executeTakeFirst(),

  /** A review whether deleted or not (id uniqueness, idempotent creates). */
  any: (db: Executor, siteId: string, id: string): Promise<ReviewRow | undefined> =>
    db.selectFrom('reviews').selectAll().where('site_id', '=', siteId).where('id', '=', id).executeTakeFirst(),

  /** The live review holding the (namespace, entity, author) uniqueness slot. */
  liveByAuthor: (
    db: Executor,
    siteId: string,
    namespace: string,
    entityId: string,
    contactId: string,
  ): Promise<{ id: string } | undefined> =>
    db
      .selectFrom('reviews')
      .select('id')
      .where('site_id', '=', siteId)
      .where('namespace', '=', namespace)
      .where('entity_id', '=', entityId)
      .where('contact_id', '=', contactId)
      .where('deleted_at', 'is', null)
      .executeTakeFirst(),

  insert: async (db: Executor, row: NewReviewRow): Promise<void> => {
    await db.insertInto('reviews').values(row).execute();
  },

  /**
   * Writes `patch` only if the row is still at the version the caller read (revision, event sequence and
   * liveness unchanged). Returns false when another writer got there first.
   */
  updateIfUnchanged: async (
    db: Executor,
    siteId: string,
    id: string,
    seen: { revision: number; event_sequence: number },
    patch: ReviewRowPatch,
  ): Promise<boolean> => {
    const r = await db
      .updateTable('reviews')
      .set(patch)
      .where('site_id', '=', siteId)
      .where('id', '=', id)
      .where('revision', '=', seen.revision)
      .where('event_sequence', '=', seen.event_sequence)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  },
};
