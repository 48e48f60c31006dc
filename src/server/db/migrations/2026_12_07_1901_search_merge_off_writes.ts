/**
 * SQLite's full-text index stops merging its segments inside the writes that add to it. Frozen once shipped.
 *
 * FTS5 writes the words of each transaction's new rows as a small segment and, by default (`automerge` 4), merges
 * segments as part of those same writes: every 64 leaf pages written, the write that crosses the mark also merges
 * up to 64 pages per level of the index. On a 1,000,000-review database that merge landed in one create in a few
 * hundred, holding the write lock for 40–90 ms of CPU (docs/performance.md, Round 14). With `automerge` 0 the writes
 * only add segments, and the server merges them in small slices between writes (query/search-merge.ts). FTS5's own
 * `crisismerge` (16 segments on one level) still bounds the index when nothing merges: a CLI that writes while no
 * server runs, or a server on an older version.
 * PostgreSQL's GIN index has no segments to merge: nothing to do there.
 */
import { type Kysely, SqliteAdapter, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  // SQLite only (see above). The setting is stored in the full-text table's own configuration.
  if (db.getExecutor().adapter instanceof SqliteAdapter)
    await sql`insert into reviews_fts(reviews_fts, rank) values ('automerge', 0)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  // SQLite only: back to FTS5's default.
  if (db.getExecutor().adapter instanceof SqliteAdapter)
    await sql`insert into reviews_fts(reviews_fts, rank) values ('automerge', 4)`.execute(db);
}
