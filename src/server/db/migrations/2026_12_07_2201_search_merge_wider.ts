/**
 * SQLite's full-text index merges sixteen segments of a level at a time instead of four. Frozen once shipped.
 *
 * FTS5 keeps its segments on levels: new ones land on level 0, and merging a level's segments writes one segment to
 * the next level up. The server's search merger (query/search-merge.ts) asks for a merge once a level holds
 * `usermerge` segments, 4 by default. Each row's words are then copied again at every level, and the largest segment
 * (all the reviews an import brought, say) soon joins a merge with newer ones: after an import of 1,000,000 reviews
 * the merger spent the first seconds of creates copying that whole index again in slices, and the first 5 s of
 * creates ran at about half their later rate (docs/performance.md, Round 15). With `usermerge` 16 a row is copied half
 * as often, and the largest segment waits for many times as many new ones before it is merged again.
 *
 * `crisismerge`, the count at which FTS5 merges a level inside the write that adds to it, goes from 16 to 32, so the
 * merger, which runs between writes, gets to a level first. The cost: a search reads more segments, up to about 15 a
 * level instead of 3 (a one-word search of 1,000,000 reviews took 0.11 ms instead of 0.09 ms).
 * PostgreSQL's GIN index has no segments to merge: nothing to do there.
 */
import { type Kysely, SqliteAdapter, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  if (db.getExecutor().adapter instanceof SqliteAdapter) {
    await sql`insert into reviews_fts(reviews_fts, rank) values ('usermerge', 16)`.execute(db);
    await sql`insert into reviews_fts(reviews_fts, rank) values ('crisismerge', 32)`.execute(db);
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  // SQLite only: back to FTS5's defaults.
  if (db.getExecutor().adapter instanceof SqliteAdapter) {
    await sql`insert into reviews_fts(reviews_fts, rank) values ('usermerge', 4)`.execute(db);
    await sql`insert into reviews_fts(reviews_fts, rank) values ('crisismerge', 16)`.execute(db);
  }
}
