/**
 * `npm run bench`: measures Verdict's hot operations over HTTP against the machine's own ceilings, in one run:
 *   1. ceilings — a bare Fastify GET and POST (same framework and validator, no auth, no database) and the raw
 *      database doing the same work as each scenario (get by id, keyset page of 50 per sort, summary read, batch of
 *      100 summaries, insert review + summary upsert in one transaction, a helpfulness vote);
 *   2. Verdict on SQLite and/or PostgreSQL, seeded through its own bulk-create API;
 *   3. server peak RSS, seeding time and the time the restarted server needs for its startup passes.
 * Every scenario runs at each connection count (default 10 and 100): a warm-up that is not recorded, then
 * `--repeat` measurements of `--duration` seconds; the medians are reported. Prints one table and writes JSON to
 * bench/results/. Traffic goes only to 127.0.0.1; every loop is bounded in time. See bench/README.md.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createWriteStream, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { once } from 'node:events';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import autocannon from 'autocannon';
import Database from 'better-sqlite3';
import pg from 'pg';

const run = promisify(execFile);
const ROOT = new URL('..', import.meta.url).pathname;
/** The compiled CLI (built at the start of the run), not bin/verdict.mjs: see main(). */
const VERDICT = join(ROOT, 'dist/verdict.js');

const { values: opts } = parseArgs({
  options: {
    dialect: { type: 'string', default: 'sqlite,postgres' },
    reviews: { type: 'string', default: '1000000' },
    entities: { type: 'string', default: '10000' },
    hot: { type: 'string', default: '' },
    duration: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '1' },
    repeat: { type: 'string', default: '3' },
    connections: { type: 'string', default: '10,100' },
    scenario: { type: 'string', default: '' },
    compare: { type: 'string', default: '' },
    'pg-url': { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/postgres' },
    'quiet-timeout': { type: 'string', default: '900' },
    reuse: { type: 'boolean', default: false },
    seed: { type: 'string', default: 'import' },
  },
});
if (opts.seed !== 'import' && opts.seed !== 'api') throw new Error(`--seed must be import or api (got "${opts.seed}")`);

function numberOption(name: string, value: string, min: number): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < min) throw new Error(`--${name} must be a number ≥ ${min} (got "${value}")`);
  return n;
}

const N_REVIEWS = numberOption('reviews', opts.reviews, 1);
const N_ENTITIES = numberOption('entities', opts.entities, 1);
const N_HOT = opts.hot ? numberOption('hot', opts.hot, 1) : Math.floor(N_REVIEWS / 5);
const DURATION = numberOption('duration', opts.duration, 1);
const WARMUP = numberOption('warmup', opts.warmup, 0);
const REPEAT = numberOption('repeat', opts.repeat, 1);
const CONNECTIONS = opts.connections.split(',').map((c) => numberOption('connections', c.trim(), 1));
const QUIET_TIMEOUT = numberOption('quiet-timeout', opts['quiet-timeout'], 0);
const FILTERS = opts.scenario
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);
const HOT = 'hot-entity';
/** Verdict's PostgreSQL pool size (openPostgres); the raw pg ceilings use the same, so they compare like for like. */
const PG_POOL = 10;
const PAGE_SIZE = 50;
const DEEP_PAGE = 50;

/** One measurement (a run, or a window of an HTTP session). Latencies in ms. */
interface Sample {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

/** One line of the table: the medians of `runs`, and the ceiling it is compared with. */
interface Row {
  /** `-` for the bare-Fastify ceilings, which use no database. */
  dialect: string;
  scenario: string;
  /** Concurrent HTTP connections, or concurrent callers for the raw pg ceilings; 1 for SQLite's synchronous loop. */
  connections: number;
  rps: number;
  p50: number;
  p99: number;
  /** HTTP: seconds of warm-up until every connection had been served (at least --warmup). */
  warmup?: number;
  /** Non-2xx responses, connection errors and timeouts over all recorded runs. */
  errors: number;
  runs: Sample[];
  /** The ceiling the target names for this scenario, and req/s divided by it (same connection count). */
  ceiling?: string;
  ratio?: number;
  /** req/s divided by the bare-Fastify ceiling of the same method (same connection count). */
  vsBare?: number;
}

const rows: Row[] = [];
const extra: Record<string, unknown> = {};
const matches = (name: string) => FILTERS.length === 0 || FILTERS.some((f) => name.includes(f));

// ---------- scenarios ----------

/** The hot-entity page shapes: Verdict's sort (createdDate and id appended as tie-breaks) and an optional filter. */
const SHAPES: Record<string, { sort: { fieldName: string; order: 'DESC' }[]; keys: string[]; minRating?: number }> = {
  newest: { sort: [{ fieldName: 'createdDate', order: 'DESC' }], keys: ['created_at', 'id'] },
  helpful: { sort: [{ fieldName: 'helpfulness', order: 'DESC' }], keys: ['helpfulness', 'created_at', 'id'] },
  highest: { sort: [{ fieldName: 'content.rating', order: 'DESC' }], keys: ['rating', 'created_at', 'id'] },
  'rating>=4': { sort: [{ fieldName: 'createdDate', order: 'DESC' }], keys: ['created_at', 'id'], minRating: 4 },
};
const PAGES = [1, DEEP_PAGE];

interface Spec {
  name: string;
  method: 'GET' | 'POST';
  /** The ceiling the ratio is taken against (the one the target names). */
  ceiling?: string;
  /** Other ceilings measured with it, for reference. */
  also?: string[];
  /** Writes run after every read, so reads see the seeded data only. */
  write?: boolean;
}

const VERDICT_SCENARIOS: Spec[] = [
  { name: 'getReview', method: 'GET', ceiling: 'bare fastify GET', also: ['raw getById'] },
  ...Object.keys(SHAPES).flatMap((sort) =>
    PAGES.map(
      (page): Spec => ({
        name: `query ${sort} page ${page}`,
        method: 'POST',
        ceiling: `raw page ${sort} page ${page}`,
      }),
    ),
  ),
  { name: 'countReviews hot entity', method: 'POST' },
  { name: 'summary one', method: 'GET', ceiling: 'bare fastify GET', also: ['raw summary'] },
  { name: 'summary batch of 100', method: 'POST', ceiling: 'raw summary batch of 100' },
  { name: 'createReview', method: 'POST', ceiling: 'raw insert+summary tx', write: true },
  { name: 'castVote', method: 'POST', ceiling: 'raw vote tx', write: true },
];
const RAW_CEILINGS: { name: string; write: boolean }[] = [
  { name: 'raw getById', write: false },
  ...Object.keys(SHAPES).flatMap((sort) =>
    PAGES.map((page) => ({ name: `raw page ${sort} page ${page}`, write: false })),
  ),
  { name: 'raw summary', write: false },
  { name: 'raw summary batch of 100', write: false },
  { name: 'raw insert+summary tx', write: true },
  { name: 'raw vote tx', write: true },
];

const selected = VERDICT_SCENARIOS.filter((s) => matches(s.name));
const needed = new Set(selected.flatMap((s) => [s.ceiling, `bare fastify ${s.method}`, ...(s.also ?? [])]));
const ceilingWanted = (name: string) => matches(name) || needed.has(name);

// ---------- measuring ----------

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

function percentile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
}

/** Latencies below 10 ms keep two decimals (raw database calls are often well under 1 ms). */
const ms = (n: number) => (n >= 10 ? Math.round(n) : Math.round(n * 100) / 100);

/** Records the medians of `runs` (one per repetition) as a row of the table. */
function record(label: Pick<Row, 'dialect' | 'scenario' | 'connections'>, runs: Sample[], warmup?: number): Row {
  const row: Row = {
    ...label,
    ...(warmup !== undefined ? { warmup: Math.round(warmup * 10) / 10 } : {}),
    rps: Math.round(median(runs.map((r) => r.rps))),
    p50: ms(median(runs.map((r) => r.p50))),
    p99: ms(median(runs.map((r) => r.p99))),
    errors: runs.reduce((n, r) => n + r.errors, 0),
    runs: runs.map((r) => ({ rps: Math.round(r.rps), p50: ms(r.p50), p99: ms(r.p99), errors: r.errors })),
  };
  rows.push(row);
  const each = row.runs.map((r) => r.rps).join(' / ');
  const warm = row.warmup !== undefined && row.warmup > WARMUP + 0.5 ? `, warm-up ${row.warmup} s` : '';
  console.log(
    `  ${row.dialect.padEnd(8)} ${row.scenario.padEnd(28)} c=${String(row.connections).padEnd(4)}` +
      `${String(row.rps).padStart(7)}/s  p50 ${row.p50} ms  p99 ${row.p99} ms  (runs ${each}${warm})`,
  );
  if (row.errors > 0) console.warn(`  ! ${row.scenario} c=${row.connections}: ${row.errors} non-2xx/errors/timeouts`);
  return row;
}

/** A warm-up run of WARMUP seconds (not recorded), then REPEAT runs of DURATION seconds. */
async function repeated(once: (seconds: number) => Promise<Sample>): Promise<Sample[]> {
  if (WARMUP > 0) await once(WARMUP);
  const runs: Sample[] = [];
  for (let i = 0; i < REPEAT; i++) runs.push(await once(DURATION));
  return runs;
}

type CannonOptions = Omit<autocannon.Options, 'connections' | 'duration'>;

/** Longest a warm-up may stretch while waiting for every connection to be served. */
const WARMUP_LIMIT_SECONDS = 60;

/**
 * One autocannon session at `connections`: a warm-up that is not recorded, then REPEAT back-to-back windows of
 * DURATION seconds, each one Sample of the responses completed in it (latencies of 2xx responses). The warm-up
 * lasts WARMUP seconds and at least until every connection has had a response: a server whose event loop is busy
 * accepts new connections slowly (Node accepted about one per loop iteration here, so 100 connections to a
 * saturated server took seconds to be served at all), and measuring then reports connection set-up, not the
 * steady state. Returns the windows and how long the warm-up took.
 */
async function cannon(options: CannonOptions, connections: number): Promise<{ runs: Sample[]; warmup: number }> {
  const windows = Array.from({ length: REPEAT }, () => ({ n: 0, errors: 0, lat: [] as number[] }));
  const served = new Set<object>();
  let start = 0;
  let measuring: number | undefined;
  await new Promise<void>((resolve, reject) => {
    const instance = autocannon(
      { ...options, connections, duration: Math.ceil(WARMUP + WARMUP_LIMIT_SECONDS + REPEAT * DURATION) },
      (err) => (err ? reject(err) : resolve()),
    );
    start = performance.now();
    const begin = (now: number) => {
      measuring = now;
      setTimeout(() => instance.stop(), REPEAT * DURATION * 1000);
    };
    instance.on('response', (client, status, _bytes, responseTime) => {
      const now = performance.now();
      if (measuring === undefined) {
        served.add(client);
        const warm = now - start >= WARMUP * 1000;
        if ((warm && served.size >= connections) || now - start >= (WARMUP + WARMUP_LIMIT_SECONDS) * 1000) begin(now);
        return;
      }
      const w = windows[Math.floor((now - measuring) / (DURATION * 1000))];
      if (!w) return;
      w.n++;
      if (status >= 200 && status < 300) w.lat.push(responseTime);
      else w.errors++;
    });
    instance.on('reqError', () => {
      const w =
        measuring === undefined ? undefined : windows[Math.floor((performance.now() - measuring) / (DURATION * 1000))];
      if (w) w.errors++;
    });
  });
  const warmup = ((measuring ?? performance.now()) - start) / 1000;
  if (served.size < connections)
    console.warn(`  ! only ${served.size} of ${connections} connections were served during the warm-up`);
  const runs = windows.map((w) => {
    w.lat.sort((a, b) => a - b);
    return { rps: w.n / DURATION, p50: percentile(w.lat, 0.5), p99: percentile(w.lat, 0.99), errors: w.errors };
  });
  return { runs, warmup };
}

/** Runs a synchronous operation back to back for `seconds` (better-sqlite3 is synchronous: one caller is its best). */
function syncLoop(seconds: number, op: () => void): Sample {
  const lat: number[] = [];
  const start = performance.now();
  const end = start + seconds * 1000;
  let now = start;
  while (now < end) {
    op();
    const t = performance.now();
    lat.push(t - now);
    now = t;
  }
  lat.sort((a, b) => a - b);
  return { rps: lat.length / ((now - start) / 1000), p50: percentile(lat, 0.5), p99: percentile(lat, 0.99), errors: 0 };
}

/** Runs `op` from `callers` concurrent loops for `seconds`. */
async function asyncLoop(seconds: number, callers: number, op: () => Promise<void>): Promise<Sample> {
  const lat: number[] = [];
  const start = performance.now();
  const end = start + seconds * 1000;
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (performance.now() < end) {
        const t = performance.now();
        await op();
        lat.push(performance.now() - t);
      }
    }),
  );
  const elapsed = (performance.now() - start) / 1000;
  lat.sort((a, b) => a - b);
  return { rps: lat.length / elapsed, p50: percentile(lat, 0.5), p99: percentile(lat, 0.99), errors: 0 };
}

// ---------- processes ----------

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (a && typeof a === 'object' ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}

async function waitForLine(child: ChildProcess, pattern: RegExp, ms = 30_000): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${pattern}: ${buf.slice(-500)}`)), ms);
    const onData = (d: Buffer) => {
      buf += d.toString();
      const m = buf.match(pattern);
      if (m) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        resolve(m);
      }
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`process exited (${code}) before ${pattern}: ${buf.slice(-500)}`)));
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  await exited;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** CPU time (user + system, in clock ticks) a process has used so far, from /proc. */
function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the parenthesised command name: state is the 3rd field, utime the 14th, stime the 15th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

// ---------- ceilings: bare Fastify ----------

const CREATE_BODY = {
  review: {
    namespace: 'stores',
    entityId: 'p-1',
    author: { contactId: '6c7c6f5e-0d5b-4d8e-9a55-4f2f3f0d7a12' },
    content: { rating: 4, title: 'Bench', body: 'Created during the benchmark.' },
  },
};

async function bareFastify(): Promise<void> {
  const names = ['bare fastify GET', 'bare fastify POST'].filter(ceilingWanted);
  if (names.length === 0) return;
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bench/ceiling-server.ts')], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const [, url, bytes] = await waitForLine(child, /LISTENING (\S+) (\d+)/);
    extra.bareGetBodyBytes = Number(bytes);
    for (const name of names) {
      const options: CannonOptions =
        name === 'bare fastify GET'
          ? { url: `${url}/ceiling` }
          : {
              url: `${url}/ceiling`,
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify(CREATE_BODY),
            };
      for (const c of CONNECTIONS) {
        const { runs, warmup } = await cannon(options, c);
        record({ dialect: '-', scenario: name, connections: c }, runs, warmup);
      }
    }
  } finally {
    await stopChild(child);
  }
}

// ---------- ceilings: raw database ----------

/** What the raw ceilings and the Verdict scenarios share: the site, the reviews they read, the deep-page positions. */
interface Fixture {
  siteId: string;
  clientId: string;
  /** 100 published reviews of the hot entity. */
  ids: string[];
  /** For each sort: the sort keys of the last row of page DEEP_PAGE − 1 (absent when the entity has fewer rows). */
  positions: Record<string, unknown[] | undefined>;
}

/**
 * The statement Verdict runs for a hot-entity page (query.service.ts): the caller's visibility (site, live,
 * published), the filter, the keyset after `position`, and one row more than the page to know if there is another.
 */
function pageQuery(
  dialect: 'sqlite' | 'postgres',
  siteId: string,
  sort: string,
  position: readonly unknown[] | undefined,
  select = '*',
  limit = PAGE_SIZE + 1,
  offset?: number,
): { text: string; values: unknown[] } {
  const shape = SHAPES[sort];
  if (!shape) throw new Error(`unknown sort ${sort}`);
  const values: unknown[] = [];
  const p = (v: unknown) => {
    values.push(v);
    return dialect === 'postgres' ? `$${values.length}` : '?';
  };
  let where = `site_id = ${p(siteId)} and deleted_at is null and moderation_status = ${p('APPROVED')} and entity_id = ${p(HOT)}`;
  // SQLite: `+rating` keeps the range from choosing the rating index, as Verdict's query does (query.service.ts,
  // sortServingHints); with sampled statistics SQLite would otherwise sort the whole range of the hot entity.
  if (shape.minRating !== undefined) where += ` and ${dialect === 'sqlite' ? '+rating' : 'rating'} >= ${p(shape.minRating)}`;
  if (position) where += ` and (${shape.keys.join(', ')}) < (${position.map(p).join(', ')})`;
  const order = shape.keys.map((k) => `${k} desc`).join(', ');
  const tail = offset === undefined ? `limit ${p(limit)}` : `limit ${p(limit)} offset ${p(offset)}`;
  return { text: `select ${select} from reviews where ${where} order by ${order} ${tail}`, values };
}

const DEEP_OFFSET = (DEEP_PAGE - 1) * PAGE_SIZE - 1;
const batchEntities = Array.from({ length: 100 }, (_, i) => `e-${i}`);

const INSERT_REVIEW = `insert into reviews (site_id, id, namespace, entity_id, contact_id, author_name, title, body, media_json, rating,
  moderation_status, manually_changed, revision, verified, origin_type, review_date, relevance_rank, publish_count, event_sequence,
  content_hash, created_at, updated_at)
  values (?, ?, 'stores', ?, ?, 'Raw', 'Title', 'Body text', '[]', 4, 'APPROVED', 0, 1, 0, 'APP', ?, 0, 1, 3, 'h', ?, ?)`;
const UPSERT_SUMMARY = `insert into entity_summaries (site_id, namespace, entity_id, review_count, rating_sum, r1, r2, r3, r4, r5, updated_at)
  values (?, 'stores', ?, 1, 4, 0, 0, 0, 1, 0, ?) on conflict (site_id, namespace, entity_id) do update set
  review_count = entity_summaries.review_count + 1, rating_sum = entity_summaries.rating_sum + 4, r4 = entity_summaries.r4 + 1,
  updated_at = excluded.updated_at`;
const INSERT_OUTBOX = `insert into outbox_events (site_id, id, event_type, slug, entity_id, entity_event_sequence, body_json, created_at)
  values (?, ?, 'wix.reviews.v1.review_created', 'created', ?, 1, '{}', ?)`;
const INSERT_VOTE = `insert into review_votes (site_id, review_id, voter_id, vote, created_at, updated_at) values (?, ?, ?, 'HELPFUL', ?, ?)`;
const APPLY_VOTE = `update reviews set found_helpful = found_helpful + 1, helpfulness = helpfulness + 1,
  relevance_rank = relevance_rank + 0.001 where site_id = ? and id = ?`;
const BY_ID = 'select * from reviews where site_id = ? and id = ? and deleted_at is null';
const SUMMARY = 'select * from entity_summaries where site_id = ? and namespace = ? and entity_id = ?';
const SUMMARIES = `select * from entity_summaries where site_id = ? and namespace = ? and entity_id in (${batchEntities.map(() => '?').join(', ')})`;

/** `?` placeholders → `$1, $2, …` for pg. */
function numbered(text: string): string {
  let n = 0;
  return text.replace(/\?/g, () => `$${++n}`);
}

/**
 * The raw SQLite operations, each the work of one request, on one connection set up like Verdict's. Reads return
 * rows as arrays (`raw(true)`), the least the driver can do: Verdict shapes rows in JavaScript, faster than
 * better-sqlite3's own objects, so object rows here would understate the ceiling.
 */
function sqliteOps(db: Database.Database, f: Fixture): Record<string, () => void> {
  const byId = db.prepare(BY_ID).raw(true);
  const summary = db.prepare(SUMMARY).raw(true);
  const summaries = db.prepare(SUMMARIES).raw(true);
  const insert = db.prepare(INSERT_REVIEW);
  const upsert = db.prepare(UPSERT_SUMMARY);
  const outbox = db.prepare(INSERT_OUTBOX);
  const vote = db.prepare(INSERT_VOTE);
  const applyVote = db.prepare(APPLY_VOTE);
  const createTx = db.transaction((id: string, entity: string, now: string) => {
    insert.run(f.siteId, id, entity, randomUUID(), now, now, now);
    upsert.run(f.siteId, entity, now);
    outbox.run(f.siteId, randomUUID(), id, now);
  });
  const voteTx = db.transaction((reviewId: string, now: string) => {
    vote.run(f.siteId, reviewId, randomUUID(), now, now);
    applyVote.run(f.siteId, reviewId);
  });
  let i = 0;
  const ops: Record<string, () => void> = {
    'raw getById': () => void byId.get(f.siteId, f.ids[i++ % f.ids.length]),
    'raw summary': () => void summary.get(f.siteId, 'stores', HOT),
    'raw summary batch of 100': () => void summaries.all(f.siteId, 'stores', ...batchEntities),
    'raw insert+summary tx': () =>
      createTx.immediate(randomUUID(), `raw-${randomUUID().slice(0, 8)}`, new Date().toISOString()),
    'raw vote tx': () => voteTx.immediate(f.ids[i++ % f.ids.length] as string, new Date().toISOString()),
  };
  for (const sort of Object.keys(SHAPES)) {
    for (const page of PAGES) {
      const position = page === 1 ? undefined : f.positions[sort];
      if (page !== 1 && !position) continue;
      const q = pageQuery('sqlite', f.siteId, sort, position);
      const stmt = db.prepare(q.text).raw(true);
      ops[`raw page ${sort} page ${page}`] = () => void stmt.all(...q.values);
    }
  }
  return ops;
}

/** The raw pg operations: named (server-side prepared) statements on a pool the size of Verdict's. */
function pgOps(pool: pg.Pool, f: Fixture): Record<string, () => Promise<void>> {
  const q = async (name: string, text: string, values: unknown[]) => void (await pool.query({ name, text, values }));
  let i = 0;
  const ops: Record<string, () => Promise<void>> = {
    'raw getById': () => q('byid', numbered(BY_ID), [f.siteId, f.ids[i++ % f.ids.length]]),
    'raw summary': () => q('summary', numbered(SUMMARY), [f.siteId, 'stores', HOT]),
    'raw summary batch of 100': () => q('summaries', numbered(SUMMARIES), [f.siteId, 'stores', ...batchEntities]),
    'raw insert+summary tx': async () => {
      const c = await pool.connect();
      try {
        const now = new Date().toISOString();
        const id = randomUUID();
        const entity = `raw-${randomUUID().slice(0, 8)}`;
        await c.query('begin');
        await c.query({
          name: 'insert',
          text: numbered(INSERT_REVIEW),
          values: [f.siteId, id, entity, randomUUID(), now, now, now],
        });
        await c.query({ name: 'upsert', text: numbered(UPSERT_SUMMARY), values: [f.siteId, entity, now] });
        await c.query({ name: 'outbox', text: numbered(INSERT_OUTBOX), values: [f.siteId, randomUUID(), id, now] });
        await c.query('commit');
      } finally {
        c.release();
      }
    },
    'raw vote tx': async () => {
      const c = await pool.connect();
      try {
        const now = new Date().toISOString();
        const reviewId = f.ids[i++ % f.ids.length];
        await c.query('begin');
        await c.query({
          name: 'vote',
          text: numbered(INSERT_VOTE),
          values: [f.siteId, reviewId, randomUUID(), now, now],
        });
        await c.query({ name: 'apply-vote', text: numbered(APPLY_VOTE), values: [f.siteId, reviewId] });
        await c.query('commit');
      } finally {
        c.release();
      }
    },
  };
  for (const sort of Object.keys(SHAPES)) {
    for (const page of PAGES) {
      const position = page === 1 ? undefined : f.positions[sort];
      if (page !== 1 && !position) continue;
      const pq = pageQuery('postgres', f.siteId, sort, position);
      ops[`raw page ${sort} page ${page}`] = () => q(`page-${sort}-${page}`, pq.text, pq.values);
    }
  }
  return ops;
}

/** Measures the raw ceilings named in `names`: SQLite once (one synchronous caller), pg at each connection count. */
async function rawCeilings(t: Target, f: Fixture, names: string[]): Promise<void> {
  if (names.length === 0) return;
  if (t.dialect === 'sqlite') {
    const db = new Database(t.sqliteFile as string);
    db.pragma('busy_timeout = 5000');
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    db.pragma('synchronous = NORMAL');
    try {
      const ops = sqliteOps(db, f);
      for (const name of names) {
        const op = ops[name];
        if (op)
          record({ dialect: t.dialect, scenario: name, connections: 1 }, await repeated(async (s) => syncLoop(s, op)));
      }
    } finally {
      db.close();
    }
    return;
  }
  for (const name of names) {
    for (const c of CONNECTIONS) {
      // c callers share a pool of Verdict's size, as c HTTP connections share Verdict's pool. Named statements skip
      // the parse; each run is planned with its values, as Verdict's unnamed statements are: a cached generic plan
      // can be far worse (rating >= $n by newest: a range scan of the rating index and a sort of every match).
      const pool = new pg.Pool({
        connectionString: t.databaseUrl,
        max: Math.min(c, PG_POOL),
        options: '-c plan_cache_mode=force_custom_plan',
      });
      try {
        const op = pgOps(pool, f)[name];
        if (op)
          record({ dialect: t.dialect, scenario: name, connections: c }, await repeated((s) => asyncLoop(s, c, op)));
      } finally {
        await pool.end();
      }
    }
  }
}

// ---------- Verdict ----------

interface Target {
  dialect: 'sqlite' | 'postgres';
  databaseUrl: string;
  sqliteFile?: string;
}

const benchPgUrl = () => new URL('verdict_bench', `${opts['pg-url'].replace(/\/[^/]*$/, '')}/`).toString();

async function prepareTarget(dialect: 'sqlite' | 'postgres'): Promise<Target> {
  if (opts.reuse) {
    // Keep the database seeded by an earlier run (`--reuse`): skips the (long) seeding step.
    if (dialect === 'sqlite') {
      const file = join(ROOT, 'bench/results/tmp/bench.db');
      return { dialect, databaseUrl: `sqlite:${file}`, sqliteFile: file };
    }
    return { dialect, databaseUrl: benchPgUrl() };
  }
  if (dialect === 'sqlite') {
    const dir = join(ROOT, 'bench/results/tmp');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'bench.db');
    return { dialect, databaseUrl: `sqlite:${file}`, sqliteFile: file };
  }
  const admin = new pg.Client({ connectionString: opts['pg-url'] });
  await admin.connect();
  await admin.query('drop database if exists verdict_bench with (force)');
  await admin.query('create database verdict_bench');
  await admin.end();
  return { dialect, databaseUrl: benchPgUrl() };
}

interface Verdict {
  url: string;
  key: string;
  child: ChildProcess;
  peakRss: () => number;
}

/** The benchmark measures throughput from one address, so every rate limit is off on the servers it starts. */
const NO_RATE_LIMITS = Object.fromEntries(
  ['TOKENS', 'CREATES', 'VOTES', 'REPORTS'].flatMap((a) =>
    ['ADDRESS', 'SITE'].map((s) => [`RATE_LIMIT_${a}_PER_${s}`, 'off']),
  ),
);

async function startVerdict(t: Target): Promise<Verdict> {
  const env = { ...process.env, ...NO_RATE_LIMITS, DATABASE_URL: t.databaseUrl, LOG_LEVEL: 'warn' };
  await run(process.execPath, [VERDICT, 'migrate'], { env });
  const { stdout } = await run(
    process.execPath,
    [VERDICT, 'keys', 'create', '--kind', 'admin', '--name', 'bench'],
    { env },
  );
  const key = stdout.match(/key:\s+(vdt_admin_\S+)/)?.[1];
  if (!key) throw new Error(`no admin key in: ${stdout}`);
  const port = await freePort();
  const child = spawn(process.execPath, [VERDICT, 'serve'], {
    env: { ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  // Pass on the server's log lines (warnings and errors at LOG_LEVEL=warn), not its start-up banner.
  child.stdout?.on('data', (d: Buffer) => {
    for (const line of d.toString().split('\n'))
      if (line.startsWith('{')) process.stderr.write(`  [verdict] ${line}\n`);
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error('Verdict did not start');
    }
    await sleep(100);
  }
  let peak = 0;
  const sample = setInterval(() => {
    if (!child.pid) return;
    try {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      const kb = Number(status.match(/VmRSS:\s+(\d+)/)?.[1] ?? 0);
      peak = Math.max(peak, kb);
    } catch {
      // process gone
    }
  }, 200);
  child.once('exit', () => clearInterval(sample));
  return { url, key, child, peakRss: () => Math.round(peak / 1024) };
}

/**
 * Waits until nothing but steady traffic is left: the server (when given) used under 4 % of a core, and on
 * PostgreSQL no maintenance ran (autovacuum after the seed, ANALYZE, VACUUM) — or, with the server stopped, no
 * other session was active at all — twice in a row, 0.5 s apart. A restarted server first refreshes planner
 * statistics and recomputes every review's relevance; measuring during those passes is what made the PostgreSQL
 * ceilings unreliable. Bounded by --quiet-timeout; returns the seconds waited.
 */
async function waitQuiet(t: Target, server?: Verdict): Promise<number> {
  const pid = server?.child.pid;
  const started = Date.now();
  const deadline = started + QUIET_TIMEOUT * 1000;
  const client = t.dialect === 'postgres' ? new pg.Client({ connectionString: t.databaseUrl }) : undefined;
  await client?.connect();
  // With the server running, its own periodic queries are steady traffic, not start-up work.
  const busySessions = pid
    ? "state is distinct from 'idle' and (backend_type = 'autovacuum worker' or query ~* '^\\s*(analyze|vacuum)')"
    : "state is distinct from 'idle'";
  try {
    let calm = 0;
    let last = pid ? cpuTicks(pid) : 0;
    while (Date.now() < deadline) {
      await sleep(500);
      const now = pid ? cpuTicks(pid) : 0;
      const busy = now - last;
      last = now;
      let active = 0;
      if (client) {
        const r = await client.query<{ n: number }>(
          `select count(*)::int as n from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid() and ${busySessions}`,
        );
        active = r.rows[0]?.n ?? 0;
      }
      calm = busy <= 2 && active === 0 ? calm + 1 : 0;
      if (calm >= 2) return (Date.now() - started) / 1000;
    }
    console.warn(`  ! still busy after ${QUIET_TIMEOUT} s; measuring anyway`);
    return (Date.now() - started) / 1000;
  } finally {
    await client?.end();
  }
}

/** Calls Verdict's API with the admin key; throws on any status but 200. */
async function api<T = unknown>(url: string, key: string, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: key, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = (await res.json()) as T;
  if (res.status !== 200) throw new Error(`${method} ${path} → ${res.status} ${JSON.stringify(json).slice(0, 300)}`);
  return json;
}

/**
 * The seed's review number `i`: N_HOT on the hot entity, the rest spread over N_ENTITIES. Authors are customers by
 * email: each hot review has its own, the others write four reviews each (of four different entities).
 */
function seedReview(i: number) {
  const customer = i < N_HOT ? i : N_HOT + Math.floor((i - N_HOT) / 4);
  return {
    entityId: i < N_HOT ? HOT : `e-${i % N_ENTITIES}`,
    name: `Author ${customer}`,
    email: `customer-${customer}@example.com`,
    rating: ((i * 7) % 5) + 1,
    title: `Review ${i}`,
    body: 'Solid product, would buy again. '.repeat((i % 4) + 1),
    reviewDate: new Date(Date.UTC(2024, 0, 1) + i * 1000).toISOString(),
  };
}

/**
 * Seeds through `verdict import` (Verdict's bulk path for existing reviews) from an NDJSON file written first (not
 * timed); returns the import's wall time and its peak RSS.
 */
async function seedByImport(t: Target): Promise<{ seconds: number; peakRssMB: number }> {
  const file = join(ROOT, 'bench/results/tmp/seed.ndjson');
  mkdirSync(dirname(file), { recursive: true });
  const out = createWriteStream(file);
  for (let i = 0; i < N_REVIEWS; i++) {
    const r = seedReview(i);
    const line = `${JSON.stringify({
      namespace: 'stores',
      entityId: r.entityId,
      author: { name: r.name, email: r.email },
      content: { rating: r.rating, title: r.title, body: r.body },
      reviewDate: r.reviewDate,
    })}\n`;
    if (!out.write(line)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  const env = { ...process.env, DATABASE_URL: t.databaseUrl, LOG_LEVEL: 'warn' };
  // Only `verdict init` (or serve) creates a database; import writes into an existing one. Not timed.
  await promisify(execFile)(process.execPath, [VERDICT, 'init'], { env });
  const started = Date.now();
  const child = spawn(process.execPath, [VERDICT, 'import', file, '--json'], {
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let peak = 0;
  const sample = setInterval(() => {
    try {
      const kb = Number(readFileSync(`/proc/${child.pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)?.[1] ?? 0);
      peak = Math.max(peak, kb);
    } catch {
      // process gone
    }
  }, 200);
  let stdout = '';
  child.stdout?.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  clearInterval(sample);
  const seconds = (Date.now() - started) / 1000;
  const report = JSON.parse(stdout.slice(stdout.indexOf('{'))) as { created: number; failed: number };
  if (code !== 0 || report.created !== N_REVIEWS) {
    throw new Error(`verdict import exited ${code}: created ${report.created} of ${N_REVIEWS}, failed ${report.failed}`);
  }
  rmSync(file);
  return { seconds, peakRssMB: Math.round(peak / 1024) };
}

/** Seeds N_REVIEWS through the HTTP bulkCreateReview API, 100 per request, 4 in flight (`--seed api`). */
async function seedByApi(url: string, key: string): Promise<number> {
  const started = Date.now();
  const batches = Math.ceil(N_REVIEWS / 100);
  let next = 0;
  let done = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < batches) {
        const b = next++;
        const reviews = [];
        for (let j = 0; j < 100; j++) {
          const i = b * 100 + j;
          if (i >= N_REVIEWS) break;
          const r = seedReview(i);
          reviews.push({
            namespace: 'stores',
            entityId: r.entityId,
            author: { contactId: randomUUID(), authorName: r.name },
            content: { rating: r.rating, title: r.title, body: r.body },
            reviewDate: r.reviewDate,
          });
        }
        await api(url, key, 'POST', '/reviews/v1/bulk/reviews/create', { reviews });
        done += reviews.length;
        if (b % 500 === 0) process.stdout.write(`\r  seeding ${done}/${N_REVIEWS}`);
      }
    }),
  );
  process.stdout.write('\n');
  return (Date.now() - started) / 1000;
}

/** The part of a queryReviews response the harness reads. */
interface QueryPage {
  reviews: { id: string }[];
  metadata: { cursors: { next: string | null } };
}

/** The cursor that continues `query` at page `pageNo` (pages of PAGE_SIZE), or undefined past the last page. */
async function cursorAtPage(
  url: string,
  key: string,
  query: Record<string, unknown>,
  pageNo: number,
): Promise<string | undefined> {
  const path = '/reviews/v1/reviews/query';
  let res = await api<QueryPage>(url, key, 'POST', path, { query: { ...query, cursorPaging: { limit: PAGE_SIZE } } });
  for (let p = 2; p < pageNo && res.metadata.cursors.next; p++) {
    res = await api<QueryPage>(url, key, 'POST', path, {
      query: { cursorPaging: { limit: PAGE_SIZE, cursor: res.metadata.cursors.next } },
    });
  }
  return res.metadata.cursors.next ?? undefined;
}

/** The site, the hot reviews, and the deep-page positions, read from the database the server uses. */
async function fixture(t: Target, v: Verdict): Promise<Fixture> {
  const page = await api<QueryPage>(v.url, v.key, 'POST', '/reviews/v1/reviews/query', {
    query: { filter: { entityId: HOT }, cursorPaging: { limit: 100 } },
  });
  const ids = page.reviews.map((r) => r.id);
  if (ids.length === 0)
    throw new Error(`no published reviews on ${HOT}: seed the database first (run without --reuse)`);
  const positions: Fixture['positions'] = {};
  if (t.dialect === 'sqlite') {
    const db = new Database(t.sqliteFile as string, { readonly: true });
    try {
      const site = db.prepare("select id, client_id from sites where name = 'default'").get() as {
        id: string;
        client_id: string;
      };
      for (const sort of Object.keys(SHAPES)) {
        const shape = SHAPES[sort];
        const q = pageQuery('sqlite', site.id, sort, undefined, shape?.keys.join(', '), 1, DEEP_OFFSET);
        const row = db
          .prepare(q.text)
          .raw()
          .get(...q.values) as unknown[] | undefined;
        positions[sort] = row;
      }
      return { siteId: site.id, clientId: site.client_id, ids, positions };
    } finally {
      db.close();
    }
  }
  const c = new pg.Client({ connectionString: t.databaseUrl });
  await c.connect();
  try {
    const site = (
      await c.query<{ id: string; client_id: string }>("select id, client_id from sites where name = 'default'")
    ).rows[0];
    if (!site) throw new Error('no default site');
    for (const sort of Object.keys(SHAPES)) {
      const q = pageQuery('postgres', site.id, sort, undefined, SHAPES[sort]?.keys.join(', '), 1, DEEP_OFFSET);
      const r = await c.query({ text: q.text, values: q.values, rowMode: 'array' });
      positions[sort] = r.rows[0] as unknown[] | undefined;
    }
    return { siteId: site.id, clientId: site.client_id, ids, positions };
  } finally {
    await c.end();
  }
}

/** Mints `n` anonymous visitor tokens through POST /oauth2/token, as a storefront would. */
async function visitorTokens(url: string, clientId: string, n: number): Promise<string[]> {
  const out: string[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < n) {
        next++;
        const res = await fetch(`${url}/oauth2/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ grantType: 'anonymous', clientId }),
        });
        const json = (await res.json()) as { access_token?: string };
        if (res.status !== 200 || !json.access_token)
          throw new Error(`POST /oauth2/token → ${res.status} ${JSON.stringify(json).slice(0, 300)}`);
        out.push(json.access_token);
      }
    }),
  );
  return out;
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/**
 * The autocannon options of one Verdict scenario for a session of `seconds`; called before each session, so a
 * scenario can prepare fresh inputs (castVote mints fresh voters). `undefined` when it cannot run on this data.
 */
function verdictRequests(
  spec: Spec,
  v: Verdict,
  f: Fixture,
  lastRps: Map<string, number>,
): ((seconds: number) => Promise<CannonOptions>) | undefined {
  const auth = { authorization: v.key, 'content-type': 'application/json' };
  const post = (path: string, body: unknown): CannonOptions => ({
    url: `${v.url}${path}`,
    method: 'POST',
    headers: auth,
    body: JSON.stringify(body),
  });
  const query = spec.name.match(/^query (\S+) page (\d+)$/);
  if (query) {
    const [, sort = '', pageNo] = query;
    const shape = SHAPES[sort];
    if (!shape) return undefined;
    const q = {
      filter: { entityId: HOT, ...(shape.minRating ? { 'content.rating': { $gte: shape.minRating } } : {}) },
      sort: shape.sort,
    };
    if (Number(pageNo) === 1)
      return async () => post('/reviews/v1/reviews/query', { query: { ...q, cursorPaging: { limit: PAGE_SIZE } } });
    if (!f.positions[sort]) return undefined;
    let cursor: Promise<string | undefined> | undefined;
    return async () => {
      cursor ??= cursorAtPage(v.url, v.key, q, Number(pageNo));
      return post('/reviews/v1/reviews/query', { query: { cursorPaging: { limit: PAGE_SIZE, cursor: await cursor } } });
    };
  }
  switch (spec.name) {
    case 'getReview': {
      let i = 0;
      return async () => ({
        url: v.url,
        headers: auth,
        requests: [
          { method: 'GET', setupRequest: (r) => ({ ...r, path: `/reviews/v1/reviews/${f.ids[i++ % f.ids.length]}` }) },
        ],
      });
    }
    case 'countReviews hot entity':
      return async () => post('/reviews/v1/reviews/count', { filter: { entityId: HOT } });
    case 'summary one':
      return async () => ({
        url: `${v.url}/verdict/v1/ratings/summary?namespace=stores&entityId=${HOT}`,
        headers: auth,
      });
    case 'summary batch of 100':
      return async () => post('/verdict/v1/ratings/summaries', { namespace: 'stores', entityIds: batchEntities });
    case 'createReview':
      return async () => ({
        ...post('/reviews/v1/reviews', CREATE_BODY),
        requests: [
          {
            setupRequest: (r) => ({
              ...r,
              body: JSON.stringify({
                review: {
                  ...CREATE_BODY.review,
                  entityId: `new-${randomUUID().slice(0, 8)}`,
                  author: { contactId: randomUUID() },
                },
              }),
            }),
          },
        ],
      });
    case 'castVote':
      return async (seconds) => {
        // Every request is a first vote of a fresh visitor on a review: voter k % T votes on review k % R, with T
        // and R coprime, so no (voter, review) pair repeats within a session, and each voter casts about 20 votes,
        // under the per-voter burst of 30 (engagement.routes.ts), so the rate limiter never answers instead.
        const expected = (lastRps.get(spec.name) ?? 3000) * seconds * 1.5;
        let voters = Math.max(50, Math.ceil(expected / 20));
        while (gcd(voters, f.ids.length) !== 1) voters++;
        const tokens = await visitorTokens(v.url, f.clientId, voters);
        let k = 0;
        return {
          url: v.url,
          requests: [
            {
              method: 'POST',
              setupRequest: (r) => {
                const n = k++;
                return {
                  ...r,
                  path: `/verdict/v1/reviews/${f.ids[n % f.ids.length]}/votes`,
                  headers: { authorization: `Bearer ${tokens[n % tokens.length]}`, 'content-type': 'application/json' },
                  body: JSON.stringify({ vote: 'HELPFUL' }),
                };
              },
            },
          ],
        };
      };
    default:
      return undefined;
  }
}

/** A Verdict scenario at every connection count. */
async function verdictScenario(spec: Spec, dialect: string, v: Verdict, f: Fixture): Promise<void> {
  const lastRps = new Map<string, number>();
  const options = verdictRequests(spec, v, f, lastRps);
  if (!options) {
    console.log(
      `  ${dialect.padEnd(8)} ${spec.name.padEnd(28)} skipped: the hot entity has fewer than ${DEEP_PAGE} pages`,
    );
    return;
  }
  for (const c of CONNECTIONS) {
    // The session length a scenario prepares for: the warm-up may stretch while connections are being served.
    const { runs, warmup } = await cannon(await options(WARMUP + REPEAT * DURATION + 10), c);
    const row = record({ dialect, scenario: spec.name, connections: c }, runs, warmup);
    lastRps.set(spec.name, row.rps);
  }
}

async function benchDialect(dialect: 'sqlite' | 'postgres') {
  const scenarios = selected;
  const raw = RAW_CEILINGS.filter((r) => ceilingWanted(r.name));
  if (scenarios.length === 0 && raw.length === 0) return;
  console.log(`\n== ${dialect}`);
  const target = await prepareTarget(dialect);
  extra[`${dialect}.version`] = await databaseVersion(target);
  if (!opts.reuse && opts.seed === 'import') {
    const { seconds, peakRssMB } = await seedByImport(target);
    console.log(`  seeded ${N_REVIEWS} reviews by \`verdict import\` in ${seconds.toFixed(1)} s (peak RSS ${peakRssMB} MB)`);
    extra[`${dialect}.seedBy`] = 'import';
    extra[`${dialect}.seedSeconds`] = seconds;
    extra[`${dialect}.seedPeakRssMB`] = peakRssMB;
  } else if (!opts.reuse) {
    const seeder = await startVerdict(target);
    try {
      const seedSeconds = await seedByApi(seeder.url, seeder.key);
      console.log(
        `  seeded ${N_REVIEWS} reviews through bulkCreateReview in ${seedSeconds.toFixed(1)} s (seeding server peak RSS ${seeder.peakRss()} MB)`,
      );
      extra[`${dialect}.seedBy`] = 'api';
      extra[`${dialect}.seedSeconds`] = seedSeconds;
      extra[`${dialect}.seedPeakRssMB`] = seeder.peakRss();
    } finally {
      await stopChild(seeder.child);
    }
  }
  // Measure a freshly started server, as after a deploy, once its start-up passes are done. Reads first, on the
  // seeded data; then the writes.
  const v = await startVerdict(target);
  let f: Fixture;
  try {
    const quiet = await waitQuiet(target, v);
    console.log(`  server start-up passes (planner statistics, relevance recompute) done after ${quiet.toFixed(1)} s`);
    extra[`${dialect}.startupPassesSeconds`] = quiet;
    f = await fixture(target, v);
    for (const write of [false, true]) {
      for (const spec of scenarios.filter((s) => (s.write ?? false) === write))
        await verdictScenario(spec, dialect, v, f);
    }
    extra[`${dialect}.peakRssMB`] = v.peakRss();
    console.log(`  peak RSS ${v.peakRss()} MB`);
  } finally {
    await stopChild(v.child);
  }
  // The raw ceilings run with the server stopped: its background workers would otherwise share the machine.
  await waitQuiet(target);
  for (const write of [false, true])
    await rawCeilings(
      target,
      f,
      raw.filter((r) => r.write === write).map((r) => r.name),
    );
}

async function databaseVersion(t: Target): Promise<string> {
  if (t.dialect === 'sqlite') {
    const db = new Database(':memory:');
    const row = db.prepare('select sqlite_version() as v').get() as { v: string };
    db.close();
    return `SQLite ${row.v}`;
  }
  const c = new pg.Client({ connectionString: t.databaseUrl });
  await c.connect();
  const r = await c.query<{ server_version: string }>('show server_version');
  await c.end();
  return `PostgreSQL ${r.rows[0]?.server_version}`;
}

// ---------- report ----------

/** Sets each row's ratio to its ceiling and to the bare-Fastify ceiling of its method, at the same connection count. */
function attachRatios(): void {
  const find = (dialect: string, scenario: string, connections: number) =>
    rows.find((r) => r.dialect === dialect && r.scenario === scenario && r.connections === connections) ??
    // SQLite's raw ceilings are measured once, with one synchronous caller.
    rows.find((r) => r.dialect === dialect && r.scenario === scenario && r.connections === 1);
  const ratio = (a: number, b: number | undefined) => (b ? Math.round((a / b) * 100) / 100 : undefined);
  for (const r of rows) {
    const spec = VERDICT_SCENARIOS.find((s) => s.name === r.scenario);
    if (!spec) continue;
    if (spec.ceiling) {
      const c = find(spec.ceiling.startsWith('bare') ? '-' : r.dialect, spec.ceiling, r.connections);
      r.ceiling = spec.ceiling;
      r.ratio = ratio(r.rps, c?.rps);
    }
    r.vsBare = ratio(r.rps, find('-', `bare fastify ${spec.method}`, r.connections)?.rps);
  }
}

function printTable(previous?: { rows: (Omit<Row, 'connections'> & { connections?: number })[] }) {
  const head = '| dialect | scenario | conns | req/s | p50 ms | p99 ms | errors | ceiling | ratio | vs bare |';
  const rule = '|---|---|---:|---:|---:|---:|---:|---|---:|---:|';
  console.log(`\n${head}${previous ? ' before req/s | change |' : ''}`);
  console.log(`${rule}${previous ? '---:|---:|' : ''}`);
  for (const r of rows) {
    // Results written before connection counts were recorded ran at 10 connections.
    const old = previous?.rows.find(
      (o) => o.dialect === r.dialect && o.scenario === r.scenario && (o.connections ?? 10) === r.connections,
    );
    const change = old?.rps ? `${Math.round(((r.rps - old.rps) / old.rps) * 100)}%` : '';
    console.log(
      `| ${r.dialect} | ${r.scenario} | ${r.connections} | ${r.rps} | ${r.p50} | ${r.p99} | ${r.errors} | ${r.ceiling ?? ''} | ${r.ratio ?? ''} | ${r.vsBare ?? ''} |` +
        (previous ? ` ${old?.rps ?? ''} | ${change} |` : ''),
    );
  }
  for (const [k, v] of Object.entries(extra))
    console.log(`${k}: ${typeof v === 'number' ? Math.round(v * 10) / 10 : v}`);
}

async function main() {
  const previous = opts.compare ? JSON.parse(readFileSync(opts.compare, 'utf8')) : undefined;
  const cpus = os.cpus();
  extra.machine = `${cpus.length} × ${cpus[0]?.model ?? 'unknown CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GB, ${os.platform()} ${os.release()}, Node ${process.version}`;
  console.log(
    `Verdict benchmark: ${N_REVIEWS} reviews over ${N_ENTITIES} entities (hot entity ${N_HOT}); connections ${CONNECTIONS.join(', ')}; ` +
      `${WARMUP} s warm-up + ${REPEAT} × ${DURATION} s per scenario and connection count, medians reported`,
  );
  // Verdict runs as operators run it: the compiled build, run directly (bin/verdict.mjs falls back to the TypeScript
  // sources through tsx when they are newer than the build, which costs memory that production does not pay).
  await run(process.execPath, [join(ROOT, 'scripts/build.mjs')]);
  await bareFastify();
  for (const d of opts.dialect.split(',')) {
    if (d !== 'sqlite' && d !== 'postgres') throw new Error(`unknown dialect ${d}`);
    await benchDialect(d);
  }
  attachRatios();
  printTable(previous);
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  const file = join(ROOT, `bench/results/bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify({ at: new Date().toISOString(), options: opts, rows, extra }, null, 2));
  console.log(`\nwrote ${file}`);
  // The seeded SQLite file is kept for `--reuse`; delete bench/results/tmp to free the space.
}

await main();
