/**
 * The review unit of work's own guarantees, on both dialects: after-commit callbacks and hooks run once the write
 * has committed and never for a write that rolled back or was retried; conflicts are retried and other errors are
 * not; reviews are locked in one global order, so writes that name the same reviews in different orders never
 * deadlock; a change needs the row's lock; and a bulk job commits one unit of work per batch of reviews.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UNKNOWN_IDENTITY } from '../../src/contract/index.ts';
import type { Principal } from '../../src/server/auth/principal.ts';
import { enqueueBulkJob } from '../../src/server/jobs/jobs.service.ts';
import { createJobWorker } from '../../src/server/jobs/jobs.worker.ts';
import { createReview } from '../../src/server/reviews/reviews.service.ts';
import {
  type CommittedWrite,
  groupGathering,
  runReviewWrite,
  type WriteDeps,
} from '../../src/server/reviews/unit-of-work.ts';
import { buildSite, startTestApp, type TestApp, waitFor } from '../support/app.ts';
import { dialects, type TestDb } from '../support/databases.ts';

describe.each(dialects())('review unit of work on $name', (dialect) => {
  let db: TestDb;
  let t: TestApp;
  let siteId: string;
  let admin: Principal;

  beforeAll(async () => {
    db = await dialect.open();
    t = await startTestApp(db);
    // The bulk-job test runs its own worker (with hooks that count commits); the app's would race it for the job.
    await t.worker.stop();
    siteId = (await buildSite(t)).siteId;
    admin = { kind: 'ADMIN', siteId, keyId: 'uow-test' };
  });
  afterAll(async () => {
    await t?.close();
    await db?.dispose();
  });

  async function reviews(n: number, entityId = `e-${crypto.randomUUID()}`): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const r = await createReview(t.deps, admin, {
        namespace: 'stores',
        entityId,
        author: { contactId: crypto.randomUUID(), authorName: 'Ann' },
        content: { rating: 4, title: 'Fine' },
      });
      ids.push(r.id);
    }
    return ids;
  }

  /** Deps whose hooks record every committed write. */
  function recording(): { deps: WriteDeps; commits: CommittedWrite[]; errors: unknown[] } {
    const commits: CommittedWrite[] = [];
    const errors: unknown[] = [];
    return {
      deps: { ...t.deps, writeHooks: { afterCommit: [(c) => commits.push(c)], onError: (e) => errors.push(e) } },
      commits,
      errors,
    };
  }

  const reply = (now: string) => ({
    patch: { reply_message: 'Thanks', reply_created_at: now, reply_updated_at: now, updated_at: now },
    bumpRevision: true,
    events: [{ slug: 'updated' as const }],
  });

  it('runs after-commit callbacks and hooks once the write committed, with its reviews, entities and event count', async () => {
    const entityId = `e-${crypto.randomUUID()}`;
    const [id] = await reviews(1, entityId);
    const { deps, commits, errors } = recording();
    const seen: string[] = [];
    await runReviewWrite(deps, { siteId, identity: UNKNOWN_IDENTITY }, async (w) => {
      const row = (await w.lock([id as string])).get(id as string);
      if (!row) throw new Error('no review');
      await w.change(row, reply(w.now));
      w.afterCommit(() => seen.push('callback'));
      // Not yet: the transaction is still open.
      expect(seen).toEqual([]);
      expect(commits).toEqual([]);
    });
    expect(seen).toEqual(['callback']);
    expect(commits).toEqual([{ siteId, reviewIds: [id], entityIds: [entityId], events: 1 }]);
    expect(errors).toEqual([]);
  });

  it('runs no callback or hook for a write that rolled back, and only the last attempt’s after a retry', async () => {
    const [id] = await reviews(1);
    const { deps, commits } = recording();
    const seen: number[] = [];
    await expect(
      runReviewWrite(deps, { siteId, identity: UNKNOWN_IDENTITY }, async (w) => {
        const row = (await w.lock([id as string])).get(id as string);
        if (!row) throw new Error('no review');
        await w.change(row, reply(w.now));
        w.afterCommit(() => seen.push(0));
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    expect(seen).toEqual([]);
    expect(commits).toEqual([]);
    const before = await db.db
      .selectFrom('reviews')
      .select(['revision', 'event_sequence'])
      .where('id', '=', id as string)
      .executeTakeFirstOrThrow();
    expect(Number(before.revision)).toBe(1);

    let attempt = 0;
    await runReviewWrite(deps, { siteId, identity: UNKNOWN_IDENTITY }, async (w) => {
      const n = ++attempt;
      const row = (await w.lock([id as string])).get(id as string);
      if (!row) throw new Error('no review');
      await w.change(row, reply(w.now));
      w.afterCommit(() => seen.push(n));
      if (n === 1) w.retry();
    });
    expect(seen).toEqual([2]);
    expect(commits).toHaveLength(1);
    // The first attempt's change was rolled back: one revision more, one event more.
    const after = await db.db
      .selectFrom('reviews')
      .select(['revision', 'event_sequence'])
      .where('id', '=', id as string)
      .executeTakeFirstOrThrow();
    expect([Number(after.revision), Number(after.event_sequence)]).toEqual([2, Number(before.event_sequence) + 1]);
  });

  it('reports a throwing hook to onError and still answers the committed write', async () => {
    const [id] = await reviews(1);
    const errors: unknown[] = [];
    const deps: WriteDeps = {
      ...t.deps,
      writeHooks: {
        afterCommit: [
          () => {
            throw new Error('hook broke');
          },
        ],
        onError: (e) => errors.push(e),
      },
    };
    const result = await runReviewWrite(deps, { siteId, identity: UNKNOWN_IDENTITY }, async (w) => {
      const row = (await w.lock([id as string])).get(id as string);
      if (!row) throw new Error('no review');
      return w.change(row, reply(w.now));
    });
    expect(result.revision).toBe('2');
    expect(errors.map((e) => (e as Error).message)).toEqual(['hook broke']);
  });

  it('retries serialization failures and deadlocks, up to its attempts, and nothing else', async () => {
    const conflict = (code: string) => Object.assign(new Error(code), { code });
    let calls = 0;
    const value = await runReviewWrite(t.deps, { siteId, identity: UNKNOWN_IDENTITY }, async () => {
      calls++;
      if (calls === 1) throw conflict('40P01');
      if (calls === 2) throw conflict('40001');
      if (calls === 3) throw conflict('SQLITE_BUSY_SNAPSHOT');
      return 'done';
    });
    expect([value, calls]).toEqual(['done', 4]);

    calls = 0;
    await expect(
      runReviewWrite(t.deps, { siteId, identity: UNKNOWN_IDENTITY, attempts: 3 }, async () => {
        calls++;
        throw conflict('40P01');
      }),
    ).rejects.toMatchObject({ code: '40P01' });
    expect(calls).toBe(3);

    // A busy timeout already waited as long as the operator allows: it is not waited for again.
    calls = 0;
    await expect(
      runReviewWrite(t.deps, { siteId, identity: UNKNOWN_IDENTITY }, async () => {
        calls++;
        throw conflict('SQLITE_BUSY');
      }),
    ).rejects.toMatchObject({ code: 'SQLITE_BUSY' });
    expect(calls).toBe(1);
  });

  it('isolates concurrent writes: one that fails rolls back alone, a retried one runs again, events keep their order', async () => {
    const ids = await reviews(5);
    const { deps, commits } = recording();
    const transactions: unknown[] = [];
    let retried = 0;
    const results = await Promise.allSettled(
      ids.map((id, n) =>
        runReviewWrite(deps, { siteId, identity: UNKNOWN_IDENTITY }, async (w) => {
          transactions.push(w.db);
          const row = (await w.lock([id])).get(id);
          if (!row) throw new Error('no review');
          const review = await w.change(row, reply(w.now));
          if (n === 2) throw new Error('write 2 failed');
          if (n === 3 && retried++ === 0) w.retry();
          return review.id;
        }),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect((results[2] as PromiseRejectedResult).reason).toMatchObject({ message: 'write 2 failed' });
    // On SQLite the writes commit in arrival order (the retried one last); on PostgreSQL each runs in its own
    // transaction on the pool, and they commit in whatever order they finish.
    const inOrder = <T>(xs: T[]): T[] => (dialect.name === 'sqlite' ? xs : [...xs].sort());
    expect(inOrder(commits.map((c) => c.reviewIds.join()))).toEqual(inOrder([ids[0], ids[1], ids[4], ids[3]]));
    const rows = await db.db.selectFrom('reviews').select(['id', 'revision']).where('id', 'in', ids).execute();
    expect(Object.fromEntries(rows.map((r) => [r.id, Number(r.revision)]))).toEqual(
      Object.fromEntries(ids.map((id, n) => [id, n === 2 ? 1 : 2])),
    );
    // One `updated` event per committed write, none for write 2; on SQLite positioned in the order the writes
    // committed (on PostgreSQL a position is taken at insert, so concurrent writes may interleave: ADR 0009).
    const events = await db.db
      .selectFrom('outbox_events')
      .select('entity_id')
      .where('site_id', '=', siteId)
      .where('entity_id', 'in', ids)
      .where('slug', '=', 'updated')
      .orderBy('position')
      .execute();
    expect(inOrder(events.map((e) => e.entity_id))).toEqual(inOrder([ids[0], ids[1], ids[4], ids[3]]));
    if (dialect.name === 'sqlite') {
      // Group commit: the writes that arrived together ran in one transaction; the retry ran in the next one.
      expect(new Set(transactions.slice(0, 5)).size).toBe(1);
      expect(transactions[5]).not.toBe(transactions[0]);
    } else {
      expect(new Set(transactions).size).toBe(6);
    }
  });

  it.runIf(dialect.name === 'sqlite')('answers no write of a shared transaction before it commits', async () => {
    const [a, b] = await reviews(2);
    let aSettled = false;
    let bStarted!: () => void;
    const started = new Promise<void>((resolve) => {
      bStarted = resolve;
    });
    let releaseB!: () => void;
    const gate = new Promise<void>((resolve) => {
      releaseB = resolve;
    });
    const change = (id: string, before?: () => Promise<void>) =>
      runReviewWrite(t.deps, { siteId, identity: UNKNOWN_IDENTITY }, async (w) => {
        if (before) await before();
        const row = (await w.lock([id])).get(id);
        if (!row) throw new Error('no review');
        return w.change(row, reply(w.now));
      });
    const first = change(a as string).then((r) => {
      aSettled = true;
      return r;
    });
    const second = change(b as string, async () => {
      bStarted();
      await gate;
    });
    try {
      await started;
      // The first write's work is done, but it shares the transaction the second is still in: not answered yet.
      await Promise.resolve();
      expect(aSettled).toBe(false);
    } finally {
      releaseB();
    }
    const [ra, rb] = await Promise.all([first, second]);
    expect([ra.revision, rb.revision]).toEqual(['2', '2']);
  });

  it.runIf(dialect.name === 'sqlite')(
    'gathers into one transaction the writes that arrive over the next turns of the event loop, after a group of concurrent writes',
    async () => {
      const transactions: unknown[] = [];
      const write = () =>
        runReviewWrite(t.deps, { siteId, identity: UNKNOWN_IDENTITY }, async (w) => {
          transactions.push(w.db);
        });
      const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));
      // Three writers at once: one group of three.
      await Promise.all([write(), write(), write()]);
      expect(new Set(transactions).size).toBe(1);
      transactions.length = 0;
      const saved = groupGathering.ns;
      // What is tested is the gathering, not its time bound: wide enough that no pause of the machine ends it.
      groupGathering.ns = 60_000_000_000n;
      try {
        // The same three writers, now each a turn of the event loop after the other, as requests read apart.
        const first = write();
        await nextTurn();
        const second = write();
        await nextTurn();
        await Promise.all([first, second, write()]);
      } finally {
        groupGathering.ns = saved;
      }
      expect(transactions).toHaveLength(3);
      expect(new Set(transactions).size).toBe(1);
    },
  );

  it('locks reviews in one global order: writes naming the same reviews in different orders never deadlock', async () => {
    const ids = await reviews(5);
    const writes = 12;
    const before = await db.db
      .selectFrom('reviews')
      .select('event_sequence')
      .where('id', '=', ids[0] as string)
      .executeTakeFirstOrThrow();
    // Write n names the reviews rotated by n, backwards when n is odd.
    const shuffled = (n: number) => {
      const rotated = [...ids.slice(n % ids.length), ...ids.slice(0, n % ids.length)];
      return n % 2 ? rotated.reverse() : rotated;
    };
    await Promise.all(
      Array.from({ length: writes }, (_, n) =>
        // One attempt only: a deadlock would reach this test instead of being retried away.
        runReviewWrite(t.deps, { siteId, identity: UNKNOWN_IDENTITY, attempts: 1 }, async (w) => {
          const order = shuffled(n);
          const locked = await w.lock(order);
          for (const id of order) {
            const row = locked.get(id);
            if (!row) throw new Error('no review');
            await w.change(row, reply(w.now));
          }
        }),
      ),
    );
    const rows = await db.db
      .selectFrom('reviews')
      .select(['revision', 'event_sequence'])
      .where('id', 'in', ids)
      .execute();
    expect(rows.map((r) => [Number(r.revision), Number(r.event_sequence)])).toEqual(
      ids.map(() => [1 + writes, Number(before.event_sequence) + writes]),
    );
  });

  it('writes summaries in one global order: reviews moving between two entities both ways never deadlock', async () => {
    const [a, b] = [`e-${crypto.randomUUID()}`, `e-${crypto.randomUUID()}`];
    const fromA = await reviews(8, a);
    const fromB = await reviews(8, b);
    await Promise.all(
      [...fromA.map((id) => [id, b] as const), ...fromB.map((id) => [id, a] as const)].map(([id, to]) =>
        // One attempt only: a deadlock would reach this test instead of being retried away.
        runReviewWrite(t.deps, { siteId, identity: UNKNOWN_IDENTITY, attempts: 1 }, async (w) => {
          const row = (await w.lock([id])).get(id);
          if (!row) throw new Error('no review');
          // Each write touches both summaries: its old entity loses the review, the new one gains it.
          await w.change(row, { patch: { entity_id: to, updated_at: w.now }, bumpRevision: true, events: [] });
        }),
      ),
    );
    const counts = await db.db
      .selectFrom('entity_summaries')
      .select(['entity_id', 'review_count'])
      .where('entity_id', 'in', [a, b])
      .orderBy('entity_id')
      .execute();
    expect(counts.map((c) => Number(c.review_count))).toEqual([8, 8]);
  });

  it('names both entities of a review it moves, for the caches of each', async () => {
    const from = `e-${crypto.randomUUID()}`;
    const to = `e-${crypto.randomUUID()}`;
    const [id] = await reviews(1, from);
    const { deps, commits } = recording();
    await runReviewWrite(deps, { siteId, identity: UNKNOWN_IDENTITY }, async (w) => {
      const row = (await w.lock([id as string])).get(id as string);
      if (!row) throw new Error('no review');
      await w.change(row, { patch: { entity_id: to, updated_at: w.now }, bumpRevision: true, events: [] });
    });
    expect(commits.map((c) => [...c.entityIds].sort())).toEqual([[from, to].sort()]);
  });

  it('refuses to change a review it did not lock, or from a stale copy of its row', async () => {
    const [a, b] = await reviews(2);
    await expect(
      runReviewWrite(t.deps, { siteId, identity: UNKNOWN_IDENTITY }, async (w) => {
        // Read through the transaction (SQLite has one connection), but not locked.
        const row = await w.db
          .selectFrom('reviews')
          .selectAll()
          .where('id', '=', a as string)
          .executeTakeFirstOrThrow();
        await w.change(row, reply(w.now));
      }),
    ).rejects.toThrow(/without its lock/);
    await expect(
      runReviewWrite(t.deps, { siteId, identity: UNKNOWN_IDENTITY }, async (w) => {
        const row = (await w.lock([b as string])).get(b as string);
        if (!row) throw new Error('no review');
        await w.change(row, reply(w.now));
        await w.change(row, reply(w.now));
      }),
    ).rejects.toThrow(/stale copy/);
    const rows = await db.db
      .selectFrom('reviews')
      .select('revision')
      .where('id', 'in', [a as string, b as string])
      .execute();
    expect(rows.map((r) => Number(r.revision))).toEqual([1, 1]);
  });

  it('commits a bulk job one unit of work per batch of 100 reviews, with every change in it', async () => {
    const entityId = `bulk-${crypto.randomUUID()}`;
    const ids = await reviews(150, entityId);
    const { deps, commits } = recording();
    const jobId = await enqueueBulkJob({ ...t.deps, wakeWorker: () => {} }, admin, 'BULK_MODERATE_REVIEWS', {
      filter: { entityId },
      status: 'REJECTED',
    });
    const worker = createJobWorker({ ...t.deps, ...deps, pollIntervalMs: 50, log: t.app.log });
    await worker.drain();
    const job = await waitFor('the job to complete', async () => {
      const row = await db.db.selectFrom('jobs').selectAll().where('id', '=', jobId).executeTakeFirst();
      return row?.status === 'COMPLETED' ? row : undefined;
    });
    expect([job.processed, job.succeeded, job.failed]).toEqual([150, 150, 0]);
    // Each change emits `updated` and `moderation_status_changed`.
    expect(commits.map((c) => [c.reviewIds.length, c.events])).toEqual([
      [100, 200],
      [50, 100],
    ]);
    expect(new Set(commits.flatMap((c) => c.reviewIds))).toEqual(new Set(ids));
    const audit = await db.db
      .selectFrom('moderation_audit')
      .select('review_id')
      .where('review_id', 'in', ids)
      .where('to_status', '=', 'REJECTED')
      .execute();
    expect(audit).toHaveLength(150);
  });
});
