/**
 * Opens the database named by DATABASE_URL with Kysely: embedded SQLite (better-sqlite3) or PostgreSQL (pg).
 * SQLite is set up for a live server beside a CLI writer: busy_timeout first, then WAL, foreign keys, NORMAL
 * sync, and every transaction starts with BEGIN IMMEDIATE so a second process waits instead of failing. WAL
 * checkpoints run on a background thread (checkpointer.ts), so a commit only appends to the WAL.
 *
 * The server's page cache is SQLITE_CACHE_MB (32 MB by default, shared with the writer thread's connection when there
 * is one; the driver's own default is 16 MB) and nothing is memory-mapped unless SQLITE_MMAP_MB says so (config.ts).
 * Measured at 1,000,000 reviews in interleaved pairs (docs/performance.md): 64 MB instead of 16 MB cut the server's CPU
 * per createReview by about a quarter (each create rewrites pages of a dozen indexes, which a small cache keeps
 * evicting) for about 50 MB more resident memory; reads did not move. 32 MB (Round 5) took about 20 MB off the serving
 * peak, and pairs of 32 and 64 MB on a loaded machine showed no cost to a create. A 2 GB map took about 10 % off the
 * CPU of a page of reviews, but mapped pages count in the resident memory as they are touched (390 → 1,720 MB), so it
 * stays an opt-in. The CLI and the tests keep 16 MB and no map.
 */
import { mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  Kysely,
  PostgresDialect,
  SqliteDialect,
  type SqliteDialectConfig,
  SqliteDriver,
  sql,
} from 'kysely';
import type pg from 'pg';
import { DatabaseConnectError } from '../errors.ts';
import { lazyRequire } from '../lazy-require.ts';
import { type Checkpointer, startCheckpointer } from './checkpointer.ts';
import type { Database } from './schema.ts';
import { statementName } from './server-prepared.ts';
import { shapedStatements } from './sqlite-statements.ts';
import { RoutedSqliteDialect, type WriterLink, WriterThread } from './writer-thread.ts';

export type Dialect = 'sqlite' | 'postgres';

/**
 * What Kysely does not reach, for the change signal (change-signal.ts): the SQLite connection itself (its
 * `data_version` is read synchronously), or where a PostgreSQL connection of its own (for `LISTEN`) is opened.
 */
export type NativeDb =
  | { dialect: 'sqlite'; sqlite: SqliteDatabase.Database; writer?: WriterLink }
  | { dialect: 'postgres'; connectionString: string };

/** What the metrics report about connections: the pool's use on PostgreSQL, the WAL's size on SQLite. */
export type DbStats =
  | { dialect: 'postgres'; total: number; idle: number; waiting: number }
  | { dialect: 'sqlite'; walBytes: number };
/** Where the database layer reports connection faults it survives (a pooled connection lost while idle). */
export interface FaultLog {
  warn(obj: object, msg: string): void;
}

/**
 * Limits on waiting for the database; the server takes them from DATABASE_*_TIMEOUT_MS (config.ts), the CLI and
 * the tests get these defaults. 0 means no limit.
 */
export interface DatabaseOptions {
  /** PostgreSQL `statement_timeout` of every pooled session; work that needs longer raises it for its transaction. */
  statementTimeoutMs?: number;
  /** PostgreSQL `lock_timeout`; SQLite `busy_timeout` (how long a writer waits for another connection's lock). */
  lockTimeoutMs?: number;
  /** PostgreSQL: how long opening one connection may take. */
  connectTimeoutMs?: number;
  /** PostgreSQL: how long a request waits for a connection in all (for a free one when the pool is full). */
  poolTimeoutMs?: number;
  /** SQLite: the connection's page cache in MB (`cache_size`). */
  sqliteCacheMb?: number;
  /** SQLite: how much of the file is read through a memory map (`mmap_size`), in MB; 0 reads with read(2). */
  sqliteMmapMb?: number;
  /**
   * SQLite file: run every write on a thread of its own with its own connection (writer-thread.ts), while the
   * main connection answers reads. The server's choice (`SQLITE_WRITER_THREAD`); off for the CLI and the tests.
   */
  sqliteWriterThread?: boolean;
}

/**
 * The defaults of {@link DatabaseOptions}, for the CLI and the tests; the server takes config.ts's keys, whose
 * defaults are the same except the pool wait (10 s there). Here it is unbounded: a CLI command is its pool's only
 * user, and a test's burst of a thousand requests on a busy machine should queue, not be shed.
 */
export const DEFAULT_DATABASE_OPTIONS: Required<DatabaseOptions> = {
  statementTimeoutMs: 30_000,
  lockTimeoutMs: 5_000,
  connectTimeoutMs: 2_000,
  poolTimeoutMs: 0,
  // better-sqlite3's compiled-in default, and no map: a CLI command or a test reads little.
  sqliteCacheMb: 16,
  sqliteMmapMb: 0,
  sqliteWriterThread: false,
};

export interface Db {
  db: Kysely<Database>;
  dialect: Dialect;
  native: NativeDb;
  close(): Promise<void>;
  /**
   * Sends the connection faults the database layer survives to `log` (until then they are dropped). A pooled
   * PostgreSQL connection that the server ends (restart, failover, `pg_terminate_backend`, a proxy's idle timeout)
   * is discarded and replaced on the next use; the request that was using it, if any, fails with its error.
   */
  reportFaultsTo(log: FaultLog): void;
  /**
   * Refreshes the query planner's statistics where the data changed a lot. SQLite plans without statistics can
   * pick a range index over one that serves the sort; PostgreSQL's autovacuum keeps its own, so this is a no-op there.
   */
  optimize(): Promise<void>;
  /**
   * Runs `work`, one large write transaction (an import's index rebuild), in the storage's best mode for it. On an
   * SQLite file no other connection has open, the transaction commits through a rollback journal instead of the WAL:
   * the new pages are written once, into the database file, where the WAL writes them to the log and a checkpoint
   * copies them again (1,000,000 reviews: a 19 s commit became 7 s). With another connection open (a running
   * server) nothing changes. Either way the WAL is back when `work` settles. Elsewhere it just runs `work`.
   */
  bulkWrite<T>(work: () => Promise<T>): Promise<T>;
  /** Connection figures for `/metrics`; cheap (no query), read at each scrape. */
  stats?(): DbStats;
}

class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

class ImmediateSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;
  constructor(config: SqliteDialectConfig) {
    super(config);
    this.#config = config;
  }
  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config);
  }
}

/**
 * The writer thread's part of SQLITE_CACHE_MB; the main connection, which then only reads, has the rest, so the
 * setting bounds the two caches together. Measured in docs/performance.md (Round 13): giving the thread a half or
 * three quarters made no difference to creates that stood out of the run-to-run spread, and only added its cache to
 * the resident memory.
 */
const WRITER_CACHE_SHARE = 0.25;

/** The writer's own autocheckpoint while the background checkpointer runs: the bound on the WAL, in pages. */
const WAL_BOUND_PAGES = 65536;

/**
 * Opens an SQLite file (or `:memory:`) with the pragmas above. `lockTimeoutMs` is the busy timeout: a writer that
 * finds another connection's write transaction waits that long, then fails with SQLITE_BUSY (a 503 for a request).
 * better-sqlite3 waits synchronously, so the wait holds the event loop: keep it short.
 */
export function openSqlite(
  path: string,
  opts: Pick<DatabaseOptions, 'lockTimeoutMs' | 'sqliteCacheMb' | 'sqliteMmapMb' | 'sqliteWriterThread'> = {},
): Db {
  const busyTimeoutMs = opts.lockTimeoutMs ?? DEFAULT_DATABASE_OPTIONS.lockTimeoutMs;
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const sqlite = new SqliteDatabase(path);
  sqlite.pragma(`busy_timeout = ${busyTimeoutMs}`);
  try {
    sqlite.pragma('journal_mode = WAL');
  } catch (err) {
    sqlite.close();
    if (!isSqliteBusy(err)) throw err;
    // Another process writes to the file in rollback-journal mode (`verdict import` rebuilding the indexes,
    // `bulkWrite` below) and holds its lock until it commits: the switch to WAL waited the busy timeout.
    throw new Error(
      `the SQLite file ${path} is locked by another process's write (an import rebuilding its indexes holds it until it commits); start again when it is done`,
      { cause: err },
    );
  }
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('synchronous = NORMAL');
  const cacheKib = Math.round((opts.sqliteCacheMb ?? DEFAULT_DATABASE_OPTIONS.sqliteCacheMb) * 1024);
  const writerThread = opts.sqliteWriterThread === true && path !== ':memory:';
  const writerCacheKib = writerThread ? Math.round(cacheKib * WRITER_CACHE_SHARE) : 0;
  // Negative: a size in KiB rather than in pages.
  sqlite.pragma(`cache_size = ${-(cacheKib - writerCacheKib)}`);
  if (path !== ':memory:')
    sqlite.pragma(`mmap_size = ${Math.round((opts.sqliteMmapMb ?? DEFAULT_DATABASE_OPTIONS.sqliteMmapMb) * 2 ** 20)}`);
  // ANALYZE samples about this many rows per index instead of reading all of them (bounded `pragma optimize`).
  sqlite.pragma('analysis_limit = 1000');
  // Temporary storage in memory, set before anything temporary exists (changing it later drops temp triggers, which
  // change-signal.ts keeps on this connection). What it moves off the disk is mostly sub-journals: inside a savepoint
  // (each write of a group commit runs in one) or a statement that may fail halfway inside a transaction, SQLite
  // saves the original of every page changed, and past 64 KB the driver spills that to a temp file that is created,
  // written and deleted each time (about one file per group of creates, a fifth of their system time).
  // The cost is that a sort without an index (CREATE INDEX of a migration or an import, a GROUP BY of insights) is held
  // in memory instead of spilling: bounded by the rows sorted, and every page query is bounded by its LIMIT.
  sqlite.pragma('temp_store = MEMORY');
  let checkpointer: Checkpointer | undefined;
  const startCheckpoints = () => {
    checkpointer = startCheckpointer(path, busyTimeoutMs, () => {
      checkpointer = undefined;
      if (sqlite.open) sqlite.pragma('wal_autocheckpoint = 1000');
    });
  };
  if (path !== ':memory:') {
    // Checkpoints run on a background thread (checkpointer.ts). The writer's own autocheckpoint stays as the bound on
    // the WAL (256 MB at the default page size), and a WAL that grew past it is cut back to it when it starts over.
    // Under a write load without pauses the WAL only starts over when that bound is reached, and that checkpoint
    // lands in a commit: a 64 MB bound made that happen 68 times in a 300,000-review seed (about 100 ms each), this
    // one 20 times. If the thread fails, the writer goes back to SQLite's default.
    sqlite.pragma(`wal_autocheckpoint = ${WAL_BOUND_PAGES}`);
    sqlite.pragma(`journal_size_limit = ${WAL_BOUND_PAGES * Number(sqlite.pragma('page_size', { simple: true }))}`);
    startCheckpoints();
  }
  let writer: WriterThread | undefined;
  let faultLog: FaultLog | undefined;
  if (writerThread) {
    // The thread's connection gets this one's settings, except two. Its page cache is its share of SQLITE_CACHE_MB
    // (taken off this one's above): it holds the index leaves writes change, and a miss is a read from the host's
    // file cache on the thread, not on the event loop. The WAL bound is its own, as it is the one that commits.
    writer = new WriterThread(
      path,
      [
        `busy_timeout = ${busyTimeoutMs}`,
        'foreign_keys = ON',
        'synchronous = NORMAL',
        `cache_size = ${-writerCacheKib}`,
        `mmap_size = ${Number(sqlite.pragma('mmap_size', { simple: true }))}`,
        'analysis_limit = 1000',
        'temp_store = MEMORY',
        `wal_autocheckpoint = ${WAL_BOUND_PAGES}`,
        `journal_size_limit = ${WAL_BOUND_PAGES * Number(sqlite.pragma('page_size', { simple: true }))}`,
      ],
      (err) => {
        const msg = 'the SQLite writer thread stopped; writes answer 503 until the server restarts';
        if (faultLog) faultLog.warn({ err }, msg);
        else process.emitWarning(`${msg}: ${String(err)}`);
      },
    );
  }
  const shaped = shapedStatements(sqlite);
  const db = new Kysely<Database>({
    dialect: writer ? new RoutedSqliteDialect(shaped, writer) : new ImmediateSqliteDialect({ database: shaped }),
  });
  return {
    db,
    dialect: 'sqlite',
    native: writer ? { dialect: 'sqlite', sqlite, writer } : { dialect: 'sqlite', sqlite },
    close: async () => {
      await checkpointer?.stop();
      await db.destroy();
    },
    stats: () => {
      let walBytes = 0;
      try {
        if (path !== ':memory:') walBytes = statSync(`${path}-wal`).size;
      } catch {
        // No WAL file (yet, or after a clean close): nothing to report.
      }
      return { dialect: 'sqlite', walBytes };
    },
    // In-process connections: the one fault to report is a writer thread that stopped.
    reportFaultsTo(log) {
      faultLog = log;
    },
    // 0x10002: look at every table (this connection has used none yet) and analyze those that need it.
    optimize: async () => {
      await sql`pragma optimize=0x10002`.execute(db);
    },
    bulkWrite: async (work) => {
      if (path === ':memory:') return work();
      // The checkpointer's connection would keep the WAL in place.
      const hadCheckpointer = checkpointer !== undefined;
      await checkpointer?.stop();
      checkpointer = undefined;
      const journaled = rollbackJournal(sqlite, busyTimeoutMs);
      let sortsOnDisk = false;
      try {
        sortsOnDisk = sortOnDisk(sqlite);
        return await work();
      } finally {
        if (sortsOnDisk && sqlite.open) sqlite.pragma('temp_store = MEMORY');
        if (journaled) backToWal(sqlite);
        if (hadCheckpointer && sqlite.open) startCheckpoints();
      }
    },
  };
}

/** A lock another connection holds (not a stale snapshot, `SQLITE_BUSY_SNAPSHOT`). */
const isSqliteBusy = (err: unknown): boolean => (err as { code?: unknown } | null)?.code === 'SQLITE_BUSY';

/**
 * Leaves WAL for a rollback journal if no other connection has the file open (the switch needs the only lock; it
 * is tried without waiting, so a running server costs the caller nothing). FULL sync while journaled: with a
 * rollback journal, NORMAL can leave a corrupt file after a power cut at the wrong moment; FULL cannot. Pages past
 * the file's end at the start are not journaled, so a journal stays small when the transaction appends, and a failed
 * or interrupted one leaves the file as it was (SQLite rolls a left-over journal back on the next open).
 */
function rollbackJournal(sqlite: SqliteDatabase.Database, busyTimeoutMs: number): boolean {
  sqlite.pragma('busy_timeout = 0');
  try {
    if (String(sqlite.pragma('journal_mode = DELETE', { simple: true })).toLowerCase() !== 'delete') return false;
    sqlite.pragma('synchronous = FULL');
    return true;
  } catch (err) {
    if (isSqliteBusy(err)) return false;
    throw err;
  } finally {
    sqlite.pragma(`busy_timeout = ${busyTimeoutMs}`);
  }
}

/**
 * Temporary storage on disk for a bulk write: its index builds sort every row's key, and SQLite's sorter sorts runs
 * the size of the page cache and merges them from temp files, where in memory it sorts one list of all the rows (an
 * import of 1,000,000 reviews took 7–10 s longer that way). Not on a connection holding temporary objects (the
 * server's, with change-signal.ts's trigger): the switch would drop them. True if it switched.
 */
function sortOnDisk(sqlite: SqliteDatabase.Database): boolean {
  const temporary = sqlite.prepare('select count(*) from temp.sqlite_schema').pluck().get();
  if (temporary !== 0) return false;
  sqlite.pragma('temp_store = FILE');
  return true;
}

/**
 * Back to WAL and NORMAL sync after {@link rollbackJournal}. The switch waits for readers that opened the file
 * meanwhile (the busy timeout); if it still cannot be made, the file stays journaled until the next open, which
 * sets WAL as every open does.
 */
function backToWal(sqlite: SqliteDatabase.Database): void {
  if (!sqlite.open) return;
  sqlite.pragma('synchronous = NORMAL');
  try {
    sqlite.pragma('journal_mode = WAL');
  } catch (err) {
    if (!isSqliteBusy(err)) throw err;
  }
}

/** The PostgreSQL driver, loaded when a PostgreSQL database is first opened. */
export const loadPg = lazyRequire<typeof pg>('pg');

const INT8_OID = 20;
const NUMERIC_OID = 1700;

/**
 * Opens a PostgreSQL pool; int8 and numeric values are parsed to JS numbers (all ours fit in 2^53).
 *
 * Every session gets `statement_timeout` and `lock_timeout` (startup parameters, so they cost no round trip),
 * opening a connection is bounded by the connect timeout and waiting for one in all (the pool full under load) by the
 * pool timeout, and TCP keepalive finds a peer that vanished. A connection error never reaches the process as an unhandled `'error'` event: the pool's and every
 * client's are handled (a lost idle connection is discarded and reported through `reportFaultsTo`). Errors while
 * getting a connection are raised as {@link DatabaseConnectError}, whatever the server answered, so the error
 * handler can tell "could not reach the data" from a failing statement.
 */
export function openPostgres(connectionString: string, poolSize = 10, opts: DatabaseOptions = {}): Db {
  const pg = loadPg();
  const o = { ...DEFAULT_DATABASE_OPTIONS, ...opts };
  const types = {
    getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
      if (oid === INT8_OID || oid === NUMERIC_OID) return (v: string) => Number(v);
      return pg.types.getTypeParser(oid, format);
    }) as typeof pg.types.getTypeParser,
  };
  // pg-pool has one timeout for both waits: the pool's bounds the wait for a connection, this client's own the
  // opening of one (an address that does not answer fails in seconds, not after the whole pool wait).
  class BoundedClient extends pg.Client {
    constructor(config?: pg.ClientConfig) {
      super({ ...config, connectionTimeoutMillis: o.connectTimeoutMs });
    }
  }
  const pool = new pg.Pool({
    connectionString,
    max: poolSize,
    types,
    Client: BoundedClient,
    // The URL's own application_name, if any, wins: it is how an operator (or a test) finds these sessions.
    application_name: 'verdict',
    statement_timeout: o.statementTimeoutMs,
    lock_timeout: o.lockTimeoutMs,
    connectionTimeoutMillis: o.poolTimeoutMs,
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
  });
  let log: FaultLog | undefined;
  // An idle connection that fails (the server ended it) is removed by the pool, which then emits 'error'.
  pool.on('error', (err) => log?.warn({ err }, 'database connection lost while idle; it will be replaced'));
  // A connection checked out between two statements has no pool listener: an 'error' there would end the process.
  // Nothing to report here: the statement in flight, or the next one, fails with the error (and its request or
  // loop logs it), and the pool discards the connection on release. While idle, the pool's listener reports it.
  pool.on('connect', (client) => {
    client.on('error', () => {});
    // Texts registered in server-prepared.ts run as named statements: prepared once per connection.
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    client.query = ((...args: unknown[]) => {
      const [text, values] = args;
      const name =
        args.length === 2 && typeof text === 'string' && Array.isArray(values) ? statementName(text) : undefined;
      return name === undefined ? query(...args) : query({ name, text, values });
    }) as typeof client.query;
  });
  const connect = async (): Promise<pg.PoolClient> => {
    try {
      return await pool.connect();
    } catch (err) {
      // Every connection busy for the whole wait is load, not an outage.
      const full = pool.totalCount >= poolSize && pool.idleCount === 0;
      throw new DatabaseConnectError(err, full ? 'busy' : 'unreachable');
    }
  };
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: { connect, end: () => pool.end() } }) });
  return {
    db,
    dialect: 'postgres',
    native: { dialect: 'postgres', connectionString },
    close: () => db.destroy(),
    stats: () => ({ dialect: 'postgres', total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    reportFaultsTo(l) {
      log = l;
    },
    bulkWrite: (work) => work(),
    // Autovacuum analyzes on its own schedule; only a large table that was never analyzed is done now, without
    // the statement timeout (an ANALYZE of a large table may take longer than any request should).
    optimize: async () => {
      const r = await sql<{ relname: string }>`
        select relname from pg_stat_user_tables
        where schemaname = current_schema() and n_live_tup > 10000 and coalesce(last_analyze, last_autoanalyze) is null`.execute(
        db,
      );
      for (const row of r.rows) {
        await db.transaction().execute(async (trx) => {
          await sql`set local statement_timeout = 0`.execute(trx);
          await sql`analyze ${sql.id(row.relname)}`.execute(trx);
        });
      }
    },
  };
}

/** Opens the database a DATABASE_URL names, with the limits in `opts` (defaults: {@link DEFAULT_DATABASE_OPTIONS}). */
export function openDatabase(url: string, opts: DatabaseOptions = {}): Db {
  if (url.startsWith('sqlite:')) return openSqlite(url.slice('sqlite:'.length) || ':memory:', opts);
  return openPostgres(url, 10, opts);
}
