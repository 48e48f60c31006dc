/**
 * The benchmark's reference: the reviews service a competent engineer writes in a day, measured beside Verdict on
 * the same data in the same run. Fastify + Kysely on SQLite (better-sqlite3) or PostgreSQL (pg), one `reviews` table
 * (primary key + 3 indexes, one per page shape it serves) and an `entity_summaries` row kept in the same transaction
 * as each create. No events, moderation, search, tenancy, idempotency or rate limits; reads are public, the create
 * needs one static API key. Run by bench/run.ts as a child process:
 *
 *   node --import tsx bench/minimal-service.ts load <database-url> <file.ndjson>   prints {"rows": n, "seconds": s}
 *   node --import tsx bench/minimal-service.ts serve <database-url>                prints LISTENING <url>
 *
 * `<database-url>` is `sqlite:<path>` or `postgres://…`; `load` expects an empty database (it creates the tables,
 * loads the rows, then builds the indexes and the summaries). `serve` takes its key from MINIMAL_API_KEY.
 */
import { randomUUID, timingSafeEqual } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import Database from 'better-sqlite3';
import Fastify from 'fastify';
import { Kysely, PostgresDialect, type Selectable, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import { type Static, Type } from 'typebox';

interface ReviewsTable {
  id: string;
  namespace: string;
  entity_id: string;
  author_name: string | null;
  author_email: string | null;
  title: string | null;
  body: string | null;
  rating: number;
  helpful_count: number;
  unhelpful_count: number;
  created_at: string;
  updated_at: string;
}

interface SummariesTable {
  namespace: string;
  entity_id: string;
  review_count: number;
  rating_sum: number;
  r1: number;
  r2: number;
  r3: number;
  r4: number;
  r5: number;
}

interface Schema {
  reviews: ReviewsTable;
  entity_summaries: SummariesTable;
}

type ReviewRow = Selectable<ReviewsTable>;

/** Opens the database: SQLite as any careful service does (WAL, NORMAL sync, a busy timeout), pg with a pool of 10. */
function open(url: string): { db: Kysely<Schema>; dialect: 'sqlite' | 'postgres' } {
  if (url.startsWith('sqlite:')) {
    const sqlite = new Database(url.slice('sqlite:'.length));
    sqlite.pragma('busy_timeout = 5000');
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
    return { db: new Kysely<Schema>({ dialect: new SqliteDialect({ database: sqlite }) }), dialect: 'sqlite' };
  }
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  return { db: new Kysely<Schema>({ dialect: new PostgresDialect({ pool }) }), dialect: 'postgres' };
}

// ---------- schema and load ----------

async function createTables(db: Kysely<Schema>): Promise<void> {
  await db.schema
    .createTable('reviews')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('namespace', 'text', (c) => c.notNull())
    .addColumn('entity_id', 'text', (c) => c.notNull())
    .addColumn('author_name', 'text')
    .addColumn('author_email', 'text')
    .addColumn('title', 'text')
    .addColumn('body', 'text')
    .addColumn('rating', 'integer', (c) => c.notNull())
    .addColumn('helpful_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('unhelpful_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('entity_summaries')
    .addColumn('namespace', 'text', (c) => c.notNull())
    .addColumn('entity_id', 'text', (c) => c.notNull())
    .addColumn('review_count', 'integer', (c) => c.notNull())
    .addColumn('rating_sum', 'integer', (c) => c.notNull())
    .addColumn('r1', 'integer', (c) => c.notNull())
    .addColumn('r2', 'integer', (c) => c.notNull())
    .addColumn('r3', 'integer', (c) => c.notNull())
    .addColumn('r4', 'integer', (c) => c.notNull())
    .addColumn('r5', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('entity_summaries_pk', ['namespace', 'entity_id'])
    .execute();
}

/** One index per page shape: newest, most helpful, by rating; each ends in the keyset's tie-breaks. */
async function createIndexes(db: Kysely<Schema>): Promise<void> {
  const index = (name: string, columns: string[]) =>
    db.schema.createIndex(name).on('reviews').columns(columns).execute();
  await index('reviews_entity_created_idx', ['namespace', 'entity_id', 'created_at', 'id']);
  await index('reviews_entity_helpful_idx', ['namespace', 'entity_id', 'helpful_count', 'created_at', 'id']);
  await index('reviews_entity_rating_idx', ['namespace', 'entity_id', 'rating', 'created_at', 'id']);
}

/** The line format bench/dataset.ts writes (Verdict's import format, with vote counts). */
interface Line {
  namespace: string;
  entityId: string;
  author?: { name?: string; email?: string };
  content: { rating: number; title?: string; body?: string };
  reviewDate: string;
  foundHelpful?: number;
  foundUnhelpful?: number;
}

const BATCH = 1000;

/** Loads an NDJSON file into an empty database: rows first, then the indexes and the summaries. */
async function load(url: string, file: string): Promise<void> {
  const started = performance.now();
  const { db, dialect } = open(url);
  await createTables(db);
  let batch: ReviewsTable[] = [];
  let rows = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    const values = batch;
    batch = [];
    await db.transaction().execute((trx) => trx.insertInto('reviews').values(values).execute());
  };
  for await (const text of createInterface({ input: createReadStream(file), crlfDelay: Number.POSITIVE_INFINITY })) {
    if (!text) continue;
    const r = JSON.parse(text) as Line;
    if (!Number.isInteger(r.content.rating) || r.content.rating < 1 || r.content.rating > 5)
      throw new Error(`line ${rows + 1}: rating must be 1-5`);
    batch.push({
      id: randomUUID(),
      namespace: r.namespace,
      entity_id: r.entityId,
      author_name: r.author?.name ?? null,
      author_email: r.author?.email ?? null,
      title: r.content.title ?? null,
      body: r.content.body ?? null,
      rating: r.content.rating,
      helpful_count: r.foundHelpful ?? 0,
      unhelpful_count: r.foundUnhelpful ?? 0,
      created_at: r.reviewDate,
      updated_at: r.reviewDate,
    });
    rows++;
    if (batch.length >= BATCH) await flush();
  }
  await flush();
  await createIndexes(db);
  await sql`insert into entity_summaries (namespace, entity_id, review_count, rating_sum, r1, r2, r3, r4, r5)
    select namespace, entity_id, count(*), sum(rating),
      sum(case when rating = 1 then 1 else 0 end), sum(case when rating = 2 then 1 else 0 end),
      sum(case when rating = 3 then 1 else 0 end), sum(case when rating = 4 then 1 else 0 end),
      sum(case when rating = 5 then 1 else 0 end)
    from reviews group by namespace, entity_id`.execute(db);
  await sql`analyze`.execute(db);
  await db.destroy();
  process.stdout.write(`${JSON.stringify({ rows, seconds: (performance.now() - started) / 1000, dialect })}\n`);
}

// ---------- HTTP ----------

const Review = Type.Object({
  id: Type.String(),
  namespace: Type.String(),
  entityId: Type.String(),
  authorName: Type.Union([Type.String(), Type.Null()]),
  title: Type.Union([Type.String(), Type.Null()]),
  body: Type.Union([Type.String(), Type.Null()]),
  rating: Type.Integer(),
  helpfulCount: Type.Integer(),
  unhelpfulCount: Type.Integer(),
  createdDate: Type.String(),
  updatedDate: Type.String(),
});
const Summary = Type.Object({
  namespace: Type.String(),
  entityId: Type.String(),
  count: Type.Integer(),
  average: Type.Number(),
  histogram: Type.Object({
    r1: Type.Integer(),
    r2: Type.Integer(),
    r3: Type.Integer(),
    r4: Type.Integer(),
    r5: Type.Integer(),
  }),
});
const Entity = {
  namespace: Type.String({ minLength: 1, maxLength: 36 }),
  entityId: Type.String({ minLength: 1, maxLength: 36 }),
};
const ListQuery = Type.Object({
  ...Entity,
  sort: Type.Optional(Type.Union([Type.Literal('newest'), Type.Literal('helpful'), Type.Literal('rating')])),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
  cursor: Type.Optional(Type.String({ maxLength: 500 })),
});
const CreateBody = Type.Object(
  {
    ...Entity,
    authorName: Type.Optional(Type.String({ maxLength: 100 })),
    authorEmail: Type.Optional(Type.String({ maxLength: 320 })),
    title: Type.Optional(Type.String({ maxLength: 3000 })),
    body: Type.Optional(Type.String({ maxLength: 3000 })),
    rating: Type.Integer({ minimum: 1, maximum: 5 }),
  },
  { additionalProperties: false },
);
const ErrorBody = Type.Object({ message: Type.String() });

const SORT_KEYS = {
  newest: ['created_at', 'id'],
  helpful: ['helpful_count', 'created_at', 'id'],
  rating: ['rating', 'created_at', 'id'],
} as const;
type Sort = keyof typeof SORT_KEYS;

/** A keyset cursor: the sort and the sort keys of the last row sent, base64url JSON (not secret, not signed). */
function encodeCursor(sort: Sort, keys: readonly unknown[]): string {
  return Buffer.from(JSON.stringify([sort, ...keys])).toString('base64url');
}

function decodeCursor(cursor: string): { sort: Sort; keys: (string | number)[] } | undefined {
  try {
    const [sort, ...keys] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [
      Sort,
      ...(string | number)[],
    ];
    if (!(sort in SORT_KEYS) || keys.length !== SORT_KEYS[sort].length) return undefined;
    return { sort, keys };
  } catch {
    return undefined;
  }
}

const toReview = (r: Omit<ReviewRow, 'author_email'>): Static<typeof Review> => ({
  id: r.id,
  namespace: r.namespace,
  entityId: r.entity_id,
  authorName: r.author_name,
  title: r.title,
  body: r.body,
  rating: r.rating,
  helpfulCount: r.helpful_count,
  unhelpfulCount: r.unhelpful_count,
  createdDate: r.created_at,
  updatedDate: r.updated_at,
});

const REVIEW_COLUMNS = [
  'id',
  'namespace',
  'entity_id',
  'author_name',
  'title',
  'body',
  'rating',
  'helpful_count',
  'unhelpful_count',
  'created_at',
  'updated_at',
] as const;

async function serve(url: string): Promise<void> {
  const { db } = open(url);
  const apiKey = Buffer.from(process.env.MINIMAL_API_KEY ?? '');
  if (apiKey.length === 0) throw new Error('MINIMAL_API_KEY is required');
  const app = Fastify({ logger: false });

  async function summaryOf(namespace: string, entityId: string): Promise<Static<typeof Summary>> {
    const s = await db
      .selectFrom('entity_summaries')
      .selectAll()
      .where('namespace', '=', namespace)
      .where('entity_id', '=', entityId)
      .executeTakeFirst();
    const count = s?.review_count ?? 0;
    return {
      namespace,
      entityId,
      count,
      average: count ? Math.round(((s?.rating_sum ?? 0) / count) * 10) / 10 : 0,
      histogram: { r1: s?.r1 ?? 0, r2: s?.r2 ?? 0, r3: s?.r3 ?? 0, r4: s?.r4 ?? 0, r5: s?.r5 ?? 0 },
    };
  }

  async function page(namespace: string, entityId: string, sort: Sort, limit: number, after?: (string | number)[]) {
    const keys = SORT_KEYS[sort];
    let q = db
      .selectFrom('reviews')
      .select(REVIEW_COLUMNS)
      .where('namespace', '=', namespace)
      .where('entity_id', '=', entityId);
    if (after) q = q.where(sql<boolean>`(${sql.join(keys.map((k) => sql.ref(k)))}) < (${sql.join(after)})`);
    for (const k of keys) q = q.orderBy(k, 'desc');
    const rows = await q.limit(limit + 1).execute();
    const more = rows.length > limit;
    const shown = more ? rows.slice(0, limit) : rows;
    const last = shown.at(-1);
    return {
      reviews: shown.map(toReview),
      nextCursor:
        more && last
          ? encodeCursor(
              sort,
              keys.map((k) => last[k]),
            )
          : null,
    };
  }

  const notFound = { 404: ErrorBody };
  app.get(
    '/reviews/:id',
    {
      schema: {
        params: Type.Object({ id: Type.String() }),
        response: { 200: Type.Object({ review: Review }), ...notFound },
      },
    },
    async (req, reply) => {
      const { id } = req.params as { id: string };
      const row = await db.selectFrom('reviews').select(REVIEW_COLUMNS).where('id', '=', id).executeTakeFirst();
      if (!row) return reply.code(404).send({ message: 'Review not found' });
      return { review: toReview(row) };
    },
  );

  const Page = Type.Object({ reviews: Type.Array(Review), nextCursor: Type.Union([Type.String(), Type.Null()]) });
  app.get(
    '/reviews',
    { schema: { querystring: ListQuery, response: { 200: Page, 400: ErrorBody } } },
    async (req, reply) => {
      const q = req.query as Static<typeof ListQuery>;
      const cursor = q.cursor === undefined ? undefined : decodeCursor(q.cursor);
      if (q.cursor !== undefined && (!cursor || (q.sort && q.sort !== cursor.sort)))
        return reply.code(400).send({ message: 'Invalid cursor' });
      return page(q.namespace, q.entityId, cursor?.sort ?? q.sort ?? 'newest', q.limit ?? 50, cursor?.keys);
    },
  );

  app.get(
    '/summary',
    { schema: { querystring: Type.Object(Entity), response: { 200: Type.Object({ summary: Summary }) } } },
    async (req) => {
      const q = req.query as { namespace: string; entityId: string };
      return { summary: await summaryOf(q.namespace, q.entityId) };
    },
  );

  // What a product page shows first: the summary and the three newest reviews, in one request.
  app.get(
    '/page',
    {
      schema: {
        querystring: Type.Object(Entity),
        response: {
          200: Type.Object({ summary: Summary, reviews: Type.Array(Review), nextCursor: Page.properties.nextCursor }),
        },
      },
    },
    async (req) => {
      const q = req.query as { namespace: string; entityId: string };
      const [summary, first] = await Promise.all([
        summaryOf(q.namespace, q.entityId),
        page(q.namespace, q.entityId, 'newest', 3),
      ]);
      return { summary, ...first };
    },
  );

  app.post(
    '/reviews',
    { schema: { body: CreateBody, response: { 201: Type.Object({ review: Review }), 401: ErrorBody } } },
    async (req, reply) => {
      const given = Buffer.from((req.headers.authorization ?? '').replace(/^Bearer /, ''));
      if (given.length !== apiKey.length || !timingSafeEqual(given, apiKey))
        return reply.code(401).send({ message: 'Invalid API key' });
      const b = req.body as Static<typeof CreateBody>;
      const now = new Date().toISOString();
      const row = {
        id: randomUUID(),
        namespace: b.namespace,
        entity_id: b.entityId,
        author_name: b.authorName ?? null,
        author_email: b.authorEmail ?? null,
        title: b.title ?? null,
        body: b.body ?? null,
        rating: b.rating,
        helpful_count: 0,
        unhelpful_count: 0,
        created_at: now,
        updated_at: now,
      };
      const star = (n: number) => (b.rating === n ? 1 : 0);
      await db.transaction().execute(async (trx) => {
        await trx.insertInto('reviews').values(row).execute();
        await trx
          .insertInto('entity_summaries')
          .values({
            namespace: b.namespace,
            entity_id: b.entityId,
            review_count: 1,
            rating_sum: b.rating,
            r1: star(1),
            r2: star(2),
            r3: star(3),
            r4: star(4),
            r5: star(5),
          })
          .onConflict((oc) =>
            oc.columns(['namespace', 'entity_id']).doUpdateSet((eb) => ({
              review_count: eb('entity_summaries.review_count', '+', 1),
              rating_sum: eb('entity_summaries.rating_sum', '+', b.rating),
              r1: eb('entity_summaries.r1', '+', star(1)),
              r2: eb('entity_summaries.r2', '+', star(2)),
              r3: eb('entity_summaries.r3', '+', star(3)),
              r4: eb('entity_summaries.r4', '+', star(4)),
              r5: eb('entity_summaries.r5', '+', star(5)),
            })),
          )
          .execute();
      });
      return reply.code(201).send({ review: toReview(row) });
    },
  );

  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  process.stdout.write(`LISTENING ${address}\n`);
  process.on('SIGTERM', () => {
    void app
      .close()
      .then(() => db.destroy())
      .then(() => process.exit(0));
  });
}

const [command, url, file] = process.argv.slice(2);
if (command === 'load' && url && file) await load(url, file);
else if (command === 'serve' && url) await serve(url);
else {
  process.stderr.write('usage: minimal-service.ts load <database-url> <file.ndjson> | serve <database-url>\n');
  process.exit(2);
}
