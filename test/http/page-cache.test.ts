/**
 * The cache of public reads (page-cache/): the widget's first request, a visitor's first page of one entity and
 * the rating summary are served as the same bytes until a review of that entity changes — by this app, by another
 * process as the CLI writes (SQLite), or by a second instance on the same database (PostgreSQL) — and never
 * from memory while the PostgreSQL listener is down. Outcomes are read from /metrics.
 */
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/server/app.ts';
import { loadConfig } from '../../src/server/config.ts';
import { createChangeSignal } from '../../src/server/db/change-signal.ts';
import { systemClock } from '../../src/server/deps.ts';
import {
  buildSite,
  call,
  entityId as newEntityId,
  noRateLimits,
  reviewBody,
  startTestApp,
  type TestApp,
  type TestSite,
  waitFor,
} from '../support/app.ts';
import { dialects, namedChangeSignal, type TestDb, writeFromAnotherProcess } from '../support/databases.ts';

/** How long a notification may take to reach another instance before a PostgreSQL test fails. */
const NOTIFY_DEADLINE_MS = 5_000;

interface Raw {
  status: number;
  payload: string;
  headers: Record<string, unknown>;
}

async function raw(
  app: FastifyInstance,
  method: 'GET' | 'POST',
  url: string,
  opts: { auth?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Raw> {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (opts.auth) headers.authorization = opts.auth;
  const res = await app.inject({
    method,
    url,
    headers,
    ...(opts.body === undefined ? {} : { payload: opts.body as Record<string, unknown> }),
  });
  return { status: res.statusCode, payload: res.payload, headers: res.headers };
}

/** The count of page-cache reads of `kind` with `outcome` in the app's /metrics. */
async function reads(app: FastifyInstance, adminKey: string, kind: string, outcome: string): Promise<number> {
  const res = await call(app, 'GET', '/metrics', { auth: adminKey });
  const line = String(res.body ?? '')
    .split('\n')
    .find((l) => l.startsWith(`verdict_page_cache_reads_total{kind="${kind}",outcome="${outcome}"}`));
  return line ? Number(line.split(' ').pop()) : 0;
}

describe.each(dialects())('cache of public reads on $name', (dialect) => {
  let db: TestDb;
  let t: TestApp;
  /** The same database with the cache turned off: what a fresh read renders. */
  let plain: TestApp;
  let site: TestSite;
  let visitor: string;

  beforeAll(async () => {
    db = await dialect.open();
    t = await startTestApp(db);
    plain = await startTestApp(db, { pageCacheEntries: 0 });
    await waitFor('the change signal to be live', async () => t.changes.epoch());
    site = await buildSite(t);
    visitor = `Bearer ${await site.visitorToken()}`;
  });
  afterAll(async () => {
    await t?.close();
    await plain?.close();
    await db?.dispose();
  });

  const create = async (entityId: string, over: Record<string, unknown> = {}) => {
    const res = await call(t.app, 'POST', '/reviews/v1/reviews', {
      auth: site.adminKey,
      body: reviewBody({ entityId, ...over }),
    });
    expect(res.status).toBe(200);
    return res.body.review as { id: string };
  };

  /** The three cached reads of one entity, as (app) => raw answer. */
  /**
   * Runs `check` with a review of `entity` held for moderation, written by a visitor whose token (`own`) may read it
   * with returnPrivateReviews; the site approves everything again afterwards.
   */
  const withHeldReview = async (entity: string, check: (own: string, id: string) => Promise<void>) => {
    await site.setModeration({ mode: 'HOLD_ALL', heldRatings: [] });
    try {
      const own = `Bearer ${await site.visitorToken()}`;
      const held = await call(t.app, 'POST', '/reviews/v1/reviews', {
        auth: own,
        body: reviewBody({ entityId: entity, author: undefined }),
      });
      expect(held.status).toBe(200);
      await check(own, (held.body.review as { id: string }).id);
    } finally {
      await site.setModeration({ mode: 'APPROVE_ALL', heldRatings: [] });
    }
  };
  const readsOf = (entityId: string) => ({
    embed: (app: FastifyInstance, headers?: Record<string, string>) =>
      raw(app, 'GET', `/verdict/v1/embed/reviews?site=${site.clientId}&namespace=stores&entityId=${entityId}`, {
        ...(headers ? { headers } : {}),
      }),
    query: (app: FastifyInstance) =>
      raw(app, 'POST', '/reviews/v1/reviews/query', {
        auth: visitor,
        body: { query: { filter: { entityId }, sort: [{ fieldName: 'createdDate', order: 'DESC' }] } },
      }),
    summary: (app: FastifyInstance, headers?: Record<string, string>) =>
      raw(app, 'GET', `/verdict/v1/ratings/summary?namespace=stores&entityId=${entityId}`, {
        auth: visitor,
        ...(headers ? { headers } : {}),
      }),
  });

  it('serves a hit with the very bytes of the miss before it, and 304 with no body for the current ETag', async () => {
    const entity = newEntityId();
    await create(entity);
    const r = readsOf(entity);
    for (const kind of ['embed', 'query', 'summary'] as const) {
      const hitsBefore = await reads(t.app, site.adminKey, kind, 'hit');
      const first = await r[kind](t.app);
      const second = await r[kind](t.app);
      expect(first.status).toBe(200);
      expect(second.payload).toBe(first.payload);
      expect(second.payload).toBe((await r[kind](plain.app)).payload);
      expect(await reads(t.app, site.adminKey, kind, 'hit')).toBe(hitsBefore + 1);
    }
    for (const kind of ['embed', 'summary'] as const) {
      const first = await r[kind](t.app);
      const etag = String(first.headers.etag);
      expect(etag).toMatch(/^"[\w-]+"$/);
      const again = await r[kind](t.app, { 'if-none-match': etag });
      expect(again.status).toBe(304);
      expect(again.payload).toBe('');
      expect((await r[kind](t.app, { 'if-none-match': '"stale"' })).status).toBe(200);
    }
    expect((await r.embed(t.app)).headers['cache-control']).toMatch(/^public, /);
    const summary = await r.summary(t.app);
    expect(summary.headers['cache-control']).toBe('private, no-cache');
    expect(String(summary.headers.vary)).toContain('Authorization');
  });

  // Every kind of write a storefront's page shows: each must make the next read of the entity fresh.
  const changes: { name: string; apply: (id: string, entity: string) => Promise<number> }[] = [
    {
      name: 'create',
      apply: async (_id, entity) => (await create(entity, { content: { rating: 1, title: 'New' } })) && 200,
    },
    {
      name: 'content update',
      apply: async (id) =>
        (
          await call(t.app, 'PUT', `/reviews/v1/reviews/content/${id}`, {
            auth: site.adminKey,
            body: {
              reviewId: id,
              content: { title: 'Changed title', rating: 2 },
              fieldMask: ['content.title', 'content.rating'],
            },
          })
        ).status,
    },
    {
      name: 'moderation',
      apply: async (id) =>
        (
          await call(t.app, 'PATCH', `/reviews/v1/reviews/${id}/moderate`, {
            auth: site.adminKey,
            body: { reviewId: id, status: 'REJECTED' },
          })
        ).status,
    },
    {
      name: 'delete',
      apply: async (id) => (await call(t.app, 'DELETE', `/reviews/v1/reviews/${id}`, { auth: site.adminKey })).status,
    },
    {
      name: 'vote',
      apply: async (id) =>
        (
          await call(t.app, 'POST', `/verdict/v1/reviews/${id}/votes`, {
            auth: `Bearer ${await site.visitorToken()}`,
            body: { vote: 'HELPFUL' },
          })
        ).status,
    },
    {
      name: 'reply',
      apply: async (id) =>
        (
          await call(t.app, 'PATCH', `/reviews/v1/reviews/${id}/reply`, {
            auth: site.adminKey,
            body: { reviewId: id, message: 'Thanks!' },
          })
        ).status,
    },
  ];

  it.each(changes)('makes the next read fresh after a $name on the entity', async ({ apply }) => {
    const entity = newEntityId();
    const { id } = await create(entity);
    const r = readsOf(entity);
    const kinds = ['embed', 'query'] as const;
    const before = new Map<string, string>();
    for (const kind of kinds) {
      await r[kind](t.app);
      before.set(kind, (await r[kind](t.app)).payload);
    }
    await r.summary(t.app);
    expect(await apply(id, entity)).toBe(200);
    for (const kind of kinds) {
      const next = (await r[kind](t.app)).payload;
      expect(next).not.toBe(before.get(kind));
      expect(next).toBe((await r[kind](plain.app)).payload);
    }
    expect((await r.summary(t.app)).payload).toBe((await r.summary(plain.app)).payload);
  });

  describe("a visitor's read of one review", () => {
    const getReview = (
      app: FastifyInstance,
      id: string,
      opts: { auth?: string; headers?: Record<string, string> } = {},
    ) =>
      raw(app, 'GET', `/reviews/v1/reviews/${id}`, {
        auth: opts.auth ?? visitor,
        ...(opts.headers ? { headers: opts.headers } : {}),
      });

    it('serves a published review with the bytes of an uncached read, to the owner’s key too, and 304 for the current ETag', async () => {
      const { id } = await create(newEntityId());
      const member = `Bearer ${await site.memberToken(crypto.randomUUID())}`;
      const hitsBefore = await reads(t.app, site.adminKey, 'review', 'hit');
      const first = await getReview(t.app, id);
      const second = await getReview(t.app, id);
      expect(first.status).toBe(200);
      expect(second.payload).toBe(first.payload);
      expect((await getReview(t.app, id, { auth: member })).payload).toBe(first.payload);
      expect((await getReview(plain.app, id)).payload).toBe(first.payload);
      // A shop backend reading with its key gets the same published review, from the same entry.
      const owners = await getReview(t.app, id, { auth: site.adminKey });
      expect(owners.payload).toBe(first.payload);
      expect(owners.headers.etag).toBe(first.headers.etag);
      expect(await reads(t.app, site.adminKey, 'review', 'hit')).toBe(hitsBefore + 3);
      const etag = String(second.headers.etag);
      expect(etag).toMatch(/^"[\w-]+"$/);
      expect(second.headers['cache-control']).toBe('private, no-cache');
      expect(String(second.headers.vary)).toContain('Authorization');
      const again = await getReview(t.app, id, { headers: { 'if-none-match': etag } });
      expect(again.status).toBe(304);
      expect(again.payload).toBe('');
      expect((await getReview(t.app, id, { headers: { 'if-none-match': '"stale"' } })).status).toBe(200);
    });

    it.each(changes)('makes the next read fresh after a $name on the review', async ({ apply }) => {
      const entity = newEntityId();
      const { id } = await create(entity);
      await getReview(t.app, id);
      const before = await getReview(t.app, id);
      expect(before.status).toBe(200);
      expect(await apply(id, entity)).toBe(200);
      const next = await getReview(t.app, id);
      const fresh = await getReview(plain.app, id);
      expect(next.status).toBe(fresh.status);
      expect(next.payload).toBe(fresh.payload);
    });

    it('answers another site’s visitor 404 for a review it has cached, and never from the other site’s entry', async () => {
      const { id } = await create(newEntityId());
      const stranger = await buildSite(t);
      const theirs = `Bearer ${await stranger.visitorToken()}`;
      expect((await getReview(t.app, id, { auth: theirs })).status).toBe(404);
      expect((await getReview(t.app, id)).status).toBe(200);
      expect((await getReview(t.app, id)).status).toBe(200);
      const other = await getReview(t.app, id, { auth: theirs });
      expect(other.status).toBe(404);
      expect(other.payload).not.toContain(id);
    });

    it('keeps no unpublished review: 404 to visitors, and its author’s own read with returnPrivateReviews renders each time', async () => {
      await withHeldReview(newEntityId(), async (own, id) => {
        const hits = () => reads(t.app, site.adminKey, 'review', 'hit');
        const before = await hits();
        for (let i = 0; i < 2; i++) {
          expect((await getReview(t.app, id)).status).toBe(404);
          expect((await getReview(t.app, id, { auth: own })).status).toBe(404);
          const mine = await raw(t.app, 'GET', `/reviews/v1/reviews/${id}?returnPrivateReviews=true`, { auth: own });
          expect(mine.status).toBe(200);
          expect(mine.headers.etag).toBeUndefined();
          // The owner's key sees it only when asking for private reviews, and that answer is not kept either.
          expect((await getReview(t.app, id, { auth: site.adminKey })).status).toBe(404);
          const owners = await raw(t.app, 'GET', `/reviews/v1/reviews/${id}?returnPrivateReviews=true`, {
            auth: site.adminKey,
          });
          expect(owners.status).toBe(200);
          expect(owners.headers.etag).toBeUndefined();
        }
        expect(await hits()).toBe(before);
      });
    });
  });

  it('keeps serving an entity from memory when another entity of the site is written', async () => {
    const mine = newEntityId();
    const theirs = newEntityId();
    await create(mine);
    const r = readsOf(mine);
    await r.embed(t.app);
    await r.query(t.app);
    const embedHits = await reads(t.app, site.adminKey, 'embed', 'hit');
    const queryHits = await reads(t.app, site.adminKey, 'query', 'hit');
    await create(theirs);
    await r.embed(t.app);
    await r.query(t.app);
    expect(await reads(t.app, site.adminKey, 'embed', 'hit')).toBe(embedHits + 1);
    expect(await reads(t.app, site.adminKey, 'query', 'hit')).toBe(queryHits + 1);
  });

  it('does not share a visitor page with private reviews, or a page asked with returnPrivateReviews', async () => {
    const entity = newEntityId();
    await create(entity);
    await withHeldReview(entity, async (own) => {
      const ask = (auth: string, returnPrivateReviews: boolean) =>
        call(t.app, 'POST', '/reviews/v1/reviews/query', {
          auth,
          body: { query: { filter: { entityId: entity } }, returnPrivateReviews },
        });
      expect((await ask(visitor, false)).body.reviews).toHaveLength(1);
      expect((await ask(own, true)).body.reviews).toHaveLength(2);
      expect((await ask(own, true)).body.reviews).toHaveLength(2);
      expect((await ask(visitor, true)).body.reviews).toHaveLength(1);
      expect((await ask(own, false)).body.reviews).toHaveLength(1);
    });
  });

  describe('pages continued by cursor', () => {
    /** A visitor's page of `entity` by 2, newest first: the first, or the one `cursor` continues to. */
    const page = (app: FastifyInstance, entity: string, cursor?: string, auth = visitor) =>
      raw(app, 'POST', '/reviews/v1/reviews/query', {
        auth,
        body: {
          query: cursor
            ? { cursorPaging: { cursor, limit: 2 } }
            : {
                filter: { entityId: entity },
                sort: [{ fieldName: 'createdDate', order: 'DESC' }],
                cursorPaging: { limit: 2 },
              },
        },
      });
    const nextOf = (r: Raw): string => JSON.parse(r.payload).metadata.cursors.next;
    const titles = (r: Raw): string[] =>
      JSON.parse(r.payload).reviews.map((x: { content: { title: string } }) => x.content.title);
    const entityWithPages = async () => {
      const entity = newEntityId();
      for (let i = 0; i < 5; i++) await create(entity, { content: { rating: 5, title: `Review ${i}` } });
      return entity;
    };

    it('shares a continued page among visitors with the bytes a fresh read renders, and renders it anew after a change', async () => {
      const entity = await entityWithPages();
      const cursor = nextOf(await page(t.app, entity));
      const other = `Bearer ${await site.visitorToken()}`;
      const hits = await reads(t.app, site.adminKey, 'query', 'hit');
      const first = await page(t.app, entity, cursor);
      const second = await page(t.app, entity, cursor, other);
      expect(first.status).toBe(200);
      expect(titles(first)).toEqual(['Review 2', 'Review 1']);
      expect(second.payload).toBe(first.payload);
      expect(second.payload).toBe((await page(plain.app, entity, cursor)).payload);
      expect(await reads(t.app, site.adminKey, 'query', 'hit')).toBe(hits + 1);

      // A review before the cursor's position changes nothing in the rows after it, but its vote must show.
      const older = JSON.parse(first.payload).reviews[0].id as string;
      const vote = await call(t.app, 'POST', `/verdict/v1/reviews/${older}/votes`, {
        auth: other,
        body: { vote: 'HELPFUL' },
      });
      expect(vote.status).toBe(200);
      const after = await page(t.app, entity, cursor);
      expect(after.payload).not.toBe(first.payload);
      expect(JSON.parse(after.payload).reviews[0].foundHelpful).toBe(1);
      expect(after.payload).toBe((await page(plain.app, entity, cursor)).payload);
    });

    it('answers a forged cursor 400 even once the genuine one is cached, and another site’s cursor too', async () => {
      const entity = await entityWithPages();
      const cursor = nextOf(await page(t.app, entity));
      expect((await page(t.app, entity, cursor)).status).toBe(200);
      const [payload, mac] = cursor.split('.') as [string, string];
      const forged = `${payload}.${mac.slice(0, -2)}${mac.endsWith('AA') ? 'BB' : 'AA'}`;
      const res = await page(t.app, entity, forged);
      expect(res.status).toBe(400);
      expect(res.payload).toContain('INVALID_CURSOR');

      const otherSite = await buildSite(t);
      const stranger = `Bearer ${await otherSite.visitorToken()}`;
      const theirs = await page(t.app, entity, cursor, stranger);
      expect(theirs.status).toBe(400);
      expect(theirs.payload).toContain('INVALID_CURSOR');
    });

    it('does not share a continued page asked with returnPrivateReviews', async () => {
      const entity = await entityWithPages();
      const cursor = nextOf(
        await raw(t.app, 'POST', '/reviews/v1/reviews/query', {
          auth: visitor,
          body: { query: { filter: { entityId: entity }, cursorPaging: { limit: 2 } }, returnPrivateReviews: true },
        }),
      );
      const misses = await reads(t.app, site.adminKey, 'query', 'miss');
      const hits = await reads(t.app, site.adminKey, 'query', 'hit');
      expect((await page(t.app, entity, cursor)).status).toBe(200);
      expect((await page(t.app, entity, cursor)).status).toBe(200);
      expect(await reads(t.app, site.adminKey, 'query', 'miss')).toBe(misses);
      expect(await reads(t.app, site.adminKey, 'query', 'hit')).toBe(hits);
    });
  });

  it('sees a write made by another process on the next read', async () => {
    const entity = newEntityId();
    const { id } = await create(entity);
    const r = readsOf(entity);
    const review = () => raw(t.app, 'GET', `/reviews/v1/reviews/${id}`, { auth: visitor });
    await r.embed(t.app);
    await review();
    const before = (await r.embed(t.app)).payload;
    expect((await review()).payload).not.toContain('Edited elsewhere');
    if (dialect.name === 'sqlite') {
      // As the CLI writes: another process, no cache told.
      await writeFromAnotherProcess(
        db.url.slice('sqlite:'.length),
        "update reviews set title = 'Edited elsewhere' where id = ?",
        [id],
      );
      const next = (await r.embed(t.app)).payload;
      expect(next).not.toBe(before);
      expect(next).toContain('Edited elsewhere');
      expect((await review()).payload).toContain('Edited elsewhere');
      return;
    }
    // A second instance on the same database, with its own pool and listener.
    const { openDatabase } = await import('../../src/server/db/database.ts');
    const otherDb = openDatabase(db.url);
    const config = { ...loadConfig({ LOG_LEVEL: 'silent' }), ...noRateLimits() };
    const other = await createApp(otherDb, config, { logger: false, clock: systemClock });
    await other.app.ready();
    try {
      const res = await call(other.app, 'PUT', `/reviews/v1/reviews/content/${id}`, {
        auth: site.adminKey,
        body: { reviewId: id, content: { title: 'Edited elsewhere' }, fieldMask: ['content.title'] },
      });
      expect(res.status).toBe(200);
      await waitFor(
        'the other instance’s edit on this one',
        async () => ((await r.embed(t.app)).payload.includes('Edited elsewhere') ? true : undefined),
        NOTIFY_DEADLINE_MS,
      );
      await waitFor(
        'the other instance’s edit in the review read',
        async () => ((await review()).payload.includes('Edited elsewhere') ? true : undefined),
        NOTIFY_DEADLINE_MS,
      );
    } finally {
      await other.app.close();
      await otherDb.close();
    }
  });

  describe.runIf(dialect.name === 'postgres')('the PostgreSQL listener', () => {
    const startWith = async (changes: ReturnType<typeof createChangeSignal>) => {
      const config = { ...loadConfig({ LOG_LEVEL: 'silent' }), ...noRateLimits() };
      const app = await createApp(db, config, { logger: false, clock: systemClock, changes });
      await app.app.ready();
      return app;
    };

    it('serves nothing from memory while it cannot connect', async () => {
      const down = await startWith(
        createChangeSignal({ dialect: 'postgres', connectionString: 'postgres://postgres@127.0.0.1:1/verdict' }),
      );
      try {
        const entity = newEntityId();
        const { id } = await create(entity);
        const r = readsOf(entity);
        await r.embed(down.app);
        await r.embed(down.app);
        expect(await reads(down.app, site.adminKey, 'embed', 'hit')).toBe(0);
        expect(await reads(down.app, site.adminKey, 'embed', 'bypass')).toBe(2);
        // Behind every cache's back: no notification.
        await sql`update reviews set title = 'Unannounced' where id = ${id}`.execute(db.db);
        expect((await r.embed(down.app)).payload).toContain('Unannounced');
      } finally {
        await down.app.close();
      }
    });

    it('serves nothing from memory from the moment its connection is lost', async () => {
      const { signal, backends } = namedChangeSignal(db, { reconnectMinMs: 60_000 });
      const app = await startWith(signal);
      try {
        await waitFor('the listener to connect', async () => signal.epoch());
        const entity = newEntityId();
        const { id } = await create(entity);
        const r = readsOf(entity);
        // The creation's notification (another instance's write, for this app) may drop the first copy: read until
        // one is served from memory.
        await waitFor('a read served from memory', async () => {
          await r.embed(app.app);
          return (await reads(app.app, site.adminKey, 'embed', 'hit')) > 0 ? true : undefined;
        });
        const hits = await reads(app.app, site.adminKey, 'embed', 'hit');
        await sql`select pg_terminate_backend(pid) from pg_stat_activity where pid = any(${await backends()})`.execute(
          db.db,
        );
        await waitFor('the listener to notice its lost connection', async () =>
          signal.epoch() === undefined ? true : undefined,
        );
        await sql`update reviews set title = 'Unannounced' where id = ${id}`.execute(db.db);
        expect((await r.embed(app.app)).payload).toContain('Unannounced');
        expect(await reads(app.app, site.adminKey, 'embed', 'hit')).toBe(hits);
      } finally {
        await app.app.close();
      }
    });
  });
});
