/**
 * SQLite's full-text index is merged between writes, not inside them: after the migration, FTS5 does not merge in
 * the writes that add segments, and the search merger's rounds merge them in slices, with every indexed row still
 * found, and take no write lock while nothing was written since the last round that found nothing to do.
 */
import SqliteDatabase from 'better-sqlite3';
import { sql } from 'kysely';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as migration from '../../src/server/db/migrations/2026_12_07_1901_search_merge_off_writes.ts';
import * as wider from '../../src/server/db/migrations/2026_12_07_2201_search_merge_wider.ts';
import { createSearchMerger, mergeSearchSlice } from '../../src/server/query/search-merge.ts';
import { dialects, type TestDb } from '../support/databases.ts';

const sqlite = dialects().filter((d) => d.name === 'sqlite');

describe.each(sqlite)('the search merger on $name', (dialect) => {
  let db: TestDb;
  beforeAll(async () => {
    db = await dialect.open();
  });
  afterAll(async () => {
    await db.dispose();
  });

  const setting = async (key: string): Promise<number | undefined> =>
    (await sql<{ v: number }>`select v from reviews_fts_config where k = ${key}`.execute(db.db)).rows[0]?.v;
  const automerge = () => setting('automerge');
  const segments = async (): Promise<number> =>
    Number(
      (await sql<{ n: number }>`select count(distinct segid) as n from reviews_fts_idx`.execute(db.db)).rows[0]?.n,
    );
  const matching = async (word: string): Promise<number[]> =>
    (
      await sql<{
        rowid: number;
      }>`select rowid from reviews_fts where reviews_fts match ${word} order by rowid`.execute(db.db)
    ).rows.map((r) => Number(r.rowid));
  /** One write per row, so each leaves a segment of its own (the index's content table is not read here). */
  const indexRows = async (from: number, count: number): Promise<void> => {
    for (let i = from; i < from + count; i++)
      await sql`insert into reviews_fts(rowid, title, body) values (${i}, ${`title ${i}`}, ${`kettle number${i}`})`.execute(
        db.db,
      );
  };

  it('turns FTS5 merging off in writes, and back on when undone', async () => {
    // Nothing indexed yet: nothing to merge, and the round ends.
    expect(await createSearchMerger({ db: db.db, log: pino({ level: 'silent' }) }).runOnce()).toBe(0);
    expect(await automerge()).toBe(0);
    await migration.down(db.db);
    expect(await automerge()).toBe(4);
    await migration.up(db.db);
    expect(await automerge()).toBe(0);
  });

  it('merges sixteen segments of a level at a time, with FTS5 merging inside a write only at 32, and back when undone', async () => {
    expect([await setting('usermerge'), await setting('crisismerge')]).toEqual([16, 32]);
    await wider.down(db.db);
    expect([await setting('usermerge'), await setting('crisismerge')]).toEqual([4, 16]);
    await wider.up(db.db);
    expect([await setting('usermerge'), await setting('crisismerge')]).toEqual([16, 32]);
  });

  it('leaves segments to the merger, which merges them in slices without losing a row', async () => {
    await indexRows(1, 24);
    // Without automerge each write kept its segment (FTS5's crisis merge starts at 32 on one level).
    expect(await segments()).toBe(24);

    const merger = createSearchMerger({ db: db.db, log: pino({ level: 'silent' }) });
    expect(await merger.runOnce()).toBeGreaterThan(0);
    // Merged down to fewer segments than the merge threshold (16 on a level).
    expect(await segments()).toBeLessThan(16);
    expect(await matching('kettle')).toEqual(Array.from({ length: 24 }, (_, i) => i + 1));
    expect(await matching('number7')).toEqual([7]);
    expect(await mergeSearchSlice(db.db)).toBe(false);

    // Nothing written since: the next round only reads the index's structure. Another connection holds the write
    // lock meanwhile, so a round that asked for a slice would wait for it and fail.
    const other = new SqliteDatabase(db.url.replace(/^sqlite:/, ''));
    other.exec('begin immediate');
    try {
      expect(await merger.runOnce()).toBe(0);
    } finally {
      other.exec('rollback');
      other.close();
    }

    // New segments make it look again.
    await indexRows(25, 16);
    expect(await merger.runOnce()).toBeGreaterThan(0);
    expect(await segments()).toBeLessThan(16);
    expect(await matching('kettle')).toHaveLength(40);
    await merger.stop();
  });
});
