/**
 * `npm run bench`: measures Verdict's hot operations over HTTP beside a reference minimal service and the machine's
 * own ceilings, in one run, on one dataset (bench/dataset.ts):
 *   1. ceilings — a bare Fastify GET and POST (same framework and validator, no auth, no database) and the raw
 *      database doing each scenario's work (get by id, keyset pages, summary reads, insert + summary transaction…);
 *   2. Verdict (`verdict serve`, seeded by `verdict import`) and the minimal service (bench/minimal-service.ts,
 *      loaded with the same rows), on SQLite and/or PostgreSQL; each minimal scenario runs right after its Verdict
 *      counterpart, so the two see the same machine;
 *   3. import time of each, peak RSS, the restarted server's start-up passes, and for writes a latency histogram.
 * Every scenario runs at each connection count (default 10 and 100): a warm-up that is not recorded, then
 * `--repeat` measurements of `--duration` seconds; the medians are reported. Prints one table (Verdict ÷ its raw
 * ceiling and Verdict ÷ minimal side by side) and writes JSON to bench/results/. Traffic goes only to 127.0.0.1;
 * every loop is bounded in time. See bench/README.md.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { closeSync, mkdirSync, openSync, readFileSync, readSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import autocannon from 'autocannon';
import Database from 'better-sqlite3';
import pg from 'pg';
import { type DatasetShape, defaultHot, HOT, newContent, writeDatasetFile } from './dataset.ts';
import { median, NO_RATE_LIMITS, serveVerdict, sleep, stopChild } from './support.ts';

const run = promisify(execFile);
const ROOT = new URL('..', import.meta.url).pathname;
const TMP = join(ROOT, 'bench/results/tmp');

const { values: opts } = parseArgs({
  options: {
    dialect: { type: 'string', default: 'sqlite,postgres' },
    reviews: { type: 'string', default: '100000' },
    entities: { type: 'string', default: '10000' },
    hot: { type: 'string', default: '' },
    depth: { type: 'string', default: '' },
    duration: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '1' },
    repeat: { type: 'string', default: '3' },
    connections: { type: 'string', default: '10,100' },
    scenario: { type: 'string', default: '' },
    compare: { type: 'string', default: '' },
    verdict: { type: 'string', default: '' },
    'pg-url': { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/postgres' },
    'pg-prefix': { type: 'string', default: 'bench_' },
    'quiet-timeout': { type: 'string', default: '900' },
    reuse: { type: 'boolean', default: false },
    'no-minimal': { type: 'boolean', default: false },
    'no-ceilings': { type: 'boolean', default: false },
    timeline: { type: 'boolean', default: false },
  },
});

function numberOption(name: string, value: string, min: number): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < min) throw new Error(`--${name} must be a number ≥ ${min} (got "${value}")`);
  return n;
}

const SHAPE: DatasetShape = {
  reviews: numberOption('reviews', opts.reviews, 1),
  entities: numberOption('entities', opts.entities, 1),
  hot: 0,
};
SHAPE.hot = opts.hot ? numberOption('hot', opts.hot, 1) : defaultHot(SHAPE.reviews);
const PAGE_SIZE = 50;
/** Rows before the deep page: a quarter of the hot entity by default, in whole walks of 100. */
const DEPTH = opts.depth
  ? numberOption('depth', opts.depth, 100)
  : Math.max(100, Math.floor(SHAPE.hot / 4 / 100) * 100);
const DURATION = numberOption('duration', opts.duration, 1);
const WARMUP = numberOption('warmup', opts.warmup, 0);
const REPEAT = numberOption('repeat', opts.repeat, 1);
const CONNECTIONS = opts.connections.split(',').map((c) => numberOption('connections', c.trim(), 1));
const QUIET_TIMEOUT = numberOption('quiet-timeout', opts['quiet-timeout'], 0);
const FILTERS = opts.scenario
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);
const MINIMAL = !opts['no-minimal'];
/** Prefix of the two PostgreSQL databases the run (re)creates: several people can bench on one server. */
const PG_PREFIX = opts['pg-prefix'];
if (!/^[a-z_][a-z0-9_]{0,40}$/.test(PG_PREFIX)) throw new Error('--pg-prefix must be lower-case letters, digits and _');
/** The compiled CLI (built at the start of the run unless --verdict names another build): see main(). */
const VERDICT = opts.verdict || join(ROOT, 'dist/verdict.js');
/** Verdict's PostgreSQL pool size (openPostgres); the raw pg ceilings and the minimal service use the same. */
const PG_POOL = 10;
const DEEP_PAGE = 50;
/** Visitor tokens a storefront scenario rotates over: many visitors, as a shop has. */
const VISITORS = 100;
const MINIMAL_KEY = `min_${randomUUID()}`;

/** One measurement (a run, or a window of an HTTP session). Latencies in ms. */
interface Sample {
  rps: number;
  p50: number;
  p99: number;
  max: number;
  errors: number;
}

/** One line of the table: the medians of `runs`, and what it is compared with. */
interface Row {
  /** `-` for the bare-Fastify ceilings, which use no database. */
  dialect: string;
  scenario: string;
  /** Concurrent HTTP connections, or concurrent callers for the raw pg ceilings; 1 for SQLite's synchronous loop. */
  connections: number;
  rps: number;
  p50: number;
  p99: number;
  /** The slowest response over all recorded runs. */
  max: number;
  /** HTTP: seconds of warm-up until every connection had been served (at least --warmup). */
  warmup?: number;
  /** Non-2xx responses, connection errors and timeouts over all recorded runs. */
  errors: number;
  /** Server CPU (user + system) per completed request, in µs, over the recorded runs. */
  cpuUs?: number;
  runs: Sample[];
  /** The ceiling this row is compared with, and req/s divided by it (same connection count). */
  ceiling?: string;
  ratio?: number;
  /** The minimal service's row of the same operation, and req/s divided by its req/s (same connection count). */
  minimal?: string;
  vsMinimal?: number;
  /** req/s divided by the bare-Fastify ceiling of the same method (same connection count). */
  vsBare?: number;
  /** Writes: responses per latency bucket over the recorded runs (upper bounds in ms; the last is open). */
  histogram?: { le: number; n: number }[];
  /**
   * Writes: per second of the recorded runs, responses and the slowest; on SQLite also the WAL's content at the
   * second's end, the part of it not yet checkpointed into the database (MB), and how often the WAL started over.
   */
  timeline?: { second: number; n: number; max: number; walMB?: number; backlogMB?: number; restarts?: number }[];
  /** Verdict writes: garbage collection (s, by kind) and the longest event-loop delay (ms) while the session ran. */
  runtime?: { gcSeconds: Record<string, number>; eventLoopMaxMs: number };
  /** `beside` scenarios: successful writes per second of the load beside the measured reads. */
  besideRps?: number;
  /** SQLite writes: WAL pages appended per successful response (intervals with a WAL restart left out). */
  walFramesPerRequest?: number;
}

const rows: Row[] = [];
const extra: Record<string, unknown> = {};

// ---------- scenarios ----------

/** The hot-entity page shapes: Verdict's sort (createdDate and id appended as tie-breaks) and an optional filter. */
const SHAPES: Record<string, { sort: { fieldName: string; order: 'DESC' }[]; keys: string[]; minRating?: number }> = {
  newest: { sort: [{ fieldName: 'createdDate', order: 'DESC' }], keys: ['created_at', 'id'] },
  helpful: { sort: [{ fieldName: 'helpfulness', order: 'DESC' }], keys: ['helpfulness', 'created_at', 'id'] },
  highest: { sort: [{ fieldName: 'content.rating', order: 'DESC' }], keys: ['rating', 'created_at', 'id'] },
  'rating>=4': { sort: [{ fieldName: 'createdDate', order: 'DESC' }], keys: ['created_at', 'id'], minRating: 4 },
};

/** Who calls: a shop visitor with an anonymous token, the owner's admin key, or nobody (a public read). */
type Caller = 'visitor' | 'admin' | 'public';

interface Spec {
  name: string;
  method: 'GET' | 'POST';
  caller: Caller;
  /** In the default run (the issue's storefront and write set); the others run when `--scenario` names them. */
  core?: boolean;
  /** The ceiling the ratio is taken against. */
  ceiling?: string;
  /** Other ceilings measured with it, for reference. */
  also?: string[];
  /** The minimal service's scenario of the same operation. */
  minimal?: string;
  /** Writes run after every read, so reads see the seeded data only. */
  write?: boolean;
  /**
   * Measured while this other scenario (a write) runs beside it at 10 connections, unmeasured: a storefront's reads
   * while reviews are being written.
   */
  beside?: string;
}

/** A page scenario's sort and page: `page 1`, `page 50` (by keyset), or `deep` (after DEPTH rows). */
const pageOf = (name: string) => name.match(/^query (\S+) (page 1|page 50|deep)( visitor)?$/);

const VERDICT_SCENARIOS: Spec[] = [
  {
    name: 'getReview visitor',
    method: 'GET',
    caller: 'visitor',
    core: true,
    ceiling: 'bare fastify GET',
    also: ['raw getById'],
    minimal: 'minimal get by id',
  },
  {
    name: 'getReview admin',
    method: 'GET',
    caller: 'admin',
    core: true,
    ceiling: 'bare fastify GET',
    also: ['raw getById'],
    minimal: 'minimal get by id',
  },
  {
    name: 'query newest page 1 visitor',
    method: 'POST',
    caller: 'visitor',
    core: true,
    ceiling: 'raw page newest page 1',
    minimal: 'minimal newest page 1',
  },
  {
    name: 'query newest deep visitor',
    method: 'POST',
    caller: 'visitor',
    core: true,
    ceiling: 'raw page newest deep',
    minimal: 'minimal newest deep',
  },
  {
    name: 'summary one visitor',
    method: 'GET',
    caller: 'visitor',
    core: true,
    ceiling: 'bare fastify GET',
    also: ['raw summary'],
    minimal: 'minimal summary',
  },
  { name: 'embed page public', method: 'GET', caller: 'public', core: true, minimal: 'minimal storefront page' },
  {
    name: 'createReview',
    method: 'POST',
    caller: 'admin',
    core: true,
    ceiling: 'raw insert+summary tx',
    minimal: 'minimal createReview',
    write: true,
  },
  {
    name: 'getReview visitor beside creates',
    method: 'GET',
    caller: 'visitor',
    core: true,
    minimal: 'minimal get by id beside creates',
    write: true,
    beside: 'createReview',
  },
  // With the owner's key, every sort, page 1 and page 50: run with --scenario query (or all).
  ...Object.keys(SHAPES).flatMap((sort) =>
    ['page 1', 'page 50'].map(
      (page): Spec => ({
        name: `query ${sort} ${page}`,
        method: 'POST',
        caller: 'admin',
        ceiling: `raw page ${sort} ${page}`,
        ...(sort === 'newest' && page === 'page 1' ? { minimal: 'minimal newest page 1' } : {}),
      }),
    ),
  ),
  { name: 'countReviews hot entity', method: 'POST', caller: 'admin' },
  {
    name: 'summary one admin',
    method: 'GET',
    caller: 'admin',
    ceiling: 'bare fastify GET',
    also: ['raw summary'],
    minimal: 'minimal summary',
  },
  { name: 'summary batch of 100', method: 'POST', caller: 'admin', ceiling: 'raw summary batch of 100' },
  { name: 'castVote', method: 'POST', caller: 'visitor', ceiling: 'raw vote tx', write: true },
];

/** The minimal service's scenarios, each run right after the first Verdict scenario that names it. */
const MINIMAL_SCENARIOS: Spec[] = [
  { name: 'minimal get by id', method: 'GET', caller: 'public', ceiling: 'bare fastify GET' },
  { name: 'minimal newest page 1', method: 'GET', caller: 'public', ceiling: 'raw page newest page 1' },
  { name: 'minimal newest deep', method: 'GET', caller: 'public', ceiling: 'raw page newest deep' },
  { name: 'minimal summary', method: 'GET', caller: 'public', ceiling: 'bare fastify GET' },
  { name: 'minimal storefront page', method: 'GET', caller: 'public' },
  { name: 'minimal createReview', method: 'POST', caller: 'admin', ceiling: 'raw insert+summary tx', write: true },
  {
    name: 'minimal get by id beside creates',
    method: 'GET',
    caller: 'public',
    write: true,
    beside: 'minimal createReview',
  },
];

const RAW_CEILINGS: { name: string; write: boolean }[] = [
  { name: 'raw getById', write: false },
  ...Object.keys(SHAPES).flatMap((sort) =>
    ['page 1', 'page 50'].map((page) => ({ name: `raw page ${sort} ${page}`, write: false })),
  ),
  { name: 'raw page newest deep', write: false },
  { name: 'raw summary', write: false },
  { name: 'raw summary batch of 100', write: false },
  { name: 'raw insert+summary tx', write: true },
  { name: 'raw vote tx', write: true },
];

/** With no --scenario, the core set; `all` runs everything; otherwise every scenario whose name contains a text. */
const matches = (name: string) =>
  FILTERS.length === 0 ? false : FILTERS.includes('all') || FILTERS.some((f) => name.includes(f));
const selected = VERDICT_SCENARIOS.filter((s) => (FILTERS.length === 0 ? s.core : matches(s.name)));
const selectedMinimal = MINIMAL
  ? MINIMAL_SCENARIOS.filter((m) => selected.some((s) => s.minimal === m.name) || matches(m.name))
  : [];
const needed = new Set(
  [...selected, ...selectedMinimal].flatMap((s) => [s.ceiling, `bare fastify ${s.method}`, ...(s.also ?? [])]),
);
const ceilingWanted = (name: string) => !opts['no-ceilings'] && (matches(name) || needed.has(name));

// ---------- measuring ----------

function percentile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
}

/** Latencies below 10 ms keep two decimals (raw database calls are often well under 1 ms). */
const ms = (n: number) => (n >= 10 ? Math.round(n) : Math.round(n * 100) / 100);

const HISTOGRAM_BOUNDS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, Number.POSITIVE_INFINITY];

function histogram(latencies: readonly number[]): { le: number; n: number }[] {
  const counts = HISTOGRAM_BOUNDS.map((le) => ({ le, n: 0 }));
  for (const l of latencies) {
    const bucket = counts.find((c) => l <= c.le);
    if (bucket) bucket.n++;
  }
  return counts;
}

/** Records the medians of `runs` (one per repetition) as a row of the table. */
function record(
  label: Pick<Row, 'dialect' | 'scenario' | 'connections'>,
  runs: Sample[],
  more: Partial<
    Pick<Row, 'warmup' | 'cpuUs' | 'histogram' | 'timeline' | 'runtime' | 'walFramesPerRequest' | 'besideRps'>
  > = {},
): Row {
  const row: Row = {
    ...label,
    ...(more.warmup !== undefined ? { warmup: Math.round(more.warmup * 10) / 10 } : {}),
    rps: Math.round(median(runs.map((r) => r.rps))),
    p50: ms(median(runs.map((r) => r.p50))),
    p99: ms(median(runs.map((r) => r.p99))),
    max: ms(Math.max(...runs.map((r) => r.max))),
    errors: runs.reduce((n, r) => n + r.errors, 0),
    ...(more.cpuUs !== undefined ? { cpuUs: Math.round(more.cpuUs) } : {}),
    runs: runs.map((r) => ({
      rps: Math.round(r.rps),
      p50: ms(r.p50),
      p99: ms(r.p99),
      max: ms(r.max),
      errors: r.errors,
    })),
    ...(more.histogram ? { histogram: more.histogram } : {}),
    ...(more.timeline ? { timeline: more.timeline } : {}),
    ...(more.runtime ? { runtime: more.runtime } : {}),
    ...(more.walFramesPerRequest !== undefined ? { walFramesPerRequest: more.walFramesPerRequest } : {}),
    ...(more.besideRps !== undefined ? { besideRps: more.besideRps } : {}),
  };
  rows.push(row);
  const each = row.runs.map((r) => r.rps).join(' / ');
  const warm = row.warmup !== undefined && row.warmup > WARMUP + 0.5 ? `, warm-up ${row.warmup} s` : '';
  const cpu =
    (row.cpuUs !== undefined ? `  server ${row.cpuUs} µs/req` : '') +
    (row.besideRps !== undefined ? `  beside ${row.besideRps} writes/s` : '');
  console.log(
    `  ${row.dialect.padEnd(8)} ${row.scenario.padEnd(30)} c=${String(row.connections).padEnd(4)}` +
      `${String(row.rps).padStart(7)}/s  p50 ${row.p50} ms  p99 ${row.p99} ms  max ${row.max} ms${cpu}  (runs ${each}${warm})`,
  );
  if (row.histogram) {
    const buckets = row.histogram
      .filter((b) => b.n > 0)
      .map((b) => `${Number.isFinite(b.le) ? `≤${b.le}` : `>${HISTOGRAM_BOUNDS.at(-2)}`} ms: ${b.n}`);
    console.log(`      latency histogram: ${buckets.join(', ')}`);
  }
  if (row.runtime) {
    const gc = Object.entries(row.runtime.gcSeconds)
      .map(([kind, sec]) => `${kind} ${Math.round(sec * 1000)} ms`)
      .join(', ');
    console.log(`      server GC during the session: ${gc}; longest event-loop delay ${row.runtime.eventLoopMaxMs} ms`);
  }
  if (row.walFramesPerRequest !== undefined)
    console.log(`      WAL pages appended per request: ${row.walFramesPerRequest}`);
  if (row.timeline) {
    const wal = (s: NonNullable<Row['timeline']>[number]) =>
      s.walMB === undefined ? '' : ` (WAL ${s.walMB} MB, ${s.backlogMB} MB to checkpoint, ${s.restarts} restarts)`;
    const slow = row.timeline.filter((s) => s.max >= 100);
    if (slow.length > 0)
      console.log(
        `      seconds with a response ≥ 100 ms: ${slow.map((s) => `${s.second}s ${ms(s.max)} ms${wal(s)}`).join(', ')}`,
      );
    if (opts.timeline)
      for (const s of row.timeline)
        console.log(
          `      ${String(s.second).padStart(4)} s  ${String(s.n).padStart(6)} responses  max ${ms(s.max)} ms${wal(s)}`,
        );
  }
  if (row.errors > 0) console.warn(`  ! ${row.scenario} c=${row.connections}: ${row.errors} non-2xx/errors/timeouts`);
  return row;
}

/** A warm-up run of WARMUP seconds (not recorded), then REPEAT runs of DURATION seconds. */
async function repeated(measure: (seconds: number) => Promise<Sample>): Promise<Sample[]> {
  if (WARMUP > 0) await measure(WARMUP);
  const runs: Sample[] = [];
  for (let i = 0; i < REPEAT; i++) runs.push(await measure(DURATION));
  return runs;
}

type CannonOptions = Omit<autocannon.Options, 'connections' | 'duration'>;

/** Longest a warm-up may stretch while waiting for every connection to be served. */
const WARMUP_LIMIT_SECONDS = 60;

interface Session {
  runs: Sample[];
  warmup: number;
  /** Every successful response of the recorded windows: when it completed (ms after they began) and its latency. */
  responses: { at: number; latency: number }[];
  /** performance.now() when the recorded windows began. */
  measuredFrom: number;
  /** Server CPU per completed request over the recorded windows (µs), when a server pid was given. */
  cpuUs?: number;
}

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ: 100 on Linux). */
const TICKS_PER_SECOND = 100;

/**
 * One autocannon session at `connections`: a warm-up that is not recorded, then REPEAT back-to-back windows of
 * DURATION seconds, each one Sample of the responses completed in it (latencies of 2xx responses). The warm-up
 * lasts WARMUP seconds and at least until every connection has had a response: a server whose event loop is busy
 * accepts new connections slowly (Node accepted about one per loop iteration here, so 100 connections to a
 * saturated server took seconds to be served at all), and measuring then reports connection set-up, not the
 * steady state. With `pid`, also the server's CPU time per request over the recorded windows.
 */
async function cannon(options: CannonOptions, connections: number, pid?: number): Promise<Session> {
  const windows = Array.from({ length: REPEAT }, () => ({ n: 0, errors: 0, lat: [] as number[] }));
  const responses: Session['responses'] = [];
  const served = new Set<object>();
  let start = 0;
  let measuring: number | undefined;
  let ticksFrom = 0;
  let ticksTo = 0;
  await new Promise<void>((resolve, reject) => {
    const instance = autocannon(
      { ...options, connections, duration: Math.ceil(WARMUP + WARMUP_LIMIT_SECONDS + REPEAT * DURATION) },
      (err) => (err ? reject(err) : resolve()),
    );
    start = performance.now();
    const begin = (now: number) => {
      measuring = now;
      if (pid) ticksFrom = cpuTicks(pid);
      setTimeout(
        () => {
          if (pid) ticksTo = cpuTicks(pid);
          instance.stop();
        },
        REPEAT * DURATION * 1000,
      );
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
      if (status >= 200 && status < 300) {
        w.lat.push(responseTime);
        responses.push({ at: now - measuring, latency: responseTime });
      } else w.errors++;
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
  const total = windows.reduce((n, w) => n + w.n, 0);
  const runs = windows.map((w) => {
    w.lat.sort((a, b) => a - b);
    return {
      rps: w.n / DURATION,
      p50: percentile(w.lat, 0.5),
      p99: percentile(w.lat, 0.99),
      max: w.lat.at(-1) ?? 0,
      errors: w.errors,
    };
  });
  return {
    runs,
    warmup,
    responses,
    measuredFrom: measuring ?? start,
    ...(pid && total > 0 ? { cpuUs: ((ticksTo - ticksFrom) / TICKS_PER_SECOND / total) * 1e6 } : {}),
  };
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
  return {
    rps: lat.length / ((now - start) / 1000),
    p50: percentile(lat, 0.5),
    p99: percentile(lat, 0.99),
    max: lat.at(-1) ?? 0,
    errors: 0,
  };
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
  return {
    rps: lat.length / elapsed,
    p50: percentile(lat, 0.5),
    p99: percentile(lat, 0.99),
    max: lat.at(-1) ?? 0,
    errors: 0,
  };
}

// ---------- processes ----------

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

/** CPU time (user + system, in clock ticks) a process has used so far, from /proc. */
function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the parenthesised command name: state is the 3rd field, utime the 14th, stime the 15th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

/** Samples a process's resident memory every 200 ms; `peak()` is the highest seen, in MB. */
function rssSampler(child: ChildProcess): { peak: () => number; stop: () => void } {
  let peak = 0;
  const timer = setInterval(() => {
    if (!child.pid) return;
    try {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      peak = Math.max(peak, Number(status.match(/VmRSS:\s+(\d+)/)?.[1] ?? 0));
    } catch {
      // process gone
    }
  }, 200);
  child.once('exit', () => clearInterval(timer));
  return { peak: () => Math.round(peak / 1024), stop: () => clearInterval(timer) };
}

/** Runs a child process to its end; returns its stdout, wall time and peak RSS. Throws on a non-zero exit. */
async function timedChild(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ stdout: string; seconds: number; peakRssMB: number }> {
  const started = performance.now();
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'inherit'] });
  const rss = rssSampler(child);
  let stdout = '';
  child.stdout?.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  rss.stop();
  if (code !== 0) throw new Error(`${args.join(' ')} exited ${code}: ${stdout.slice(-500)}`);
  return { stdout, seconds: (performance.now() - started) / 1000, peakRssMB: rss.peak() };
}

// ---------- ceilings: bare Fastify ----------

/** 1,000 realistic review contents the write scenarios cycle through (generated once, off the measured path). */
const CONTENTS = Array.from({ length: 1000 }, (_, k) => newContent(k));
const contentAt = (k: number) => CONTENTS[k % CONTENTS.length] ?? { rating: 5, title: 'Good', body: 'Good.' };

const CREATE_BODY = {
  review: {
    namespace: 'stores',
    entityId: 'e-1',
    author: { contactId: '6c7c6f5e-0d5b-4d8e-9a55-4f2f3f0d7a12', authorName: 'Customer' },
    content: contentAt(0),
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
        const s = await cannon(options, c, child.pid);
        record({ dialect: '-', scenario: name, connections: c }, s.runs, { warmup: s.warmup, cpuUs: s.cpuUs });
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
  /** For each `<sort> <page>` (`page 50`, and `newest deep`): the sort keys of the row just before that page. */
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
  if (shape.minRating !== undefined)
    where += ` and ${dialect === 'sqlite' ? '+rating' : 'rating'} >= ${p(shape.minRating)}`;
  if (position) where += ` and (${shape.keys.join(', ')}) < (${position.map(p).join(', ')})`;
  const order = shape.keys.map((k) => `${k} desc`).join(', ');
  const tail = offset === undefined ? `limit ${p(limit)}` : `limit ${p(limit)} offset ${p(offset)}`;
  return { text: `select ${select} from reviews where ${where} order by ${order} ${tail}`, values };
}

/** Rows before each keyset page the harness measures. */
const PAGE_OFFSETS: Record<string, { sort: string; rowsBefore: number }> = {
  ...Object.fromEntries(
    Object.keys(SHAPES).map((sort) => [`${sort} page 50`, { sort, rowsBefore: (DEEP_PAGE - 1) * PAGE_SIZE }]),
  ),
  'newest deep': { sort: 'newest', rowsBefore: DEPTH },
};
const batchEntities = Array.from({ length: 100 }, (_, i) => `e-${i}`);

const INSERT_REVIEW = `insert into reviews (site_id, id, namespace, entity_id, contact_id, author_name, title, body, media_json, rating,
  moderation_status, manually_changed, revision, verified, origin_type, review_date, relevance_rank, publish_count, event_sequence,
  content_hash, created_at, updated_at)
  values (?, ?, 'stores', ?, ?, 'Raw', ?, ?, '[]', 4, 'APPROVED', 0, 1, 0, 'APP', ?, 0, 1, 3, 'h', ?, ?)`;
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

/** The raw insert's entity: the creates spread over the seeded entities, as the HTTP scenarios' do. */
const rawEntity = (k: number) => `e-${k % SHAPE.entities}`;

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
  let k = 0;
  const createTx = db.transaction((id: string, entity: string, now: string) => {
    const c = contentAt(k++);
    insert.run(f.siteId, id, entity, randomUUID(), c.title, c.body, now, now, now);
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
    'raw insert+summary tx': () => createTx.immediate(randomUUID(), rawEntity(k), new Date().toISOString()),
    'raw vote tx': () => voteTx.immediate(f.ids[i++ % f.ids.length] as string, new Date().toISOString()),
  };
  for (const [name, position] of pagePositions(f)) {
    const q = pageQuery('sqlite', f.siteId, name.split(' ')[0] ?? 'newest', position);
    const stmt = db.prepare(q.text).raw(true);
    ops[`raw page ${name}`] = () => void stmt.all(...q.values);
  }
  return ops;
}

/** Every measured page (`<sort> page 1`, `<sort> page 50`, `newest deep`) with the position it continues from. */
function pagePositions(f: Fixture): [string, unknown[] | undefined][] {
  const out: [string, unknown[] | undefined][] = Object.keys(SHAPES).map((sort) => [`${sort} page 1`, undefined]);
  for (const name of Object.keys(PAGE_OFFSETS)) {
    const position = f.positions[name];
    if (position) out.push([name, position]);
  }
  return out;
}

/** The raw pg operations: named (server-side prepared) statements on a pool the size of Verdict's. */
function pgOps(pool: pg.Pool, f: Fixture): Record<string, () => Promise<void>> {
  const q = async (name: string, text: string, values: unknown[]) => void (await pool.query({ name, text, values }));
  let i = 0;
  let k = 0;
  const ops: Record<string, () => Promise<void>> = {
    'raw getById': () => q('byid', numbered(BY_ID), [f.siteId, f.ids[i++ % f.ids.length]]),
    'raw summary': () => q('summary', numbered(SUMMARY), [f.siteId, 'stores', HOT]),
    'raw summary batch of 100': () => q('summaries', numbered(SUMMARIES), [f.siteId, 'stores', ...batchEntities]),
    'raw insert+summary tx': async () => {
      const c = await pool.connect();
      try {
        const now = new Date().toISOString();
        const id = randomUUID();
        const entity = rawEntity(k);
        const content = contentAt(k++);
        await c.query('begin');
        await c.query({
          name: 'insert',
          text: numbered(INSERT_REVIEW),
          values: [f.siteId, id, entity, randomUUID(), content.title, content.body, now, now, now],
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
  for (const [name, position] of pagePositions(f)) {
    const pq = pageQuery('postgres', f.siteId, name.split(' ')[0] ?? 'newest', position);
    ops[`raw page ${name}`] = () => q(`page-${name.replace(/\W+/g, '-')}`, pq.text, pq.values);
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

// ---------- databases ----------

interface Target {
  dialect: 'sqlite' | 'postgres';
  databaseUrl: string;
  sqliteFile?: string;
}

/**
 * Where a service's data lives: `bench/results/tmp/<name>.db`, or database `<--pg-prefix><name>` (`bench_verdict`,
 * `bench_minimal` by default) on --pg-url's server.
 */
function targetOf(dialect: 'sqlite' | 'postgres', name: 'verdict' | 'minimal'): Target {
  if (dialect === 'sqlite') {
    const file = join(TMP, `${name}.db`);
    return { dialect, databaseUrl: `sqlite:${file}`, sqliteFile: file };
  }
  const base = opts['pg-url'].replace(/\/[^/]*$/, '');
  return { dialect, databaseUrl: new URL(`${PG_PREFIX}${name}`, `${base}/`).toString() };
}

/** Empties a target: deletes the SQLite file (and its WAL), or drops and recreates the PostgreSQL database. */
async function resetTarget(t: Target): Promise<void> {
  if (t.dialect === 'sqlite') {
    for (const suffix of ['', '-wal', '-shm', '.server-lock']) rmSync(`${t.sqliteFile}${suffix}`, { force: true });
    return;
  }
  const name = new URL(t.databaseUrl).pathname.slice(1);
  const admin = new pg.Client({ connectionString: opts['pg-url'] });
  await admin.connect();
  try {
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
}

/**
 * Waits until nothing but steady traffic is left: the server (when given) used under 4 % of a core, and on
 * PostgreSQL no maintenance ran (autovacuum after the seed, ANALYZE, VACUUM) — or, with the server stopped, no
 * other session was active at all — twice in a row, 0.5 s apart. A restarted server first refreshes planner
 * statistics and recomputes every review's relevance; measuring during those passes is what made the PostgreSQL
 * ceilings unreliable. Bounded by --quiet-timeout; returns the seconds waited.
 */
async function waitQuiet(t: Target, pid?: number): Promise<number> {
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

// ---------- Verdict ----------

/** A running server: its base URL, process and peak RSS, and what the scenarios authenticate with. */
interface Server {
  url: string;
  child: ChildProcess;
  peakRss: () => number;
  /** Verdict: the admin key; minimal: its API key. */
  key: string;
}

/** The benchmark measures throughput from one address, so every rate limit is off on the servers it starts. */
const verdictEnv = (t: Target) => ({
  ...process.env,
  ...NO_RATE_LIMITS,
  DATABASE_URL: t.databaseUrl,
  LOG_LEVEL: 'warn',
});

async function startVerdict(t: Target): Promise<Server> {
  const env = verdictEnv(t);
  await run(process.execPath, [VERDICT, 'migrate'], { env });
  const { stdout } = await run(process.execPath, [VERDICT, 'keys', 'create', '--kind', 'admin', '--name', 'bench'], {
    env,
  });
  const key = stdout.match(/key:\s+(vdt_admin_\S+)/)?.[1];
  if (!key) throw new Error(`no admin key in: ${stdout}`);
  const { url, child } = await serveVerdict(VERDICT, env, 120_000);
  return { url, key, child, peakRss: rssSampler(child).peak };
}

/** Seeds Verdict through `verdict init` (not timed) and `verdict import` of the dataset file (timed). */
async function seedVerdict(t: Target, file: string): Promise<void> {
  const env = verdictEnv(t);
  await run(process.execPath, [VERDICT, 'init'], { env });
  const { stdout, seconds, peakRssMB } = await timedChild([VERDICT, 'import', file, '--json'], env);
  const report = JSON.parse(stdout.slice(stdout.indexOf('{'))) as { created: number; failed: number };
  if (report.created !== SHAPE.reviews)
    throw new Error(`verdict import created ${report.created} of ${SHAPE.reviews}, failed ${report.failed}`);
  console.log(
    `  verdict: imported ${SHAPE.reviews} reviews with their vote counts in ${seconds.toFixed(1)} s (peak RSS ${peakRssMB} MB)`,
  );
  extra[`${t.dialect}.verdictImportSeconds`] = seconds;
  extra[`${t.dialect}.verdictImportPeakRssMB`] = peakRssMB;
}

/** Calls an API; throws on any status but 200. */
async function api<T = unknown>(
  url: string,
  auth: string | undefined,
  method: string,
  path: string,
  body?: unknown,
): Promise<T> {
  const headers: Record<string, string> = {};
  if (auth) headers.authorization = auth;
  if (body) headers['content-type'] = 'application/json';
  const res = await fetch(`${url}${path}`, { method, headers, body: body ? JSON.stringify(body) : undefined });
  const json = (await res.json()) as T;
  if (res.status !== 200) throw new Error(`${method} ${path} → ${res.status} ${JSON.stringify(json).slice(0, 300)}`);
  return json;
}

/** The part of a queryReviews response the harness reads. */
interface QueryPage {
  reviews: { id: string }[];
  metadata: { cursors: { next: string | null } };
}

/** The cursor that continues `query` after `rows` rows, walked 100 at a time as `auth`; undefined past the end. */
async function verdictCursorAfter(
  url: string,
  auth: string,
  query: Record<string, unknown>,
  rows: number,
): Promise<string | undefined> {
  const path = '/reviews/v1/reviews/query';
  let res = await api<QueryPage>(url, auth, 'POST', path, {
    query: { ...query, cursorPaging: { limit: Math.min(100, rows) } },
  });
  for (let seen = res.reviews.length; seen < rows && res.metadata.cursors.next; seen += res.reviews.length) {
    res = await api<QueryPage>(url, auth, 'POST', path, {
      query: { cursorPaging: { limit: Math.min(100, rows - seen), cursor: res.metadata.cursors.next } },
    });
  }
  return res.metadata.cursors.next ?? undefined;
}

/** The site, the hot reviews, and the keyset positions, read from the database the server uses. */
async function fixture(t: Target, v: Server): Promise<Fixture> {
  const page = await api<QueryPage>(v.url, v.key, 'POST', '/reviews/v1/reviews/query', {
    query: { filter: { entityId: HOT }, cursorPaging: { limit: 100 } },
  });
  const ids = page.reviews.map((r) => r.id);
  if (ids.length === 0)
    throw new Error(`no published reviews on ${HOT}: seed the database first (run without --reuse)`);
  const positions: Fixture['positions'] = {};
  const positionQuery = (dialect: 'sqlite' | 'postgres', siteId: string, name: string) => {
    const { sort, rowsBefore } = PAGE_OFFSETS[name] ?? { sort: 'newest', rowsBefore: 0 };
    return pageQuery(dialect, siteId, sort, undefined, SHAPES[sort]?.keys.join(', '), 1, rowsBefore - 1);
  };
  if (t.dialect === 'sqlite') {
    const db = new Database(t.sqliteFile as string, { readonly: true });
    try {
      const site = db.prepare("select id, client_id from sites where name = 'default'").get() as {
        id: string;
        client_id: string;
      };
      for (const name of Object.keys(PAGE_OFFSETS)) {
        const q = positionQuery('sqlite', site.id, name);
        positions[name] = db
          .prepare(q.text)
          .raw()
          .get(...q.values) as unknown[] | undefined;
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
    for (const name of Object.keys(PAGE_OFFSETS)) {
      const q = positionQuery('postgres', site.id, name);
      const r = await c.query({ text: q.text, values: q.values, rowMode: 'array' });
      positions[name] = r.rows[0] as unknown[] | undefined;
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
        const json = await api<{ access_token?: string }>(url, undefined, 'POST', '/oauth2/token', {
          grantType: 'anonymous',
          clientId,
        });
        if (!json.access_token) throw new Error(`POST /oauth2/token → no access_token: ${JSON.stringify(json)}`);
        out.push(json.access_token);
      }
    }),
  );
  return out;
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/** A request generator: the autocannon options of one session of `seconds` (called before each session). */
type Requests = (seconds: number) => Promise<CannonOptions>;

/** A GET that cycles over `paths`, with fixed headers. */
function rotating(url: string, headers: Record<string, string>, paths: () => string): CannonOptions {
  return { url, headers, requests: [{ method: 'GET', setupRequest: (r) => ({ ...r, path: paths() }) }] };
}

/**
 * The autocannon options of one Verdict scenario; `undefined` when it cannot run on this data. Visitor scenarios
 * rotate over VISITORS anonymous tokens, as a shop's many visitors would.
 */
function verdictRequests(spec: Spec, v: Server, f: Fixture, visitors: string[]): Requests | undefined {
  let turn = 0;
  const token = () => `Bearer ${visitors[turn++ % visitors.length]}`;
  const admin = { authorization: v.key, 'content-type': 'application/json' };
  // Visitor requests each carry their own token: autocannon's setupRequest sets the header per request.
  const withCaller = (o: CannonOptions): CannonOptions => {
    if (spec.caller !== 'visitor') return o;
    const requests = o.requests ?? [{}];
    return {
      ...o,
      headers: { 'content-type': 'application/json' },
      requests: requests.map((r) => ({
        ...r,
        setupRequest: (req, ctx) => {
          const base = typeof r.setupRequest === 'function' ? r.setupRequest(req, ctx) : req;
          return { ...base, headers: { ...base.headers, authorization: token() } };
        },
      })),
    };
  };
  const post = (path: string, body: unknown): CannonOptions =>
    withCaller({ url: `${v.url}${path}`, method: 'POST', headers: admin, body: JSON.stringify(body) });
  const page = pageOf(spec.name);
  if (page) {
    const [, sort = '', which = ''] = page;
    const shape = SHAPES[sort];
    if (!shape) return undefined;
    const q = {
      filter: { entityId: HOT, ...(shape.minRating ? { 'content.rating': { $gte: shape.minRating } } : {}) },
      sort: shape.sort,
    };
    if (which === 'page 1')
      return async () => post('/reviews/v1/reviews/query', { query: { ...q, cursorPaging: { limit: PAGE_SIZE } } });
    const offset = PAGE_OFFSETS[`${sort} ${which}`];
    if (!offset || !f.positions[`${sort} ${which}`]) return undefined;
    let cursor: Promise<string | undefined> | undefined;
    return async () => {
      const auth = spec.caller === 'visitor' ? token() : v.key;
      cursor ??= verdictCursorAfter(v.url, auth, q, offset.rowsBefore);
      return post('/reviews/v1/reviews/query', { query: { cursorPaging: { limit: PAGE_SIZE, cursor: await cursor } } });
    };
  }
  const headers: Record<string, string> = spec.caller === 'visitor' ? {} : { authorization: v.key };
  let i = 0;
  switch (spec.name) {
    case 'getReview visitor':
    case 'getReview visitor beside creates':
    case 'getReview admin':
      return async () => withCaller(rotating(v.url, headers, () => `/reviews/v1/reviews/${f.ids[i++ % f.ids.length]}`));
    case 'countReviews hot entity':
      return async () => post('/reviews/v1/reviews/count', { filter: { entityId: HOT } });
    case 'summary one visitor':
    case 'summary one admin':
      return async () =>
        withCaller({ url: `${v.url}/verdict/v1/ratings/summary?namespace=stores&entityId=${HOT}`, headers });
    case 'embed page public':
      return async () => ({
        url: `${v.url}/verdict/v1/embed/reviews?site=${f.clientId}&namespace=stores&entityId=${HOT}`,
      });
    case 'summary batch of 100':
      return async () => post('/verdict/v1/ratings/summaries', { namespace: 'stores', entityIds: batchEntities });
    case 'createReview':
      return async () => ({
        ...post('/reviews/v1/reviews', CREATE_BODY),
        requests: [
          {
            setupRequest: (r) => {
              const k = i++;
              return {
                ...r,
                body: JSON.stringify({
                  review: {
                    namespace: 'stores',
                    entityId: `e-${k % SHAPE.entities}`,
                    author: { contactId: randomUUID(), authorName: `Writer ${k}` },
                    content: contentAt(k),
                  },
                }),
              };
            },
          },
        ],
      });
    case 'castVote':
      return async (seconds) => {
        // Every request is a first vote of a fresh visitor on a review: voter k % T votes on review k % R, with T
        // and R coprime, so no (voter, review) pair repeats within a session, and each voter casts about 20 votes,
        // under the per-voter burst of 30 (engagement.routes.ts), so the rate limiter never answers instead.
        // The rate of the last session of this scenario (an earlier connection count or dialect), if any.
        const last = [...rows].reverse().find((r) => r.scenario === spec.name)?.rps;
        const expected = (last ?? 3000) * seconds * 1.5;
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

// ---------- the minimal service ----------

/** Loads the dataset file into the minimal service's empty database (timed). */
async function seedMinimal(t: Target, file: string): Promise<void> {
  const { stdout, seconds, peakRssMB } = await timedChild(
    ['--import', 'tsx', join(ROOT, 'bench/minimal-service.ts'), 'load', t.databaseUrl, file],
    process.env,
  );
  const report = JSON.parse(stdout) as { rows: number };
  if (report.rows !== SHAPE.reviews) throw new Error(`the minimal service loaded ${report.rows} of ${SHAPE.reviews}`);
  console.log(`  minimal: loaded ${report.rows} reviews in ${seconds.toFixed(1)} s (peak RSS ${peakRssMB} MB)`);
  extra[`${t.dialect}.minimalImportSeconds`] = seconds;
  extra[`${t.dialect}.minimalImportPeakRssMB`] = peakRssMB;
}

async function startMinimal(t: Target): Promise<Server> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'bench/minimal-service.ts'), 'serve', t.databaseUrl],
    {
      env: { ...process.env, MINIMAL_API_KEY: MINIMAL_KEY },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const [, url = ''] = await waitForLine(child, /LISTENING (\S+)/);
  return { url, key: MINIMAL_KEY, child, peakRss: rssSampler(child).peak };
}

/** What the minimal scenarios read: 100 hot reviews and the cursor after DEPTH rows (walked through its API). */
interface MinimalFixture {
  ids: string[];
  deepCursor: string | undefined;
}

async function minimalFixture(m: Server): Promise<MinimalFixture> {
  type Page = { reviews: { id: string }[]; nextCursor: string | null };
  const list = (limit: number, cursor?: string) =>
    api<Page>(
      m.url,
      undefined,
      'GET',
      `/reviews?namespace=stores&entityId=${HOT}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`,
    );
  let res = await list(100);
  const ids = res.reviews.map((r) => r.id);
  for (let seen = res.reviews.length; seen < DEPTH && res.nextCursor; seen += res.reviews.length)
    res = await list(Math.min(100, DEPTH - seen), res.nextCursor);
  return { ids, deepCursor: res.nextCursor ?? undefined };
}

function minimalRequests(spec: Spec, m: Server, f: MinimalFixture): Requests | undefined {
  const entity = `namespace=stores&entityId=${HOT}`;
  let i = 0;
  switch (spec.name) {
    case 'minimal get by id':
    case 'minimal get by id beside creates':
      return async () => rotating(m.url, {}, () => `/reviews/${f.ids[i++ % f.ids.length]}`);
    case 'minimal newest page 1':
      return async () => ({ url: `${m.url}/reviews?${entity}&limit=${PAGE_SIZE}` });
    case 'minimal newest deep':
      if (!f.deepCursor) return undefined;
      return async () => ({ url: `${m.url}/reviews?${entity}&limit=${PAGE_SIZE}&cursor=${f.deepCursor}` });
    case 'minimal summary':
      return async () => ({ url: `${m.url}/summary?${entity}` });
    case 'minimal storefront page':
      return async () => ({ url: `${m.url}/page?${entity}` });
    case 'minimal createReview':
      return async () => ({
        url: `${m.url}/reviews`,
        method: 'POST',
        headers: { authorization: `Bearer ${m.key}`, 'content-type': 'application/json' },
        requests: [
          {
            setupRequest: (r) => {
              const k = i++;
              const c = contentAt(k);
              return {
                ...r,
                body: JSON.stringify({
                  namespace: 'stores',
                  entityId: `e-${k % SHAPE.entities}`,
                  authorName: `Writer ${k}`,
                  authorEmail: `writer-${randomUUID()}@example.com`,
                  title: c.title,
                  body: c.body,
                  rating: c.rating,
                }),
              };
            },
          },
        ],
      });
    default:
      return undefined;
  }
}

// ---------- running ----------

/** One look at an SQLite WAL index (the `-shm` file): frames in the WAL, frames checkpointed, and the WAL's salt. */
interface WalSample {
  at: number;
  frames: number;
  backfilled: number;
  salt: number;
}

/**
 * Reads the WAL index header of `shmFile` without taking any lock (a torn read only blurs one sample): `mxFrame`
 * (frames in the WAL) at byte 16, the salt that changes each time the WAL starts over at 32, and the checkpoint's
 * `nBackfill` at 96 (SQLite's wal.c; native byte order).
 */
function readWalIndex(shmFile: string, buf: Buffer): WalSample | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(shmFile, 'r');
    if (readSync(fd, buf, 0, 100, 0) < 100) return undefined;
    return {
      at: performance.now(),
      frames: buf.readUInt32LE(16),
      backfilled: buf.readUInt32LE(96),
      salt: buf.readUInt32LE(32),
    };
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Bytes of one WAL frame: a page (4 KiB, SQLite's default) and its 24-byte header. */
const FRAME_BYTES = 4096 + 24;
const mb = (frames: number) => Math.round(((frames * FRAME_BYTES) / 2 ** 20) * 10) / 10;

/**
 * Per second of the recorded windows: responses, the slowest, and on SQLite the WAL at that second's end (sampled
 * every 100 ms while the session ran), to line stalls up with checkpoints and WAL restarts.
 */
function timelineOf(s: Session, wal: WalSample[]): NonNullable<Row['timeline']> {
  const seconds = Math.ceil(REPEAT * DURATION);
  const out = Array.from(
    { length: seconds },
    (_, second) => ({ second, n: 0, max: 0 }) as NonNullable<Row['timeline']>[number],
  );
  for (const r of s.responses) {
    const slot = out[Math.floor(r.at / 1000)];
    if (!slot) continue;
    slot.n++;
    slot.max = Math.max(slot.max, r.latency);
  }
  for (const slot of out) {
    const from = s.measuredFrom + slot.second * 1000;
    const within = wal.filter((w) => w.at > from && w.at <= from + 1000);
    const last = within.at(-1);
    if (!last) continue;
    slot.walMB = mb(last.frames);
    slot.backlogMB = mb(last.frames - last.backfilled);
    const before = wal.filter((w) => w.at <= from).at(-1);
    let restarts = 0;
    let salt = before?.salt ?? within[0]?.salt;
    for (const w of within) {
      if (w.salt !== salt) restarts++;
      salt = w.salt;
    }
    slot.restarts = restarts;
  }
  return out;
}

/**
 * WAL pages (frames) appended per successful response of the recorded windows: the frames added between samples
 * over the responses completed between them, leaving out every interval in which the WAL started over (its frames
 * before the restart are not seen).
 */
function walFramesPerResponse(s: Session, wal: WalSample[]): number {
  const end = s.measuredFrom + REPEAT * DURATION * 1000;
  const at = s.responses.map((r) => s.measuredFrom + r.at);
  let frames = 0;
  let responses = 0;
  for (let i = 1; i < wal.length; i++) {
    const a = wal[i - 1] as WalSample;
    const b = wal[i] as WalSample;
    if (a.at < s.measuredFrom || b.at > end || a.salt !== b.salt || b.frames < a.frames) continue;
    frames += b.frames - a.frames;
    responses += at.filter((t) => t > a.at && t <= b.at).length;
  }
  return responses > 0 ? Math.round((frames / responses) * 10) / 10 : 0;
}

/** Verdict's garbage-collection totals (s, by kind) and longest event-loop delay since the last scrape (ms). */
async function runtimeStats(server: Server): Promise<{ gcSeconds: Record<string, number>; eventLoopMaxMs: number }> {
  const res = await fetch(`${server.url}/metrics`, { headers: { authorization: server.key } });
  const text = await res.text();
  const gcSeconds: Record<string, number> = {};
  for (const m of text.matchAll(/^nodejs_gc_duration_seconds_sum\{kind="(\w+)"\} (\S+)$/gm))
    gcSeconds[m[1] ?? '?'] = Number(m[2]);
  const lag = text.match(/^nodejs_eventloop_lag_max_seconds (\S+)$/m)?.[1];
  return { gcSeconds, eventLoopMaxMs: Math.round(Number(lag ?? 0) * 1000) };
}

/** The requests of the load `spec` is measured beside (its `beside` scenario, found in `all`), if it has one. */
function besideOf(
  spec: Spec,
  all: readonly Spec[],
  requestsOf: (spec: Spec) => Requests | undefined,
): Requests | undefined {
  const beside = all.find((b) => b.name === spec.beside);
  return beside && requestsOf(beside);
}

/** Runs `options` at 10 connections, unmeasured, until stopped: the load a `beside` scenario is measured under. */
async function alongside(options: CannonOptions): Promise<{ stop(): Promise<number> }> {
  let finished!: () => void;
  const done = new Promise<void>((resolve) => {
    finished = resolve;
  });
  const instance = autocannon(
    { ...options, connections: 10, duration: Math.ceil(WARMUP + WARMUP_LIMIT_SECONDS + REPEAT * DURATION) + 10 },
    () => finished(),
  );
  const start = performance.now();
  let ok = 0;
  instance.on('response', (_client, status) => {
    if (status < 300) ok++;
  });
  return {
    /** Stops the load; resolves to its successful responses per second over its whole run. */
    async stop() {
      instance.stop();
      await done;
      return Math.round(ok / ((performance.now() - start) / 1000));
    },
  };
}

/** A scenario at every connection count, on `server`; writes also get a histogram and a per-second timeline. */
async function scenario(
  spec: Spec,
  dialect: Target,
  server: Server,
  requests: Requests | undefined,
  beside?: Requests,
): Promise<void> {
  if (!requests) {
    console.log(`  ${dialect.dialect.padEnd(8)} ${spec.name.padEnd(30)} skipped: the hot entity is too small`);
    return;
  }
  const isVerdict = server.key.startsWith('vdt_');
  for (const c of CONNECTIONS) {
    const wal: WalSample[] = [];
    const shmFile = spec.write && dialect.sqliteFile ? `${dialect.sqliteFile}-shm` : undefined;
    const buf = Buffer.alloc(100);
    const sampler = shmFile
      ? setInterval(() => {
          const sample = readWalIndex(shmFile, buf);
          if (sample) wal.push(sample);
        }, 100)
      : undefined;
    try {
      // The scrape before the session resets the event-loop delay's maximum (prom-client reports it per scrape).
      const before = spec.write && isVerdict ? await runtimeStats(server) : undefined;
      // The session length a scenario prepares for: the warm-up may stretch while connections are being served.
      const length = WARMUP + REPEAT * DURATION + 10;
      const background = beside ? await alongside(await beside(length)) : undefined;
      let s: Session;
      let besideRps: number | undefined;
      try {
        // Beside a write load the server's CPU is mostly the writes': not reported per read.
        s = await cannon(await requests(length), c, beside ? undefined : server.child.pid);
      } finally {
        besideRps = await background?.stop();
      }
      const after = before ? await runtimeStats(server) : undefined;
      const latencies = spec.write ? s.responses.map((r) => r.latency) : [];
      record({ dialect: dialect.dialect, scenario: spec.name, connections: c }, s.runs, {
        warmup: s.warmup,
        cpuUs: s.cpuUs,
        ...(besideRps !== undefined ? { besideRps } : {}),
        ...(spec.write ? { histogram: histogram(latencies), timeline: timelineOf(s, wal) } : {}),
        ...(spec.write && wal.length > 1 ? { walFramesPerRequest: walFramesPerResponse(s, wal) } : {}),
        ...(before && after
          ? {
              runtime: {
                gcSeconds: Object.fromEntries(
                  Object.entries(after.gcSeconds).map(([k, v]) => [k, v - (before.gcSeconds[k] ?? 0)]),
                ),
                eventLoopMaxMs: after.eventLoopMaxMs,
              },
            }
          : {}),
      });
    } finally {
      if (sampler) clearInterval(sampler);
    }
  }
}

async function benchDialect(dialect: 'sqlite' | 'postgres') {
  const raw = RAW_CEILINGS.filter((r) => ceilingWanted(r.name));
  if (selected.length === 0 && raw.length === 0) return;
  console.log(`\n== ${dialect}`);
  const verdict = targetOf(dialect, 'verdict');
  const minimal = targetOf(dialect, 'minimal');
  extra[`${dialect}.version`] = await databaseVersion(verdict);
  if (!opts.reuse) {
    const file = await writeDatasetFile(SHAPE, TMP);
    await resetTarget(verdict);
    await seedVerdict(verdict, file);
    if (MINIMAL) {
      await resetTarget(minimal);
      await seedMinimal(minimal, file);
    }
  }
  // Measure a freshly started server, as after a deploy, once its start-up passes are done. Reads first, on the
  // seeded data; then the writes. Each minimal scenario runs right after the Verdict one that names it.
  const v = await startVerdict(verdict);
  let m: Server | undefined;
  let f: Fixture;
  try {
    const quiet = await waitQuiet(verdict, v.child.pid);
    console.log(`  verdict start-up passes (planner statistics, relevance recompute) done after ${quiet.toFixed(1)} s`);
    extra[`${dialect}.startupPassesSeconds`] = quiet;
    f = await fixture(verdict, v);
    const visitors = await visitorTokens(v.url, f.clientId, VISITORS);
    let mf: MinimalFixture | undefined;
    if (selectedMinimal.length > 0) {
      m = await startMinimal(minimal);
      mf = await minimalFixture(m);
    }
    const done = new Set<string>();
    for (const write of [false, true]) {
      const onVerdict = (spec: Spec) => verdictRequests(spec, v, f, visitors);
      for (const spec of selected.filter((s) => (s.write ?? false) === write)) {
        await scenario(spec, verdict, v, onVerdict(spec), besideOf(spec, VERDICT_SCENARIOS, onVerdict));
        const twin = selectedMinimal.find((s) => s.name === spec.minimal);
        if (twin && m && mf && !done.has(twin.name)) {
          done.add(twin.name);
          const onMinimal = (s: Spec) => minimalRequests(s, m as Server, mf as MinimalFixture);
          await scenario(twin, minimal, m, onMinimal(twin), besideOf(twin, MINIMAL_SCENARIOS, onMinimal));
        }
      }
      // Minimal scenarios named by --scenario without a Verdict twin in this run.
      for (const spec of selectedMinimal.filter((s) => (s.write ?? false) === write && !done.has(s.name))) {
        if (!m || !mf) continue;
        const onMinimal = (s: Spec) => minimalRequests(s, m as Server, mf as MinimalFixture);
        await scenario(spec, minimal, m, onMinimal(spec), besideOf(spec, MINIMAL_SCENARIOS, onMinimal));
      }
    }
    extra[`${dialect}.verdictPeakRssMB`] = v.peakRss();
    if (m) extra[`${dialect}.minimalPeakRssMB`] = m.peakRss();
  } finally {
    await stopChild(v.child);
    if (m) await stopChild(m.child);
  }
  // The raw ceilings run with the servers stopped: their background work would otherwise share the machine.
  await waitQuiet(verdict);
  for (const write of [false, true])
    await rawCeilings(
      verdict,
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
  const c = new pg.Client({ connectionString: opts['pg-url'] });
  await c.connect();
  const r = await c.query<{ server_version: string }>('show server_version');
  await c.end();
  return `PostgreSQL ${r.rows[0]?.server_version}`;
}

// ---------- report ----------

/** Sets each row's ratios: to its ceiling, to the minimal service, and to bare Fastify, at the same connection count. */
function attachRatios(): void {
  const find = (dialect: string, scenario: string, connections: number) =>
    rows.find((r) => r.dialect === dialect && r.scenario === scenario && r.connections === connections) ??
    // SQLite's raw ceilings are measured once, with one synchronous caller.
    rows.find((r) => r.dialect === dialect && r.scenario === scenario && r.connections === 1);
  const ratio = (a: number, b: number | undefined) => (b ? Math.round((a / b) * 100) / 100 : undefined);
  for (const r of rows) {
    const spec = [...VERDICT_SCENARIOS, ...MINIMAL_SCENARIOS].find((s) => s.name === r.scenario);
    if (!spec) continue;
    if (spec.ceiling) {
      const c = find(spec.ceiling.startsWith('bare') ? '-' : r.dialect, spec.ceiling, r.connections);
      r.ceiling = spec.ceiling;
      r.ratio = ratio(r.rps, c?.rps);
    }
    if (spec.minimal) {
      r.minimal = spec.minimal;
      r.vsMinimal = ratio(r.rps, find(r.dialect, spec.minimal, r.connections)?.rps);
    }
    r.vsBare = ratio(r.rps, find('-', `bare fastify ${spec.method}`, r.connections)?.rps);
  }
}

function printTable(previous?: { rows: (Omit<Row, 'connections'> & { connections?: number })[] }) {
  const head =
    '| dialect | scenario | conns | req/s | p50 ms | p99 ms | max ms | server µs/req | errors | ceiling | ÷ ceiling | ÷ minimal | vs bare |';
  const rule = '|---|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|';
  console.log(`\n${head}${previous ? ' before req/s | change |' : ''}`);
  console.log(`${rule}${previous ? '---:|---:|' : ''}`);
  for (const r of rows) {
    // Results written before connection counts were recorded ran at 10 connections.
    const old = previous?.rows.find(
      (o) => o.dialect === r.dialect && o.scenario === r.scenario && (o.connections ?? 10) === r.connections,
    );
    const change = old?.rps ? `${Math.round(((r.rps - old.rps) / old.rps) * 100)}%` : '';
    console.log(
      `| ${r.dialect} | ${r.scenario} | ${r.connections} | ${r.rps} | ${r.p50} | ${r.p99} | ${r.max} | ${r.cpuUs ?? ''} | ${r.errors} | ${r.ceiling ?? ''} | ${r.ratio ?? ''} | ${r.vsMinimal ?? ''} | ${r.vsBare ?? ''} |` +
        (previous ? ` ${old?.rps ?? ''} | ${change} |` : ''),
    );
  }
  for (const d of ['sqlite', 'postgres']) {
    const a = extra[`${d}.verdictImportSeconds`];
    const b = extra[`${d}.minimalImportSeconds`];
    if (typeof a === 'number' && typeof b === 'number')
      console.log(
        `${d} import of ${SHAPE.reviews}: Verdict ${a.toFixed(1)} s, minimal ${b.toFixed(1)} s, Verdict ÷ minimal (rate) ${(b / a).toFixed(2)}`,
      );
  }
  for (const [k, v] of Object.entries(extra))
    console.log(`${k}: ${typeof v === 'number' ? Math.round(v * 10) / 10 : v}`);
}

async function main() {
  const previous = opts.compare ? JSON.parse(readFileSync(opts.compare, 'utf8')) : undefined;
  const cpus = os.cpus();
  extra.machine = `${cpus.length} × ${cpus[0]?.model ?? 'unknown CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GB, ${os.platform()} ${os.release()}, Node ${process.version}`;
  extra.hot = SHAPE.hot;
  extra.depth = DEPTH;
  console.log(
    `Verdict benchmark: ${SHAPE.reviews} reviews over ${SHAPE.entities} entities (hot entity ${SHAPE.hot}, deep page after ${DEPTH} rows); ` +
      `connections ${CONNECTIONS.join(', ')}; ${WARMUP} s warm-up + ${REPEAT} × ${DURATION} s per scenario and connection count, medians reported`,
  );
  // Verdict runs as operators run it: the compiled build, run directly (bin/verdict.mjs falls back to the TypeScript
  // sources through tsx when they are newer than the build, which costs memory that production does not pay).
  if (!opts.verdict) await run(process.execPath, [join(ROOT, 'scripts/build.mjs')]);
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
  // The seeded databases and the dataset file are kept for `--reuse`; delete bench/results/tmp to free the space.
}

await main();
