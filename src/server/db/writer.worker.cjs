'use strict';
/**
 * The SQLite writer thread (see writer-thread.ts): the connection every write of the server runs on, so that the
 * pages a commit changes are found, changed and appended to the WAL here while the main thread parses, validates,
 * reads and answers. Plain CommonJS because a worker thread does not inherit the TypeScript loader of the main thread.
 *
 * Messages in, run in arrival order: `[id, sql, parameters, flags]`, one statement, or `[id, statements]`, a unit:
 * `[sql, parameters]` pairs run in a savepoint of the open transaction, undone together if one fails. Flag 1 begins
 * the transaction (IMMEDIATE) first. `'close'` closes the connection.
 * Answers: `[id, 0, rows]`, `[id, 1, changes, lastInsertRowid]`, or `[id, 2, message, code]` for an error; a commit's
 * answer adds the sites whose outbox events it committed.
 *
 * Every commit made here is published to the main thread before it is answered: the value of the WAL index header's
 * change counter that the commit wrote, in a ring of shared memory. The main thread's change signal then tells the
 * commits of this thread (its own process's) from another process's, which must drop its caches.
 */
const { parentPort, workerData } = require('node:worker_threads');
const { closeSync, openSync, readSync } = require('node:fs');
const { endianness } = require('node:os');
const Database = require(workerData.driver);

const db = new Database(workerData.path);
for (const pragma of workerData.pragmas) db.pragma(pragma);

/**
 * The ring the commits are published in: slot 0 counts them, slot 1 is set when a published commit failed, and
 * commit n is in slot 2 + n % (length - 2).
 */
const published = new Int32Array(workerData.published);
const slots = published.length - 2;

const HEADER_BYTES = 48;
const header = Buffer.alloc(HEADER_BYTES * 2);
const littleEndian = endianness() === 'LE';
let shm;

/**
 * The WAL index header's change counter (`iChange`), read while this connection holds the write lock, so no commit
 * can move it; undefined when the header cannot be read whole (its two copies differ, or it is not initialised).
 * The same reading as `changeCounter` in change-signal.ts, which this CommonJS thread cannot import.
 */
function changeCounter() {
  try {
    if (shm === undefined) shm = openSync(`${workerData.path}-shm`, 'r');
    if (readSync(shm, header, 0, HEADER_BYTES * 2, 0) !== HEADER_BYTES * 2) return undefined;
  } catch {
    return undefined;
  }
  if (header[12] !== 1 || !header.subarray(0, HEADER_BYTES).equals(header.subarray(HEADER_BYTES))) return undefined;
  return littleEndian ? header.readUInt32LE(8) : header.readUInt32BE(8);
}

function publish(value) {
  const n = Atomics.load(published, 0) >>> 0;
  Atomics.store(published, 2 + (n % slots), value | 0);
  Atomics.store(published, 0, (n + 1) | 0);
}

// Sites whose outbox events the open transaction appended (a temporary trigger lives on this connection only).
const appended = new Set();
db.function('verdict_writer_outbox_appended', { deterministic: false }, (siteId) => {
  if (typeof siteId === 'string') appended.add(siteId);
  return null;
});
// Installed between transactions once the table exists (a new database gets it from the migrations run here).
const outboxExists = db.prepare("select 1 from main.sqlite_schema where type = 'table' and name = 'outbox_events'");
let triggerInstalled = false;
function installTrigger() {
  if (triggerInstalled || db.inTransaction || outboxExists.get() === undefined) return;
  db.exec(
    'create temp trigger if not exists verdict_writer_outbox_appended after insert on main.outbox_events ' +
      'for each row begin select verdict_writer_outbox_appended(new.site_id); end',
  );
  triggerInstalled = true;
}

// Rewriting the schema's user version with its own value changes page 1 and nothing else anyone reads: a commit
// that changed no other page still writes a frame, so it moves the change counter exactly once.
const readUserVersion = db.prepare('pragma user_version').pluck();

const commitStatement = db.prepare('commit');

/**
 * Commits the open transaction, published before it commits: the counter is read under the write lock (every
 * transaction here begins IMMEDIATE), so the commit's own value is that plus one, and the main thread must know it is
 * this thread's by the time the header shows it. A commit that fails (disk full, an I/O error) then flags the ring:
 * the value it published may go to another process's commit, so the main thread drops its caches once.
 */
function commit() {
  if (!db.inTransaction)
    throw Object.assign(new Error('cannot commit - no transaction is active'), { code: 'SQLITE_ERROR' });
  prepare(`pragma user_version = ${Number(readUserVersion.get())}`).run();
  const before = changeCounter();
  if (before !== undefined) publish((before + 1) >>> 0);
  try {
    commitStatement.run();
  } catch (err) {
    if (before !== undefined) Atomics.store(published, 1, 1);
    throw err;
  }
  const sites = [...appended];
  appended.clear();
  return sites;
}

const STATEMENT_CACHE_SIZE = 500;
const statements = new Map();
function prepare(sql) {
  let stmt = statements.get(sql);
  if (stmt) {
    statements.delete(sql);
  } else {
    stmt = db.prepare(sql);
    if (statements.size >= STATEMENT_CACHE_SIZE) statements.delete(statements.keys().next().value);
  }
  statements.set(sql, stmt);
  return stmt;
}

/** Flag of a message: begin the transaction before its statement or unit. */
const BEGIN = 1;

function execute(sql, parameters) {
  // Transaction control comes from the main thread's driver in these exact texts (BEGIN as a flag, see `handle`).
  if (sql === 'commit') return [1, 0, 0, commit()];
  if (sql === 'rollback') {
    appended.clear();
    // Nothing to undo when the transaction never began (its BEGIN failed).
    if (db.inTransaction) db.exec('rollback');
    return [1, 0, 0];
  }
  const stmt = prepare(sql);
  // A write outside a transaction gets one of its own, so its commit is published like any other.
  const alone = !db.inTransaction && !stmt.readonly;
  if (alone) {
    installTrigger();
    db.exec('begin immediate');
  }
  try {
    const answer = stmt.reader ? [0, stmt.all(parameters)] : runInfo(stmt.run(parameters));
    if (alone) answer.push(commit());
    return answer;
  } catch (err) {
    if (alone && db.inTransaction) {
      appended.clear();
      db.exec('rollback');
    }
    throw err;
  }
}

/** Runs statements whose results nobody reads in a savepoint: all of them, or (undone) none. */
function unit(statements) {
  if (!db.inTransaction) throw Object.assign(new Error('a unit needs an open transaction'), { code: 'SQLITE_ERROR' });
  prepare('savepoint verdict_unit').run();
  try {
    for (const [sql, parameters] of statements) {
      const stmt = prepare(sql);
      if (stmt.reader) stmt.all(parameters);
      else stmt.run(parameters);
    }
  } catch (err) {
    prepare('rollback to verdict_unit').run();
    prepare('release verdict_unit').run();
    throw err;
  }
  prepare('release verdict_unit').run();
  return [1, 0, 0];
}

function handle(what, parameters, flags) {
  if (flags & BEGIN) {
    installTrigger();
    db.exec('begin immediate');
  }
  return Array.isArray(what) ? unit(what) : execute(what, parameters);
}

function runInfo(info) {
  return [1, info.changes, info.lastInsertRowid];
}

parentPort.on('message', (m) => {
  if (m === 'close') {
    if (shm !== undefined) closeSync(shm);
    db.close();
    parentPort.close();
    return;
  }
  const [id, what, parameters, flags] = m;
  let answer;
  try {
    answer = handle(what, parameters, flags);
  } catch (err) {
    answer = [2, String(err && err.message), err && typeof err.code === 'string' ? err.code : undefined];
  }
  answer.unshift(id);
  parentPort.postMessage(answer);
});
