/**
 * Merges SQLite's full-text index in the background, a slice at a time, instead of inside the writes that add to it.
 *
 * FTS5 stores the words of each transaction's new rows as a new segment, and a search reads every segment, so
 * segments have to be merged. Left to FTS5 (`automerge`), the merge runs inside whichever write crosses its mark,
 * about 64 pages per level of the index at once: 40–90 ms of one create's transaction on a 1,000,000-review
 * database, every few hundred creates (docs/performance.md, Round 14). A migration sets `automerge` to 0, and this
 * loop asks for the same work in slices of {@link SLICE_PAGES} pages, each its own short transaction, so a create
 * waits for one slice at most rather than for a whole merge step. A level is merged once it holds `usermerge`
 * segments, which a second migration raised from FTS5's 4 to 16 (fewer copies of each row, and the largest segment
 * merged again far less often). If the loop falls behind, FTS5's `crisismerge` still merges a level of 32 segments
 * inside the write that makes it.
 *
 * SQLite only: PostgreSQL's GIN index has no segments to merge.
 */
import type { FastifyBaseLogger } from 'fastify';
import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/schema.ts';
import { createPollingLoop, yieldToEventLoop } from '../polling-loop.ts';

/**
 * Pages of merge output per slice. Replayed on a 1,000,000-review index: half the slices took under 0.3 ms and 99 %
 * under 13 ms; FTS5 checks the budget between words only, so a slice that reaches a word found in very many rows
 * copies its whole list (one slice of 660 took 0.5 s, as the same merge would have inside a write).
 */
export const SLICE_PAGES = 64;
/** How often the loop looks for segments to merge. A level fills with segments in seconds under a steady write load. */
export const SEARCH_MERGE_INTERVAL_MS = 250;

/**
 * The index's structure record (FTS5 keeps it in row 10 of its data table): which segments exist on which level, and
 * how far a merge has gone. Every segment written and every slice of merge work changes it.
 */
async function structure(db: Kysely<Database>): Promise<Uint8Array | undefined> {
  const r = await sql<{ block: Uint8Array }>`select block from reviews_fts_data where id = 10`.execute(db);
  return r.rows[0]?.block;
}

/** Equal structures; an index without one (nothing written yet) has nothing to merge. */
const same = (a: Uint8Array | undefined, b: Uint8Array | undefined): boolean =>
  a === undefined || b === undefined ? a === b : Buffer.from(a).equals(b);

/**
 * One slice of merge work in a transaction of its own: true when FTS5 merged something (more may be left), false when
 * no level holds enough segments to merge. Only the connection's change count tells the two apart, and only inside the
 * transaction, where no other write can add to it: a `merge` that did nothing adds one change (its own row), one that
 * wrote pages adds more. (The structure record cannot tell them apart while other writes add segments beside it.)
 */
export async function mergeSearchSlice(db: Kysely<Database>, pages = SLICE_PAGES): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const changes = async () => Number((await sql<{ n: number }>`select total_changes() as n`.execute(trx)).rows[0]?.n);
    const before = await changes();
    await sql`insert into reviews_fts(reviews_fts, rank) values ('merge', ${pages})`.execute(trx);
    return (await changes()) - before >= 2;
  });
}

export interface SearchMerger {
  start(): void;
  /** Stops after the current slice; resolves when the loop has exited. */
  stop(): Promise<void>;
  /** One round now: slices until nothing is left to merge. Returns how many slices merged something. */
  runOnce(): Promise<number>;
}

/** The loop of one server instance; several instances on one file merge by turns, each slice under the write lock. */
export function createSearchMerger(deps: {
  db: Kysely<Database>;
  log: FastifyBaseLogger;
  intervalMs?: number;
}): SearchMerger {
  let settled: Uint8Array | undefined;
  async function runOnce(): Promise<number> {
    let merged = 0;
    while (!loop.stopping) {
      // While the structure is the one read before a slice that found nothing to do, there is still nothing to do,
      // and no write lock is taken to learn it (an idle server writes nothing after its first round). Read before
      // the slice: a segment written between the two makes the next round look again.
      const before = await structure(deps.db);
      if (same(before, settled)) break;
      if (!(await mergeSearchSlice(deps.db))) {
        settled = before;
        break;
      }
      merged++;
      await yieldToEventLoop();
    }
    return merged;
  }

  const loop = createPollingLoop({
    name: 'search-merge',
    intervalMs: deps.intervalMs ?? SEARCH_MERGE_INTERVAL_MS,
    log: deps.log,
    drain: async () => {
      await runOnce();
    },
  });
  return { start: () => loop.start(), stop: () => loop.stop(), runOnce };
}
