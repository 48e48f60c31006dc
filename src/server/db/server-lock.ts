/**
 * One server per SQLite database file. The server holds an exclusive SQLite lock on a small file beside the
 * database (`<database>.server-lock`) for as long as it runs: a second connection in `locking_mode=EXCLUSIVE`
 * that has written once keeps its write lock until it is closed. The lock is a `fcntl` lock, so the operating system
 * drops it when the process dies, however it dies: there is no pid file to go stale. The database file itself is not
 * locked, so CLI commands (keys, import, export, migrate) keep working beside a running server.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import SqliteDatabase from 'better-sqlite3';

/** Held while a server runs; `release` is idempotent. */
export interface ServerLock {
  /** The lock file, or undefined when nothing needed locking (PostgreSQL, an in-memory database). */
  readonly path: string | undefined;
  release(): void;
}

/** Thrown when another running server holds the lock; its message says what to do. */
export class ServerLockedError extends Error {
  constructor(readonly databasePath: string) {
    super(
      `another Verdict server is already running on ${databasePath}. Only one server may use an SQLite database at a ` +
        'time; stop the other one, or use PostgreSQL to run several instances. (CLI commands such as keys, import ' +
        'and export may run beside it.)',
    );
    this.name = 'ServerLockedError';
  }
}

/**
 * Takes the server lock for the database a DATABASE_URL names. A no-op for PostgreSQL (several instances are
 * supported there) and for `sqlite::memory:`. Throws ServerLockedError when another server holds it.
 */
export function acquireServerLock(databaseUrl: string): ServerLock {
  const file = databaseUrl.startsWith('sqlite:') ? databaseUrl.slice('sqlite:'.length) : '';
  if (file === '' || file === ':memory:') return { path: undefined, release: () => undefined };
  const databasePath = resolve(file);
  const path = `${databasePath}.server-lock`;
  mkdirSync(dirname(path), { recursive: true });
  const conn = new SqliteDatabase(path);
  try {
    // Fail at once instead of waiting: the holder keeps the lock for its whole life.
    conn.pragma('busy_timeout = 0');
    conn.pragma('locking_mode = EXCLUSIVE');
    // The write takes the exclusive lock; in this locking mode it is kept after the commit.
    conn.exec('create table if not exists server_lock (id integer primary key, taken_at text not null)');
    conn.prepare('insert or replace into server_lock (id, taken_at) values (1, ?)').run(new Date().toISOString());
  } catch (err) {
    conn.close();
    if ((err as { code?: unknown }).code === 'SQLITE_BUSY') throw new ServerLockedError(databasePath);
    throw err;
  }
  return {
    path,
    release: () => {
      if (conn.open) conn.close();
    },
  };
}
