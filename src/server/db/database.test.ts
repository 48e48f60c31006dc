import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Db, openSqlite } from './database.ts';

describe('openSqlite page cache and memory map', () => {
  const opened: Db[] = [];
  const dirs: string[] = [];
  afterEach(async () => {
    for (const db of opened.splice(0)) await db.close();
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  /** Opens a fresh database file with `opts` and reads back the two settings from its connection. */
  function settings(opts: Parameters<typeof openSqlite>[1]) {
    const dir = mkdtempSync(join(tmpdir(), 'verdict-db-'));
    dirs.push(dir);
    const db = openSqlite(join(dir, 'verdict.db'), opts);
    opened.push(db);
    if (db.native.dialect !== 'sqlite') throw new Error('expected SQLite');
    const sqlite = db.native.sqlite;
    return {
      cacheKiB: sqlite.pragma('cache_size', { simple: true }),
      mmapBytes: sqlite.pragma('mmap_size', { simple: true }),
    };
  }

  it('gives the connection the page cache and memory map it is asked for', () => {
    expect(settings({ sqliteCacheMb: 96, sqliteMmapMb: 8 })).toEqual({ cacheKiB: -96 * 1024, mmapBytes: 8 * 2 ** 20 });
  });

  it("keeps the driver's 16 MB cache and no map when not asked (the CLI and the tests)", () => {
    expect(settings({})).toEqual({ cacheKiB: -16 * 1024, mmapBytes: 0 });
  });
});
