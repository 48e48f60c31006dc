/**
 * The change signal on real databases: on SQLite what moves `data_version` on the server's connection (and what must
 * not, or the caches would be useless); on PostgreSQL the listener's life cycle: live only while connected, moved
 * by a committed notification, down at once when its connection is lost, and a new epoch when it is back.
 */
import { Writable } from 'node:stream';
import Database from 'better-sqlite3';
import Fastify from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  announceChange,
  announceEntities,
  type ChangeSignal,
  createChangeSignal,
} from '../../src/server/db/change-signal.ts';
import { openPostgres } from '../../src/server/db/database.ts';
import { waitFor } from '../support/app.ts';
import { dialects, namedChangeSignal, type TestDb } from '../support/databases.ts';

const sqlite = dialects().find((d) => d.name === 'sqlite');
const postgres = dialects().find((d) => d.name === 'postgres');

/** A logger that keeps the lines it was given, for signals started outside an app. */
function recordingLog() {
  const lines: { level: number; msg: string }[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString('utf8')) as { level: number; msg: string });
      done();
    },
  });
  return { log: Fastify({ logger: { level: 'info', stream } }).log, lines };
}
const quiet = () => recordingLog().log;

/**
 * `real`, except that the statement prepared from `text` counts how often it is run (`get`), so a test can tell
 * how many reads of it a signal made.
 */
function countingRuns(real: Database.Database, text: string): { sqlite: Database.Database; runs: () => number } {
  let n = 0;
  const statement = (st: Database.Statement): Database.Statement => {
    const proxy: Database.Statement = new Proxy(st, {
      get(target, key) {
        const v: unknown = Reflect.get(target, key, target);
        if (typeof v !== 'function') return v;
        return (...args: unknown[]) => {
          if (key === 'get') n++;
          const out: unknown = (v as (...a: unknown[]) => unknown).apply(target, args);
          return out === target ? proxy : out;
        };
      },
    });
    return proxy;
  };
  const sqlite = new Proxy(real, {
    get(target, key) {
      const v: unknown = Reflect.get(target, key, target);
      if (key === 'prepare') {
        return (sql: string) => (sql === text ? statement(target.prepare(sql)) : target.prepare(sql));
      }
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  return { sqlite, runs: () => n };
}

/** Resolves in a later event-loop turn (after this turn's check phase). */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('change signal on sqlite', () => {
  let db: TestDb;
  let other: Database.Database;
  let signal: ChangeSignal;
  beforeAll(async () => {
    db = await (sqlite as NonNullable<typeof sqlite>).open();
    other = new Database(db.url.slice('sqlite:'.length));
    other.pragma('busy_timeout = 5000');
    signal = createChangeSignal(db.native);
  });
  afterAll(async () => {
    other.close();
    await db.dispose();
  });

  const insertSite = (d: { exec(sql: string): unknown }, id: string) =>
    d.exec(
      `insert into sites (id, name, client_id, token_secret, settings_json, created_at)
       values ('${id}', '${id}', '${id}', 'secret', '{}', '2024-01-01T00:00:00.000Z')`,
    );

  it("does not move on the connection's own commits", async () => {
    const before = signal.epoch();
    expect(before).toBeTypeOf('number');
    await db.db.transaction().execute(async (trx) => {
      await sql`insert into sites (id, name, client_id, token_secret, settings_json, created_at)
        values ('own-1', 'own-1', 'own-1', 'secret', '{}', '2024-01-01T00:00:00.000Z')`.execute(trx);
    });
    await sql`update sites set settings_json = '{"x":1}' where id = 'own-1'`.execute(db.db);
    expect(signal.epoch()).toBe(before);
  });

  it('does not move on PASSIVE checkpoints by other connections, as the background checkpointer runs them', async () => {
    const before = signal.epoch();
    // Own commits while the background thread checkpoints every few milliseconds...
    for (let i = 0; i < 200; i++) {
      await sql`update sites set settings_json = ${JSON.stringify({ i, pad: 'x'.repeat(2000) })} where id = 'own-1'`.execute(
        db.db,
      );
    }
    // ...and one more checkpoint from here (busy while the thread runs one: PASSIVE never waits).
    await waitFor('a PASSIVE checkpoint to run', async () => {
      const [r] = other.pragma('wal_checkpoint(PASSIVE)') as { busy: number; log: number; checkpointed: number }[];
      return r && r.busy === 0 && r.checkpointed > 0 ? true : undefined;
    });
    expect(signal.epoch()).toBe(before);
  });

  it('moves once another connection commits a change: from the next renewal (a request starting) or turn', async () => {
    const before = signal.epoch() as number;
    insertSite(other, 'other-1');
    // One reading serves until renewed: the lookups made before the commit's request started keep it.
    expect(signal.epoch()).toBe(before);
    signal.renew?.();
    const after = signal.epoch() as number;
    expect(after).not.toBe(before);
    expect(signal.epoch()).toBe(after);
    insertSite(other, 'other-2');
    expect(signal.epoch()).toBe(after);
    await nextTurn();
    const later = signal.epoch() as number;
    expect(later).not.toBe(after);
    expect(signal.epoch()).toBe(later);
  });

  it('reads data_version once per reading, however many lookups share it', async () => {
    const native = db.native;
    if (native.dialect !== 'sqlite') throw new Error('sqlite expected');
    const { sqlite: counted, runs } = countingRuns(native.sqlite, 'pragma data_version');
    const s = createChangeSignal({ dialect: 'sqlite', sqlite: counted });
    await nextTurn();
    for (let i = 0; i < 50; i++) s.epoch();
    await Promise.resolve();
    s.epoch();
    expect(runs()).toBe(1);
    // Another connection commits before each new reading, so that each needs the pragma.
    insertSite(other, 'once-1');
    await nextTurn();
    s.epoch();
    s.epoch();
    expect(runs()).toBe(2);
    insertSite(other, 'once-2');
    s.renew?.();
    s.epoch();
    s.epoch();
    expect(runs()).toBe(3);
    await s.close();
  });

  it('skips data_version while the WAL index header has not moved, and reads it again after any commit', async () => {
    const native = db.native;
    if (native.dialect !== 'sqlite') throw new Error('sqlite expected');
    const { sqlite: counted, runs } = countingRuns(native.sqlite, 'pragma data_version');
    // The server's writes commit on the writer thread's connection when it has one: the signal is told of it.
    const s = createChangeSignal({ dialect: 'sqlite', sqlite: counted, writer: native.writer });
    const reading = () => {
      s.renew?.();
      return s.epoch();
    };
    reading();
    reading();
    const settled = runs();
    const before = reading();
    for (let i = 0; i < 50; i++) expect(reading()).toBe(before);
    expect(runs()).toBe(settled);
    // The connection's own commit moves the header, not data_version: one pragma, the same epoch.
    await sql`update sites set settings_json = '{"own":2}' where id = 'own-1'`.execute(db.db);
    expect(reading()).toBe(before);
    expect(runs()).toBe(settled + 1);
    expect(reading()).toBe(before);
    expect(runs()).toBe(settled + 1);
    // Every commit by another connection is seen by the next reading, however close together.
    let last = before as number;
    for (let i = 0; i < 100; i++) {
      other.prepare(`update sites set settings_json = ? where id = 'other-1'`).run(JSON.stringify({ i }));
      const now = reading() as number;
      expect(now).not.toBe(last);
      last = now;
      if (i % 10 === 0) {
        await sql`update sites set settings_json = ${JSON.stringify({ i })} where id = 'own-1'`.execute(db.db);
        expect(reading()).toBe(last);
      }
    }
    await s.close();
    // Closed, it still reads the pragma on an open connection.
    insertSite(other, 'closed-1');
    expect(reading()).not.toBe(last);
  });

  it('cannot vouch once its connection is closed', async () => {
    const mine = await (sqlite as NonNullable<typeof sqlite>).open();
    const s = createChangeSignal(mine.native);
    expect(s.epoch()).toBeTypeOf('number');
    await mine.dispose();
    expect(s.epoch()).toBeUndefined();
  });
});

describe.skipIf(!postgres)('change signal on postgres', () => {
  let db: TestDb;
  beforeAll(async () => {
    db = await (postgres as NonNullable<typeof postgres>).open();
  });
  afterAll(async () => {
    await db?.dispose();
  });

  it('cannot vouch before it is started, nor after it is closed, and leaves no connection behind', async () => {
    const { signal, backends } = namedChangeSignal(db);
    expect(signal.epoch()).toBeUndefined();
    signal.start(quiet());
    await waitFor('the listener to connect', async () => signal.epoch());
    expect(await backends()).toHaveLength(1);
    await signal.close();
    expect(signal.epoch()).toBeUndefined();
    await waitFor('the listener connection to be gone', async () =>
      (await backends()).length === 0 ? true : undefined,
    );
  });

  it('moves when a transaction that announced a change commits', async () => {
    const { signal } = namedChangeSignal(db);
    signal.start(quiet());
    try {
      const before = await waitFor('the listener to connect', async () => signal.epoch());
      const writer = openPostgres(db.url, 1);
      try {
        await writer.db.transaction().execute((trx) => announceChange(trx, 'postgres', 'some-site'));
      } finally {
        await writer.close();
      }
      await waitFor('the notification to arrive', async () => ((signal.epoch() ?? before) > before ? true : undefined));
    } finally {
      await signal.close();
    }
  });

  it("tells the entities a committed write announced, skips its own origin's, and sends a long list as the site", async () => {
    const { signal } = namedChangeSignal(db);
    signal.start(quiet());
    const heard: [string, readonly string[] | null][] = [];
    signal.onEntityChanges?.((siteId, entityIds) => heard.push([siteId, entityIds]));
    try {
      const before = await waitFor('the listener to connect', async () => signal.epoch());
      const writer = openPostgres(db.url, 1);
      try {
        await writer.db.transaction().execute((trx) => announceEntities(trx, 'postgres', 'own', ['x'], signal.origin));
        await writer.db.transaction().execute((trx) => announceEntities(trx, 'postgres', 's1', ['a', 'b']));
        const many = Array.from({ length: 500 }, (_, i) => `entity-${i}-${'x'.repeat(20)}`);
        await writer.db.transaction().execute((trx) => announceEntities(trx, 'postgres', 's2', many));
        await writer.db
          .transaction()
          .execute(async (trx) => {
            await announceEntities(trx, 'postgres', 's3', ['rolled back']);
            throw new Error('roll back');
          })
          .catch(() => {});
      } finally {
        await writer.close();
      }
      await waitFor('both notifications to arrive', async () => (heard.length >= 2 ? true : undefined));
      expect(heard).toEqual([
        ['s1', ['a', 'b']],
        ['s2', null],
      ]);
      // Entity notifications drop pages, not the site and key caches.
      expect(signal.epoch()).toBe(before);
    } finally {
      await signal.close();
    }
  });

  it('cannot vouch once its connection is lost, and comes back with a new epoch', async () => {
    const { signal, backends } = namedChangeSignal(db, { reconnectMinMs: 10 });
    signal.start(quiet());
    try {
      const before = await waitFor('the listener to connect', async () => signal.epoch());
      const [pid] = await backends();
      await sql`select pg_terminate_backend(${pid})`.execute(db.db);
      const back = await waitFor('the listener to reconnect on a new connection', async () => {
        const pids = await backends();
        const epoch = signal.epoch();
        return pids.length === 1 && pids[0] !== pid && epoch !== undefined ? epoch : undefined;
      });
      expect(back).toBeGreaterThan(before);
    } finally {
      await signal.close();
    }
  });

  it('stays down while it cannot connect, retrying with a warning each time, until closed', async () => {
    const signal = createChangeSignal(
      { dialect: 'postgres', connectionString: 'postgres://postgres@127.0.0.1:1/verdict' },
      { reconnectMinMs: 5, reconnectMaxMs: 20 },
    );
    const { log, lines } = recordingLog();
    signal.start(log);
    await waitFor('three failed attempts', async () =>
      lines.filter((l) => l.msg.startsWith('change listener not connected')).length >= 3 ? true : undefined,
    );
    expect(signal.epoch()).toBeUndefined();
    await signal.close();
    expect(signal.epoch()).toBeUndefined();
  });
});
