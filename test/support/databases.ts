/**
 * The dialect loop: every integration and HTTP test runs on SQLite, and on PostgreSQL when TEST_DATABASE_URL is
 * set. Each opened database is private to its caller: a temp SQLite file, or a fresh PostgreSQL schema.
 */

import { execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { type ChangeSignalOptions, createChangeSignal } from '../../src/server/db/change-signal.ts';
import { type Db, openDatabase, openPostgres, openSqlite } from '../../src/server/db/database.ts';
import { migrateToLatest } from '../../src/server/db/migrate.ts';

export interface TestDb extends Db {
  /** Drops what the test created (temp file or schema). */
  dispose(): Promise<void>;
  /** A URL another process or connection can open to reach the same data. */
  url: string;
}

export interface DialectCase {
  name: 'sqlite' | 'postgres';
  open(): Promise<TestDb>;
}

/** The server's SQLite mode (writes on a thread of their own) unless asked for the CLI's single connection. */
const sqliteWriterThread = process.env.TEST_SQLITE_WRITER_THREAD !== 'false';

/**
 * Another server instance on the database at `url`, opened as the dialect loop opens its own. On SQLite it must be:
 * a single connection in this process would wait for the write lock on the event loop, while the first instance's
 * writer thread, holding it, waits for that event loop to send its transaction's next statement.
 */
export function openInstance(url: string): Db {
  return openDatabase(url, { sqliteWriterThread });
}

async function openSqliteTemp(): Promise<TestDb> {
  const dir = mkdtempSync(join(tmpdir(), 'verdict-test-'));
  const path = join(dir, 'verdict.db');
  const db = openSqlite(path, { sqliteWriterThread });
  await migrateToLatest(db.db);
  return {
    ...db,
    url: `sqlite:${path}`,
    async dispose() {
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function openPostgresSchema(base: string): Promise<TestDb> {
  const schema = `t_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
  const admin = openPostgres(base, 1);
  await sql`create schema ${sql.id(schema)}`.execute(admin.db);
  await admin.close();
  const url = `${base}${base.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
  const db = openPostgres(url, 10);
  await migrateToLatest(db.db);
  return {
    ...db,
    url,
    async dispose() {
      await db.close();
      const cleanup = openPostgres(base, 1);
      await sql`drop schema ${sql.id(schema)} cascade`.execute(cleanup.db);
      await cleanup.close();
    },
  };
}

export function dialects(): DialectCase[] {
  const cases: DialectCase[] = [{ name: 'sqlite', open: openSqliteTemp }];
  const pgUrl = process.env.TEST_DATABASE_URL;
  if (pgUrl) cases.push({ name: 'postgres', open: () => openPostgresSchema(pgUrl) });
  return cases;
}

/**
 * A PostgreSQL change signal on `db` whose listener connection can be found (and ended) by its application name:
 * `backends()` lists the server processes of its connections.
 */
export function namedChangeSignal(db: TestDb, opts: ChangeSignalOptions = {}) {
  const name = `verdict_test_${randomUUID().replace(/-/g, '')}`;
  const signal = createChangeSignal(
    { dialect: 'postgres', connectionString: `${db.url}&application_name=${name}` },
    opts,
  );
  const backends = async () =>
    (
      await sql<{ pid: number }>`select pid from pg_stat_activity where application_name = ${name}`.execute(db.db)
    ).rows.map((r) => r.pid);
  return { signal, backends };
}

const OTHER_PROCESS_WRITE = `
const Database = require('better-sqlite3');
const [file, statement, params] = process.argv.slice(1);
const db = new Database(file);
db.pragma('busy_timeout = 5000');
db.prepare(statement).run(...JSON.parse(params));
db.close();
`;

/**
 * Runs one statement on the SQLite file `file` from a process of its own, as the CLI writes beside a running server.
 * Never from this process's main thread: better-sqlite3 waits for a lock without yielding, and the server under test
 * may hold the write lock in a transaction (its search merger's, say) whose next statement this thread's event loop
 * has yet to send to the writer thread, so neither would move until the wait timed out.
 */
export async function writeFromAnotherProcess(file: string, statement: string, params: unknown[]): Promise<void> {
  await promisify(execFile)(process.execPath, ['-e', OTHER_PROCESS_WRITE, file, statement, JSON.stringify(params)], {
    cwd: join(import.meta.dirname, '../..'),
  });
}

const OTHER_PROCESS_LOCK = `
const Database = require('better-sqlite3');
const db = new Database(process.argv[1]);
db.pragma('busy_timeout = 5000');
db.exec('begin immediate');
process.stdout.write('held\\n');
process.stdin.once('data', () => {
  db.exec('rollback');
  db.close();
  process.exit(0);
});
`;

/** The write lock of an SQLite file, held by another process until `release` is awaited. */
export interface HeldWriteLock {
  release(): Promise<void>;
}

/**
 * Takes the write lock of the SQLite file `file` (`begin immediate`) in a process of its own, for the same reason as
 * {@link writeFromAnotherProcess}: a wait for it on this thread could hold a server transaction that awaits this
 * thread. Resolves once the other process holds the lock; `release` rolls it back and waits for that process to end.
 */
export async function holdWriteLockFromAnotherProcess(file: string): Promise<HeldWriteLock> {
  const child = spawn(process.execPath, ['-e', OTHER_PROCESS_LOCK, file], {
    cwd: join(import.meta.dirname, '../..'),
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  const held = new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      out += chunk;
      if (out.includes('held')) resolve();
    });
    // Also settles if the process could not be started at all (`once` rejects on its 'error').
    exited.then(
      ([code, signal]) => reject(new Error(`the lock holder exited (${code ?? signal}) before taking the lock`)),
      reject,
    );
  });
  await held;
  return {
    async release() {
      child.stdin.end('release\n');
      const [code, signal] = await exited;
      if (code !== 0) throw new Error(`the lock holder ended with ${code ?? signal}`);
    },
  };
}
