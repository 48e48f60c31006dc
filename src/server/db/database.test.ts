import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { type Db, openSqlite } from './database.ts';

describe('openSqlite page cache and memory map', () => {
  const opened: Db[] = [];
  const dirs: string[] = [];
  afterEach(async () => {
    for (const db of opened.splice(0)) await db.close();
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  /**
   * Opens a fresh database file with `opts` and reads back the two settings from its connection, and the page cache
   * of its writer thread's connection if it has one (a pragma sent through Kysely runs there).
   */
  async function settings(opts: Parameters<typeof openSqlite>[1]) {
    const dir = mkdtempSync(join(tmpdir(), 'verdict-db-'));
    dirs.push(dir);
    const db = openSqlite(join(dir, 'verdict.db'), opts);
    opened.push(db);
    if (db.native.dialect !== 'sqlite') throw new Error('expected SQLite');
    const sqlite = db.native.sqlite;
    const writer = db.native.writer
      ? (await sql<{ cache_size: number }>`pragma cache_size`.execute(db.db)).rows[0]?.cache_size
      : undefined;
    return {
      cacheKiB: sqlite.pragma('cache_size', { simple: true }),
      mmapBytes: sqlite.pragma('mmap_size', { simple: true }),
      writerCacheKiB: writer,
    };
  }

  it('gives the connection the page cache and memory map it is asked for', async () => {
    expect(await settings({ sqliteCacheMb: 96, sqliteMmapMb: 8 })).toEqual({
      cacheKiB: -96 * 1024,
      mmapBytes: 8 * 2 ** 20,
      writerCacheKiB: undefined,
    });
  });

  it('shares the page cache with the writer thread: a quarter for the thread, the rest for the main connection', async () => {
    expect(await settings({ sqliteCacheMb: 96, sqliteWriterThread: true })).toEqual({
      cacheKiB: -72 * 1024,
      mmapBytes: 0,
      writerCacheKiB: -24 * 1024,
    });
  });

  it("keeps the driver's 16 MB cache and no map when not asked (the CLI and the tests)", async () => {
    expect(await settings({})).toEqual({ cacheKiB: -16 * 1024, mmapBytes: 0, writerCacheKiB: undefined });
  });
});

/** Files this process has open whose name says SQLite made them as temporary files (`etilqs_…`, deleted at open). */
function openTempFiles(): number {
  let n = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`).includes('etilqs_')) n++;
    } catch {
      // Closed between the listing and the read.
    }
  }
  return n;
}

describe.runIf(existsSync('/proc/self/fd'))('openSqlite temporary storage', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('keeps the statement journal of a large statement inside a transaction in memory, not in a temp file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'verdict-db-'));
    dirs.push(dir);
    const db = openSqlite(join(dir, 'verdict.db'));
    try {
      if (db.native.dialect !== 'sqlite') throw new Error('expected SQLite');
      const sqlite = db.native.sqlite;
      let most = 0;
      sqlite.function('probe', () => {
        most = Math.max(most, openTempFiles());
        return 0;
      });
      sqlite.exec(`create table t (id integer primary key, k text unique, body text);
        with recursive n(i) as (select 1 union all select i + 1 from n where i < 2000)
        insert into t (k, body) select 'k' || i, printf('%.1000c', 'x') from n;`);
      // An update of existing pages that may fail on the unique key halfway, inside a transaction: SQLite saves the
      // original of each page it changes (about 2 MB here) so it can undo this statement alone.
      sqlite.exec('begin');
      sqlite.exec("update t set body = body || 'y', k = k || probe()");
      sqlite.exec('commit');
      expect(sqlite.prepare('select count(*) as n from t where body like ?').get('%y')).toEqual({ n: 2000 });
      expect(most).toBe(0);
    } finally {
      await db.close();
    }
  });
});

describe('bulkWrite on an SQLite file', () => {
  const opened: { close(): unknown }[] = [];
  const dirs: string[] = [];
  afterEach(async () => {
    for (const db of opened.splice(0)) await db.close();
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  function open(lockTimeoutMs?: number) {
    const dir = mkdtempSync(join(tmpdir(), 'verdict-db-'));
    dirs.push(dir);
    const path = join(dir, 'verdict.db');
    const db = openSqlite(path, { lockTimeoutMs });
    opened.push(db);
    if (db.native.dialect !== 'sqlite') throw new Error('expected SQLite');
    const sqlite = db.native.sqlite;
    sqlite.exec('create table t (x integer)');
    const modes = () => ({
      journal: sqlite.pragma('journal_mode', { simple: true }),
      synchronous: sqlite.pragma('synchronous', { simple: true }),
    });
    return { db, sqlite, path, modes };
  }

  /** The journal mode the file's header keeps for the next open: 2 and 2 for WAL, 1 and 1 for a rollback journal. */
  const headerModes = (path: string) => [...readFileSync(path).subarray(18, 20)];

  it('commits through a rollback journal with FULL sync when it is alone, then goes back to WAL and NORMAL', async () => {
    const { db, sqlite, path, modes } = open();
    const inside = await db.bulkWrite(async () => {
      sqlite.exec('begin immediate; insert into t values (1), (2); commit');
      return { modes: modes(), header: headerModes(path) };
    });
    expect(inside).toEqual({ modes: { journal: 'delete', synchronous: 2 }, header: [1, 1] });
    expect(modes()).toEqual({ journal: 'wal', synchronous: 1 });
    expect(headerModes(path)).toEqual([2, 2]);
    const other = new Database(path);
    opened.push(other);
    expect(other.prepare('select count(*) as n from t').get()).toEqual({ n: 2 });
  });

  it("sorts through temp files inside (an index build's sorter spills), in memory again afterwards", async () => {
    const { db, sqlite } = open();
    const tempStore = () => sqlite.pragma('temp_store', { simple: true });
    expect(await db.bulkWrite(async () => tempStore())).toBe(1);
    expect(tempStore()).toBe(2);
  });

  it('keeps temporary storage as it is on a connection holding temporary objects, which a switch would drop', async () => {
    const { db, sqlite } = open();
    sqlite.exec('create temp table marker (x integer); insert into marker values (7)');
    const inside = await db.bulkWrite(async () => sqlite.pragma('temp_store', { simple: true }));
    expect(inside).toBe(2);
    expect(sqlite.prepare('select x from temp.marker').pluck().all()).toEqual([7]);
  });

  it('stays in WAL, without waiting for the lock, while another connection has the file open', async () => {
    // A wait for the lock would outlast the test's own timeout.
    const { db, path, modes } = open(60_000);
    const reader = new Database(path);
    opened.push(reader);
    reader.prepare('select count(*) from t').get();
    const inside = await db.bulkWrite(async () => modes());
    expect(inside).toEqual({ journal: 'wal', synchronous: 1 });
    expect(modes()).toEqual({ journal: 'wal', synchronous: 1 });
  });

  it('makes another open of the file fail, naming the lock, while a journaled write holds it', async () => {
    const { db, sqlite, path } = open();
    await db.bulkWrite(async () => {
      sqlite.exec('begin immediate; insert into t values (1)');
      try {
        expect(() => openSqlite(path, { lockTimeoutMs: 10 })).toThrow(/is locked by another process's write/);
      } finally {
        sqlite.exec('commit');
      }
    });
    // Once the write has committed the file opens, in WAL mode.
    const again = openSqlite(path, { lockTimeoutMs: 10 });
    opened.push(again);
    if (again.native.dialect !== 'sqlite') throw new Error('expected SQLite');
    expect(again.native.sqlite.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(again.native.sqlite.prepare('select x from t').all()).toEqual([{ x: 1 }]);
  });

  it('leaves the file as it was and goes back to WAL when the work fails', async () => {
    const { db, sqlite, path, modes } = open();
    const failing = db.bulkWrite(async () => {
      sqlite.exec('begin immediate; insert into t values (1)');
      try {
        throw new Error('the import failed');
      } finally {
        sqlite.exec('rollback');
      }
    });
    await expect(failing).rejects.toThrow('the import failed');
    expect(modes()).toEqual({ journal: 'wal', synchronous: 1 });
    expect(headerModes(path)).toEqual([2, 2]);
    expect(sqlite.prepare('select count(*) as n from t').get()).toEqual({ n: 0 });
  });

  it('checkpoints on its thread again afterwards: a later commit is copied into the file without the writer', async () => {
    const { db, sqlite, path } = open();
    await db.bulkWrite(async () => undefined);
    sqlite.exec('insert into t values (1)');
    // The WAL index (-shm, native byte order): frames in the WAL at byte 16, frames copied into the file at byte 96.
    // The writer's own autocheckpoint waits for 65,536 pages; only the checkpointer thread copies one frame.
    const deadline = Date.now() + 10_000;
    for (;;) {
      const shm = readFileSync(`${path}-shm`);
      const inWal = shm.readUInt32LE(16);
      if (inWal > 0 && shm.readUInt32LE(96) === inWal) break;
      if (Date.now() > deadline) throw new Error('the commit was never checkpointed');
      await new Promise((r) => setTimeout(r, 10));
    }
  });
});
