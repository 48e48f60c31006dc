/** Queries of the import: existence checks in batches, contact lookups, and the SQLite index rebuild. */
import { sql } from 'kysely';
import type { Dialect } from '../db/database.ts';
import type { Executor } from '../db/executor.ts';
import { insertRows } from '../db/insert-rows.ts';
import type { ContactRow } from '../db/schema.ts';
import { reviewsRepo } from '../reviews/reviews.repo.ts';

/** Values per `in` list: well under both drivers' bound-parameter limits. */
const IN_CHUNK = 500;

async function inChunks<T, R>(values: readonly T[], run: (chunk: T[]) => Promise<R[]>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < values.length; i += IN_CHUNK) out.push(...(await run(values.slice(i, i + IN_CHUNK))));
  return out;
}

/**
 * Indexes a rebuild leaves in place, because each build reads the whole table once more (about 3 s per index at
 * 1,000,000 reviews) while keeping them costs the import little or nothing: the trash index holds only deleted
 * reviews and the reported index only reviews with open reports, and an import writes neither; the media index
 * holds only reviews with media, a minority in any export, and maintaining it costs one insert per such review.
 */
const KEPT_INDEXES = ['reviews_trash_idx', 'reviews_reported_idx', 'reviews_media_idx'];

/** Indexes and triggers of `reviews` taken down for a rebuild, with where the new rows start. */
export interface SavedIndexes {
  indexes: string[];
  triggers: string[];
  lastRowid: number;
}

export const importRepo = {
  /** Which of these review ids exist in the site, deleted or not, with when they were last written. */
  existingIds: (db: Executor, siteId: string, ids: readonly string[]): Promise<{ id: string; updated_at: string }[]> =>
    inChunks(ids, (chunk) =>
      db
        .selectFrom('reviews')
        .select(['id', 'updated_at'])
        .where('site_id', '=', siteId)
        .where('id', 'in', chunk)
        .execute(),
    ),

  contactsByEmail: (db: Executor, siteId: string, emailsNormalized: readonly string[]): Promise<ContactRow[]> =>
    inChunks(emailsNormalized, (chunk) =>
      db
        .selectFrom('contacts')
        .selectAll()
        .where('site_id', '=', siteId)
        .where('email_normalized', 'in', chunk)
        .execute(),
    ),

  contactsById: (db: Executor, siteId: string, ids: readonly string[]): Promise<ContactRow[]> =>
    inChunks(ids, (chunk) =>
      db.selectFrom('contacts').selectAll().where('site_id', '=', siteId).where('id', 'in', chunk).execute(),
    ),

  /** Every contact of the site, by id and normalized email: what an index rebuild answers the contact checks from. */
  siteContacts: (db: Executor, siteId: string): Promise<{ id: string; email_normalized: string | null }[]> =>
    db.selectFrom('contacts').select(['id', 'email_normalized']).where('site_id', '=', siteId).execute(),

  insertContacts: async (db: Executor, rows: readonly ContactRow[]): Promise<void> => {
    for (let i = 0; i < rows.length; i += IN_CHUNK) {
      await insertRows(db, 'contacts', rows.slice(i, i + IN_CHUNK), (r) => db.insertInto('contacts').values([...r]));
    }
  },

  /**
   * The live (namespace, entity, author) slots held by these contacts, by id (`c:<id>`) or by normalized email
   * (`e:<email>`), the two ways an import row names its author. At most a chunk of rows' worth of each.
   */
  liveSlots: async (
    db: Executor,
    siteId: string,
    contactIds: readonly string[],
    emailsNormalized: readonly string[],
  ): Promise<{ namespace: string; entity_id: string; author: string }[]> => [
    ...(await reviewsRepo.liveSlots(db, siteId, contactIds)).map((r) => ({
      namespace: r.namespace,
      entity_id: r.entity_id,
      author: `c:${r.contact_id}`,
    })),
    ...(await inChunks(emailsNormalized, async (chunk) =>
      (
        await db
          .selectFrom('reviews as r')
          .innerJoin('contacts as c', (j) => j.onRef('c.site_id', '=', 'r.site_id').onRef('c.id', '=', 'r.contact_id'))
          .select(['r.namespace', 'r.entity_id', 'c.email_normalized'])
          .where('c.site_id', '=', siteId)
          .where('c.email_normalized', 'in', chunk)
          .where('r.deleted_at', 'is', null)
          .execute()
      ).map((r) => ({ namespace: r.namespace, entity_id: r.entity_id, author: `e:${r.email_normalized}` })),
    )),
  ],

  /**
   * Every live slot of the site, keyed by the author's contact id and, when the contact has one, by its email:
   * what an index rebuild checks rows against once the indexes are gone.
   */
  allLiveSlots: async (
    db: Executor,
    siteId: string,
  ): Promise<{ namespace: string; entity_id: string; author: string }[]> => {
    const rows = await db
      .selectFrom('reviews as r')
      .leftJoin('contacts as c', (j) => j.onRef('c.site_id', '=', 'r.site_id').onRef('c.id', '=', 'r.contact_id'))
      .select(['r.namespace', 'r.entity_id', 'r.contact_id', 'c.email_normalized'])
      .where('r.site_id', '=', siteId)
      .where('r.deleted_at', 'is', null)
      .where('r.contact_id', 'is not', null)
      .execute();
    return rows.flatMap((r) => [
      { namespace: r.namespace, entity_id: r.entity_id, author: `c:${r.contact_id}` },
      ...(r.email_normalized
        ? [{ namespace: r.namespace, entity_id: r.entity_id, author: `e:${r.email_normalized}` }]
        : []),
    ]);
  },

  /** A page of the site's live reviews by id, with their author's email and names when the author is a known contact. */
  exportPage: (db: Executor, siteId: string, after: string | undefined, limit: number) => {
    let q = db
      .selectFrom('reviews as r')
      .leftJoin('contacts as c', (j) => j.onRef('c.site_id', '=', 'r.site_id').onRef('c.id', '=', 'r.contact_id'))
      .select([
        'r.id',
        'r.namespace',
        'r.entity_id',
        'r.contact_id',
        'r.author_name',
        'c.email',
        'c.name as contact_name',
        'c.name_first as contact_first_name',
        'c.name_last as contact_last_name',
        'r.title',
        'r.body',
        'r.media_json',
        'r.rating',
        'r.review_date',
        'r.moderation_status',
        'r.reply_message',
        'r.reply_created_at',
        'r.verified',
        'r.found_helpful',
        'r.found_unhelpful',
        'r.created_at',
      ])
      .where('r.site_id', '=', siteId)
      .where('r.deleted_at', 'is', null);
    if (after !== undefined) q = q.where('r.id', '>', after);
    return q.orderBy('r.id').limit(limit).execute();
  },

  /** Whether the site has any review, deleted ones included. */
  siteHasReviews: async (db: Executor, siteId: string): Promise<boolean> =>
    (await db.selectFrom('reviews').select('id').where('site_id', '=', siteId).limit(1).executeTakeFirst()) !==
    undefined,

  /** Reviews in the whole database (every site shares the indexes a rebuild would sort). */
  reviewCount: async (db: Executor): Promise<number> =>
    Number(
      (
        await db
          .selectFrom('reviews')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    ),

  /** Published count and rating sum of these entities' summaries, keyed `namespace \0 entityId`. */
  summaries: async (
    db: Executor,
    siteId: string,
    entities: readonly { namespace: string; entityId: string }[],
  ): Promise<Map<string, { count: number; sum: number }>> => {
    const out = new Map<string, { count: number; sum: number }>();
    const wanted = new Set(entities.map((e) => `${e.namespace}\u0000${e.entityId}`));
    const rows = await inChunks([...new Set(entities.map((e) => e.entityId))], (chunk) =>
      db
        .selectFrom('entity_summaries')
        .select(['namespace', 'entity_id', 'review_count', 'rating_sum'])
        .where('site_id', '=', siteId)
        .where('entity_id', 'in', chunk)
        .execute(),
    );
    for (const r of rows) {
      const key = `${r.namespace}\u0000${r.entity_id}`;
      if (wanted.has(key)) out.set(key, { count: Number(r.review_count), sum: Number(r.rating_sum) });
    }
    return out;
  },

  /**
   * Inside the import's transaction: drops the secondary indexes of `reviews` (the primary key and the trash index
   * stay) and, on SQLite, the search-index triggers, remembering their definitions and the last rowid before the
   * import. On PostgreSQL the search index is one of the indexes (GIN), and the drop holds the table's exclusive lock
   * until the transaction ends, so no reader sees the table without them.
   */
  dropReviewIndexes: async (trx: Executor, dialect: Dialect): Promise<SavedIndexes> => {
    if (dialect === 'postgres') {
      // Building the indexes of a million rows takes longer than a session's statement timeout allows.
      await sql`set local statement_timeout = 0`.execute(trx);
      const defs = await sql<{ name: string; sql: string }>`
        select i.indexname as name, i.indexdef as sql from pg_indexes i
        where i.schemaname = current_schema() and i.tablename = 'reviews'
          and i.indexname not in (select conname from pg_constraint where conrelid = to_regclass('reviews'))
          and i.indexname not in (${sql.join(KEPT_INDEXES)})`.execute(trx);
      for (const d of defs.rows) await sql`drop index ${sql.id(d.name)}`.execute(trx);
      return { indexes: defs.rows.map((d) => d.sql), triggers: [], lastRowid: 0 };
    }
    const defs = await sql<{ type: string; name: string; sql: string }>`
      select type, name, sql from sqlite_master
      where tbl_name = 'reviews' and type in ('index', 'trigger') and sql is not null
        and name not in (${sql.join(KEPT_INDEXES)})`.execute(trx);
    const last = await sql<{ m: number }>`select coalesce(max(rowid), 0) as m from reviews`.execute(trx);
    for (const d of defs.rows) {
      await sql`drop ${sql.raw(d.type)} ${sql.id(d.name)}`.execute(trx);
    }
    return {
      indexes: defs.rows.filter((d) => d.type === 'index').map((d) => d.sql),
      triggers: defs.rows.filter((d) => d.type === 'trigger').map((d) => d.sql),
      lastRowid: Number(last.rows[0]?.m ?? 0),
    };
  },

  /**
   * Builds the dropped indexes again and, on SQLite, indexes the new rows for search (the whole search index then
   * merged into one segment) and puts the triggers back. On PostgreSQL the builds get a larger sort memory for this
   * transaction only (`maintenance_work_mem`).
   */
  restoreReviewIndexes: async (trx: Executor, dialect: Dialect, saved: SavedIndexes): Promise<void> => {
    if (dialect === 'postgres') {
      await sql`set local maintenance_work_mem = '512MB'`.execute(trx);
      for (const ddl of saved.indexes) await sql.raw(ddl).execute(trx);
      return;
    }
    for (const ddl of saved.indexes) await sql.raw(ddl).execute(trx);
    await sql`insert into reviews_fts(rowid, title, body)
      select rowid, title, body from reviews where rowid > ${saved.lastRowid}`.execute(trx);
    // One segment for the whole index, merged here (2.5 s at 1,000,000 reviews) rather than by the server's search
    // merger after the import, where merging the lists of the commonest words held the write lock for up to a second.
    // `optimize` leaves that segment on the highest level the insert's own merges made, above level 0 where new
    // segments land. An insert that wrote too few segments to merge (a larger `hashsize`, say) would leave it on
    // level 0, and about the fifteenth write after the import would rewrite the whole index (docs/performance.md,
    // Round 15).
    await sql`insert into reviews_fts(reviews_fts) values ('optimize')`.execute(trx);
    for (const ddl of saved.triggers) await sql.raw(ddl).execute(trx);
  },
};
