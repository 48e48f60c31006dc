/**
 * The readiness probe behind `/readyz`: can this instance serve requests now? Answering `select 1` is not enough:
 * a lock held on a hot table by another session (a migration, a `LOCK TABLE`, a `CREATE INDEX` without
 * `CONCURRENTLY`) holds every request that touches it while such a probe says ready.
 *
 * - PostgreSQL: in a transaction with short `lock_timeout` and `statement_timeout`, take ROW EXCLUSIVE (the lock
 *   every INSERT/UPDATE/DELETE takes) on the tables every write touches, then commit (nothing was written). It
 *   waits behind exactly what would block a write (SHARE and stronger, or a queued ACCESS EXCLUSIVE) and never behind other writers,
 *   autovacuum or `CREATE INDEX CONCURRENTLY`. Getting a connection is part of the probe: an exhausted pool or an
 *   unreachable server fails it too.
 * - SQLite: read one row of each of those tables, and reach the writer thread. A reader never waits in WAL mode; the
 *   single write lock is not probed (that would need a write transaction, and a waiting SQLite call holds the event loop), so a CLI import
 *   that holds it shows as 503s on writes, not as "not ready".
 */
import { type Kysely, sql } from 'kysely';
import type { Dialect } from './database.ts';
import type { Database } from './schema.ts';

/** The tables a createReview writes or reads on its way: a lock on any of them stops the service. */
export const HOT_TABLES = ['sites', 'api_keys', 'reviews', 'entity_summaries', 'idempotency_keys'] as const;

/** How long the probe waits for a lock, and for its whole statement, before it calls the instance not ready. */
export const READINESS_TIMEOUT_MS = 1000;

/** Resolves when the database serves reads and writes on the hot tables now; rejects with the driver's error. */
export async function probeReadiness(db: Kysely<Database>, dialect: Dialect): Promise<void> {
  if (dialect === 'sqlite') {
    for (const table of HOT_TABLES) await sql`select 1 from ${sql.table(table)} limit 1`.execute(db);
    // A pragma runs where writes run: on the writer thread's connection when there is one (writer-thread.ts), so a
    // thread that has stopped fails the probe. It waits for the write in progress, if any, and writes nothing.
    await sql`pragma user_version`.execute(db);
    return;
  }
  const timeout = `${READINESS_TIMEOUT_MS}ms`;
  const tables = sql.join(HOT_TABLES.map((t) => sql.table(t)));
  // The transaction writes nothing: its commit only releases the locks.
  await db.transaction().execute(async (trx) => {
    await sql`select set_config('lock_timeout', ${timeout}, true), set_config('statement_timeout', ${timeout}, true)`.execute(
      trx,
    );
    await sql`lock table ${tables} in row exclusive mode`.execute(trx);
  });
}
