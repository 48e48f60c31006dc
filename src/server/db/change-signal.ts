/**
 * Tells in-process caches that another process (the CLI, another server instance) may have changed the data they
 * hold, so they drop it before serving it again.
 *
 * - SQLite: `PRAGMA data_version` on the server's own connection moves whenever another connection commits a change.
 *   A commit that writes no page leaves it alone, and so does a PASSIVE checkpoint, the only kind the background
 *   checkpointer runs (a RESTART or TRUNCATE one moves it: a needless drop, not a missed change). Reading it opens and
 *   ends a read transaction (two file locks and an fstat: about 5 µs of CPU, more on a busy machine), so it is read
 *   only when the WAL index header in `<db>-shm` (one `pread` of 48 bytes) moved since the last reading: every commit
 *   rewrites that header. One reading serves every lookup until the next request starts ({@link ChangeSignal.renew},
 *   called by the HTTP server before anything else) or the event-loop turn ends: a request's site, key and page
 *   lookups read it once, and a request that starts after another process's commit sees it. The connection's own
 *   commits do not move it: writers in this process invalidate the caches themselves.
 * - PostgreSQL: a connection of its own `LISTEN`s on {@link CHANGE_CHANNEL}; writers `NOTIFY` it in the transaction
 *   that makes the change ({@link announceChange}), so it is delivered when that transaction commits. While the
 *   listener is not connected (before start, after a lost connection, while reconnecting) the signal cannot vouch
 *   for anything and caches read the database; every reconnection makes them start over.
 *
 * The same connections also tell the outbox's readers (the event feed's long-polls, the webhook worker) that events
 * were committed ({@link ChangeSignal.onOutboxEvents}): on PostgreSQL the outbox's own trigger notifies
 * {@link OUTBOX_CHANNEL} (migration 2026_12_04_0201); on SQLite a temporary trigger on the server's connection calls
 * back into this process for its own commits, and `data_version` moving stands for another process's.
 */
import { randomUUID } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import { endianness } from 'node:os';
import type SqliteDatabase from 'better-sqlite3';
import type { FastifyBaseLogger } from 'fastify';
import { type Kysely, sql } from 'kysely';
import type pg from 'pg';
import { type Dialect, loadPg, type NativeDb } from './database.ts';
import type { Database } from './schema.ts';
import type { WriterLink } from './writer-thread.ts';

/** The PostgreSQL channel a change to a site or one of its API keys is announced on; the payload is the site id. */
export const CHANGE_CHANNEL = 'verdict_sites';

/**
 * The PostgreSQL channel the outbox's trigger notifies once per site when a transaction that appended events for it
 * commits; the payload is the site id. It does not move {@link ChangeSignal.epoch}: no cache depends on it.
 */
export const OUTBOX_CHANNEL = 'verdict_outbox';

/**
 * The PostgreSQL channel a committed review write announces the entities it touched on (`announceEntities`), for
 * the cached public pages of other instances (page-cache/). Not the outbox's channel: votes change a page without
 * appending an event, and a page is dropped per entity, not per site. The payload is JSON
 * `[origin, siteId, ...entityIds]`, or `[origin, siteId]` for "any entity of the site" when the list would not fit
 * in a notification; `origin` is the writing process's {@link ChangeSignal.origin} ('' from a process without a
 * cache, the CLI), so a process skips its own writes, which it has already applied.
 */
export const ENTITY_CHANNEL = 'verdict_entities';

/** Told that reviews of these entities of a site changed; `entityIds` null for any entity of the site. */
export type EntityListener = (siteId: string, entityIds: readonly string[] | null) => void;

/** PostgreSQL refuses a payload of 8,000 bytes or more; a longer list is sent as "the whole site". */
const MAX_ENTITY_PAYLOAD = 7_000;

/** Told that a site's events were committed (its id), or, with null, that any site's may have been. */
export type OutboxListener = (siteId: string | null) => void;

/** How often the SQLite signal reads `data_version` for outbox events another process committed. */
const SQLITE_OUTBOX_POLL_MS = 250;

export interface ChangeSignal {
  /**
   * This signal's own name in {@link ENTITY_CHANNEL} payloads: what its process's writes carry (`announceEntities`).
   * Signals without one hear their own process's writes too (a needless drop).
   */
  readonly origin?: string;
  /**
   * A value that differs from every earlier one once another process may have changed the data: a cache drops what
   * it read under an earlier value. Undefined while changes made elsewhere cannot be seen (PostgreSQL listener not
   * connected): caches then read the database and keep nothing. On SQLite one reading serves until {@link renew}
   * or the end of the event-loop turn.
   */
  epoch(): number | undefined;
  /**
   * Ends the current reading: the next {@link epoch} looks again (SQLite). Called when a request starts, so what
   * another process committed before it is seen by it. Signals that read nothing (PostgreSQL) leave it out.
   */
  renew?(): void;
  /** Starts listening (PostgreSQL; nothing to do on SQLite); connection trouble is logged to `log`. */
  start(log: FastifyBaseLogger): void;
  /** Stops listening and closes the listener's connection; `epoch` is undefined from then on. */
  close(): Promise<void>;
  /**
   * Calls `listener` after a commit appended outbox events: with the site id, or with null when any site's may have
   * been (the listener connected again, another process committed). A wake-up, not a record: listeners read the
   * outbox to learn what is there, and keep a slow timer for what the signal cannot see (the listener down).
   * Returns the function that unsubscribes. Signals without it leave waiters to their timers.
   */
  onOutboxEvents?(listener: OutboxListener): () => void;
  /**
   * Calls `listener` when another process's committed review write touched entities (PostgreSQL `NOTIFY` on
   * {@link ENTITY_CHANNEL}; those with this signal's `origin` are skipped). SQLite has none: another
   * connection's commit moves `epoch`. A missed notification is covered as for `epoch`: while the listener is down
   * `epoch` is undefined, and a reconnection moves it. Returns the function that unsubscribes.
   */
  onEntityChanges?(listener: EntityListener): () => void;
}

export interface ChangeSignalOptions {
  /** First delay before reconnecting a lost PostgreSQL listener; doubles on each failure up to `reconnectMaxMs`. */
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  /** How often the idle listener proves its connection alive, and how long it waits for the answer. */
  heartbeatMs?: number;
  heartbeatTimeoutMs?: number;
}

/** The signal for this database: `data_version` on SQLite, a `LISTEN` connection on PostgreSQL. */
export function createChangeSignal(native: NativeDb, opts: ChangeSignalOptions = {}): ChangeSignal {
  return native.dialect === 'sqlite'
    ? sqliteSignal(native.sqlite, native.writer)
    : postgresSignal(native.connectionString, opts);
}

/**
 * Makes a change to a site or its keys visible to other processes' caches: on PostgreSQL a `NOTIFY`, delivered when
 * `trx` commits and dropped if it rolls back; nothing on SQLite, where the commit itself moves `data_version`.
 * Call it inside the transaction that makes the change.
 */
export async function announceChange(trx: Kysely<Database>, dialect: Dialect, siteId: string): Promise<void> {
  if (dialect === 'postgres') await sql`select pg_notify(${CHANGE_CHANNEL}, ${siteId})`.execute(trx);
}

/**
 * Tells other instances' page caches which entities a review write changed: on PostgreSQL one `NOTIFY`, delivered
 * when `trx` commits; nothing on SQLite (the commit moves `data_version`). Call it inside the write's transaction.
 */
export async function announceEntities(
  trx: Kysely<Database>,
  dialect: Dialect,
  siteId: string,
  entityIds: readonly string[],
  origin = '',
): Promise<void> {
  if (dialect !== 'postgres' || entityIds.length === 0) return;
  await sql`select pg_notify(${ENTITY_CHANNEL}, ${entityPayload(siteId, entityIds, origin)})`.execute(trx);
}

/** The {@link ENTITY_CHANNEL} payload announcing these entities of a site (the whole site when too long). */
export function entityPayload(siteId: string, entityIds: readonly string[], origin = ''): string {
  const payload = JSON.stringify([origin, siteId, ...entityIds]);
  return Buffer.byteLength(payload) > MAX_ENTITY_PAYLOAD ? JSON.stringify([origin, siteId]) : payload;
}

/** The site and entities of an {@link ENTITY_CHANNEL} payload; undefined for one Verdict did not write. */
export function parseEntityPayload(
  payload: string | undefined,
): { origin: string; siteId: string; entityIds: string[] | null } | undefined {
  try {
    const parsed: unknown = JSON.parse(payload ?? '');
    if (!Array.isArray(parsed) || !parsed.every((x) => typeof x === 'string') || parsed.length < 2) return undefined;
    const [origin, siteId, ...entityIds] = parsed as string[];
    return { origin: origin as string, siteId: siteId as string, entityIds: entityIds.length > 0 ? entityIds : null };
  } catch {
    return undefined;
  }
}

/** Bytes of the WAL index header's first copy, the one a commit writes last (SQLite's wal.c, `WalIndexHdr`). */
const WAL_INDEX_HEADER_BYTES = 48;
/** Offset of the header's change counter (`iChange`, a u32 in the machine's byte order), moved once per commit. */
const CHANGE_COUNTER_OFFSET = 8;
/** Offset of the header's `isInit` byte: 1 once the header is valid. */
const IS_INIT_OFFSET = 12;
const LITTLE_ENDIAN = endianness() === 'LE';

interface WalIndexHeader {
  /** The first copy of the header, in a buffer reused by the next call; undefined if it cannot be read. */
  read(): Buffer | undefined;
  /**
   * The change counter, from both copies of the header read at once; undefined unless they agree and the header
   * is initialised (a reading torn by a concurrent commit fails that test, as SQLite's own reader's does).
   */
  changeCounter(): number | undefined;
  close(): void;
}

/**
 * Reads the WAL index header of the connection's database from its `-shm` file into a buffer, or undefined where
 * there is no such file to read: `:memory:`, a database not in WAL mode, exclusive locking (the index then lives in
 * the process's heap). Every commit by any connection rewrites that header (frame count, change counter, checksums)
 * before it returns, and on Linux a read of the file sees the very pages SQLite maps shared, so a header equal to an
 * earlier reading means that nobody has committed since. A torn read only differs from every earlier one.
 */
function walIndexHeader(sqlite: SqliteDatabase.Database): WalIndexHeader | undefined {
  try {
    const main = (sqlite.pragma('database_list') as { name: string; file: string }[]).find((d) => d.name === 'main');
    const wal = String(sqlite.pragma('journal_mode', { simple: true })).toLowerCase() === 'wal';
    const shared = String(sqlite.pragma('locking_mode', { simple: true })).toLowerCase() === 'normal';
    if (!main?.file || !wal || !shared) return undefined;
    // Opened once: SQLite keeps the file while any connection has the database open, this one included.
    const fd = openSync(`${main.file}-shm`, 'r');
    const header = Buffer.alloc(WAL_INDEX_HEADER_BYTES);
    const both = Buffer.alloc(WAL_INDEX_HEADER_BYTES * 2);
    return {
      read() {
        try {
          return readSync(fd, header, 0, WAL_INDEX_HEADER_BYTES, 0) === WAL_INDEX_HEADER_BYTES ? header : undefined;
        } catch {
          return undefined;
        }
      },
      changeCounter() {
        try {
          if (readSync(fd, both, 0, both.length, 0) !== both.length) return undefined;
        } catch {
          return undefined;
        }
        const first = both.subarray(0, WAL_INDEX_HEADER_BYTES);
        if (first[IS_INIT_OFFSET] !== 1 || !first.equals(both.subarray(WAL_INDEX_HEADER_BYTES))) return undefined;
        return LITTLE_ENDIAN ? both.readUInt32LE(CHANGE_COUNTER_OFFSET) : both.readUInt32BE(CHANGE_COUNTER_OFFSET);
      },
      close: () => closeSync(fd),
    };
  } catch {
    return undefined;
  }
}

/**
 * The commits the writer thread (writer-thread.ts) published, by their change counter values: `explains(from, to)`
 * says whether every value after `from` up to `to` is one of them, i.e. whether nobody else committed in between.
 * The thread publishes a value before its commit writes it to the header, so one of its commits is always known by
 * the time a reading can see it. A reading further behind than the ring holds counts as another process's commit (a
 * needless drop); `failed()` says, once, that a published commit failed, after which its value may be another's.
 */
function ownCommits(published: Int32Array): { explains(from: number, to: number): boolean; failed(): boolean } {
  const slots = published.length - 2;
  const values = new Set<number>();
  let scanned = 0;
  return {
    explains(from, to) {
      const count = Atomics.load(published, 0) >>> 0;
      const start = scanned;
      for (; scanned !== count; scanned = (scanned + 1) >>> 0) {
        values.add(Atomics.load(published, 2 + (scanned % slots)) >>> 0);
      }
      // Further behind than the ring holds (now, or by the time the scan ended): some values were overwritten.
      const overrun = ((Atomics.load(published, 0) >>> 0) - start) >>> 0 > slots;
      const span = (to - from) >>> 0;
      let all = !overrun && span <= slots;
      for (let i = 1; all && i <= span; i++) all = values.has((from + i) >>> 0);
      // What is at or before `to` is decided; later values (published before their commits) stay.
      for (const v of values) if ((to - v) >>> 0 < 2 ** 31) values.delete(v);
      return all;
    },
    failed() {
      if (Atomics.exchange(published, 1, 0) === 0) return false;
      // The failed commit's value is in the set: it must not explain another process's commit that takes it.
      values.clear();
      return true;
    },
  };
}

/**
 * Reads `data_version`, skipping the pragma while the WAL index header has not moved since the last one.
 * The pragma opens and ends a read transaction (two file locks and an fstat); the header is one `pread`. The header
 * moves on this connection's own commits and on checkpoints that start the WAL over too, which `data_version` does
 * not: then the pragma decides.
 *
 * With a writer thread (`writer`), every write of this process commits on the thread's connection, which moves this
 * connection's `data_version` too. The value returned is then a count of its own that moves only when a commit the
 * thread did not publish happened: when `data_version` moved, the change counter after the pragma is checked against
 * the published ones, from the last counter so checked.
 */
function dataVersionReader(
  sqlite: SqliteDatabase.Database,
  writer?: WriterLink,
): { read(): number | undefined; close(): void } {
  const dataVersion = sqlite.prepare('pragma data_version').pluck();
  const pragma = (): number | undefined => {
    try {
      return dataVersion.get() as number;
    } catch {
      // Connection closed or busy: nothing can be vouched for, so this one lookup reads the database.
      return undefined;
    }
  };
  const own = writer && ownCommits(writer.published);
  /** Writer thread: `data_version` last read, the change counter checked up to, and the count returned. */
  let lastVersion: number | undefined;
  let checkedTo: number | undefined;
  let foreign = 0;
  /** The version to return for this pragma's reading. */
  const version = (dataVersionNow: number | undefined): number | undefined => {
    if (!own || dataVersionNow === undefined) return dataVersionNow;
    if (dataVersionNow !== lastVersion) {
      // Read after the pragma: every commit the pragma saw is at or before this counter.
      const counter = walIndex?.changeCounter();
      const explained =
        lastVersion !== undefined &&
        checkedTo !== undefined &&
        counter !== undefined &&
        own.explains(checkedTo, counter);
      if (!explained) foreign++;
      lastVersion = dataVersionNow;
      checkedTo = counter;
    }
    return foreign;
  };
  let walIndex: ReturnType<typeof walIndexHeader>;
  let opened = false;
  /** The header read just before the last pragma, and what that reading returned. */
  const seen = Buffer.alloc(WAL_INDEX_HEADER_BYTES);
  let seenValid = false;
  let seenVersion: number | undefined;
  const read = (): number | undefined => {
    if (!sqlite.open) return undefined;
    // Read before the pragma, never after: a commit landing between the two then shows as a moved header next time.
    // A commit the writer thread had published failed: what was explained by it may not have been its own.
    if (own?.failed()) {
      foreign++;
      seenValid = false;
    }
    const header = walIndex?.read();
    if (header && seenValid && header.equals(seen)) return seenVersion;
    const dataVersionNow = pragma();
    seenValid = header !== undefined && dataVersionNow !== undefined;
    if (seenValid) header?.copy(seen);
    // The `-shm` file exists once the connection has read the database in WAL mode, which the pragma just did.
    if (!opened && dataVersionNow !== undefined) {
      opened = true;
      walIndex = walIndexHeader(sqlite);
    }
    seenVersion = version(dataVersionNow);
    return seenVersion;
  };
  return {
    read,
    close() {
      opened = true;
      walIndex?.close();
      walIndex = undefined;
      seenValid = false;
    },
  };
}

function sqliteSignal(sqlite: SqliteDatabase.Database, writer?: WriterLink): ChangeSignal {
  const versions = dataVersionReader(sqlite, writer);
  const readVersion = versions.read;
  const outbox = new Set<OutboxListener>();
  // A temporary trigger lives on this connection only, so it sees exactly this process's inserts; the function it
  // calls is registered under a name of its own, so several signals on one connection do not replace each other.
  const fn = `verdict_outbox_appended_${randomUUID().replace(/-/g, '')}`;
  let installed = false;
  let started = false;
  let closed = false;
  let poll: NodeJS.Timeout | undefined;
  let lastVersion: number | undefined;
  const pending = new Set<string>();
  let flushing = false;

  function emit(siteId: string | null): void {
    for (const l of outbox) l(siteId);
  }
  // Called once per inserted row inside the writer's statement. Listeners run later, after this turn's queries: by
  // then the transaction has usually committed, and a reader that comes sooner queues behind it on the one
  // connection (a rolled-back insert only costs a needless read).
  function appended(siteId: unknown): null {
    if (typeof siteId === 'string') pending.add(siteId);
    if (!flushing) {
      flushing = true;
      setImmediate(() => {
        flushing = false;
        const sites = [...pending];
        pending.clear();
        for (const s of sites) emit(s);
      });
    }
    return null;
  }
  // DDL inside another caller's open transaction would commit or roll back with it: wait until the connection is
  // between transactions (they are short).
  function install(): void {
    if (installed || closed || !sqlite.open) return;
    if (sqlite.inTransaction) {
      setImmediate(install);
      return;
    }
    sqlite.function(fn, { deterministic: false }, appended);
    sqlite.exec(
      `create temp trigger if not exists ${fn} after insert on main.outbox_events for each row begin select ${fn}(new.site_id); end`,
    );
    installed = true;
  }
  // With a writer thread this process's inserts are made on the thread's connection, which has a trigger of its own
  // and reports the sites with each commit's answer.
  const unsubscribeWriter = writer?.onOutboxAppended((sites) => {
    for (const site of sites) appended(site);
  });
  function watchOthers(): void {
    if (poll || closed || !started || outbox.size === 0) return;
    lastVersion = readVersion();
    poll = setInterval(() => {
      const v = readVersion();
      if (v !== undefined && v !== lastVersion) {
        lastVersion = v;
        emit(null);
      }
    }, SQLITE_OUTBOX_POLL_MS);
    poll.unref();
  }
  // One reading (see the header): kept until `renew` or this turn's check phase, and never once the connection is
  // closed.
  let held: number | undefined;
  let releasing = false;
  const release = () => {
    held = undefined;
  };
  const endOfTurn = () => {
    releasing = false;
    held = undefined;
  };
  const epoch = (): number | undefined => {
    if (held !== undefined && sqlite.open) return held;
    held = readVersion();
    if (held !== undefined && !releasing) {
      releasing = true;
      setImmediate(endOfTurn);
    }
    return held;
  };
  return {
    origin: '',
    epoch,
    renew: release,
    start() {
      started = true;
      install();
      watchOthers();
    },
    async close() {
      closed = true;
      clearInterval(poll);
      poll = undefined;
      unsubscribeWriter?.();
      versions.close();
      if (installed && sqlite.open && !sqlite.inTransaction) {
        try {
          sqlite.exec(`drop trigger if exists temp.${fn}`);
        } catch {
          // The connection is going away: so is its temporary trigger.
        }
      }
    },
    onOutboxEvents(listener) {
      outbox.add(listener);
      watchOthers();
      return () => {
        outbox.delete(listener);
        if (outbox.size === 0) {
          clearInterval(poll);
          poll = undefined;
        }
      };
    },
  };
}

/** One attempt at a listening connection; `over` once it was lost or closed (it is never reused). */
interface Attempt {
  client: pg.Client;
  over: boolean;
  /** Set once `connect` has resolved: before that, ending the client would leave its connect pending. */
  connected: boolean;
  /** Settles when the client has closed its connection (set by `end`). */
  ended?: Promise<void>;
}

function postgresSignal(connectionString: string, opts: ChangeSignalOptions): ChangeSignal {
  const reconnectMinMs = opts.reconnectMinMs ?? 100;
  const reconnectMaxMs = opts.reconnectMaxMs ?? 10_000;
  const heartbeatMs = opts.heartbeatMs ?? 10_000;
  const heartbeatTimeoutMs = opts.heartbeatTimeoutMs ?? 5_000;

  let epoch = 0;
  const origin = randomUUID();
  const outbox = new Set<OutboxListener>();
  const entities = new Set<EntityListener>();
  const emitOutbox = (siteId: string | null) => {
    for (const l of outbox) l(siteId);
  };
  /** The attempt under way or connected, if any. */
  let current: Attempt | undefined;
  /** True only while `current` is connected and listening: `epoch` is defined exactly then. */
  let live = false;
  let log: FastifyBaseLogger | undefined;
  let closed = false;
  let failures = 0;
  let retry: NodeJS.Timeout | undefined;
  let heartbeat: NodeJS.Timeout | undefined;
  let connecting: Promise<void> | undefined;

  /** Ends an attempt once; the caches stop trusting the signal at once if it was the live one. */
  function end(attempt: Attempt): void {
    if (attempt.over) return;
    attempt.over = true;
    if (current === attempt) {
      current = undefined;
      live = false;
      clearInterval(heartbeat);
    }
    // A client still connecting is ended by `connect` once it is through (or not at all, if it fails).
    if (attempt.connected) attempt.ended = attempt.client.end().catch(() => {});
  }

  function lost(attempt: Attempt, err: unknown): void {
    if (attempt.over) return;
    end(attempt);
    if (closed) return;
    failures++;
    log?.warn({ err }, 'change listener not connected: caches read the database until it is');
    const delay = Math.min(reconnectMaxMs, reconnectMinMs * 2 ** (failures - 1));
    retry = setTimeout(
      () => {
        retry = undefined;
        connecting = connect();
      },
      delay * (0.5 + Math.random() / 2),
    );
    retry.unref();
  }

  async function connect(): Promise<void> {
    // The connect timeout bounds an attempt at an address that does not answer.
    const client = new (loadPg().Client)({
      connectionString,
      keepAlive: true,
      connectionTimeoutMillis: heartbeatTimeoutMs,
    });
    const attempt: Attempt = { client, over: false, connected: false };
    current = attempt;
    // Always handled: an unhandled 'error' would end the process.
    client.on('error', (err) => lost(attempt, err));
    client.on('end', () => lost(attempt, new Error('connection ended')));
    client.on('notification', (msg) => {
      if (msg.channel === OUTBOX_CHANNEL) emitOutbox(msg.payload ?? null);
      else if (msg.channel === ENTITY_CHANNEL) {
        const change = parseEntityPayload(msg.payload);
        // A payload that cannot be read names nothing: everything cached may be stale.
        if (!change) epoch++;
        else if (change.origin !== origin) for (const l of entities) l(change.siteId, change.entityIds);
      } else epoch++;
    });
    try {
      await client.connect();
      attempt.connected = true;
      if (attempt.over) {
        attempt.ended = client.end().catch(() => {});
        return;
      }
      await client.query(`listen ${CHANGE_CHANNEL}; listen ${OUTBOX_CHANNEL}; listen ${ENTITY_CHANNEL}`);
    } catch (err) {
      lost(attempt, err);
      return;
    }
    if (attempt.over) return;
    // Whatever changed while nobody listened is unknown: caches start over, and outbox readers look again.
    epoch++;
    live = true;
    emitOutbox(null);
    if (failures > 0) log?.info('change listener reconnected');
    failures = 0;
    let waiting = false;
    heartbeat = setInterval(() => {
      if (waiting) return;
      waiting = true;
      const timeout = setTimeout(() => lost(attempt, new Error('heartbeat timed out')), heartbeatTimeoutMs);
      client.query('select 1').then(
        () => {
          waiting = false;
          clearTimeout(timeout);
        },
        (err: unknown) => {
          clearTimeout(timeout);
          lost(attempt, err);
        },
      );
    }, heartbeatMs);
    heartbeat.unref();
  }

  return {
    origin,
    epoch: () => (live ? epoch : undefined),
    start(l) {
      log = l;
      if (connecting || closed) return;
      connecting = connect();
    },
    // An attempt still connecting is let through first: against an address that does not answer, close waits up to
    // the connect timeout.
    async close() {
      closed = true;
      clearTimeout(retry);
      const attempt = current;
      if (attempt) end(attempt);
      await connecting;
      await attempt?.ended;
    },
    onOutboxEvents(listener) {
      outbox.add(listener);
      return () => outbox.delete(listener);
    },
    onEntityChanges(listener) {
      entities.add(listener);
      return () => entities.delete(listener);
    },
  };
}
