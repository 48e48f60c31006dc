/**
 * Less index work per review write. Frozen once shipped.
 * - `reviews_live_contact_uq` on `(site_id, contact_id, namespace, entity_id) where deleted_at is null and contact_id
 *   is not null` replaces two B-trees: `reviews_live_author_uq` (the same columns led by namespace and entity: the
 *   one-live-review-per-author rule, docs/adr/0001-storage-and-ids.md) and `reviews_contact_idx` (site, contact,
 *   created_at, id over live rows: an author's reviews). Led by the contact, one unique index serves the rule's
 *   check (every column equal) and every read by contact (erasure, export, the author's reviews, the duplicate-slot
 *   checks of bulk creates and imports) as an index range. What it gives up: an author's reviews are no longer read
 *   in creation order from the index, so a page of them sorts the author's few rows.
 * - SQLite's full-text table is built again with `detail=none, columnsize=0`: it stores which rows hold a token and
 *   nothing else (no positions, no column, no column sizes). The search Verdict runs (docs/query.md) is every token
 *   as a one-token string, the last as a prefix, with no column filter, phrase, NEAR or ranking, so the same rows
 *   match. The triggers are dropped and created again unchanged (they refer to the table by name).
 * PostgreSQL's GIN index over a tsvector is untouched: a tsvector without positions is not an index option.
 */
import { type Kysely, SqliteAdapter, sql } from 'kysely';

const FTS_TRIGGERS = ['reviews_fts_ai', 'reviews_fts_ad', 'reviews_fts_au'];

async function buildFts(db: Kysely<any>, options: string): Promise<void> {
  for (const t of FTS_TRIGGERS) await sql`drop trigger if exists ${sql.id(t)}`.execute(db);
  await sql`drop table if exists reviews_fts`.execute(db);
  await sql`create virtual table reviews_fts using fts5(title, body, content='reviews', content_rowid='rowid', tokenize='unicode61 remove_diacritics 2'${sql.raw(options)})`.execute(
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
}

export async function up(db: Kysely<any>): Promise<void> {
  // Built before the two it replaces are dropped, so the rule holds throughout.
  await db.schema
    .createIndex('reviews_live_contact_uq')
    .on('reviews')
    .columns(['site_id', 'contact_id', 'namespace', 'entity_id'])
    .unique()
    .where(sql<boolean>`deleted_at is null and contact_id is not null`)
    .execute();
  await db.schema.dropIndex('reviews_live_author_uq').execute();
  await db.schema.dropIndex('reviews_contact_idx').execute();
  // SQLite only: PostgreSQL's search index stays as it is.
  if (db.getExecutor().adapter instanceof SqliteAdapter) await buildFts(db, ', detail=none, columnsize=0');
}

export async function down(db: Kysely<any>): Promise<void> {
  if (db.getExecutor().adapter instanceof SqliteAdapter) await buildFts(db, '');
  await db.schema
    .createIndex('reviews_contact_idx')
    .on('reviews')
    .columns(['site_id', 'contact_id', 'created_at', 'id'])
    .where(sql<boolean>`deleted_at is null`)
    .execute();
  await db.schema
    .createIndex('reviews_live_author_uq')
    .on('reviews')
    .columns(['site_id', 'namespace', 'entity_id', 'contact_id'])
    .unique()
    .where(sql<boolean>`deleted_at is null and contact_id is not null`)
    .execute();
  await db.schema.dropIndex('reviews_live_contact_uq').execute();
}
