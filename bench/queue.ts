/**
 * `node --import tsx bench/queue.ts`: the dashboard's moderation-queue reads at scale. Seeds one site with
 * `--pending` reviews awaiting moderation (default 200,000), `--approved` published ones beside them and a few with
 * open abuse reports, by direct SQL in batches (not timed), runs ANALYZE as the server's start-up pass does, then
 * times each queue query the dashboard sends (`queryReviews` as a dashboard user calls it: newest first, 25 a page,
 * private reviews included) in this process, on SQLite and PostgreSQL, and prints p50 / p99 / max per query and its
 * plan's index. In-process on purpose: what the queue costs is the statement, and HTTP would only add noise on a
 * shared machine. Every loop is bounded in count and time. See bench/README.md.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { CompiledQuery, sql } from 'kysely';
import pg from 'pg';
import type { QueryReviewsRequest } from '../src/contract/index.ts';
import type { Principal } from '../src/server/auth/principal.ts';
import { type Db, openDatabase } from '../src/server/db/database.ts';
import { migrateToLatest } from '../src/server/db/migrate.ts';
import type { SiteRow } from '../src/server/db/schema.ts';
import { timeOrderedId } from '../src/server/ids.ts';
import { cursorKey, encodeCursor } from '../src/server/query/cursor.ts';
import { parseFilter } from '../src/server/query/filter.ts';
import { countReviews, pageQuery, parseSort, queryReviews, visibilityOf } from '../src/server/query/query.service.ts';
import type { ReviewsDeps } from '../src/server/reviews/reviews.service.ts';
import type { SiteCache } from '../src/server/sites/site-cache.ts';
import { createSite } from '../src/server/sites/sites.service.ts';
import { median } from './support.ts';

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
    pending: { type: 'string', default: '200000' },
    approved: { type: 'string', default: '50000' },
    iterations: { type: 'string', default: '200' },
    seconds: { type: 'string', default: '20' },
    only: { type: 'string', default: '' },
  },
});

const PENDING = Number(opts.pending);
const APPROVED = Number(opts.approved);
const ITERATIONS = Number(opts.iterations);
const SECONDS = Number(opts.seconds);
for (const [name, n] of [
  ['pending', PENDING],
  ['approved', APPROVED],
  ['iterations', ITERATIONS],
  ['seconds', SECONDS],
] as const) {
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer`);
}
const PAGE = 25;
const HOT = 'hot-product';
const ENTITIES = 2000;
/** One pending review in this many has open reports (about 1,000 of 200,000), and as many published ones. */
const REPORTED_EVERY = 200;

interface Target {
  dialect: 'sqlite' | 'postgres';
  url: string;
  dispose(): Promise<void>;
}

/** A fresh database: a temp SQLite file, or a fresh schema in the PostgreSQL database of --database-url. */
async function target(dialect: 'sqlite' | 'postgres'): Promise<Target> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(os.tmpdir(), 'verdict-queue-bench-'));
    return {
      dialect,
      url: `sqlite:${join(dir, 'bench.db')}`,
      dispose: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const base = opts['database-url'];
  const schema = `queue_bench_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
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

/** Review `i` of the seed: pending first (IN_MODERATION and SUBMITTED), then published; a fifth on the hot product. */
function row(siteId: string, i: number, start: number) {
  const pending = i < PENDING;
  const t = new Date(start + i * 1000).toISOString();
  const rating = [5, 5, 5, 4, 4, 3, 2, 1, 5, 4][i % 10] as number;
  return {
    site_id: siteId,
    id: timeOrderedId(start + i * 1000),
    namespace: 'stores',
    entity_id: i % 5 === 1 ? HOT : `e-${i % ENTITIES}`,
    contact_id: randomUUID(),
    author_name: `Customer ${i}`,
    title: `Review ${i}`,
    body: 'Fits well, warm enough for the winter, the zip is a little stiff at first but it softens.',
    media_json: '[]',
    rating,
    reply_message: null,
    reply_created_at: null,
    reply_updated_at: null,
    found_helpful: 0,
    found_unhelpful: 0,
    helpfulness: 0,
    moderation_status: pending ? (i % 3 === 0 ? 'SUBMITTED' : 'IN_MODERATION') : 'APPROVED',
    manually_changed: 0,
    revision: 1,
    verified: 0,
    origin_type: 'ORGANIC',
    origin_app_id: null,
    review_date: t,
    relevance_rank: Math.floor(Date.parse(t) / 86_400_000) / 365,
    open_reports: i % REPORTED_EVERY === 7 ? 1 + (i % 3) : 0,
    publish_count: pending ? 0 : 1,
    event_sequence: 1,
    content_hash: 'h',
    created_at: t,
    updated_at: t,
    deleted_at: null,
  };
}

async function seed(database: Db): Promise<SiteRow> {
  const deps = { db: database.db, dialect: database.dialect, clock: () => new Date() };
  await migrateToLatest(database.db);
  const { site } = await createSite(deps, 'queue bench');
  const total = PENDING + APPROVED;
  // Pending and published reviews interleave in time, as a shop's do: the published ones are spread among them.
  const start = Date.UTC(2025, 0, 1);
  const order = (i: number) =>
    i < PENDING ? Math.floor((i * total) / PENDING) : ((i - PENDING) * total) / APPROVED + 0.5;
  const began = performance.now();
  const BATCH = 500;
  for (let i = 0; i < total; i += BATCH * 10) {
    await database.db.transaction().execute(async (trx) => {
      for (let j = i; j < Math.min(i + BATCH * 10, total); j += BATCH) {
        const rows = [];
        for (let k = j; k < Math.min(j + BATCH, total); k++) {
          const r = row(site.id, k, start);
          const at = start + order(k) * 1000;
          rows.push({ ...r, id: timeOrderedId(at), created_at: new Date(at).toISOString() });
        }
        await trx.insertInto('reviews').values(rows).execute();
      }
    });
  }
  await sql`analyze`.execute(database.db);
  console.log(
    `  seeded ${PENDING} pending + ${APPROVED} published reviews in ${((performance.now() - began) / 1000).toFixed(1)} s`,
  );
  return site;
}

interface Case {
  name: string;
  filter: Record<string, unknown>;
  /** Rows of the queue before the page (0: the first page), reached by a cursor. */
  depth?: number;
}

const PENDING_STATUSES = { $in: ['IN_MODERATION', 'SUBMITTED'] };
const CASES: Case[] = [
  { name: 'pending, first page', filter: { 'moderation.moderationStatus': PENDING_STATUSES } },
  {
    name: `pending, ${Math.floor(PENDING / 2).toLocaleString('en')} deep (cursor)`,
    filter: { 'moderation.moderationStatus': PENDING_STATUSES },
    depth: Math.floor(PENDING / 2),
  },
  { name: 'any status, first page', filter: {} },
  { name: 'published, first page', filter: { 'moderation.moderationStatus': 'APPROVED' } },
  { name: 'rejected (none), first page', filter: { 'moderation.moderationStatus': 'REJECTED' } },
  { name: 'pending + reported', filter: { 'moderation.moderationStatus': PENDING_STATUSES, reported: true } },
  {
    name: 'pending + rating 2 + hot entity',
    filter: { 'moderation.moderationStatus': PENDING_STATUSES, 'content.rating': 2, entityId: HOT },
  },
  {
    name: 'pending + rating 1 + small entity',
    filter: { 'moderation.moderationStatus': PENDING_STATUSES, 'content.rating': 1, entityId: 'e-7' },
  },
  {
    name: 'pending + with media (none)',
    filter: { 'moderation.moderationStatus': PENDING_STATUSES, 'content.media': { $isEmpty: false } },
  },
];

const SORT = [{ fieldName: 'createdDate', order: 'DESC' as const }];

async function explain(database: Db, p: Principal, filter: Record<string, unknown>): Promise<string> {
  const node = parseFilter(filter, 'filter', { reports: true }).node;
  const keys = parseSort(SORT, 'sort').keys;
  const q = pageQuery(database, visibilityOf(p, true), node, null, keys, undefined, 'next', PAGE + 1);
  if (database.dialect === 'sqlite') {
    const r = await database.db.executeQuery<{ detail: string }>(
      CompiledQuery.raw(`explain query plan ${q.sql}`, [...q.parameters]),
    );
    return r.rows.map((x) => x.detail).join('; ');
  }
  const r = await database.db.executeQuery<{ 'QUERY PLAN': string }>(
    CompiledQuery.raw(`explain ${q.sql}`, [...q.parameters]),
  );
  return r.rows
    .map((x) => x['QUERY PLAN'].trim())
    .filter((l) => /Scan|Sort|Append|Merge/.test(l))
    .map((l) => l.replace(/\s+\(cost=.*$/, '').replace(/^->\s*/, ''))
    .join('; ');
}

/** The cursor of the page after `depth` rows of the queue `filter`, as the dashboard would hold it. */
async function cursorAt(database: Db, site: SiteRow, filter: Record<string, unknown>, depth: number): Promise<string> {
  const row = await database.db
    .selectFrom('reviews')
    .select(['created_at', 'id'])
    .where('site_id', '=', site.id)
    .where('deleted_at', 'is', null)
    .where('moderation_status', 'in', ['IN_MODERATION', 'SUBMITTED'])
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .offset(depth - 1)
    .limit(1)
    .executeTakeFirstOrThrow();
  return encodeCursor(
    {
      siteId: site.id,
      filter,
      search: null,
      sort: SORT,
      includePrivate: true,
      position: [row.created_at, row.id],
      direction: 'next',
    },
    cursorKey(site.token_secret),
  );
}

const pct = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)] as number;
};

async function measure(
  name: string,
  fn: () => Promise<unknown>,
): Promise<{ name: string; n: number; p50: number; p99: number; max: number; cpu: number }> {
  for (let i = 0; i < 10; i++) await fn();
  const times: number[] = [];
  const deadline = performance.now() + SECONDS * 1000;
  const cpu0 = process.cpuUsage();
  while (times.length < ITERATIONS && performance.now() < deadline) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  const cpu = process.cpuUsage(cpu0);
  return {
    name,
    n: times.length,
    p50: median(times),
    p99: pct(times, 0.99),
    max: Math.max(...times),
    cpu: (cpu.user + cpu.system) / times.length,
  };
}

async function runDialect(dialect: 'sqlite' | 'postgres'): Promise<void> {
  const t = await target(dialect);
  const database = openDatabase(t.url);
  try {
    console.log(`\n${dialect}`);
    const site = await seed(database);
    const deps = {
      db: database.db,
      dialect: database.dialect,
      clock: () => new Date(),
      sites: { get: async (id: string) => (id === site.id ? site : undefined) } as unknown as SiteCache,
    } as ReviewsDeps;
    // A signed-in moderator, as the dashboard calls.
    const p: Principal = { kind: 'USER', siteId: site.id, userId: randomUUID(), role: 'moderator', sessionId: 'bench' };
    const rows: Awaited<ReturnType<typeof measure>>[] = [];
    const plans: string[] = [];
    for (const c of CASES) {
      if (opts.only && !c.name.includes(opts.only)) continue;
      const req: QueryReviewsRequest = c.depth
        ? { query: { cursorPaging: { cursor: await cursorAt(database, site, c.filter, c.depth), limit: PAGE } } }
        : { query: { filter: c.filter, sort: SORT, cursorPaging: { limit: PAGE } }, returnPrivateReviews: true };
      const got = await queryReviews(deps, p, req);
      const r = await measure(c.name, () => queryReviews(deps, p, req));
      rows.push(r);
      plans.push(
        `${c.name} [${got.reviews.length} rows]: ${c.depth ? '(keyset after the cursor) ' : ''}${await explain(database, p, c.filter)}`,
      );
    }
    if (!opts.only || 'count'.includes(opts.only)) {
      rows.push(
        await measure('count pending (select all matching)', () =>
          countReviews(deps, p, { 'moderation.moderationStatus': PENDING_STATUSES }, true),
        ),
      );
    }
    console.log(
      `  ${'query'.padEnd(40)} ${'n'.padStart(5)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'max ms'.padStart(8)} ${'cpu µs'.padStart(8)}`,
    );
    for (const r of rows) {
      console.log(
        `  ${r.name.padEnd(40)} ${String(r.n).padStart(5)} ${r.p50.toFixed(2).padStart(8)} ${r.p99.toFixed(2).padStart(8)} ${r.max.toFixed(2).padStart(8)} ${r.cpu.toFixed(0).padStart(8)}`,
      );
    }
    console.log('  plans:');
    for (const line of plans) console.log(`    ${line}`);
  } finally {
    await database.close();
    await t.dispose();
  }
}

console.log(
  `queue bench: ${PENDING} pending + ${APPROVED} published reviews on one site; ${os.cpus().length} cores, ${os.cpus()[0]?.model ?? '?'}, node ${process.version}, ${new Date().toISOString()}`,
);
for (const d of opts.dialect.split(',')) {
  if (d !== 'sqlite' && d !== 'postgres') throw new Error(`unknown dialect ${d}`);
  await runDialect(d);
}
