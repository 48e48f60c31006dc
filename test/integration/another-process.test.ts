/**
 * The tests' way of writing as another process (the CLI) writes beside a running server on SQLite. It must not wait
 * for the lock on this process's main thread: the server's writer thread may hold the write lock in a transaction
 * whose next statement this thread has yet to send, and a wait that blocks the event loop would hold both until the
 * busy timeout ran out ("database is locked"). The same holds for a test that holds the write lock itself.
 */
import { describe, expect, it } from 'vitest';
import { UNKNOWN_IDENTITY } from '../../src/contract/index.ts';
import { runReviewWrite } from '../../src/server/reviews/unit-of-work.ts';
import { buildSite, startTestApp } from '../support/app.ts';
import { dialects, holdWriteLockFromAnotherProcess, writeFromAnotherProcess } from '../support/databases.ts';

const sqlite = dialects().find((d) => d.name === 'sqlite');

describe.skipIf(!sqlite)('a write from another process beside a running server on sqlite', () => {
  it('waits for a transaction the server holds open while it awaits this thread, then commits after it', async () => {
    const db = await (sqlite as NonNullable<typeof sqlite>).open();
    const t = await startTestApp(db);
    try {
      const site = await buildSite(t);
      let release!: () => void;
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      let holding!: () => void;
      const locked = new Promise<void>((resolve) => {
        holding = resolve;
      });
      const held = runReviewWrite(t.deps, { siteId: site.siteId, identity: UNKNOWN_IDENTITY }, async (w) => {
        await w.db.updateTable('sites').set({ name: 'held' }).where('id', '=', site.siteId).execute();
        holding();
        await gate;
      });
      await locked;
      const other = writeFromAnotherProcess(db.url.slice('sqlite:'.length), 'update sites set name = ? where id = ?', [
        'other',
        site.siteId,
      ]);
      // Reached only because the call above left the event loop free; the held transaction can now commit.
      release();
      await Promise.all([held, other]);
      const row = await db.db
        .selectFrom('sites')
        .select('name')
        .where('id', '=', site.siteId)
        .executeTakeFirstOrThrow();
      expect(row.name).toBe('other');
    } finally {
      await t.close();
      await db.dispose();
    }
  });

  it('takes the write lock for a test once a transaction the server holds open while it awaits this thread commits', async () => {
    const db = await (sqlite as NonNullable<typeof sqlite>).open();
    const t = await startTestApp(db);
    try {
      const site = await buildSite(t);
      let release!: () => void;
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      let holding!: () => void;
      const locked = new Promise<void>((resolve) => {
        holding = resolve;
      });
      const held = runReviewWrite(t.deps, { siteId: site.siteId, identity: UNKNOWN_IDENTITY }, async (w) => {
        await w.db.updateTable('sites').set({ name: 'held' }).where('id', '=', site.siteId).execute();
        holding();
        await gate;
      });
      await locked;
      const holder = holdWriteLockFromAnotherProcess(db.url.slice('sqlite:'.length));
      // Reached only because the call above left the event loop free; the server's transaction can now commit, and
      // the other process takes the lock after it.
      release();
      await held;
      const lock = await holder;
      await lock.release();
      const row = await db.db
        .selectFrom('sites')
        .select('name')
        .where('id', '=', site.siteId)
        .executeTakeFirstOrThrow();
      expect(row.name).toBe('held');
    } finally {
      await t.close();
      await db.dispose();
    }
  });
});
