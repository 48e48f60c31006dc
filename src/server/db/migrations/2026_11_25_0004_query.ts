/**
 * Query paths: one index per sortable key on an entity's published reviews, and full-text search over title and
 * body (SQLite FTS5 kept by triggers; PostgreSQL a GIN index over a `simple` tsvector). Frozen once shipped.
 */
import { type Kysely, SqliteAdapter, sql } from 'kysely';

const SORT_INDEXES: [string, string][] = [
  ['reviews_entity_status_rating_idx', 'rating'],
  ['reviews_entity_status_helpfulness_idx', 'helpfulness'],
  ['reviews_entity_status_relevance_idx', 'relevance_score'],
];

export async function up(db: Kysely<any>): Promise<void> {
  const sqlite = db.getExecutor().adapter instanceof SqliteAdapter;
  // Sorting by a key breaks ties by createdDate then id (same direction), so (key, created_at, id) serves it.
  for (const [name, column] of SORT_INDEXES) {
    await db.schema
      .createIndex(name)
      .on('reviews')
      .columns(['site_id', 'entity_id', 'moderation_status', column, 'created_at', 'id'])
      .where(sql<boolean>`deleted_at is null`)
      .execute();
  }

  // Counting one entity's published reviews from summaries, when the namespace is not given.
  await db.schema
    .createIndex('entity_summaries_entity_idx')
    .on('entity_summaries')
    .columns(['site_id', 'entity_id'])
    .execute();

  if (sqlite) {
    // External-content FTS5 table over reviews.rowid; diacritics folded so "cafe" finds "café".
    await sql`create virtual table reviews_fts using fts5(title, body, content='reviews', content_rowid='rowid', tokenize='unicode61 remove_diacritics 2')`.execute(
      db,
    );
    await sql`insert into reviews_fts(rowid, title, body) select rowid, title, body from reviews`.execute(db);
    await sql`create trigger reviews_fts_ai after insert on reviews begin
      insert into reviews_fts(rowid, title, body) values (new.rowid, new.title, new.body); end`.execute(db);
    await sql`create trigger reviews_fts_ad after delete on reviews begin
      insert into reviews_fts(reviews_fts, rowid, title, body) values ('delete', old.rowid, old.title, old.body); end`.execute(
      db,
    );
    await sql`create trigger reviews_fts_au after update of title, body on reviews begin
      insert into reviews_fts(reviews_fts, rowid, title, body) values ('delete', old.rowid, old.title, old.body);
      insert into reviews_fts(rowid, title, body) values (new.rowid, new.title, new.body); end`.execute(db);
  } else {
    await sql`create index reviews_search_idx on reviews using gin (to_tsvector('simple', coalesce(title, '') || ' ' || coalesce(body, '')))`.execute(
      db,
    );
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  const sqlite = db.getExecutor().adapter instanceof SqliteAdapter;
  if (sqlite) {
    for (const t of ['reviews_fts_ai', 'reviews_fts_ad', 'reviews_fts_au'])
      await sql`drop trigger if exists ${sql.id(t)}`.execute(db);
    await sql`drop table if exists reviews_fts`.execute(db);
  } else {
    await sql`drop index if exists reviews_search_idx`.execute(db);
  }
  for (const [name] of SORT_INDEXES) await db.schema.dropIndex(name).ifExists().execute();
  await db.schema.dropIndex('entity_summaries_entity_idx').ifExists().execute();
}
