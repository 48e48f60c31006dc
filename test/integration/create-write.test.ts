/**
 * The write of a create, on both dialects: on PostgreSQL one statement (no BEGIN/COMMIT) with every effect of the
 * transactional path — the review, its outbox events in order, the audit entry, the summary, the entity
 * announcement other instances listen to, the hooks — and a duplicate author still answered with the review that
 * holds the slot; creates racing moderation of the same entity end without deadlock and with an exact summary.
 * Concurrent creates share their statement (PostgreSQL) or one insert per table of their group commit (SQLite), and a
 * failing create fails alone.
 */
import SqliteDatabase from 'better-sqlite3';
import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  Kysely,
  PostgresDialect,
  SqliteDialect,
  SqliteDriver,
} from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Principal } from '../../src/server/auth/principal.ts';
import { ENTITY_CHANNEL } from '../../src/server/db/change-signal.ts';
import type { Database } from '../../src/server/db/schema.ts';
import { AppError } from '../../src/server/errors.ts';
import { createReview, updateModerationStatus } from '../../src/server/reviews/reviews.service.ts';
import type { CommittedWrite } from '../../src/server/reviews/unit-of-work.ts';
import { buildSite, startTestApp, type TestApp } from '../support/app.ts';
import { dialects, type TestDb } from '../support/databases.ts';

/**
 * Begins each transaction immediate, as the server's connections do, and waits for the write lock without holding
 * the event loop: the lock may be the app's writer thread's (its search merger runs a slice in a transaction), which
 * needs this thread to send the rest of that transaction. A busy timeout here would wait on the event loop instead.
 */
class WaitingImmediateDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    for (;;) {
      try {
        await connection.executeQuery(CompiledQuery.raw('begin immediate'));
        return;
      } catch (err) {
        if ((err as { code?: unknown }).code !== 'SQLITE_BUSY') throw err;
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
  }
}

/** A second handle on the test database that records the text of every statement it sends. */
function countingHandle(db: TestDb): { db: Kysely<Database>; sent: string[]; close(): Promise<void> } {
  const sent: string[] = [];
  if (db.native.dialect === 'sqlite') {
    // A connection of its own: the app's handle keeps its transactions to itself. Its transactions take the write
    // lock when they begin: one that began as a read could not wait for the lock once the app's background work had
    // committed since, and would fail at once.
    const sqlite = new SqliteDatabase(db.url.slice('sqlite:'.length));
    sqlite.pragma('busy_timeout = 0');
    const config = {
      database: {
        close: () => sqlite.close(),
        // Kysely prepares every statement it runs, so this sees each execution.
        prepare: (text: string) => {
          sent.push(text);
          return sqlite.prepare(text);
        },
      },
    };
    class Dialect extends SqliteDialect {
      override createDriver(): Driver {
        return new WaitingImmediateDriver(config);
      }
    }
    const handle = new Kysely<Database>({ dialect: new Dialect(config) });
    return { db: handle, sent, close: () => handle.destroy() };
  }
  const pool = new pg.Pool({ connectionString: db.url, max: 4 });
  pool.on('connect', (client) => {
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    (client as { query: unknown }).query = (...args: unknown[]) => {
      const first = args[0];
      sent.push(typeof first === 'string' ? first : String((first as { text?: string }).text));
      return query(...args);
    };
  });
  const handle = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return { db: handle, sent, close: () => handle.destroy() };
}

/** A connection listening on the entity channel of the test database, and the payloads it heard, parsed. */
async function entityListener(db: TestDb): Promise<{ heard: string[][]; end(): Promise<void> }> {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  const heard: string[][] = [];
  client.on('notification', (n) => {
    if (n.channel === ENTITY_CHANNEL && n.payload) heard.push(JSON.parse(n.payload) as string[]);
  });
  await client.query(`listen ${ENTITY_CHANNEL}`);
  return { heard, end: () => client.end() };
}

/** The summary row of reviews with these ratings. */
function summaryOf(ratings: readonly number[]) {
  const count = (star: number) => ratings.filter((r) => r === star).length;
  return {
    review_count: ratings.length,
    rating_sum: ratings.reduce((sum, r) => sum + r, 0),
    r1: count(1),
    r2: count(2),
    r3: count(3),
    r4: count(4),
    r5: count(5),
  };
}

describe.each(dialects())('the write of a create on $name', (dialect) => {
  let db: TestDb;
  let t: TestApp;
  let siteId: string;
  let admin: Principal;

  beforeAll(async () => {
    db = await dialect.open();
    t = await startTestApp(db);
    siteId = (await buildSite(t)).siteId;
    admin = { kind: 'ADMIN', siteId, keyId: 'create-write-test' };
  });
  afterAll(async () => {
    await t?.close();
    await db?.dispose();
  });

  const input = (entityId: string, contactId = crypto.randomUUID(), rating = 4) => ({
    namespace: 'stores',
    entityId,
    author: { contactId, authorName: 'Ann' },
    content: { rating, title: 'Fine', body: 'Warm and true to size.' },
  });

  const summary = (entityId: string) =>
    t.deps.db
      .selectFrom('entity_summaries')
      .select(['review_count', 'rating_sum', 'r1', 'r2', 'r3', 'r4', 'r5'])
      .where('site_id', '=', siteId)
      .where('namespace', '=', 'stores')
      .where('entity_id', '=', entityId)
      .executeTakeFirst();

  const eventsOf = (reviewId: string) =>
    t.deps.db
      .selectFrom('outbox_events')
      .select(['position', 'slug', 'entity_event_sequence', 'identity_json', 'body_json'])
      .where('site_id', '=', siteId)
      .where('entity_id', '=', reviewId)
      .orderBy('position')
      .execute();

  /** The app's dependencies on `handle`, with hooks that record every committed write under `origin`. */
  const hooked = (handle: Kysely<Database>, origin: string, commits: CommittedWrite[]) => ({
    ...t.deps,
    db: handle,
    writeHooks: { origin, afterCommit: [(c: CommittedWrite) => commits.push(c)], onError: () => {} },
  });

  it.runIf(dialect.name === 'postgres')(
    'sends a create as one statement, with its events, audit, summary, announcement and hooks',
    async () => {
      const entityId = `e-${crypto.randomUUID()}`;
      const counting = countingHandle(db);
      const listener = await entityListener(db);
      const commits: CommittedWrite[] = [];
      try {
        const deps = hooked(counting.db, 'this-process', commits);
        // Site and rules are cached by the first create; the second is counted.
        await createReview(deps, admin, input(`e-${crypto.randomUUID()}`));
        counting.sent.length = 0;
        const review = await createReview(deps, admin, input(entityId, undefined, 5));
        expect(counting.sent).toHaveLength(1);
        expect(counting.sent[0]).toMatch(/^with /);

        expect(await summary(entityId)).toEqual({ review_count: 1, rating_sum: 5, r1: 0, r2: 0, r3: 0, r4: 0, r5: 1 });
        const events = await eventsOf(review.id);
        expect(events.map((e) => [e.slug, Number(e.entity_event_sequence)])).toEqual([
          ['created', 1],
          ['moderation_status_changed', 2],
          ['review_published', 3],
        ]);
        expect(JSON.parse(events[0]?.identity_json ?? '{}')).toMatchObject({ identityType: 'WIX_USER' });
        expect(JSON.parse(events[0]?.body_json ?? '{}')).toMatchObject({ entityId: review.id });
        const audit = await t.deps.db
          .selectFrom('moderation_audit')
          .select(['from_status', 'to_status', 'actor_kind', 'reason'])
          .where('site_id', '=', siteId)
          .where('review_id', '=', review.id)
          .execute();
        expect(audit).toEqual([
          { from_status: 'SUBMITTED', to_status: 'APPROVED', actor_kind: 'ADMIN', reason: expect.anything() },
        ]);
        expect(commits.at(-1)).toEqual({ siteId, reviewIds: [review.id], entityIds: [entityId], events: 3 });
        // The announcement is delivered at commit, to every listener.
        await expect.poll(() => listener.heard).toContainEqual(['this-process', siteId, entityId]);
      } finally {
        await listener.end();
        await counting.close();
      }
    },
  );

  it.runIf(dialect.name === 'sqlite')(
    'writes the creates of one group commit with one insert per table, and fails only a duplicate author',
    async () => {
      const entityId = `e-${crypto.randomUUID()}`;
      const counting = countingHandle(db);
      try {
        const deps = { ...t.deps, db: counting.db };
        await createReview(deps, admin, input(`e-${crypto.randomUUID()}`));
        const author = crypto.randomUUID();
        counting.sent.length = 0;
        const authors = Array.from({ length: 12 }, (_, i) => (i === 3 || i === 8 ? author : crypto.randomUUID()));
        const results = await Promise.allSettled(
          authors.map((a, i) => createReview(deps, admin, input(entityId, a, 1 + (i % 5)))),
        );
        const landed = results.flatMap((r, i) => (r.status === 'fulfilled' ? [{ i, review: r.value }] : []));
        expect(landed.map((x) => x.i)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 9, 10, 11]);
        const [failure] = results.filter((r) => r.status === 'rejected');
        expect(failure?.reason).toMatchObject({
          code: 'REVIEW_ALREADY_EXISTS',
          opts: { data: { reviewId: landed[3]?.review.id } },
        });
        const inserts = (table: string) => counting.sent.filter((q) => q.startsWith(`insert into "${table}"`)).length;
        expect(inserts('reviews')).toBeLessThan(12);
        expect(inserts('outbox_events')).toBeLessThan(12);
        expect(inserts('moderation_audit')).toBeLessThan(12);
        expect(inserts('entity_summaries')).toBeLessThan(12);

        expect(landed).toHaveLength(11);
        expect(await summary(entityId)).toEqual(summaryOf(landed.map((x) => x.review.content?.rating ?? 0)));
        // Events keep the order the creates arrived in: each review's three, one review after another.
        const created = [];
        for (const { review } of landed) created.push(...(await eventsOf(review.id)));
        expect(created).toHaveLength(33);
        const positions = created.map((e) => Number(e.position));
        expect(positions).toEqual([...positions].sort((a, b) => a - b));
        const audit = await t.deps.db
          .selectFrom('moderation_audit')
          .select('review_id')
          .where('site_id', '=', siteId)
          .where(
            'review_id',
            'in',
            landed.map((x) => x.review.id),
          )
          .execute();
        expect(audit).toHaveLength(11);
      } finally {
        await counting.close();
      }
    },
  );

  it.runIf(dialect.name === 'postgres')(
    'writes concurrent creates in batch statements, fails only a duplicate author, and announces every entity',
    async () => {
      const entityIds = [`e-${crypto.randomUUID()}`, `e-${crypto.randomUUID()}`];
      const counting = countingHandle(db);
      const listener = await entityListener(db);
      const commits: CommittedWrite[] = [];
      try {
        const deps = hooked(counting.db, 'batch-test', commits);
        await createReview(deps, admin, input(`e-${crypto.randomUUID()}`));
        const author = crypto.randomUUID();
        counting.sent.length = 0;
        const authors = Array.from({ length: 12 }, (_, i) => (i === 3 || i === 8 ? author : crypto.randomUUID()));
        const results = await Promise.allSettled(
          authors.map((a, i) => createReview(deps, admin, input(entityIds[0] as string, a, 1 + (i % 5)))),
        );
        const landed = results.flatMap((r, i) => (r.status === 'fulfilled' ? [{ i, review: r.value }] : []));
        // Two batches in flight at once may put the author's two creates in either order: one of them lands.
        expect(landed).toHaveLength(11);
        const holder = landed.find((x) => x.i === 3 || x.i === 8);
        const [failure] = results.filter((r) => r.status === 'rejected');
        expect(failure?.reason).toMatchObject({
          code: 'REVIEW_ALREADY_EXISTS',
          opts: { data: { reviewId: holder?.review.id } },
        });
        // Fewer statements than creates, though the duplicate's batch was split until it stood alone.
        const statements = counting.sent.filter((q) => q.startsWith('with ')).length;
        expect(statements).toBeLessThan(12);

        expect(await summary(entityIds[0] as string)).toEqual(
          summaryOf(landed.map((x) => x.review.content?.rating ?? 0)),
        );
        // Each review's three events, in sequence; every create answered its own hooks.
        for (const { review } of landed) {
          expect((await eventsOf(review.id)).map((e) => Number(e.entity_event_sequence))).toEqual([1, 2, 3]);
          expect(commits).toContainEqual({ siteId, reviewIds: [review.id], entityIds: [entityIds[0]], events: 3 });
        }

        // Two entities written in one batch are announced together.
        await Promise.all(entityIds.map((e) => createReview(deps, admin, input(e))));
        await expect
          .poll(() => listener.heard.flatMap(([origin, , ...ids]) => (origin === 'batch-test' ? ids : [])))
          .toEqual(expect.arrayContaining(entityIds));
        expect(await summary(entityIds[1] as string)).toMatchObject({ review_count: 1 });
      } finally {
        await listener.end();
        await counting.close();
      }
    },
  );

  it.runIf(dialect.name === 'postgres')(
    "answers a failure that is not a row's to every create of the batch, without splitting it",
    async () => {
      const counting = countingHandle(db);
      /** Reviews in each batch statement sent: the rows of its first CTE, the `reviews` insert. */
      const batches: number[] = [];
      // The batch statement fails as a lost connection would; everything else reaches the database.
      const failing = new Proxy(counting.db, {
        get(target, key) {
          if (key === 'executeQuery') {
            return (query: { sql: string }) => {
              const reviews = query.sql.slice(0, query.sql.indexOf(', w1 as')).split('), (').length;
              batches.push(reviews);
              return Promise.reject(Object.assign(new Error('connection terminated'), { code: '57P01' }));
            };
          }
          const value = Reflect.get(target, key, target) as unknown;
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
      try {
        const entityId = `e-${crypto.randomUUID()}`;
        // A create that lands first fills the caches a create reads, so the six below queue in one turn.
        await createReview(t.deps, admin, input(entityId));
        const deps = { ...t.deps, db: failing };
        const results = await Promise.allSettled(
          Array.from({ length: 6 }, () => createReview(deps, admin, input(entityId))),
        );
        expect(results.every((r) => r.status === 'rejected')).toBe(true);
        // Batched (fewer statements than creates), and each create sent once: no half was sent again.
        expect(batches.length).toBeLessThan(6);
        expect(batches.reduce((sum, n) => sum + n, 0)).toBe(6);
        expect(await summary(entityId)).toMatchObject({ review_count: 1 });
      } finally {
        await counting.close();
      }
    },
  );

  it('answers a duplicate author with the review that holds the slot, and writes nothing of it', async () => {
    const entityId = `e-${crypto.randomUUID()}`;
    const author = crypto.randomUUID();
    const first = await createReview(t.deps, admin, input(entityId, author, 2));
    const err = await createReview(t.deps, admin, input(entityId, author, 5)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: 'REVIEW_ALREADY_EXISTS', opts: { data: { reviewId: first.id } } });
    expect(await summary(entityId)).toEqual({ review_count: 1, rating_sum: 2, r1: 0, r2: 1, r3: 0, r4: 0, r5: 0 });
    const events = await t.deps.db
      .selectFrom('outbox_events')
      .select('entity_id')
      .where('site_id', '=', siteId)
      .where('slug', '=', 'created')
      .where('body_json', 'like', `%${entityId}%`)
      .execute();
    expect(events.map((e) => e.entity_id)).toEqual([first.id]);
  });

  it('finishes 12 creates racing 6 moderation changes of the same entity, with an exact summary', async () => {
    const entityId = `e-${crypto.randomUUID()}`;
    const existing = [];
    for (let i = 0; i < 6; i++)
      existing.push(await createReview(t.deps, admin, input(entityId, undefined, 1 + (i % 5))));
    const results = await Promise.allSettled([
      ...Array.from({ length: 12 }, (_, i) => createReview(t.deps, admin, input(entityId, undefined, 1 + (i % 5)))),
      ...existing.map((r) => updateModerationStatus(t.deps, admin, r.id, 'REJECTED')),
    ]);
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    const live = await t.deps.db
      .selectFrom('reviews')
      .select(['rating'])
      .where('site_id', '=', siteId)
      .where('entity_id', '=', entityId)
      .where('moderation_status', '=', 'APPROVED')
      .where('deleted_at', 'is', null)
      .execute();
    expect(live).toHaveLength(12);
    expect(await summary(entityId)).toEqual(summaryOf(live.map((r) => r.rating)));
  });
});
