/**
 * Every read path of the core API is served by an index, on both dialects: the query plans of the exact queries the
 * services build are checked for the expected index and for the absence of a full scan or an extra sort.
 */
import { CompiledQuery, type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Principal } from '../../src/server/auth/principal.ts';
import type { Database } from '../../src/server/db/schema.ts';
import { outboxRepo } from '../../src/server/outbox/outbox.repo.ts';
import { keysetCondition } from '../../src/server/query/compile.ts';
import { parseFilter } from '../../src/server/query/filter.ts';
import { pageOf, parseSort, selectReviews } from '../../src/server/query/query.service.ts';
import { resolveAt } from '../../src/server/query/relevance.ts';
import { reviewsRepo } from '../../src/server/reviews/reviews.repo.ts';
import { summariesRepo } from '../../src/server/summaries/summaries.repo.ts';
import { dialects, type TestDb } from '../support/databases.ts';

const SITE = 'a0000000-0000-4000-8000-000000000001';
const admin: Principal = { kind: 'ADMIN', siteId: SITE, keyId: 'k' };
const visitor: Principal = { kind: 'VISITOR', siteId: SITE, visitorId: 'v', contactId: 'v' };

async function seed(db: Kysely<Database>) {
  const rows = [];
  const statuses = ['APPROVED', 'APPROVED', 'APPROVED', 'IN_MODERATION', 'REJECTED'];
  for (let i = 0; i < 3000; i++) {
    const t = new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString();
    rows.push({
      site_id: i % 10 === 0 ? SITE : `b0000000-0000-4000-8000-00000000000${i % 7}`,
      id: crypto.randomUUID(),
      namespace: 'stores',
      entity_id: `e${i % 150}`,
      contact_id: crypto.randomUUID(),
      author_name: null,
      title: 't',
      body: 'b',
      // A few reviews with a photo.
      media_json: i % 60 === 0 ? '[{"image":{"url":"https://example.com/a.jpg"}}]' : '[]',
      rating: (i % 5) + 1,
      reply_message: null,
      reply_created_at: null,
      reply_updated_at: null,
      found_helpful: 0,
      found_unhelpful: 0,
      helpfulness: 0,
      moderation_status: statuses[i % 5] as string,
      manually_changed: 0,
      revision: 1,
      verified: 0,
      origin_type: 'APP',
      origin_app_id: null,
      review_date: t,
      relevance_rank: Math.log2(0.05 + (i % 19) / 20) + Math.floor(Date.parse(t) / 86_400_000) / 365,
      publish_count: 1,
      event_sequence: 1,
      content_hash: 'h',
      created_at: t,
      updated_at: t,
      deleted_at: i % 97 === 0 ? t : null,
      // A few reviews with open abuse reports, in every status.
      open_reports: i % 40 === 0 ? 1 + (i % 3) : 0,
    });
  }
  for (let i = 0; i < rows.length; i += 200)
    await db
      .insertInto('reviews')
      .values(rows.slice(i, i + 200))
      .execute();
}

type Plan = { text: string };

async function explain(t: TestDb, q: { compile(): CompiledQuery }): Promise<Plan> {
  const c = q.compile();
  if (t.dialect === 'sqlite') {
    const r = await t.db.executeQuery<{ detail: string }>(
      CompiledQuery.raw(`explain query plan ${c.sql}`, [...c.parameters]),
    );
    return { text: r.rows.map((x) => x.detail).join('\n') };
  }
  // PostgreSQL: small test tables make a sequential scan cheapest, so forbid it to see which index the planner can use.
  return t.db.transaction().execute(async (trx) => {
    await sql`set local enable_seqscan = off`.execute(trx);
    await sql`set local enable_bitmapscan = off`.execute(trx);
    const r = await trx.executeQuery<{ 'QUERY PLAN': string }>(
      CompiledQuery.raw(`explain ${c.sql}`, [...c.parameters]),
    );
    return { text: r.rows.map((x) => x['QUERY PLAN']).join('\n') };
  });
}

function expectIndex(plan: Plan, index: string, dialect: string, opts: { sorted?: boolean } = {}) {
  expect(plan.text).toContain(index);
  if (dialect === 'sqlite') {
    expect(plan.text).not.toMatch(/SCAN reviews(?! USING)/);
    if (opts.sorted) expect(plan.text).not.toContain('TEMP B-TREE');
  } else {
    expect(plan.text).not.toContain('Seq Scan');
    if (opts.sorted) expect(plan.text).not.toMatch(/^\s*(->\s*)?Sort\b/m);
  }
}

/** The index condition of the plan names each of these columns (SQLite `SEARCH … (a=? AND b=?)`, PostgreSQL `Index Cond`). */
function expectIndexCondition(plan: Plan, dialect: string, columns: string[]) {
  const cond =
    dialect === 'sqlite'
      ? (plan.text.match(/USING (?:COVERING )?INDEX \w+ \(([^)]*)\)/)?.[1] ?? '')
      : plan.text
          .split('\n')
          .filter((l) => /Index Cond:/.test(l))
          .join(' ');
  for (const c of columns) expect(cond).toMatch(new RegExp(`\\b${c}\\b`));
}

/** The exact page query queryReviews runs for this caller, filter and sort (first page). */
function page(
  t: TestDb,
  p: Principal,
  filter: unknown,
  sort: { fieldName: string; order: 'ASC' | 'DESC' }[],
  priv: boolean,
) {
  const parsed = parseFilter(filter, 'filter', { reports: true }).node;
  const node = parsed && resolveAt(parsed, new Date('2026-06-01T00:00:00.000Z'));
  const keys = parseSort(sort, 'sort').keys;
  return pageOf(
    selectReviews(t, p, { node, search: null, includePrivate: priv, sort: keys }),
    keys,
    undefined,
    'next',
    51,
  );
}

describe.each(dialects())('index use on $name', (dialect) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await dialect.open();
    await seed(t.db);
    await sql`analyze`.execute(t.db);
  });
  afterAll(async () => {
    await t.dispose();
  });

  it('serves a public product page (entity, with or without namespace, + APPROVED, by createdDate either way) from the entity/status index', async () => {
    for (const order of ['ASC', 'DESC'] as const) {
      for (const filter of [{ namespace: 'stores', entityId: 'e10' }, { entityId: 'e10' }]) {
        const plan = await explain(t, page(t, visitor, filter, [{ fieldName: 'createdDate', order }], false));
        expectIndex(plan, 'reviews_entity_status_created_idx', t.dialect, { sorted: true });
      }
    }
  });

  it('continues a page after a cursor with an index range, not a scan from the start', async () => {
    const keys = parseSort([{ fieldName: 'createdDate', order: 'DESC' }], 'sort').keys;
    const q = page(t, visitor, { entityId: 'e10' }, [{ fieldName: 'createdDate', order: 'DESC' }], false).where((eb) =>
      keysetCondition(eb, keys, ['2026-01-02T00:00:00.000Z', crypto.randomUUID()], 'next'),
    );
    const plan = await explain(t, q);
    // Either entity index serves it (PostgreSQL may prefer the status-less one on tiny tables); what matters is
    // that the cursor bound is part of the index condition, so a deep page costs what page 1 costs.
    expect(plan.text).toMatch(/reviews_entity_(status_)?created_idx/);
    expect(plan.text).not.toMatch(/Seq Scan|TEMP B-TREE|SCAN reviews(?! USING)/);
    if (t.dialect === 'sqlite') expect(plan.text).toMatch(/\(created_at, ?id\)<\(\?, ?\?\)|created_at<\?/i);
    else expect(plan.text).toMatch(/Index Cond: .*ROW\(created_at, id\) < ROW/);
  });

  it("serves a product page sorted by rating, helpfulness or relevance from that key's index, without a sort step", async () => {
    const cases: [string, string][] = [
      ['content.rating', 'reviews_entity_status_rating_idx'],
      ['helpfulness', 'reviews_entity_status_helpfulness_idx'],
      ['relevanceScore', 'reviews_entity_status_relevance_rank_idx'],
    ];
    for (const [fieldName, index] of cases) {
      for (const order of ['ASC', 'DESC'] as const) {
        const plan = await explain(t, page(t, visitor, { entityId: 'e10' }, [{ fieldName, order }], false));
        expectIndex(plan, index, t.dialect, { sorted: true });
      }
    }
  });

  it('serves a relevanceScore filter sorted by relevance as a range of the rank index, without a sort step', async () => {
    const plan = await explain(
      t,
      page(
        t,
        visitor,
        { entityId: 'e10', relevanceScore: { $gte: 0.2 } },
        [{ fieldName: 'relevanceScore', order: 'DESC' }],
        false,
      ),
    );
    expectIndex(plan, 'reviews_entity_status_relevance_rank_idx', t.dialect, { sorted: true });
    if (t.dialect === 'sqlite') expect(plan.text).toMatch(/relevance_rank>\?/);
    else expect(plan.text).toMatch(/Index Cond: .*relevance_rank >= /);
  });

  it('serves a rating filter sorted by createdDate from an entity index', async () => {
    const plan = await explain(
      t,
      page(
        t,
        visitor,
        { entityId: 'e10', 'content.rating': { $gte: 4 } },
        [{ fieldName: 'createdDate', order: 'DESC' }],
        false,
      ),
    );
    expect(plan.text).toMatch(/reviews_entity_status_(created|rating)_idx/);
    expect(plan.text).not.toMatch(/Seq Scan|SCAN reviews(?! USING)/);
    if (t.dialect === 'sqlite') {
      // Whatever the statistics say, SQLite reads the entity newest first and skips low ratings: no sort of the range.
      expectIndex(plan, 'reviews_entity_status_created_idx', t.dialect, { sorted: true });
    }
  });

  it('on SQLite, reads a hot entity through the index of its sort even when statistics favour a range on another key', async () => {
    if (t.dialect !== 'sqlite') return;
    // Statistics as a sampled ANALYZE leaves them on a skewed table: about 77 rows per entity, so a range on the
    // rating index looks cheaper than reading in createdDate order — for a 200,000-review entity it is not.
    await sql`delete from sqlite_stat1 where tbl = 'reviews'`.execute(t.db);
    for (const [idx, stat] of [
      ['reviews_entity_status_rating_idx', '1000000 1001 77 77 77 1 1'],
      ['reviews_entity_status_created_idx', '1000000 1001 77 77 1 1'],
      ['reviews_entity_status_helpfulness_idx', '1000000 1001 77 77 77 1 1'],
      ['reviews_entity_status_relevance_rank_idx', '1000000 1001 77 77 9 1 1'],
    ]) {
      await sql`insert into sqlite_stat1 (tbl, idx, stat) values ('reviews', ${idx}, ${stat})`.execute(t.db);
    }
    await sql`analyze sqlite_schema`.execute(t.db);
    try {
      for (const [filter, sort, index] of [
        [{ entityId: 'e10', 'content.rating': { $gte: 4 } }, 'createdDate', 'reviews_entity_status_created_idx'],
        [{ entityId: 'e10', 'content.rating': { $in: [4, 5] } }, 'createdDate', 'reviews_entity_status_created_idx'],
        [{ entityId: 'e10', helpfulness: { $gt: 0 } }, 'content.rating', 'reviews_entity_status_rating_idx'],
        [{ entityId: 'e10', 'content.rating': { $lt: 3 } }, 'helpfulness', 'reviews_entity_status_helpfulness_idx'],
        [{ entityId: 'e10', relevanceScore: { $gt: 0.1 } }, 'createdDate', 'reviews_entity_status_created_idx'],
      ] as const) {
        const plan = await explain(t, page(t, visitor, filter, [{ fieldName: sort, order: 'DESC' }], false));
        expectIndex(plan, index, t.dialect, { sorted: true });
      }
    } finally {
      await sql`analyze`.execute(t.db);
    }
  });

  it("serves an owner's view of one entity across statuses from the entity index", async () => {
    const plan = await explain(t, page(t, admin, { namespace: 'stores', entityId: 'e10' }, [], true));
    expectIndex(plan, 'reviews_entity_created_idx', t.dialect, { sorted: true });
  });

  it('serves the moderation queue (status, oldest first) from the status index', async () => {
    const plan = await explain(t, page(t, admin, { 'moderation.moderationStatus': 'IN_MODERATION' }, [], true));
    expectIndex(plan, 'reviews_status_created_idx', t.dialect, { sorted: true });
  });

  it('serves the queue of reported reviews (pending or any status, newest first) from the partial index of reported reviews', async () => {
    const pending = { $in: ['IN_MODERATION', 'SUBMITTED'] };
    for (const filter of [
      { 'moderation.moderationStatus': pending, reported: true },
      { reported: true },
      { 'moderation.moderationStatus': pending, reported: true, 'content.rating': 2 },
    ]) {
      const plan = await explain(t, page(t, admin, filter, [{ fieldName: 'createdDate', order: 'DESC' }], true));
      expectIndex(plan, 'reviews_reported_idx', t.dialect, { sorted: true });
    }
  });

  it('serves the queue of reviews with photos or videos (pending or any status, newest first) from the partial media index', async () => {
    for (const filter of [
      { 'moderation.moderationStatus': { $in: ['IN_MODERATION', 'SUBMITTED'] }, 'content.media': { $isEmpty: false } },
      { 'content.media': { $isEmpty: false } },
    ]) {
      const plan = await explain(t, page(t, admin, filter, [{ fieldName: 'createdDate', order: 'DESC' }], true));
      expectIndex(plan, 'reviews_media_idx', t.dialect, { sorted: true });
    }
  });

  it("serves an author's reviews (the query API's author.contactId) from the live-contact unique index", async () => {
    const plan = await explain(t, page(t, admin, { 'author.contactId': crypto.randomUUID() }, [], true));
    // Led by (site, contact): a range of the author's few rows, sorted after (the index is not in creation order).
    expectIndex(plan, 'reviews_live_contact_uq', t.dialect);
    expectIndexCondition(plan, t.dialect, ['site_id', 'contact_id']);
  });

  it("reads a contact's reviews (erasure, export) through the live-contact index and the trash index, never the whole site", async () => {
    const contact = crypto.randomUUID();
    const live = await explain(t, reviewsRepo.ofContactQuery(t.db, SITE, contact, 'live').selectAll());
    expectIndex(live, 'reviews_live_contact_uq', t.dialect);
    expectIndexCondition(live, t.dialect, ['site_id', 'contact_id']);
    const trashed = await explain(t, reviewsRepo.ofContactQuery(t.db, SITE, contact, 'deleted').selectAll());
    expectIndex(trashed, 'reviews_trash_idx', t.dialect);
  });

  it("returns the contact's live and trashed reviews oldest first", async () => {
    const ofSite = () =>
      t.db.selectFrom('reviews').select(['id', 'contact_id', 'created_at']).where('site_id', '=', SITE);
    const trashed = await ofSite()
      .where('deleted_at', 'is not', null)
      .orderBy('created_at', 'desc')
      .executeTakeFirstOrThrow();
    const oldest = await ofSite().where('deleted_at', 'is', null).orderBy('created_at').executeTakeFirstOrThrow();
    const newest = await ofSite()
      .where('deleted_at', 'is', null)
      .orderBy('created_at', 'desc')
      .executeTakeFirstOrThrow();
    // The trashed review's author also wrote the site's oldest and newest live reviews (other entities).
    const contact = trashed.contact_id as string;
    await t.db
      .updateTable('reviews')
      .set({ contact_id: contact })
      .where('site_id', '=', SITE)
      .where('id', 'in', [oldest.id, newest.id])
      .execute();
    const got = await reviewsRepo.ofContact(t.db, SITE, contact);
    expect(got.map((r) => r.id)).toEqual([oldest.id, trashed.id, newest.id]);
    expect(got.map((r) => r.deleted_at === null)).toEqual([true, false, true]);
  });

  it("checks a bulk create's or an import's author slots (by contact, or by the contact's email) through the live-contact index", async () => {
    const byContact = await explain(
      t,
      t.db
        .selectFrom('reviews')
        .select(['namespace', 'entity_id', 'contact_id'])
        .where('site_id', '=', SITE)
        .where('contact_id', 'in', [crypto.randomUUID(), crypto.randomUUID()])
        .where('deleted_at', 'is', null),
    );
    expectIndex(byContact, 'reviews_live_contact_uq', t.dialect);
    const byEmail = await explain(
      t,
      t.db
        .selectFrom('reviews as r')
        .innerJoin('contacts as c', (j) => j.onRef('c.site_id', '=', 'r.site_id').onRef('c.id', '=', 'r.contact_id'))
        .select(['r.namespace', 'r.entity_id', 'c.email_normalized'])
        .where('c.site_id', '=', SITE)
        .where('c.email_normalized', 'in', ['a@example.com', 'b@example.com'])
        .where('r.deleted_at', 'is', null),
    );
    expect(byEmail.text).toContain('reviews_live_contact_uq');
    expect(byEmail.text).not.toMatch(/Seq Scan|SCAN (r|reviews)(?! USING)/);
  });

  it('serves a count of one entity from an index', async () => {
    const q = page(t, visitor, { namespace: 'stores', entityId: 'e10' }, [], false)
      .clearSelect()
      .clearOrderBy()
      .clearLimit()
      .select((eb) => eb.fn.countAll().as('n'));
    const plan = await explain(t, q);
    expect(plan.text).toMatch(/reviews_entity_(status_\w+|created)_idx/);
    expect(plan.text).not.toMatch(/Seq Scan|SCAN reviews(?! USING)/);
  });

  it('reads a review by id through the primary key and the uniqueness slot through its unique index', async () => {
    const byId = await explain(
      t,
      t.db
        .selectFrom('reviews')
        .selectAll()
        .where('site_id', '=', SITE)
        .where('id', '=', 'x')
        .where('deleted_at', 'is', null),
    );
    expect(byId.text).toMatch(
      t.dialect === 'sqlite' ? /sqlite_autoindex_reviews_1|PRIMARY KEY|reviews_pk/ : /reviews_pk/,
    );
    const slot = await explain(t, {
      compile: () =>
        t.db
          .selectFrom('reviews')
          .select('id')
          .where('site_id', '=', SITE)
          .where('namespace', '=', 'stores')
          .where('entity_id', '=', 'e1')
          .where('contact_id', '=', 'c')
          .where('deleted_at', 'is', null)
          .compile(),
    });
    // The one-live-review-per-author rule's own index, every one of its columns equal.
    expect(slot.text).toContain('reviews_live_contact_uq');
    expectIndexCondition(slot, t.dialect, ['site_id', 'contact_id', 'namespace', 'entity_id']);
    expect(typeof reviewsRepo.liveByAuthor).toBe('function');
  });

  it('reads a rating summary with one primary-key lookup', async () => {
    const plan = await explain(
      t,
      t.db
        .selectFrom('entity_summaries')
        .selectAll()
        .where('site_id', '=', SITE)
        .where('namespace', '=', 'stores')
        .where('entity_id', '=', 'e1'),
    );
    expect(plan.text).toMatch(
      /sqlite_autoindex_entity_summaries_1|PRIMARY KEY|entity_summaries_pk|entity_summaries_entity_idx/,
    );
    expect(plan.text).not.toMatch(/Seq Scan|SCAN entity_summaries(?! USING)/);
    expect(typeof summariesRepo.get).toBe('function');
  });

  it('reads the outbox in feed order (webhook fan-out, newest position) from an index, not a scan', async () => {
    const after = await explain(
      t,
      t.db
        .selectFrom('outbox_events')
        .select(['position', 'id'])
        .where('position', '>', 10)
        .orderBy('position')
        .limit(100),
    );
    const newest = await explain(t, {
      compile: () => CompiledQuery.raw('select max(position) as m from outbox_events'),
    });
    for (const plan of [after, newest]) {
      if (t.dialect === 'sqlite') {
        // `position` is the rowid: a range or the last row of the table itself.
        expect(plan.text).toMatch(/^SEARCH outbox_events( USING INTEGER PRIMARY KEY \(rowid>\?\))?$/);
        expect(plan.text).not.toContain('TEMP B-TREE');
      } else {
        expect(plan.text).toContain('outbox_events_position_idx');
        expect(plan.text).not.toMatch(/Seq Scan|^\s*(->\s*)?Sort\b/m);
      }
    }
  });

  it("finds an erased contact's review events through the (site, entity) index, not a scan of the site's events", async () => {
    const plan = await explain(t, outboxRepo.ofEntitiesQuery(t.db, SITE, [crypto.randomUUID(), crypto.randomUUID()]));
    expect(plan.text).toContain('outbox_events_entity_idx');
    expect(plan.text).not.toMatch(/Seq Scan|^SCAN /m);
  });
});
