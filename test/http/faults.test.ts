/**
 * Behaviour under database faults: the process survives connections the server ends, requests answer 503
 * SERVICE_UNAVAILABLE with Retry-After (quickly) while the database is away, locked or busy, readiness follows,
 * and everything recovers without a restart. PostgreSQL cases run when TEST_DATABASE_URL is set; the one that
 * changes a database's settings does it on a database of its own, created and dropped here.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/server/config.ts';
import { type Db, openPostgres, openSqlite } from '../../src/server/db/database.ts';
import { migrateToLatest } from '../../src/server/db/migrate.ts';
import { startServer } from '../../src/server/main.ts';
import { buildSite, call, reviewBody, startTestApp, type TestApp, type TestSite, waitFor } from '../support/app.ts';
import { dialects, holdWriteLockFromAnotherProcess, type TestDb } from '../support/databases.ts';

const sqlite = dialects().find((d) => d.name === 'sqlite');
const postgres = dialects().find((d) => d.name === 'postgres');
const pgUrl = process.env.TEST_DATABASE_URL;

/** An app's own handle on a database a test opened with special options; `dispose` only closes it. */
const own = (db: Db, url: string): TestDb => ({ ...db, url, dispose: () => db.close() });

type Answer = Awaited<ReturnType<typeof call>>;

/** Asserts the 503 every passing database fault gets: Wix body, SERVICE_UNAVAILABLE, a Retry-After in seconds. */
function expectUnavailable(res: Answer, what: string): void {
  expect(res.status, `${what}: ${JSON.stringify(res.body)}`).toBe(503);
  expect(res.headers['retry-after'], what).toMatch(/^[1-9]\d*$/);
  expect(res.body.details.applicationError.code, what).toBe('SERVICE_UNAVAILABLE');
  expect(res.body.message, what).toBe(res.body.details.applicationError.description);
  expect(res.headers['x-wix-request-id'], what).toMatch(/^[0-9a-f-]{36}$/);
}

async function timed<T>(f: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await f();
  return { value, ms: performance.now() - started };
}

describe.skipIf(!postgres)('pooled connections ended by the server on postgres', () => {
  let db: TestDb;
  let t: TestApp;
  let site: TestSite;
  // The app's sessions carry this application_name, so the test can end exactly them.
  const name = `verdict_fault_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  beforeAll(async () => {
    db = await (postgres as NonNullable<typeof postgres>).open();
    const url = `${db.url}&application_name=${name}`;
    t = await startTestApp(own(openPostgres(url, 10), url));
    site = await buildSite(t);
  });
  afterAll(async () => {
    await t?.close();
    await t?.db.dispose();
    await db?.dispose();
  });

  const terminateAppBackends = async (): Promise<number> =>
    // Materialized first, so pg_terminate_backend never runs on a session of another test.
    (
      await sql<{ n: number }>`
        with app as materialized (select pid from pg_stat_activity where application_name = ${name})
        select count(*)::int as n from app where pg_terminate_backend(pid)`.execute(db.db)
    ).rows[0]?.n ?? 0;

  it('keeps serving while its backends are terminated under a write load, and loses no acknowledged write', async () => {
    const acknowledged: string[] = [];
    const statuses = new Set<number>();
    let terminated = 0;
    for (let round = 0; round < 6; round++) {
      // Idle connections (the pool's 'error' path) between rounds, busy ones (a failing statement) during them.
      terminated += await terminateAppBackends();
      const writes = Array.from({ length: 15 }, () =>
        call(t.app, 'POST', '/reviews/v1/reviews', { auth: site.adminKey, body: reviewBody() }),
      );
      terminated += await terminateAppBackends();
      for (const res of await Promise.all(writes)) {
        statuses.add(res.status);
        if (res.status === 200) acknowledged.push(res.body.review.id);
        else expectUnavailable(res, 'a create whose connection was ended');
      }
    }
    expect(terminated).toBeGreaterThan(0);
    expect([...statuses].filter((s) => s !== 200 && s !== 503)).toEqual([]);
    expect(acknowledged.length).toBeGreaterThan(0);
    // Still serving, on fresh connections.
    const after = await waitFor('a create to succeed after the terminations', async () => {
      const res = await call(t.app, 'POST', '/reviews/v1/reviews', { auth: site.adminKey, body: reviewBody() });
      return res.status === 200 ? res : undefined;
    });
    acknowledged.push(after.body.review.id);
    // Every create that was answered 200 is there.
    const stored = await db.db.selectFrom('reviews').select('id').where('id', 'in', acknowledged).execute();
    expect(stored.map((r) => r.id).sort()).toEqual([...acknowledged].sort());
    expect((await call(t.app, 'GET', '/readyz')).status).toBe(200);
  });
});

describe.skipIf(!pgUrl)('a database that refuses connections on postgres', () => {
  // A database of its own: ALTER DATABASE must never touch the one other test files share.
  const dbName = `verdict_fault_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const urlFor = (database: string) => {
    const u = new URL(pgUrl as string);
    u.pathname = `/${database}`;
    return u.toString();
  };
  let admin: pg.Client;
  let appDb: Db;
  let t: TestApp;
  let site: TestSite;
  beforeAll(async () => {
    admin = new pg.Client({ connectionString: urlFor('postgres') });
    await admin.connect();
    await admin.query(`create database ${dbName}`);
    appDb = openPostgres(urlFor(dbName), 10, { connectTimeoutMs: 1000 });
    await migrateToLatest(appDb.db);
    t = await startTestApp(own(appDb, urlFor(dbName)));
    site = await buildSite(t);
  });
  afterAll(async () => {
    await admin.query(`alter database ${dbName} allow_connections true`).catch(() => {});
    await t?.close();
    await appDb?.close();
    await admin.query(`drop database if exists ${dbName} with (force)`);
    await admin.end();
  });

  it('answers 503 with Retry-After within 2 s while connections are refused, and recovers when they are allowed', async () => {
    const made = await call(t.app, 'POST', '/reviews/v1/reviews', { auth: site.adminKey, body: reviewBody() });
    expect(made.status).toBe(200);
    const reviewId: string = made.body.review.id;

    await admin.query(`alter database ${dbName} allow_connections false`);
    await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1', [dbName]);
    try {
      const requests: [string, () => Promise<Answer>][] = [
        ['createReview', () => call(t.app, 'POST', '/reviews/v1/reviews', { auth: site.adminKey, body: reviewBody() })],
        ['getReview', () => call(t.app, 'GET', `/reviews/v1/reviews/${reviewId}`, { auth: site.adminKey })],
        [
          'queryReviews',
          () => call(t.app, 'POST', '/reviews/v1/reviews/query', { auth: site.adminKey, body: { query: {} } }),
        ],
        ['/readyz', () => call(t.app, 'GET', '/readyz')],
      ];
      for (const [what, request] of requests) {
        const { value, ms } = await timed(request);
        expectUnavailable(value, what);
        expect(ms, what).toBeLessThan(2000);
      }
    } finally {
      await admin.query(`alter database ${dbName} allow_connections true`);
    }

    await waitFor('readiness after connections are allowed again', async () =>
      (await call(t.app, 'GET', '/readyz')).status === 200 ? true : undefined,
    );
    const again = await call(t.app, 'POST', '/reviews/v1/reviews', { auth: site.adminKey, body: reviewBody() });
    expect(again.status).toBe(200);
    const got = await call(t.app, 'GET', `/reviews/v1/reviews/${reviewId}?returnPrivateReviews=true`, {
      auth: site.adminKey,
    });
    expect(got.body.review.id).toBe(reviewId);
  });
});

describe.skipIf(!postgres)('a table lock held by another session on postgres', () => {
  let db: TestDb;
  let t: TestApp;
  let site: TestSite;
  let holder: pg.Client;
  beforeAll(async () => {
    db = await (postgres as NonNullable<typeof postgres>).open();
    t = await startTestApp(own(openPostgres(db.url, 10, { lockTimeoutMs: 300 }), db.url));
    site = await buildSite(t);
    holder = new pg.Client({ connectionString: db.url });
    await holder.connect();
  });
  afterAll(async () => {
    await holder?.end();
    await t?.close();
    await t?.db.dispose();
    await db?.dispose();
  });

  it('answers 503 after the lock timeout, is not ready while the lock is held, and recovers when it is released', async () => {
    const made = await call(t.app, 'POST', '/reviews/v1/reviews', { auth: site.adminKey, body: reviewBody() });
    expect(made.status).toBe(200);
    await holder.query('begin');
    await holder.query('lock table reviews in access exclusive mode');
    try {
      const read = await timed(() =>
        call(t.app, 'GET', `/reviews/v1/reviews/${made.body.review.id}`, { auth: site.adminKey }),
      );
      expectUnavailable(read.value, 'getReview behind the lock');
      expect(read.ms).toBeGreaterThanOrEqual(250);
      expect(read.ms).toBeLessThan(2000);
      const write = await timed(() =>
        call(t.app, 'POST', '/reviews/v1/reviews', { auth: site.adminKey, body: reviewBody() }),
      );
      expectUnavailable(write.value, 'createReview behind the lock');
      expect(write.ms).toBeLessThan(2000);
      const ready = await timed(() => call(t.app, 'GET', '/readyz'));
      expectUnavailable(ready.value, '/readyz behind the lock');
      expect(ready.ms).toBeLessThan(2000);
    } finally {
      await holder.query('rollback');
    }
    expect((await call(t.app, 'GET', '/readyz')).status).toBe(200);
    const got = await call(t.app, 'GET', `/reviews/v1/reviews/${made.body.review.id}`, { auth: site.adminKey });
    expect(got.status).toBe(200);
  });
});

describe.skipIf(!sqlite)('a write lock held by another connection on sqlite', () => {
  let db: TestDb;
  let t: TestApp;
  let site: TestSite;
  beforeAll(async () => {
    db = await (sqlite as NonNullable<typeof sqlite>).open();
    t = await startTestApp(own(openSqlite(db.url.slice('sqlite:'.length), { lockTimeoutMs: 100 }), db.url));
    site = await buildSite(t);
  });
  afterAll(async () => {
    await t?.close();
    await t?.db.dispose();
    await db?.dispose();
  });

  it('answers a write 503 with Retry-After after the busy timeout, keeps serving reads, and recovers', async () => {
    const made = await call(t.app, 'POST', '/reviews/v1/reviews', { auth: site.adminKey, body: reviewBody() });
    expect(made.status).toBe(200);
    // Held by another process: a wait for the lock on this thread could hold a server transaction that awaits it.
    const holder = await holdWriteLockFromAnotherProcess(db.url.slice('sqlite:'.length));
    try {
      const write = await call(t.app, 'POST', '/reviews/v1/reviews', { auth: site.adminKey, body: reviewBody() });
      expectUnavailable(write, 'createReview beside a held write lock');
      expect(write.headers['retry-after']).toBe('1');
      const read = await call(t.app, 'GET', `/reviews/v1/reviews/${made.body.review.id}`, { auth: site.adminKey });
      expect(read.status).toBe(200);
      expect((await call(t.app, 'GET', '/readyz')).status).toBe(200);
    } finally {
      await holder.release();
    }
    const again = await call(t.app, 'POST', '/reviews/v1/reviews', { auth: site.adminKey, body: reviewBody() });
    expect(again.status).toBe(200);
  });
});

describe('start-up against a database that does not answer', () => {
  /** A local port nothing listens on. */
  async function closedPort(): Promise<number> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    if (address === null || typeof address === 'string') throw new Error('no port');
    return address.port;
  }

  it('retries for DATABASE_STARTUP_TIMEOUT_MS, then fails naming host, port and database but not the password', async () => {
    const port = await closedPort();
    const config = loadConfig({
      DATABASE_URL: `postgres://verdict:s3cret-Pa55@127.0.0.1:${port}/shop_reviews`,
      DATABASE_STARTUP_TIMEOUT_MS: '600',
      PORT: '0',
      LOG_LEVEL: 'silent',
    });
    const printed: string[] = [];
    const started = performance.now();
    const failure = await startServer(
      config,
      (line) => printed.push(line),
      (line) => printed.push(line),
    ).then(
      () => undefined,
      (err: unknown) => err,
    );
    const ms = performance.now() - started;
    expect(failure).toBeInstanceOf(Error);
    const message = (failure as Error).message;
    expect(message).toContain(`127.0.0.1:${port}`);
    expect(message).toContain('"shop_reviews"');
    expect(message).toContain('DATABASE_STARTUP_TIMEOUT_MS');
    expect(ms).toBeGreaterThanOrEqual(600);
    expect(ms).toBeLessThan(5000);
    // It said it was waiting, once, and nothing it wrote holds the password.
    expect(printed).toHaveLength(1);
    expect(printed[0]).toContain(`127.0.0.1:${port}`);
    const everything = [message, String((failure as Error).cause), ...printed].join('\n');
    expect(everything).not.toContain('s3cret-Pa55');
  });
});
