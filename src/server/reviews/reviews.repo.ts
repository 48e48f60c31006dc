/** Queries on `reviews`. Every method takes the executor first so the service owns the transaction. */
import { sql } from 'kysely';
import type { Dialect } from '../db/database.ts';
import type { Executor } from '../db/executor.ts';
import { insertRows } from '../db/insert-rows.ts';
import { preparedQuery } from '../db/prepared.ts';
import type { NewReviewRow, ReviewRow, ReviewRowPatch } from '../db/schema.ts';
import { compileFilter, keysetCondition } from '../query/compile.ts';
import type { FilterNode } from '../query/filter.ts';

const liveById = preparedQuery((db, p: { siteId: string; id: string }) =>
  db
    .selectFrom('reviews')
    .selectAll()
    .where('site_id', '=', p.siteId)
    .where('id', '=', p.id)
    .where('deleted_at', 'is', null),
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

  /**
   * Inserts rows of one shape with a statement whose SQL is compiled once per row count (`insertRows`): the bulk
   * create path, where compiling a hundred-row insert value by value costs more than running it.
   */
  insertBatch: (db: Executor, rows: readonly NewReviewRow[]): Promise<void> =>
    insertRows(db, 'reviews', rows, (r) => db.insertInto('reviews').values([...r])),

  /**
   * PostgreSQL: inserts rows of one shape in one statement over column arrays (`insert … select from unnest(…)`):
   * one parameter per column whatever the row count, and no SQL to build per row (the bulk path of an import).
   */
  insertArrays: async (db: Executor, rows: readonly NewReviewRow[]): Promise<void> => {
    const first = rows[0];
    if (!first) return;
    const columns = Object.keys(first) as (keyof NewReviewRow)[];
    await sql`insert into reviews (${sql.join(columns.map((c) => sql.id(c)))})
      select * from unnest(${sql.join(
        columns.map((c) => sql`${rows.map((r) => r[c] ?? null)}::${sql.raw(PG_TYPES[c] ?? 'text')}[]`),
      )})`.execute(db);
  },

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
   * Reads reviews of one site and, on PostgreSQL, locks them until the transaction ends: `live` rows, `deleted` ones
   * (the trash) or `any`. Rows are read in id order, so every writer takes its locks in the same global order (the
   * unit of work's lock order). SQLite has no row locks: its `BEGIN IMMEDIATE` transactions already exclude every
   * other writer, and the rows are simply read.
   */
  async lock(
    db: Executor,
    dialect: Dialect,
    siteId: string,
    ids: readonly string[],
    state: 'live' | 'deleted' | 'any',
  ): Promise<ReviewRow[]> {
    const sorted = [...new Set(ids)].sort(byCodeUnit);
    const first = sorted[0];
    if (first === undefined) return [];
    if (sorted.length === 1 && state === 'live') {
      // The hot path (one review changed by one request): a prepared statement, compiled once.
      return dialect === 'postgres'
        ? liveByIdForUpdate(db, { siteId, id: first })
        : liveById(db, { siteId, id: first });
    }
    const out: ReviewRow[] = [];
    for (let i = 0; i < sorted.length; i += IN_CHUNK) {
      let q = db
        .selectFrom('reviews')
        .selectAll()
        .where('site_id', '=', siteId)
        .where('id', 'in', sorted.slice(i, i + IN_CHUNK));
      if (state === 'live') q = q.where('deleted_at', 'is', null);
      if (state === 'deleted') q = q.where('deleted_at', 'is not', null);
      q = q.orderBy('id');
      out.push(...(await (dialect === 'postgres' ? q.forUpdate() : q).execute()));
    }
    return out;
  },

  /**
   * The contact's reviews, live (through the partial unique index `reviews_live_contact_uq`, led by site and contact)
   * or in the trash (through `reviews_trash_idx`, the site's deleted reviews): two queries, because no one index
   * holds both and a query naming neither state would read every review of the site. Exposed so tests can check
   * the plans.
   */
  ofContactQuery: (db: Executor, siteId: string, contactId: string, state: 'live' | 'deleted') =>
    db
      .selectFrom('reviews')
      .where('site_id', '=', siteId)
      .where('deleted_at', state === 'live' ? 'is' : 'is not', null)
      .where('contact_id', '=', contactId),

  /** Ids of the contact's reviews, live and in the trash (GDPR erasure). */
  async idsOfContact(db: Executor, siteId: string, contactId: string): Promise<string[]> {
    const [live, trashed] = await Promise.all([
      reviewsRepo.ofContactQuery(db, siteId, contactId, 'live').select('id').execute(),
      reviewsRepo.ofContactQuery(db, siteId, contactId, 'deleted').select('id').execute(),
    ]);
    return [...live, ...trashed].map((r) => r.id);
  },

  /** Every review of the contact, live and in the trash, oldest first (GDPR export). */
  async ofContact(db: Executor, siteId: string, contactId: string): Promise<ReviewRow[]> {
    const [live, trashed] = await Promise.all([
      reviewsRepo.ofContactQuery(db, siteId, contactId, 'live').selectAll().execute(),
      reviewsRepo.ofContactQuery(db, siteId, contactId, 'deleted').selectAll().execute(),
    ]);
    // (created_at, id) compared by code unit, as the `ordered` columns are on both dialects.
    return [...live, ...trashed].sort((a, b) => byCodeUnit(a.created_at, b.created_at) || byCodeUnit(a.id, b.id));
  },

  /**
   * Writes each row's columns, in the caller's transaction, to rows it has locked. Rows setting the same columns
   * share one statement (`with v(...) as (values ...) update reviews ... from v`), so a batch of a hundred
   * moderation changes is one round trip, not a hundred. PostgreSQL types the values by the target columns.
   */
  async updateMany(
    db: Executor,
    dialect: Dialect,
    siteId: string,
    rows: readonly { id: string; set: ReviewRowPatch }[],
  ): Promise<void> {
    const groups = new Map<string, { id: string; set: Record<string, unknown> }[]>();
    for (const r of rows) {
      const set = Object.fromEntries(Object.entries(r.set).filter(([, v]) => v !== undefined));
      const key = Object.keys(set).sort().join(',');
      groups.set(key, [...(groups.get(key) ?? []), { id: r.id, set }]);
    }
    for (const [key, group] of groups) {
      const columns = key.split(',');
      for (let i = 0; i < group.length; i += UPDATE_CHUNK) {
        const chunk = group.slice(i, i + UPDATE_CHUNK);
        const only = chunk[0];
        if (chunk.length === 1 && only) {
          await db
            .updateTable('reviews')
            .set(only.set as ReviewRowPatch)
            .where('site_id', '=', siteId)
            .where('id', '=', only.id)
            .execute();
          continue;
        }
        const typed = (value: unknown, column: string) =>
          dialect === 'postgres' ? sql`cast(${value} as ${sql.raw(PG_TYPES[column] ?? 'text')})` : sql`${value}`;
        const values = sql.join(
          chunk.map((r) => sql`(${sql.join([sql`${r.id}`, ...columns.map((c) => typed(r.set[c] ?? null, c))])})`),
        );
        await sql`with v (id, ${sql.join(columns.map((c) => sql.ref(c)))}) as (values ${values})
          update reviews set ${sql.join(columns.map((c) => sql`${sql.ref(c)} = v.${sql.ref(c)}`))}
          from v where reviews.site_id = ${siteId} and reviews.id = v.id`.execute(db);
      }
    }
  },

  /** Hard-deletes reviews of one site (purge, erasure); returns the ids that were there. */
  async remove(db: Executor, siteId: string, ids: readonly string[]): Promise<string[]> {
    const out: string[] = [];
    for (let i = 0; i < ids.length; i += IN_CHUNK) {
      const gone = await db
        .deleteFrom('reviews')
        .where('site_id', '=', siteId)
        .where('id', 'in', ids.slice(i, i + IN_CHUNK))
        .returning('id')
        .execute();
      out.push(...gone.map((r) => r.id));
    }
    return out;
  },

  /**
   * SQLite: merges the full-text index's segments, so words of deleted rows leave it now rather than at a later
   * merge (erasure). PostgreSQL's GIN index is over the live rows' expression: nothing to do.
   */
  async mergeSearchIndex(db: Executor, dialect: Dialect): Promise<void> {
    if (dialect === 'sqlite') await sql`insert into reviews_fts(reviews_fts) values ('optimize')`.execute(db);
  },

  /** Ids (and creation dates) of a site's live reviews matching `filter`, after a (created_at, id) position. */
  matching: (
    db: Executor,
    siteId: string,
    filter: FilterNode | null,
    after: readonly [string, string] | undefined,
    limit: number,
  ): Promise<{ id: string; created_at: string }[]> => {
    let q = db
      .selectFrom('reviews')
      .select(['id', 'created_at'])
      .where('site_id', '=', siteId)
      .where('deleted_at', 'is', null);
    if (filter) q = q.where((eb) => compileFilter(eb, filter));
    if (after) q = q.where((eb) => keysetCondition(eb, CREATED_KEYS, after, 'next'));
    return q.orderBy('created_at').orderBy('id').limit(limit).execute();
  },

  /** Deleted reviews of a site, most recently deleted first, after the keyset position (deleted_at, id). */
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
};

/** Ids compared by UTF-16 code unit, as JavaScript sorts them: the order every writer locks reviews in. */
const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Values per `in` list: well under both drivers' bound-parameter limits. */
const IN_CHUNK = 500;
/** Rows per multi-row update: at most a dozen columns each, far below either driver's bound-parameter limit. */
const UPDATE_CHUNK = 200;

/** PostgreSQL types of the non-text columns a change writes (`values` lists arrive untyped). */
const PG_TYPES: Record<string, string> = {
  rating: 'integer',
  found_helpful: 'integer',
  found_unhelpful: 'integer',
  helpfulness: 'integer',
  manually_changed: 'integer',
  verified: 'integer',
  publish_count: 'integer',
  open_reports: 'integer',
  revision: 'bigint',
  event_sequence: 'bigint',
  relevance_rank: 'double precision',
};

/** The order of a job's pass over matching reviews: creation, then id. */
const CREATED_KEYS = [
  { field: 'createdDate', column: 'created_at', order: 'ASC' },
  { field: 'id', column: 'id', order: 'ASC' },
] as const;
