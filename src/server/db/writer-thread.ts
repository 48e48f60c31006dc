/**
 * The server's SQLite writes on a thread of their own (writer.worker.cjs), with its own connection: every
 * transaction and every statement that may write runs there, one at a time, while the main thread's connection
 * answers reads. A write's SQLite work (finding the index leaves it changes, the full-text index, the commit's WAL
 * append, and reading pages the host has evicted) then no longer holds the event loop, which meanwhile reads and
 * answers other requests. Reads never wait for it: in WAL mode a reader sees the last commit and is never blocked
 * by the writer. Design and figures: docs/adr/0018-sqlite-writer-thread.md.
 *
 * Kysely reaches both connections through {@link RoutedSqliteDialect}:
 * - outside a transaction, a statement that is a read (`stmt.readonly && stmt.reader` on the main connection: a
 *   SELECT) runs on the main connection, synchronously, as before;
 * - anything else (an INSERT, UPDATE or DELETE, DDL, a pragma, a statement the main connection cannot prepare) waits
 *   for the writer's lane and runs on the thread, in a transaction of its own;
 * - a transaction (`db.transaction()`) holds the lane from `begin immediate` to its commit or rollback, and every
 *   statement in it runs on the thread, reads included, so it sees its own writes.
 * Only one transaction or lone write holds the lane at a time, as the single connection's mutex did before.
 *
 * The thread publishes each commit's value of the WAL index header's change counter in shared memory
 * ({@link WriterLink.published}); change-signal.ts uses it to tell this process's commits from another's.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import SqliteDatabase from 'better-sqlite3';
import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  type Kysely,
  type QueryResult,
  SqliteDialect,
  type SqliteDialectConfig,
  sql,
} from 'kysely';
import { DatabaseConnectError } from '../errors.ts';
import type { Database } from './schema.ts';
import type { ShapedDatabase, ShapedStatement } from './sqlite-statements.ts';

/** Commits remembered in the ring: a reader further behind than this treats the rest as another process's. */
const PUBLISHED_SLOTS = 4096;

/** Flag of a message to the thread: begin the transaction (IMMEDIATE) before its statement or unit. */
const BEGIN = 1;

/** What change-signal.ts needs of the writer thread. */
export interface WriterLink {
  /**
   * The ring of published commits: slot 0 counts them, slot 1 is set (to 1) when a commit the thread had published
   * failed, and commit n's change counter value (a u32 stored as i32) is in slot 2 + n % (length - 2). Written by the
   * thread with `Atomics.store`, each value before its commit and the count after the value.
   */
  readonly published: Int32Array;
  /** Calls `listener` with the sites whose outbox events a commit on the thread appended. */
  onOutboxAppended(listener: (sites: readonly string[]) => void): () => void;
}

/** One holder at a time, in the order they asked. */
class Lane {
  #tail: Promise<void> = Promise.resolve();

  acquire(): Promise<() => void> {
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const before = this.#tail;
    this.#tail = before.then(() => held);
    return before.then(() => release);
  }
}

type Answer =
  | [id: number, kind: 0, rows: unknown[], sites?: string[]]
  | [id: number, kind: 1, changes: number, lastInsertRowid: number | bigint, sites?: string[]]
  | [id: number, kind: 2, message: string, code: string | undefined];

interface Pending {
  resolve(result: QueryResult<unknown>): void;
  reject(err: unknown): void;
}

export class WriterThread implements WriterLink {
  readonly published = new Int32Array(new SharedArrayBuffer(4 * (2 + PUBLISHED_SLOTS)));
  readonly lane = new Lane();
  readonly #worker: Worker;
  readonly #pending = new Map<number, Pending>();
  readonly #appendListeners = new Set<(sites: readonly string[]) => void>();
  readonly #exited: Promise<void>;
  #nextId = 1;
  #failure: Error | undefined;

  /** Opens the thread's connection to `path` (already in WAL mode) and runs `pragmas` on it first. */
  constructor(path: string, pragmas: readonly string[], onFailure: (err: unknown) => void) {
    this.#worker = new Worker(new URL('./writer.worker.cjs', import.meta.url), {
      workerData: {
        path,
        pragmas,
        driver: createRequire(import.meta.url).resolve('better-sqlite3'),
        published: this.published.buffer,
      },
      // The thread keeps only a statement's parameters and rows in flight: a small heap is plenty, and counts in
      // the server's resident memory.
      resourceLimits: { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 256 },
    });
    // Idle, the thread does not keep the process alive; a statement in flight does (see `run`).
    this.#worker.unref();
    this.#worker.on('message', (answer: Answer) => this.#settle(answer));
    const fail = (err: unknown) => {
      // The thread's connection is gone with whatever it held: every write from now on is refused, as with a
      // database that cannot be reached, and the operator restarts the server (the log says why).
      this.#failure = new DatabaseConnectError(err instanceof Error ? err : new Error(String(err)));
      for (const p of this.#pending.values()) p.reject(this.#failure);
      this.#pending.clear();
    };
    this.#worker.once('error', (err) => {
      fail(err);
      onFailure(err);
    });
    this.#exited = new Promise<void>((resolve) =>
      this.#worker.once('exit', () => {
        fail(new Error('the SQLite writer thread has stopped'));
        resolve();
      }),
    );
  }

  /**
   * Runs one statement on the thread, or a unit (statements whose results nobody reads, in a savepoint); with
   * {@link BEGIN} in `flags`, the transaction begins first. The caller holds the lane.
   */
  run(
    what: string | (readonly [string, readonly unknown[]])[],
    parameters: readonly unknown[] = [],
    flags = 0,
  ): Promise<QueryResult<unknown>> {
    if (this.#failure) return Promise.reject(this.#failure);
    const id = this.#nextId++;
    if (this.#pending.size === 0) this.#worker.ref();
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#worker.postMessage([id, what, parameters, flags]);
    });
  }

  onOutboxAppended(listener: (sites: readonly string[]) => void): () => void {
    this.#appendListeners.add(listener);
    return () => this.#appendListeners.delete(listener);
  }

  /** Waits for the lane (nothing is running on the thread then), closes the thread's connection and ends it. */
  async close(): Promise<void> {
    const release = await this.lane.acquire();
    try {
      if (!this.#failure) {
        this.#worker.ref();
        this.#worker.postMessage('close');
      }
      await this.#exited;
    } finally {
      release();
    }
  }

  #settle(answer: Answer): void {
    const pending = this.#pending.get(answer[0]);
    if (!pending) return;
    this.#pending.delete(answer[0]);
    if (this.#pending.size === 0) this.#worker.unref();
    let sites: string[] | undefined;
    if (answer[1] === 0) {
      sites = answer[3];
      pending.resolve({ rows: answer[2] });
    } else if (answer[1] === 1) {
      sites = answer[4];
      pending.resolve({ rows: [], numAffectedRows: BigInt(answer[2]), insertId: BigInt(answer[3]) });
    } else {
      // Rebuilt as the driver's own error, so callers tell conflicts and constraint violations by `code` as before.
      pending.reject(new SqliteDatabase.SqliteError(answer[2], answer[3] ?? 'SQLITE_ERROR'));
    }
    if (sites && sites.length > 0) {
      for (const listener of this.#appendListeners) listener(sites);
    }
  }
}

/** Whether a statement runs on the main connection: a read outside any transaction. */
function readsOnly(stmt: ShapedStatement): boolean {
  return stmt.readonly && stmt.reader;
}

/** Texts the main connection cannot run (writes, pragmas, what it cannot prepare), remembered up to a bound. */
const WRITER_TEXTS_MAX = 1000;

/** Statements that change the schema (a migration's), after which the main connection's statements are forgotten. */
const SCHEMA_CHANGE = /^\s*(create|drop|alter)\b/i;

class RoutedConnection implements DatabaseConnection {
  /** Set while this connection holds the writer's lane for a transaction. */
  release: (() => void) | undefined;
  /**
   * The transaction has begun here but not yet on the thread: its BEGIN goes with its first statement or unit, one
   * message instead of two (and a transaction that ran nothing costs none).
   */
  beginPending = false;
  /** While set, statements are kept here instead of run (`inSavepoint`). */
  recording: CompiledQuery[] | undefined;
  /** The open transaction changed the schema: the main connection's statements are forgotten when it ends. */
  changedSchema = false;

  constructor(private readonly router: Router) {}

  /** The flags of the next message of the transaction: the pending BEGIN, once. */
  takeBegin(): number {
    if (!this.beginPending) return 0;
    this.beginPending = false;
    return BEGIN;
  }

  /** Runs recorded statements as one unit in a savepoint on the thread, in this connection's transaction. */
  async unit(queries: readonly CompiledQuery[]): Promise<void> {
    if (queries.some((q) => SCHEMA_CHANGE.test(q.sql))) this.changedSchema = true;
    await this.router.writer.run(
      queries.map((q) => [q.sql, q.parameters] as const),
      [],
      this.takeBegin(),
    );
  }

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const { writer } = this.router;
    if (this.recording) {
      this.recording.push(query);
      return { rows: [] };
    }
    if (this.release) {
      if (SCHEMA_CHANGE.test(query.sql)) this.changedSchema = true;
      return (await writer.run(query.sql, query.parameters, this.takeBegin())) as QueryResult<R>;
    }
    const stmt = this.router.reader(query.sql);
    if (stmt) return { rows: stmt.all(query.parameters) as R[] };
    const release = await writer.lane.acquire();
    try {
      return (await writer.run(query.sql, query.parameters)) as QueryResult<R>;
    } finally {
      release();
      if (SCHEMA_CHANGE.test(query.sql)) this.router.main.forget();
    }
  }

  async *streamQuery<R>(query: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
    const stmt = this.release ? undefined : this.router.reader(query.sql);
    if (stmt) {
      for (const row of stmt.iterate(query.parameters)) yield { rows: [row as R] };
      return;
    }
    const result = await this.executeQuery<R>(query);
    for (const row of result.rows) yield { rows: [row] };
  }
}

class Router {
  readonly #writerTexts = new Set<string>();

  constructor(
    readonly main: ShapedDatabase,
    readonly writer: WriterThread,
  ) {}

  /** The main connection's statement for `sqlText` if it is a read, else undefined (it goes to the thread). */
  reader(sqlText: string): ShapedStatement | undefined {
    if (this.#writerTexts.has(sqlText)) return undefined;
    let stmt: ShapedStatement | undefined;
    // A pragma may write (optimize runs ANALYZE) even where SQLite calls it read-only.
    if (!/^\s*pragma\b/i.test(sqlText)) {
      try {
        stmt = this.main.prepare(sqlText);
      } catch {
        // Not preparable here (a table the thread's connection created as temporary): the thread runs it.
      }
    }
    if (stmt && readsOnly(stmt)) return stmt;
    if (this.#writerTexts.size >= WRITER_TEXTS_MAX) this.#writerTexts.clear();
    this.#writerTexts.add(sqlText);
    return undefined;
  }
}

const quoted = (name: string) => `"${name.replace(/"/g, '""')}"`;

class RoutedSqliteDriver implements Driver {
  readonly #router: Router;
  readonly #closeMain: () => void;

  constructor(main: ShapedDatabase, writer: WriterThread) {
    this.#router = new Router(main, writer);
    this.#closeMain = () => main.close();
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    return new RoutedConnection(this.#router);
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    const conn = connection as RoutedConnection;
    conn.release = await this.#router.writer.lane.acquire();
    conn.beginPending = true;
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    const conn = connection as RoutedConnection;
    // A transaction that ran nothing never began on the thread.
    if (!conn.takeBegin()) await conn.executeQuery(CompiledQuery.raw('commit'));
    this.#let(conn);
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    const conn = connection as RoutedConnection;
    try {
      if (!conn.takeBegin()) await conn.executeQuery(CompiledQuery.raw('rollback'));
    } finally {
      this.#let(conn);
    }
  }

  async savepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`savepoint ${quoted(name)}`));
  }

  async rollbackToSavepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`rollback to ${quoted(name)}`));
  }

  async releaseSavepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`release ${quoted(name)}`));
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    this.#let(connection);
  }

  async destroy(): Promise<void> {
    try {
      await this.#router.writer.close();
    } finally {
      this.#closeMain();
    }
  }

  /** Gives the lane back if `connection` holds it. */
  #let(connection: DatabaseConnection): void {
    const conn = connection as RoutedConnection;
    const release = conn.release;
    conn.release = undefined;
    if (conn.changedSchema) {
      conn.changedSchema = false;
      this.#router.main.forget();
    }
    release?.();
  }
}

/**
 * Runs `write` in a savepoint of the transaction `trx`: if it throws, what it wrote is undone and the error is
 * thrown again, and the transaction goes on. `write` must not read what its statements return: on the writer thread
 * they are recorded, not run, and sent as one unit in one message (a write of several statements otherwise pays a
 * message each way per statement); elsewhere they run one by one as usual.
 */
export async function inSavepoint(trx: Kysely<Database>, write: (trx: Kysely<Database>) => Promise<void>) {
  let conn: DatabaseConnection | undefined;
  await trx.getExecutor().provideConnection(async (c) => {
    conn = c;
  });
  if (conn instanceof RoutedConnection && conn.release && !conn.recording) {
    const recorded: CompiledQuery[] = [];
    conn.recording = recorded;
    try {
      await write(trx);
    } finally {
      conn.recording = undefined;
    }
    await conn.unit(recorded);
    return;
  }
  await sql`savepoint verdict_unit`.execute(trx);
  try {
    await write(trx);
  } catch (err) {
    await sql`rollback to verdict_unit`.execute(trx);
    await sql`release verdict_unit`.execute(trx);
    throw err;
  }
  await sql`release verdict_unit`.execute(trx);
}

/** Kysely's SQLite dialect (its compiler and adapter) over the main connection and the writer thread. */
export class RoutedSqliteDialect extends SqliteDialect {
  readonly #main: ShapedDatabase;
  readonly #writer: WriterThread;

  constructor(main: ShapedDatabase, writer: WriterThread) {
    super({ database: main } satisfies SqliteDialectConfig);
    this.#main = main;
    this.#writer = writer;
  }

  override createDriver(): Driver {
    return new RoutedSqliteDriver(this.#main, this.#writer);
  }
}
