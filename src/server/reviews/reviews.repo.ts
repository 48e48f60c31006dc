/** Queries on `reviews`. Every method takes the executor first so the service owns the transaction. */
import type { ReviewRow, NewReviewRow, ReviewRowPatch } from '../db/schema.ts';
import { insertRows } from '../db/insert-rows.ts';
import type { Executor } from '../sites/sites.repo.ts';
import { preparedQuery } from '../db/prepared.ts';

const liveById = preparedQuery((db, p: { siteId: string; id: string }) =>
  db.selectFrom('reviews').selectAll().where('site_id', '=', p.siteId).where('id', '=', p.id).where('deleted_at', 'is', null),
);
const liveByIdForUpdate = preparedQuery((db, p: { siteId: string; id: string }) =>
  db
    .selectFrom('reviews')
    .selectAll()
    .where('site_id', '=', p.siteId)
    .where('id', '=', p.id)
    .where('deleted_at', 'is', null)
    .forUpdate(),
);

export const reviewsRepo = {
  /** A live (not deleted) review. */
  live: async (db: Executor, siteId: string, id: string): Promise<ReviewRow | undefined> =>
    (await liveById(db, { siteId, id }))[0],

  /**
   * A live review, its row locked until the transaction ends (PostgreSQL only: SQLite has no row locks, and its
   * BEGIN IMMEDIATE transactions already exclude every other writer).
   */
  liveForUpdate: async (db: Executor, siteId: string, id: string): Promise<ReviewRow | undefined> =>
    (await liveByIdForUpdate(db, { siteId, id }))[0],

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
   * Inserts rows of one shape with a statement whose SQL is compiled once per row count (`insertRows`): the bulk
   * create path, where compiling a hundred-row insert value by value costs more than running it.
   */
  insertBatch: (db: Executor, rows: readonly NewReviewRow[]): Promise<void> =>
    insertRows(db, 'reviews', rows, (r) => db.insertInto('reviews').values([...r])),

  /** The live (namespace, entity, author) slots held by these contacts. */
  liveSlots: async (
    db: Executor,
    siteId: string,
    contactIds: readonly string[],
  ): Promise<{ namespace: string; entity_id: string; contact_id: string | null }[]> => {
    const unique = [...new Set(contactIds)];
    if (unique.length === 0) return [];
    return db
      .selectFrom('reviews')
      .select(['namespace', 'entity_id', 'contact_id'])
      .where('site_id', '=', siteId)
      .where('contact_id', 'in', unique)
      .where('deleted_at', 'is', null)
      .execute();
  },

  /**
   * Writes `patch` only if the row is still at the version the caller read (revision, event sequence, vote
   * counters and liveness unchanged). Returns false when another writer got there first. The counters are part of
   * the guard because the patch carries a relevance score computed from them: a vote that lands in between makes
   * the caller recompute rather than store a score from stale counts.
   */
  updateIfUnchanged: async (
    db: Executor,
    siteId: string,
    id: string,
    seen: { revision: number; event_sequence: number; found_helpful: number; found_unhelpful: number },
    patch: ReviewRowPatch,
  ): Promise<boolean> => {
    const r = await db
      .updateTable('reviews')
      .set(patch)
      .where('site_id', '=', siteId)
      .where('id', '=', id)
      .where('revision', '=', seen.revision)
      .where('event_sequence', '=', seen.event_sequence)
      .where('found_helpful', '=', seen.found_helpful)
      .where('found_unhelpful', '=', seen.found_unhelpful)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  },
};
