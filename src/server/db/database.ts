/**
 * Opens the database named by DATABASE_URL with Kysely: embedded SQLite (better-sqlite3) or PostgreSQL (pg).
 * SQLite is set up for a live server beside a CLI writer: busy_timeout first, then WAL, foreign keys, NORMAL
 * sync, and every transaction starts with BEGIN IMMEDIATE so a second process waits instead of failing.
 */
import { mkdirSync } from 'node:fs';
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
import type { Database } from './schema.ts';

export type Dialect = 'sqlite' | 'postgres';

export interface Db {
  db: Kysely<Database>;
  dialect: Dialect;
  close(): Promise<void>;
  /**
   * Refreshes the query planner's statistics where the data changed a lot. SQLite plans without statistics can
   * pick a range index over one that serves the sort; PostgreSQL's autovacuum keeps its own, so this is a no-op there.
   */
  optimize(): Promise<void>;
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

const STATEMENT_CACHE_SIZE = 500;

/**
 * Kysely prepares every query afresh; preparing costs more than running a small indexed query, so statements are
 * kept by SQL text (bounded, least recently used evicted). Kysely's single-connection mutex means a statement is
 * never run by two callers at once.
 */
function cachingStatements(sqlite: SqliteDatabase.Database): SqliteDialectConfig['database'] {
  const cache = new Map<string, SqliteDatabase.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(sql: string) {
      let stmt = cache.get(sql);
      if (stmt) {
        cache.delete(sql);
      } else {
        stmt = sqlite.prepare(sql);
        if (cache.size >= STATEMENT_CACHE_SIZE) {
          const oldest = cache.keys().next().value;
          if (oldest !== undefined) cache.delete(oldest);
        }
      }
      cache.set(sql, stmt);
      return stmt;
    },
  };
}

/** Opens an SQLite file (or `:memory:`) with the pragmas above. */
export function openSqlite(path: string): Db {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const sqlite = new SqliteDatabase(path);
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('synchronous = NORMAL');
  // ANALYZE samples about this many rows per index instead of reading all of them (bounded `pragma optimize`).
  sqlite.pragma('analysis_limit = 1000');
  const db = new Kysely<Database>({ dialect: new ImmediateSqliteDialect({ database: cachingStatements(sqlite) }) });
  return {
    db,
    dialect: 'sqlite',
    close: () => db.destroy(),
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
    close: () => db.destroy(),
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
