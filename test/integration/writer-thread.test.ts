/**
 * The SQLite writer thread (src/server/db/writer-thread.ts) on a real file: which connection runs what, transactions
 * holding the thread's lane, errors as the driver's own, the change signal telling the thread's commits from another
 * process's, outbox wake-ups, and a thread that has stopped.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ChangeSignal, createChangeSignal } from '../../src/server/db/change-signal.ts';
import { type Db, openSqlite } from '../../src/server/db/database.ts';
import { migrateToLatest } from '../../src/server/db/migrate.ts';
import { probeReadiness } from '../../src/server/db/readiness.ts';
import { unavailableReason } from '../../src/server/errors.ts';

let dir: string;
let path: string;
let db: Db;
let signal: ChangeSignal | undefined;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'verdict-writer-'));
  path = join(dir, 'verdict.db');
  db = openSqlite(path, { sqliteWriterThread: true });
  await migrateToLatest(db.db);
});

afterEach(async () => {
  await signal?.close();
  signal = undefined;
  await db.close();
  rmSync(dir, { recursive: true, force: true });
});

const native = () => {
  if (db.native.dialect !== 'sqlite') throw new Error('sqlite expected');
  return db.native;
};

const siteRow = (id: string) =>
  `insert into sites (id, name, client_id, token_secret, settings_json, created_at)
   values ('${id}', '${id}', '${id}', 'secret', '{}', '2026-01-01T00:00:00.000Z')`;
const insertSite = (id: string) => sql.raw(siteRow(id)).execute(db.db);

/** A reading of the signal as a request starting now makes it. */
const reading = () => {
  signal?.renew?.();
  return signal?.epoch();
};

describe('the SQLite writer thread', () => {
  it('runs writes on its own connection and reads on the main one, which sees each write once it is answered', async () => {
    const { sqlite, writer } = native();
    expect(writer).toBeDefined();
    await insertSite('s-1');
    // The main connection has committed nothing: its own changes count stays at zero.
    expect(sqlite.prepare('select total_changes()').pluck().get()).toBe(0);
    const rows = await sql<{ id: string }>`select id from sites where id = 's-1'`.execute(db.db);
    expect(rows.rows).toEqual([{ id: 's-1' }]);
    const updated = await sql`update sites set name = 'renamed' where id = 's-1'`.execute(db.db);
    expect(updated.numAffectedRows).toBe(1n);
    expect(sqlite.prepare("select name from sites where id = 's-1'").pluck().get()).toBe('renamed');
  });

  it('holds the lane for a transaction: reads go on and see the state before it, a lone write waits for it', async () => {
    let enter!: () => void;
    const entered = new Promise<void>((resolve) => {
      enter = resolve;
    });
    let finish!: () => void;
    const finished = new Promise<void>((resolve) => {
      finish = resolve;
    });
    const order: string[] = [];
    const trx = db.db.transaction().execute(async (t) => {
      await sql.raw(siteRow('in-trx')).execute(t);
      // Its own read runs on the thread and sees its insert.
      const own = await sql<{ n: number }>`select count(*) as n from sites where id = 'in-trx'`.execute(t);
      expect(own.rows[0]?.n).toBe(1);
      enter();
      await finished;
      order.push('commit');
    });
    await entered;
    // A read outside it is answered while it is open, without its uncommitted row.
    const outside = await sql<{ n: number }>`select count(*) as n from sites where id = 'in-trx'`.execute(db.db);
    expect(outside.rows[0]?.n).toBe(0);
    const lone = insertSite('after-trx').then(() => order.push('lone write'));
    finish();
    await Promise.all([trx, lone]);
    expect(order).toEqual(['commit', 'lone write']);
    const both = await sql<{ n: number }>`select count(*) as n from sites where id in ('in-trx', 'after-trx')`.execute(
      db.db,
    );
    expect(both.rows[0]?.n).toBe(2);
  });

  it('rolls a failed transaction back and answers its error as the driver would, with its code', async () => {
    await insertSite('dup');
    const failed = db.db
      .transaction()
      .execute(async (t) => {
        await sql.raw(siteRow('kept-out')).execute(t);
        await sql.raw(siteRow('dup')).execute(t);
      })
      .catch((err: unknown) => err);
    const err = await failed;
    expect(err).toBeInstanceOf(Database.SqliteError);
    expect((err as { code: string }).code).toMatch(/^SQLITE_CONSTRAINT/);
    const rows = await sql<{ n: number }>`select count(*) as n from sites where id = 'kept-out'`.execute(db.db);
    expect(rows.rows[0]?.n).toBe(0);
    // The lane was given back: the next write goes through.
    await insertSite('next');
  });

  it("shapes the main connection's rows by the schema the thread changed", async () => {
    await insertSite('s-1');
    const before = await sql<Record<string, unknown>>`select * from sites`.execute(db.db);
    expect(before.rows[0]).not.toHaveProperty('extra');
    await sql`alter table sites add column extra text not null default 'x'`.execute(db.db);
    const after = await sql<Record<string, unknown>>`select * from sites`.execute(db.db);
    expect(after.rows[0]).toMatchObject({ id: 's-1', extra: 'x' });
  });

  it("keeps the change signal's epoch on the thread's commits and moves it on another connection's", async () => {
    const { sqlite, writer } = native();
    signal = createChangeSignal({ dialect: 'sqlite', sqlite, writer });
    const other = new Database(path);
    try {
      const start = reading();
      expect(start).toBeDefined();
      for (let i = 0; i < 20; i++) {
        await insertSite(`own-${i}`);
        expect(reading()).toBe(start);
      }
      other.exec(siteRow('other-1'));
      const moved = reading();
      expect(moved).not.toBe(start);
      // Another process's commit between two of the thread's is seen too.
      await insertSite('own-a');
      other.exec(siteRow('other-2'));
      await insertSite('own-b');
      const again = reading();
      expect(again).not.toBe(moved);
      await insertSite('own-c');
      expect(reading()).toBe(again);
    } finally {
      other.close();
    }
  });

  it('drops the caches once when the thread flags a published commit that failed', async () => {
    const { sqlite, writer } = native();
    if (!writer) throw new Error('writer expected');
    signal = createChangeSignal({ dialect: 'sqlite', sqlite, writer });
    const start = reading();
    await insertSite('own-1');
    expect(reading()).toBe(start);
    // What the thread does when a commit whose value it had published fails (slot 1 of the ring).
    Atomics.store(writer.published, 1, 1);
    const moved = reading();
    expect(moved).not.toBe(start);
    expect(reading()).toBe(moved);
    await insertSite('own-2');
    expect(reading()).toBe(moved);
  });

  it("keeps the epoch on a signal that is not told of the thread: every one of the thread's commits moves it", async () => {
    // The guard on the test above: without the published commits, the thread's commits look like another process's.
    const { sqlite } = native();
    signal = createChangeSignal({ dialect: 'sqlite', sqlite });
    const start = reading();
    await insertSite('own-1');
    expect(reading()).not.toBe(start);
  });

  it("wakes the outbox's listeners with the sites of the events the thread committed", async () => {
    const { sqlite, writer } = native();
    signal = createChangeSignal({ dialect: 'sqlite', sqlite, writer });
    signal.start({ warn() {}, error() {} } as never);
    const woken: (string | null)[] = [];
    const unsubscribe = signal.onOutboxEvents?.((site) => woken.push(site));
    await insertSite('site-a');
    await sql`insert into outbox_events (site_id, id, event_type, slug, entity_id, entity_event_sequence, body_json, created_at)
      values ('site-a', 'e-1', 'wix.reviews.v2.review_created', 'created', 'r-1', 1, '{}', 'x')`.execute(db.db);
    await expect.poll(() => woken).toContain('site-a');
    unsubscribe?.();
  });

  it('refuses writes as a database that cannot be reached once the thread has stopped, and fails readiness', async () => {
    await probeReadiness(db.db, 'sqlite');
    const { writer } = native();
    await (writer as unknown as { close(): Promise<void> }).close();
    const err = await insertSite('late').catch((e: unknown) => e);
    expect(unavailableReason(err)).toBe('unreachable');
    await expect(probeReadiness(db.db, 'sqlite')).rejects.toThrow();
    // Reads still work.
    const rows = await sql<{ n: number }>`select count(*) as n from sites`.execute(db.db);
    expect(rows.rows[0]?.n).toBe(0);
  });
});
