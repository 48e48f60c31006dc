/**
 * Opens the database named by DATABASE_URL with Kysely: embedded SQLite (better-sqlite3) or PostgreSQL (pg).
 * SQLite is set up for a live server beside a CLI writer: busy_timeout first, then WAL, foreign keys, NORMAL
 * sync, and every transaction starts with BEGIN IMMEDIATE so a second process waits instead of failing. WAL
 * checkpoints run on a background thread (checkpointer.ts), so a commit only appends to the WAL.
 *
 * The page cache stays at SQLite's default (about 2 MB) and nothing is memory-mapped. Measured on a bulk seed of
 * 200,000 reviews, a 32 MB or 128 MB cache and a 1 GB mmap changed the rate by no more than run-to-run noise: the
 * cost is writing each insert's index pages, not reading them (the OS file cache serves the misses). A larger cache
 * would add its full size to the server's memory, and mapped pages count in its RSS as they are touched.
 */
import { mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import {
  type DatabaseConnection,
  type Driver,
  Kysely,
  PostgresDialect,
  SqliteDialect,
  type SqliteDialectConfig,
  SqliteDriver,
  CompiledQuery,
  sql,
} from 'kysely';
import pg from 'pg';
import { type Checkpointer, startCheckpointer } from './checkpointer.ts';
import type { Database } from './schema.ts';
import { shapedStatements } from './sqlite-statements.ts';

export type Dialect = 'sqlite' | 'postgres';

/**
 * What Kysely does not reach, for the change signal (change-signal.ts): the SQLite connection itself (its
 * `data_version` is read synchronously), or where a PostgreSQL connection of its own (for `LISTEN`) is opened.
 */
export type NativeDb =
  | { dialect: 'sqlite'; sqlite: SqliteDatabase.Database }
  | { dialect: 'postgres'; connectionString: string };

/** What the metrics report about connections: the pool's use on PostgreSQL, the WAL's size on SQLite. */
export type DbStats =
  | { dialect: 'postgres'; total: number; idle: number; waiting: number }
  | { dialect: 'sqlite'; walBytes: number };

export interface Db {
  db: Kysely<Database>;
  dialect: Dialect;
  native: NativeDb;
  close(): Promise<void>;
  /**
   * Refreshes the query planner's statistics where the data changed a lot. SQLite plans without statistics can
   * pick a range index over one that serves the sort; PostgreSQL's autovacuum keeps its own, so this is a no-op there.
   */
  optimize(): Promise<void>;
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

const BUSY_TIMEOUT_MS = 5000;
/** The writer's own autocheckpoint while the background checkpointer runs: the bound on the WAL, in pages. */
const WAL_BOUND_PAGES = 65536;

/** Opens an SQLite file (or `:memory:`) with the pragmas above. */
export function openSqlite(path: string): Db {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const sqlite = new SqliteDatabase(path);
  sqlite.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('synchronous = NORMAL');
  // ANALYZE samples about this many rows per index instead of reading all of them (bounded `pragma optimize`).
  sqlite.pragma('analysis_limit = 1000');
  let checkpointer: Checkpointer | undefined;
  if (path !== ':memory:') {
    // Checkpoints run on a background thread (checkpointer.ts). The writer's own autocheckpoint stays as the bound on
    // the WAL (256 MB at the default page size), and a WAL that grew past it is cut back to it when it starts over.
    // Under a write load without pauses the WAL only starts over when that bound is reached, and that checkpoint
    // lands in a commit: a 64 MB bound made that happen 68 times in a 300,000-review seed (about 100 ms each), this
    // one 20 times. If the thread fails, the writer goes back to SQLite's default.
    sqlite.pragma(`wal_autocheckpoint = ${WAL_BOUND_PAGES}`);
    sqlite.pragma(`journal_size_limit = ${WAL_BOUND_PAGES * Number(sqlite.pragma('page_size', { simple: true }))}`);
    checkpointer = startCheckpointer(path, BUSY_TIMEOUT_MS, () => {
      checkpointer = undefined;
      if (sqlite.open) sqlite.pragma('wal_autocheckpoint = 1000');
    });
  }
  const db = new Kysely<Database>({ dialect: new ImmediateSqliteDialect({ database: shapedStatements(sqlite) }) });
  return {
    db,
    dialect: 'sqlite',
    native: { dialect: 'sqlite', sqlite },
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
    // 0x10002: look at every table (this connection has used none yet) and analyze those that need it.
    optimize: async () => {
      await sql`pragma optimize=0x10002`.execute(db);
    },
  };
}

const INT8_OID = 20;
const NUMERIC_OID = 1700;

/** Opens a PostgreSQL pool; int8 and numeric values are parsed to JS numbers (all ours fit in 2^53). */
export function openPostgres(connectionString: string, poolSize = 10): Db {
  const types = {
    getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
      if (oid === INT8_OID || oid === NUMERIC_OID) return (v: string) => Number(v);
      return pg.types.getTypeParser(oid, format);
    }) as typeof pg.types.getTypeParser,
  };
  const pool = new pg.Pool({ connectionString, max: poolSize, types });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    dialect: 'postgres',
    native: { dialect: 'postgres', connectionString },
    close: () => db.destroy(),
    stats: () => ({ dialect: 'postgres', total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    // Autovacuum analyzes on its own schedule; only a large table that was never analyzed is done now.
    optimize: async () => {
      const r = await sql<{ relname: string }>`
        select relname from pg_stat_user_tables
        where schemaname = current_schema() and n_live_tup > 10000 and coalesce(last_analyze, last_autoanalyze) is null`.execute(db);
      for (const row of r.rows) await sql`analyze ${sql.id(row.relname)}`.execute(db);
    },
  };
}

/** Opens the database a DATABASE_URL names. */
export function openDatabase(url: string): Db {
  if (url.startsWith('sqlite:')) return openSqlite(url.slice('sqlite:'.length) || ':memory:');
  return openPostgres(url);
}
