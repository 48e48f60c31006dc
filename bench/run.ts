/**
 * `npm run bench`: measures Verdict's hot operations over HTTP against the machine's own ceilings, in one run:
 *   1. ceilings — a bare Fastify GET (same framework, no auth, no database) and the raw database doing the same work
 *      (get by id, insert review + summary upsert in one transaction, keyset page of 50 per sort, summary read);
 *   2. Verdict on SQLite and/or PostgreSQL, seeded through its own bulk-create API;
 *   3. server peak RSS and seeding time.
 * Prints one table and writes JSON to bench/results/. Traffic goes only to 127.0.0.1; every loop is bounded in time.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import autocannon from 'autocannon';
import Database from 'better-sqlite3';
import pg from 'pg';

const run = promisify(execFile);
const ROOT = new URL('..', import.meta.url).pathname;

const { values: opts } = parseArgs({
  options: {
    dialect: { type: 'string', default: 'sqlite,postgres' },
    reviews: { type: 'string', default: '1000000' },
    entities: { type: 'string', default: '10000' },
    hot: { type: 'string', default: '' },
    duration: { type: 'string', default: '5' },
    connections: { type: 'string', default: '10' },
    scenario: { type: 'string', default: '' },
    compare: { type: 'string', default: '' },
    'pg-url': { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/postgres' },
    reuse: { type: 'boolean', default: false },
  },
});

const N_REVIEWS = Number(opts.reviews);
const N_ENTITIES = Number(opts.entities);
const N_HOT = opts.hot ? Number(opts.hot) : Math.floor(N_REVIEWS / 5);
const DURATION = Number(opts.duration);
const CONNECTIONS = Number(opts.connections);
const HOT = 'hot-entity';

interface Row {
  dialect: string;
  scenario: string;
  rps: number;
  p50: number;
  p99: number;
  ceiling?: string;
  ratio?: number;
}
const rows: Row[] = [];
const extra: Record<string, unknown> = {};
const wanted = (name: string) => !opts.scenario || name.includes(opts.scenario);

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

async function cannon(
  name: string,
  dialect: string,
  opts2: Omit<autocannon.Options, 'url' | 'connections' | 'duration'> & { url: string },
): Promise<Row> {
  const r = await autocannon({ ...opts2, connections: CONNECTIONS, duration: DURATION });
  const bad = r.non2xx + r.errors + r.timeouts;
  if (bad > 0) console.warn(`  ! ${name}: ${bad} non-2xx/errors/timeouts of ${r.requests.total}`);
  const row = { dialect, scenario: name, rps: Math.round(r.requests.average), p50: r.latency.p50, p99: r.latency.p99 };
  rows.push(row);
  console.log(`  ${dialect.padEnd(8)} ${name.padEnd(34)} ${String(row.rps).padStart(7)} req/s  p50 ${row.p50} ms  p99 ${row.p99} ms`);
  return row;
}

/** Runs `fn` repeatedly for DURATION seconds on `concurrency` loops; returns ops/s. */
async function loopRate(concurrency: number, fn: () => Promise<void> | void): Promise<number> {
  const deadline = Date.now() + DURATION * 1000;
  let n = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < deadline) {
        await fn();
        n++;
      }
    }),
  );
  return Math.round(n / DURATION);
}

// ---------- ceilings ----------

async function bareFastify(): Promise<number> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bench/ceiling-server.ts')], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const [, url] = await waitForLine(child, /LISTENING (\S+)/);
    const row = await cannon('bare fastify GET', '-', { url: `${url}/ceiling` });
    return row.rps;
  } finally {
    child.kill('SIGTERM');
  }
}

interface RawCeilings {
  getById: number;
  insert: number;
  page: number;
  summary: number;
}

const SORTS: Record<string, string> = {
  newest: 'created_at desc, id desc',
  helpful: 'helpfulness desc, id desc',
  highest: 'rating desc, id desc',
};

async function rawSqlite(file: string, ids: string[], siteId: string): Promise<RawCeilings> {
  const db = new Database(file);
  db.pragma('busy_timeout = 5000');
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  const byId = db.prepare('select * from reviews where site_id = ? and id = ? and deleted_at is null');
  const pageQ = db.prepare(
    `select * from reviews where site_id = ? and namespace = 'stores' and entity_id = ? and moderation_status = 'APPROVED' and deleted_at is null order by ${SORTS.newest} limit 51`,
  );
  const summary = db.prepare("select * from entity_summaries where site_id = ? and namespace = 'stores' and entity_id = ?");
  const insert = db.prepare(
    `insert into reviews (site_id, id, namespace, entity_id, contact_id, author_name, title, body, media_json, rating, moderation_status, manually_changed, revision, verified, origin_type, review_date, relevance_score, publish_count, event_sequence, content_hash, created_at, updated_at)
     values (?, ?, 'stores', ?, ?, 'Raw', 'Title', 'Body text', '[]', 4, 'APPROVED', 0, 1, 0, 'APP', ?, 0, 1, 3, 'h', ?, ?)`,
  );
  const upsert = db.prepare(
    `insert into entity_summaries (site_id, namespace, entity_id, review_count, rating_sum, r1, r2, r3, r4, r5, updated_at)
     values (?, 'stores', ?, 1, 4, 0, 0, 0, 1, 0, ?) on conflict (site_id, namespace, entity_id) do update set
     review_count = review_count + 1, rating_sum = rating_sum + 4, r4 = r4 + 1, updated_at = excluded.updated_at`,
  );
  const outbox = db.prepare(
    "insert into outbox_events (site_id, id, event_type, slug, entity_id, entity_event_sequence, body_json, created_at) values (?, ?, 'wix.reviews.v1.review_created', 'created', ?, 1, '{}', ?)",
  );
  const tx = db.transaction((id: string, entity: string, now: string) => {
    insert.run(siteId, id, entity, randomUUID(), now, now, now);
    upsert.run(siteId, entity, now);
    outbox.run(siteId, randomUUID(), id, now);
  });
  let i = 0;
  const out: RawCeilings = {
    getById: await loopRate(1, () => void byId.get(siteId, ids[i++ % ids.length])),
    page: await loopRate(1, () => void pageQ.all(siteId, HOT)),
    summary: await loopRate(1, () => void summary.get(siteId, HOT)),
    insert: await loopRate(1, () => {
      const now = new Date().toISOString();
      tx.immediate(randomUUID(), `raw-${randomUUID().slice(0, 8)}`, now);
    }),
  };
  db.close();
  return out;
}

async function rawPostgres(url: string, ids: string[], siteId: string): Promise<RawCeilings> {
  const pool = new pg.Pool({ connectionString: url, max: CONNECTIONS });
  let i = 0;
  const q = (text: string, values: unknown[], name: string) => pool.query({ text, values, name });
  const out: RawCeilings = {
    getById: await loopRate(CONNECTIONS, async () => {
      await q('select * from reviews where site_id = $1 and id = $2 and deleted_at is null', [siteId, ids[i++ % ids.length]], 'byid');
    }),
    page: await loopRate(CONNECTIONS, async () => {
      await q(
        `select * from reviews where site_id = $1 and namespace = 'stores' and entity_id = $2 and moderation_status = 'APPROVED' and deleted_at is null order by ${SORTS.newest} limit 51`,
        [siteId, HOT],
        'page',
      );
    }),
    summary: await loopRate(CONNECTIONS, async () => {
      await q("select * from entity_summaries where site_id = $1 and namespace = 'stores' and entity_id = $2", [siteId, HOT], 'sum');
    }),
    insert: await loopRate(CONNECTIONS, async () => {
      const c = await pool.connect();
      try {
        const now = new Date().toISOString();
        const id = randomUUID();
        const entity = `raw-${randomUUID().slice(0, 8)}`;
        await c.query('begin');
        await c.query({
          name: 'ins',
          text: `insert into reviews (site_id, id, namespace, entity_id, contact_id, author_name, title, body, media_json, rating, moderation_status, manually_changed, revision, verified, origin_type, review_date, relevance_score, publish_count, event_sequence, content_hash, created_at, updated_at)
                 values ($1, $2, 'stores', $3, $4, 'Raw', 'Title', 'Body text', '[]', 4, 'APPROVED', 0, 1, 0, 'APP', $5, 0, 1, 3, 'h', $5, $5)`,
          values: [siteId, id, entity, randomUUID(), now],
        });
        await c.query({
          name: 'ups',
          text: `insert into entity_summaries (site_id, namespace, entity_id, review_count, rating_sum, r1, r2, r3, r4, r5, updated_at)
                 values ($1, 'stores', $2, 1, 4, 0, 0, 0, 1, 0, $3) on conflict (site_id, namespace, entity_id) do update set
                 review_count = entity_summaries.review_count + 1, rating_sum = entity_summaries.rating_sum + 4, r4 = entity_summaries.r4 + 1, updated_at = excluded.updated_at`,
          values: [siteId, entity, now],
        });
        await c.query({
          name: 'out',
          text: "insert into outbox_events (site_id, id, event_type, slug, entity_id, entity_event_sequence, body_json, created_at) values ($1, $2, 'wix.reviews.v1.review_created', 'created', $3, 1, '{}', $4)",
          values: [siteId, randomUUID(), id, now],
        });
        await c.query('commit');
      } finally {
        c.release();
      }
    }),
  };
  await pool.end();
  return out;
}

// ---------- Verdict ----------

interface Target {
  dialect: 'sqlite' | 'postgres';
  databaseUrl: string;
  sqliteFile?: string;
}

async function prepareTarget(dialect: 'sqlite' | 'postgres'): Promise<Target> {
  if (opts.reuse) {
    // Keep the database seeded by an earlier run (`--reuse`): skips the (long) seeding step.
    if (dialect === 'sqlite') {
      const file = join(ROOT, 'bench/results/tmp/bench.db');
      return { dialect, databaseUrl: `sqlite:${file}`, sqliteFile: file };
    }
    return { dialect, databaseUrl: new URL('verdict_bench', `${opts['pg-url'].replace(/\/[^/]*$/, '')}/`).toString() };
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
  return { dialect, databaseUrl: new URL('verdict_bench', `${opts['pg-url'].replace(/\/[^/]*$/, '')}/`).toString() };
}

async function startVerdict(t: Target): Promise<{ url: string; key: string; child: ChildProcess; peakRss: () => number }> {
  const env = { ...process.env, DATABASE_URL: t.databaseUrl, LOG_LEVEL: 'warn' };
  await run(process.execPath, [join(ROOT, 'bin/verdict.mjs'), 'migrate'], { env });
  const { stdout } = await run(process.execPath, [join(ROOT, 'bin/verdict.mjs'), 'keys', 'create', '--kind', 'admin', '--name', 'bench'], { env });
  const key = stdout.match(/key:\s+(vdt_admin_\S+)/)?.[1];
  if (!key) throw new Error(`no admin key in: ${stdout}`);
  const port = await freePort();
  const child = spawn(process.execPath, [join(ROOT, 'bin/verdict.mjs'), 'serve'], {
    env: { ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'inherit'],
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
    await new Promise((r) => setTimeout(r, 100));
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

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  await exited;
}

async function api(url: string, key: string, method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: key, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = await res.json();
  if (res.status !== 200) throw new Error(`${method} ${path} → ${res.status} ${JSON.stringify(json).slice(0, 300)}`);
  return json;
}

/** Seeds N_REVIEWS through bulkCreateReview: N_HOT on the hot entity, the rest spread over N_ENTITIES. */
async function seed(url: string, key: string): Promise<number> {
  const started = Date.now();
  const batches = Math.ceil(N_REVIEWS / 100);
  let next = 0;
  let done = 0;
  const t0 = Date.UTC(2024, 0, 1);
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < batches) {
        const b = next++;
        const reviews = [];
        for (let j = 0; j < 100; j++) {
          const i = b * 100 + j;
          if (i >= N_REVIEWS) break;
          reviews.push({
            namespace: 'stores',
            entityId: i < N_HOT ? HOT : `e-${i % N_ENTITIES}`,
            author: { contactId: randomUUID(), authorName: `Author ${i}` },
            content: { rating: (i * 7) % 5 + 1, title: `Review ${i}`, body: 'Solid product, would buy again. '.repeat((i % 4) + 1) },
            reviewDate: new Date(t0 + i * 1000).toISOString(),
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

async function cursorAtPage(url: string, key: string, query: Record<string, unknown>, pageNo: number): Promise<string> {
  let res = await api(url, key, 'POST', '/reviews/v1/reviews/query', { query: { ...query, cursorPaging: { limit: 50 } } });
  for (let p = 2; p < pageNo; p++) {
    res = await api(url, key, 'POST', '/reviews/v1/reviews/query', { query: { cursorPaging: { limit: 50, cursor: res.metadata.cursors.next } } });
  }
  return res.metadata.cursors.next;
}

async function benchDialect(dialect: 'sqlite' | 'postgres', bareRps: number) {
  console.log(`\n== ${dialect}`);
  const target = await prepareTarget(dialect);
  if (!opts.reuse) {
    const seeder = await startVerdict(target);
    try {
      const seedSeconds = await seed(seeder.url, seeder.key);
      console.log(`  seeded ${N_REVIEWS} reviews in ${seedSeconds.toFixed(1)} s (seeding server peak RSS ${seeder.peakRss()} MB)`);
      extra[`${dialect}.seedSeconds`] = seedSeconds;
      extra[`${dialect}.seedPeakRssMB`] = seeder.peakRss();
    } finally {
      await stopChild(seeder.child);
    }
  }
  // Measure a freshly started server, as after a deploy: it refreshes planner statistics at start.
  const v = await startVerdict(target);
  try {

    const page = await api(v.url, v.key, 'POST', '/reviews/v1/reviews/query', {
      query: { filter: { entityId: HOT }, cursorPaging: { limit: 100 } },
    });
    const ids: string[] = page.reviews.map((r: { id: string }) => r.id);
    const siteId = await siteOf(target);

    const raw = dialect === 'sqlite' ? await rawSqlite(target.sqliteFile as string, ids, siteId) : await rawPostgres(target.databaseUrl, ids, siteId);
    for (const [k, val] of Object.entries(raw)) {
      rows.push({ dialect, scenario: `raw ${k}`, rps: val, p50: 0, p99: 0 });
      console.log(`  ${dialect.padEnd(8)} raw ${k.padEnd(30)} ${String(val).padStart(7)} ops/s`);
    }
    const auth = { authorization: v.key, 'content-type': 'application/json' };
    const ratio = (row: Row, ceiling: number, label: string) => {
      row.ceiling = label;
      row.ratio = Math.round((row.rps / ceiling) * 100) / 100;
    };

    if (wanted('getReview')) {
      let i = 0;
      const row = await cannon('getReview', dialect, {
        url: v.url,
        headers: auth,
        requests: [{ method: 'GET', setupRequest: (r) => ({ ...r, path: `/reviews/v1/reviews/${ids[i++ % ids.length]}` }) }],
      });
      ratio(row, bareRps, 'bare fastify GET');
    }
    const sorts: Record<string, unknown> = {
      newest: [{ fieldName: 'createdDate', order: 'DESC' }],
      helpful: [{ fieldName: 'helpfulness', order: 'DESC' }],
      highest: [{ fieldName: 'content.rating', order: 'DESC' }],
    };
    const queries: Record<string, Record<string, unknown>> = {
      ...Object.fromEntries(Object.entries(sorts).map(([k, sort]) => [k, { filter: { entityId: HOT }, sort }])),
      'rating>=4': { filter: { entityId: HOT, 'content.rating': { $gte: 4 } }, sort: sorts.newest },
    };
    for (const [name, query] of Object.entries(queries)) {
      for (const pageNo of [1, 50]) {
        const scenario = `query ${name} page ${pageNo}`;
        if (!wanted(scenario)) continue;
        const body =
          pageNo === 1
            ? { query: { ...query, cursorPaging: { limit: 50 } } }
            : { query: { cursorPaging: { limit: 50, cursor: await cursorAtPage(v.url, v.key, query, pageNo) } } };
        const row = await cannon(scenario, dialect, { url: `${v.url}/reviews/v1/reviews/query`, method: 'POST', headers: auth, body: JSON.stringify(body) });
        ratio(row, raw.page, 'raw keyset page');
      }
    }
    if (wanted('countReviews')) {
      await cannon('countReviews hot entity', dialect, {
        url: `${v.url}/reviews/v1/reviews/count`,
        method: 'POST',
        headers: auth,
        body: JSON.stringify({ filter: { entityId: HOT } }),
      });
    }
    if (wanted('summary')) {
      const one = await cannon('summary one', dialect, {
        url: `${v.url}/verdict/v1/ratings/summary?namespace=stores&entityId=${HOT}`,
        headers: auth,
      });
      ratio(one, bareRps, 'bare fastify GET');
      await cannon('summary batch of 100', dialect, {
        url: `${v.url}/verdict/v1/ratings/summaries`,
        method: 'POST',
        headers: auth,
        body: JSON.stringify({ namespace: 'stores', entityIds: Array.from({ length: 100 }, (_, i) => `e-${i}`) }),
      });
    }
    if (wanted('createReview')) {
      const row = await cannon('createReview', dialect, {
        url: `${v.url}/reviews/v1/reviews`,
        method: 'POST',
        headers: auth,
        requests: [
          {
            setupRequest: (r) => ({
              ...r,
              body: JSON.stringify({
                review: {
                  namespace: 'stores',
                  entityId: `new-${randomUUID().slice(0, 8)}`,
                  author: { contactId: randomUUID() },
                  content: { rating: 4, title: 'Bench', body: 'Created during the benchmark.' },
                },
              }),
            }),
          },
        ],
      });
      ratio(row, raw.insert, 'raw insert+summary tx');
    }
    extra[`${dialect}.peakRssMB`] = v.peakRss();
    console.log(`  peak RSS ${v.peakRss()} MB`);
  } finally {
    await stopChild(v.child);
  }
}

async function siteOf(t: Target): Promise<string> {
  if (t.dialect === 'sqlite') {
    const db = new Database(t.sqliteFile as string, { readonly: true });
    const row = db.prepare("select id from sites where name = 'default'").get() as { id: string };
    db.close();
    return row.id;
  }
  const c = new pg.Client({ connectionString: t.databaseUrl });
  await c.connect();
  const r = await c.query("select id from sites where name = 'default'");
  await c.end();
  return r.rows[0].id;
}

function printTable(previous?: { rows: Row[] }) {
  console.log('\n| dialect | scenario | req/s | p50 ms | p99 ms | ceiling | ratio |' + (previous ? ' before req/s | change |' : ''));
  console.log('|---|---|---:|---:|---:|---|---:|' + (previous ? '---:|---:|' : ''));
  for (const r of rows) {
    const old = previous?.rows.find((o) => o.dialect === r.dialect && o.scenario === r.scenario);
    const change = old ? `${Math.round(((r.rps - old.rps) / old.rps) * 100)}%` : '';
    console.log(
      `| ${r.dialect} | ${r.scenario} | ${r.rps} | ${r.p50} | ${r.p99} | ${r.ceiling ?? ''} | ${r.ratio ?? ''} |` +
        (previous ? ` ${old?.rps ?? ''} | ${change} |` : ''),
    );
  }
  for (const [k, v] of Object.entries(extra)) console.log(`${k}: ${v}`);
}

async function main() {
  console.log(`Verdict benchmark: ${N_REVIEWS} reviews over ${N_ENTITIES} entities (hot entity ${N_HOT}), ${CONNECTIONS} connections, ${DURATION} s per scenario`);
  const bare = await bareFastify();
  for (const d of opts.dialect.split(',')) {
    if (d !== 'sqlite' && d !== 'postgres') throw new Error(`unknown dialect ${d}`);
    await benchDialect(d, bare);
  }
  const previous = opts.compare ? (JSON.parse(readFileSync(opts.compare, 'utf8')) as { rows: Row[] }) : undefined;
  printTable(previous);
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  const file = join(ROOT, `bench/results/bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify({ at: new Date().toISOString(), options: opts, rows, extra }, null, 2));
  console.log(`\nwrote ${file}`);
  // The seeded SQLite file is kept for `--reuse`; delete bench/results/tmp to free the space.
}

await main();
