/**
 * `node --import tsx bench/feed.ts`: createReview throughput over HTTP with no event-feed reader attached and with
 * `--readers` long-polling readers attached (`GET /verdict/v1/events?waitSeconds=25`, each reading on from the
 * position it was given), on SQLite and PostgreSQL; prints both rates and their ratio. After a warm-up of the fresh
 * server, the two conditions alternate (`--rounds` times each, each with its own warm-up) so drift on a shared
 * machine hits both alike; medians are reported. Readers follow a site
 * that receives no writes (`--readers-on other`: what waiting readers cost the writers) or the written site
 * (`same`: each reader also receives every event). Verdict runs as a separate process (`verdict serve`, the
 * compiled build); load comes only from this process to 127.0.0.1, and every loop is bounded in time.
 * See bench/README.md.
 */
import { type ChildProcess, execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import autocannon from 'autocannon';
import pg from 'pg';
import { openDatabase } from '../src/server/db/database.ts';
import { migrateToLatest } from '../src/server/db/migrate.ts';
import { createSite } from '../src/server/sites/sites.service.ts';
import { median, NO_RATE_LIMITS, serveVerdict, sleep, stopChild } from './support.ts';

const run = promisify(execFile);
const ROOT = new URL('..', import.meta.url).pathname;
const VERDICT = join(ROOT, 'dist/verdict.js');

const { values: opts } = parseArgs({
  options: {
    dialect: { type: 'string', default: 'sqlite,postgres' },
    'database-url': {
      type: 'string',
      default:
        process.env.BENCH_DATABASE_URL ??
        process.env.TEST_DATABASE_URL ??
        'postgres://postgres@127.0.0.1:5432/postgres',
    },
    readers: { type: 'string', default: '20' },
    'readers-on': { type: 'string', default: 'other' },
    connections: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    duration: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '3' },
  },
});

function positive(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number (got "${value}")`);
  return n;
}
const READERS = positive('readers', opts.readers);
const CONNECTIONS = positive('connections', opts.connections);
const WARMUP = positive('warmup', opts.warmup);
const DURATION = positive('duration', opts.duration);
const ROUNDS = positive('rounds', opts.rounds);
if (opts['readers-on'] !== 'other' && opts['readers-on'] !== 'same') {
  throw new Error(`--readers-on must be other or same (got "${opts['readers-on']}")`);
}

interface Target {
  dialect: 'sqlite' | 'postgres';
  url: string;
  dispose(): Promise<void>;
}

/** A fresh database: a temp SQLite file, or a fresh schema in the PostgreSQL database of --database-url. */
async function target(dialect: 'sqlite' | 'postgres'): Promise<Target> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(os.tmpdir(), 'verdict-feed-bench-'));
    return {
      dialect,
      url: `sqlite:${join(dir, 'bench.db')}`,
      dispose: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const base = opts['database-url'];
  const schema = `feed_bench_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  await admin.end();
  const url = `${base}${base.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
  return {
    dialect,
    url,
    async dispose() {
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      await c.query(`drop schema ${schema} cascade`);
      await c.end();
    },
  };
}

/** Migrates and creates the written site and the readers' idle site; returns their admin keys. */
async function prepare(t: Target): Promise<{ writerKey: string; idleKey: string }> {
  const database = openDatabase(t.url);
  try {
    await migrateToLatest(database.db);
    const deps = { db: database.db, dialect: database.dialect, clock: () => new Date() };
    const writer = await createSite(deps, 'feed bench: written');
    const idle = await createSite(deps, 'feed bench: read');
    return { writerKey: writer.adminKey, idleKey: idle.adminKey };
  } finally {
    await database.close();
  }
}

/** The benchmark measures throughput from one address, so every rate limit is off on the server it starts. */
function serve(t: Target): Promise<{ url: string; child: ChildProcess }> {
  return serveVerdict(VERDICT, { ...process.env, ...NO_RATE_LIMITS, DATABASE_URL: t.url, LOG_LEVEL: 'warn' }, 60_000);
}

/** The feed's current end for the site of `key`, walking on from `after` (pages of 100, no waiting). */
async function feedEnd(url: string, key: string, after: string): Promise<string> {
  let position = after;
  for (;;) {
    const res = await fetch(`${url}/verdict/v1/events?limit=100${position ? `&after=${position}` : ''}`, {
      headers: { authorization: key },
    });
    const body = (await res.json()) as { events?: unknown[]; position?: string };
    if (res.status !== 200 || body.position === undefined) throw new Error(`feed read failed: ${res.status}`);
    position = body.position;
    if ((body.events?.length ?? 0) < 100) return position;
  }
}

/** `n` long-polling readers of the feed of the site `key` belongs to, from position `from`, until stopped. */
function startReaders(url: string, key: string, n: number, from: string) {
  const abort = new AbortController();
  // Every reader's requests listen on the one signal.
  setMaxListeners(0, abort.signal);
  const stats = { responses: 0, events: 0, errors: 0 };
  const loops = Array.from({ length: n }, async () => {
    let after = from;
    while (!abort.signal.aborted) {
      try {
        const res = await fetch(`${url}/verdict/v1/events?limit=100&after=${after}&waitSeconds=25`, {
          headers: { authorization: key },
          signal: abort.signal,
        });
        const body = (await res.json()) as { events?: unknown[]; position?: string };
        if (res.status !== 200 || !body.position) {
          stats.errors++;
          await sleep(100);
          continue;
        }
        stats.responses++;
        stats.events += body.events?.length ?? 0;
        after = body.position;
      } catch {
        if (!abort.signal.aborted) {
          stats.errors++;
          await sleep(100);
        }
      }
    }
  });
  return {
    stats,
    async stop() {
      abort.abort();
      await Promise.allSettled(loops);
    },
  };
}

/** createReview at CONNECTIONS for `seconds`; returns requests per second (2xx only) and the non-2xx count. */
async function createLoad(
  url: string,
  key: string,
  seconds: number,
): Promise<{ rps: number; errors: number; p99: number }> {
  const result = await autocannon({
    url: `${url}/reviews/v1/reviews`,
    method: 'POST',
    connections: CONNECTIONS,
    duration: seconds,
    headers: { authorization: key, 'content-type': 'application/json' },
    requests: [
      {
        setupRequest: (r) => ({
          ...r,
          body: JSON.stringify({
            review: {
              namespace: 'stores',
              entityId: `bench-${randomUUID().slice(0, 8)}`,
              author: { contactId: randomUUID() },
              content: { rating: 4, title: 'Bench', body: 'Created during the feed benchmark.' },
            },
          }),
        }),
      },
    ],
  });
  return {
    rps: result['2xx'] / seconds,
    errors: result.non2xx + result.errors + result.timeouts,
    p99: result.latency.p99,
  };
}

async function benchDialect(dialect: 'sqlite' | 'postgres'): Promise<Record<string, unknown>> {
  const t = await target(dialect);
  const server = { child: undefined as ChildProcess | undefined };
  try {
    const { writerKey, idleKey } = await prepare(t);
    const v = await serve(t);
    server.child = v.child;
    const readerKey = opts['readers-on'] === 'same' ? writerKey : idleKey;
    // Readers start at the end of the feed, as a handler that has caught up does.
    let end = '';
    const none: number[] = [];
    const some: number[] = [];
    // A fresh server warms up (JIT, caches, pools) before anything is measured.
    await createLoad(v.url, writerKey, WARMUP * 2);
    let errors = 0;
    const readerStats = { responses: 0, events: 0, errors: 0 };
    for (let round = 0; round < ROUNDS; round++) {
      for (const withReaders of [false, true]) {
        if (withReaders) end = await feedEnd(v.url, readerKey, end);
        const readers = withReaders ? startReaders(v.url, readerKey, READERS, end) : undefined;
        await createLoad(v.url, writerKey, WARMUP);
        const before = { ...(readers?.stats ?? readerStats) };
        const r = await createLoad(v.url, writerKey, DURATION);
        if (readers) {
          readerStats.responses += readers.stats.responses - before.responses;
          readerStats.events += readers.stats.events - before.events;
          readerStats.errors += readers.stats.errors - before.errors;
          await readers.stop();
        }
        errors += r.errors;
        (withReaders ? some : none).push(r.rps);
        console.log(
          `  ${dialect.padEnd(8)} round ${round + 1} ${withReaders ? `${READERS} readers` : 'no readers'.padEnd(10)}  ${r.rps.toFixed(0).padStart(6)} createReview/s  p99 ${r.p99} ms`,
        );
      }
    }
    const rate0 = median(none);
    const rateN = median(some);
    return {
      dialect,
      readersOn: opts['readers-on'],
      readers: READERS,
      'createReview/s, no readers': Math.round(rate0),
      [`createReview/s, ${READERS} readers`]: Math.round(rateN),
      ratio: Number((rateN / rate0).toFixed(3)),
      'reader answers/s': Math.round(readerStats.responses / (DURATION * ROUNDS)),
      'reader events/s': Math.round(readerStats.events / (DURATION * ROUNDS)),
      'non-2xx': errors + readerStats.errors,
    };
  } finally {
    if (server.child) await stopChild(server.child);
    await t.dispose();
  }
}

async function main() {
  const cpus = os.cpus();
  console.log(
    `Feed benchmark: createReview at ${CONNECTIONS} connections, ${WARMUP} s warm-up + ${DURATION} s measured, ` +
      `${ROUNDS} rounds of (no readers, ${READERS} readers on the ${opts['readers-on']} site); ` +
      `${cpus.length} × ${cpus[0]?.model ?? 'unknown CPU'}, Node ${process.version}`,
  );
  // Verdict runs as operators run it: the compiled build.
  await run(process.execPath, [join(ROOT, 'scripts/build.mjs')]);
  const rows = [];
  for (const d of opts.dialect.split(',')) {
    if (d !== 'sqlite' && d !== 'postgres') throw new Error(`unknown dialect ${d}`);
    rows.push(await benchDialect(d));
  }
  console.table(rows);
}

await main();
