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

/**
 * Holds a server transaction open (it has written to the site's row) while it awaits this thread, calls `start` to
 * begin the other process's work on the file, lets the transaction commit, waits for both, and returns the site's
 * name as it ends up.
 */
async function besideHeldTransaction(start: (file: string, siteId: string) => Promise<void>): Promise<string> {
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
    const other = start(db.url.slice('sqlite:'.length), site.siteId);
    // Reached only because `start` left the event loop free; the held transaction can now commit.
    release();
    await Promise.all([held, other]);
    const row = await db.db.selectFrom('sites').select('name').where('id', '=', site.siteId).executeTakeFirstOrThrow();
    return row.name;
  } finally {
    await t.close();
    await db.dispose();
  }
}

describe.skipIf(!sqlite)('a write from another process beside a running server on sqlite', () => {
  it('waits for a transaction the server holds open while it awaits this thread, then commits after it', async () => {
    const name = await besideHeldTransaction((file, siteId) =>
      writeFromAnotherProcess(file, 'update sites set name = ? where id = ?', ['other', siteId]),
    );
    expect(name).toBe('other');
  });

  it('takes the write lock for a test once a transaction the server holds open while it awaits this thread commits', async () => {
    const name = await besideHeldTransaction(async (file) => {
      const lock = await holdWriteLockFromAnotherProcess(file);
      await lock.release();
    });
    // The server's write committed; the other process held the lock after it and wrote nothing.
    expect(name).toBe('held');
  });
});
