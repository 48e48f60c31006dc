/**
 * The import's write side (`importReviews`), fed records directly: what it creates and how the API then shows it,
 * idempotent re-runs, row errors passed through with their lines, author uniqueness against the file and the
 * database, dry runs, and on SQLite the index rebuild of a large import (same indexes, search, triggers, all or
 * nothing). The file formats are tested with their reader (src/server/imports/*.test.ts).
 */
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { create } from 'xmlbuilder2';
import { exportReviews } from '../../src/server/imports/export.service.ts';
import {
  type ImportRecord,
  type ImportRow,
  type RowError,
  readImport,
} from '../../src/server/imports/import.formats.ts';
import { type ImportOptions, importedReviewId, importReviews } from '../../src/server/imports/import.service.ts';
import { relevanceScore } from '../../src/server/reviews/reviews.rules.ts';
import { buildSite, call, reviewBody, startTestApp, type TestApp, type TestSite, waitFor } from '../support/app.ts';
import { dialects, type TestDb } from '../support/databases.ts';

const record = (line: number, over: Partial<ImportRecord> = {}): ImportRecord => ({
  line,
  sourceId: `src-${line}`,
  namespace: 'stores',
  entityId: 'product-1',
  contactId: null,
  authorName: `Customer ${line}`,
  authorEmail: `customer-${line}@example.com`,
  title: `Title ${line}`,
  body: `Body of review ${line}`,
  rating: (line % 5) + 1,
  media: [],
  reviewDate: new Date(Date.UTC(2023, 0, 1) + line * 60_000).toISOString(),
  status: 'APPROVED',
  reply: null,
  verified: false,
  ...over,
});

async function* rowsOf(rows: readonly ImportRow[]): AsyncIterable<ImportRow> {
  yield* rows;
}
const ok = (r: ImportRecord): ImportRow => ({ ok: true, record: r });

describe.each(dialects())('import on $name', (dialect) => {
  let db: TestDb;
  let t: TestApp;

  beforeAll(async () => {
    db = await dialect.open();
    t = await startTestApp(db);
  });
  afterAll(async () => {
    await t.close();
    await db.dispose();
  });

  /** Imports that ran their writes as the database's bulk write (an index rebuild's one transaction). */
  let bulkWrites = 0;
  const run = (site: TestSite, rows: readonly ImportRow[], over: Partial<ImportOptions> = {}) => {
    const errors: RowError[] = [];
    const deps = {
      ...t.deps,
      optimize: () => db.optimize(),
      bulkWrite: <T>(work: () => Promise<T>) => {
        bulkWrites++;
        return db.bulkWrite(work);
      },
    };
    const report = importReviews(deps, rowsOf(rows), {
      siteId: site.siteId,
      format: 'verdict',
      onError: (e) => errors.push(e),
      ...over,
    });
    return report.then((r) => ({ report: r, errors }));
  };
  const summary = async (site: TestSite, entityId: string) =>
    (
      await call(t.app, 'GET', `/verdict/v1/ratings/summary?namespace=stores&entityId=${entityId}`, {
        auth: site.adminKey,
      })
    ).body.summary;

  it('creates the reviews with their source date, status, reply and author, visible through the API', async () => {
    const site = await buildSite(t);
    const rows = [
      record(2, { rating: 5, reply: { message: 'Thanks!', date: '2023-02-01T10:00:00.000Z' }, verified: true }),
      record(3, { rating: 2 }),
      record(4, { status: 'IN_MODERATION', rating: 1 }),
      record(5, { status: 'REJECTED', rating: 1, entityId: 'product-2' }),
    ];
    const { report, errors } = await run(site, rows.map(ok));
    expect(errors).toEqual([]);
    expect(report).toMatchObject({ rowsRead: 4, created: 4, skipped: 0, failed: 0, entities: 1, matching: 1 });

    const id = importedReviewId(site.siteId, 'verdict:src-2', (rows[0] as ImportRecord).reviewDate);
    const got = await call(t.app, 'GET', `/reviews/v1/reviews/${id}`, { auth: site.adminKey });
    expect(got.status).toBe(200);
    expect(got.body.review).toMatchObject({
      id,
      entityId: 'product-1',
      reviewDate: '2023-01-01T00:02:00.000Z',
      content: { title: 'Title 2', body: 'Body of review 2', rating: 5 },
      author: { authorName: 'Customer 2' },
      reply: { message: 'Thanks!' },
      verified: true,
      moderation: { moderationStatus: 'APPROVED', manuallyChanged: false },
    });
    expect(got.body.review.createdDate).not.toBe(got.body.review.reviewDate);
    // The author became a contact, found by email.
    const contact = await t.deps.db
      .selectFrom('contacts')
      .selectAll()
      .where('site_id', '=', site.siteId)
      .where('email_normalized', '=', 'customer-2@example.com')
      .executeTakeFirstOrThrow();
    expect(got.body.review.author.contactId).toBe(contact.id);

    // Only the published reviews count, as they would for reviews written in Verdict.
    expect(await summary(site, 'product-1')).toMatchObject({ count: 2, average: 3.5, histogram: { '2': 1, '5': 1 } });
    expect(await summary(site, 'product-2')).toMatchObject({ count: 0 });
    const pendingId = importedReviewId(site.siteId, 'verdict:src-4', (rows[2] as ImportRecord).reviewDate);
    const pending = await call(t.app, 'GET', `/reviews/v1/reviews/${pendingId}`, { auth: await site.visitorToken() });
    expect(pending.status).toBe(404);
    // Awaiting moderation in Verdict's own terms, in the owner's queue.
    const owner = await call(t.app, 'GET', `/reviews/v1/reviews/${pendingId}?returnPrivateReviews=true`, {
      auth: site.adminKey,
    });
    expect(owner.body.review.moderation.moderationStatus).toBe('IN_MODERATION');

    // No per-review events: consumers are not told of a migration as a million new reviews.
    const events = await t.deps.db
      .selectFrom('outbox_events')
      .select('id')
      .where('site_id', '=', site.siteId)
      .execute();
    expect(events).toEqual([]);
  });

  it.each([
    ['in a thousand rows per transaction', { rebuildIndexes: false }],
    ['with the indexes rebuilt', { rebuildIndexes: true }],
  ] as const)(
    'keeps the source vote counts and creation date, with helpfulness and relevance derived, %s',
    async (_, over) => {
      const site = await buildSite(t);
      const rows = [
        record(2, { votes: { helpful: 9, unhelpful: 2 }, createdDate: '2023-01-05T12:00:00.000Z', verified: true }),
        record(3, { votes: { helpful: 0, unhelpful: 4 } }),
        record(4),
      ];
      const { report } = await run(site, rows.map(ok), over);
      expect(report).toMatchObject({ created: 3, failed: 0 });
      const get = async (r: ImportRecord) =>
        (
          await call(
            t.app,
            'GET',
            `/reviews/v1/reviews/${importedReviewId(site.siteId, `verdict:${r.sourceId}`, r.reviewDate)}`,
            {
              auth: site.adminKey,
            },
          )
        ).body.review;
      const [voted, down, plain] = await Promise.all(rows.map(get));
      const now = t.deps.clock();
      const expected = (r: ImportRecord) =>
        relevanceScore({
          helpful: r.votes?.helpful ?? 0,
          unhelpful: r.votes?.unhelpful ?? 0,
          textLength: (r.title?.length ?? 0) + (r.body?.length ?? 0),
          mediaCount: r.media.length,
          verified: r.verified,
          reviewDate: new Date(r.reviewDate),
          now,
        });
      expect(voted).toMatchObject({
        foundHelpful: 9,
        foundUnhelpful: 2,
        helpfulness: 7,
        createdDate: '2023-01-05T12:00:00.000Z',
        relevanceScore: expected(rows[0] as ImportRecord),
      });
      expect(down).toMatchObject({ foundHelpful: 0, foundUnhelpful: 4, helpfulness: -4 });
      expect(down.relevanceScore).toBe(expected(rows[1] as ImportRecord));
      expect(plain).toMatchObject({ foundHelpful: 0, foundUnhelpful: 0, helpfulness: 0 });
      expect(plain.createdDate).not.toBe(plain.reviewDate); // no creation date in the source: the import time
      // The most helpful first, read through the helpfulness index.
      const page = await call(t.app, 'POST', '/reviews/v1/reviews/query', {
        auth: site.adminKey,
        body: { query: { filter: { entityId: 'product-1' }, sort: [{ fieldName: 'helpfulness', order: 'DESC' }] } },
      });
      expect(page.body.reviews.map((r: { helpfulness: number }) => r.helpfulness)).toEqual([7, 0, -4]);
      // A re-run still tells rows of an earlier run (skipped) from a repeat within the run, creation dates carried.
      expect((await run(site, rows.map(ok), over)).report).toMatchObject({ created: 0, skipped: 3, failed: 0 });
    },
  );

  it.each([
    ['in a thousand rows per transaction', { rebuildIndexes: false }],
    ['with the default index handling', {}],
  ] as const)('emits one created event per imported review with events: true, %s', async (_, over) => {
    const site = await buildSite(t);
    const rows = [
      record(2, { rating: 5 }),
      record(3, { status: 'IN_MODERATION' }),
      record(4, { entityId: 'product-3' }),
    ];
    const { report } = await run(site, rows.map(ok), { ...over, events: true });
    expect(report.created).toBe(3);
    const events = await t.deps.db
      .selectFrom('outbox_events')
      .select(['slug', 'entity_id', 'entity_event_sequence', 'body_json'])
      .where('site_id', '=', site.siteId)
      .orderBy('position')
      .execute();
    const ids = rows.map((r) => importedReviewId(site.siteId, `verdict:${r.sourceId}`, r.reviewDate));
    expect(events.map((e) => [e.slug, e.entity_id, Number(e.entity_event_sequence)])).toEqual(
      ids.map((id) => ['created', id, 1]),
    );
    expect(JSON.parse(events[1]?.body_json ?? '{}').createdEvent.entity).toMatchObject({
      id: ids[1],
      moderation: { moderationStatus: 'IN_MODERATION' },
    });
    // The review's own sequence agrees, so its next change continues at 2.
    const first = ids[0] as string;
    const reply = await call(t.app, 'PATCH', `/reviews/v1/reviews/${first}/reply`, {
      auth: site.adminKey,
      body: { message: 'Thanks' },
    });
    expect(reply.status).toBe(200);
    const next = await t.deps.db
      .selectFrom('outbox_events')
      .select('entity_event_sequence')
      .where('site_id', '=', site.siteId)
      .where('entity_id', '=', first)
      .orderBy('position', 'desc')
      .executeTakeFirstOrThrow();
    expect(Number(next.entity_event_sequence)).toBe(2);
  });

  it('creates nothing new when the same rows are imported again', async () => {
    const site = await buildSite(t);
    const rows = [record(2), record(3), record(4, { entityId: 'product-9' })].map(ok);
    expect((await run(site, rows)).report.created).toBe(3);
    const again = await run(site, rows);
    expect(again.report).toMatchObject({ rowsRead: 3, created: 0, skipped: 3, failed: 0, matching: 2 });
    expect(await summary(site, 'product-1')).toMatchObject({ count: 2 });
    const count = await t.deps.db
      .selectFrom('reviews')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('site_id', '=', site.siteId)
      .executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(3);
  });

  it('passes row errors through with their lines and imports every other row', async () => {
    const site = await buildSite(t);
    const bad: RowError = { line: 3, violations: [{ field: 'rating', description: 'must be 1 to 5' }] };
    const { report, errors } = await run(site, [ok(record(2)), { ok: false, error: bad }, ok(record(4))]);
    expect(report).toMatchObject({ rowsRead: 3, created: 2, failed: 1 });
    expect(errors).toEqual([bad]);
    expect(report.errors).toEqual([bad]);
  });

  it('refuses a second review of one entity by one author, in the file or already in Verdict, by its line', async () => {
    const site = await buildSite(t);
    const created = await call(t.app, 'POST', '/reviews/v1/reviews/contact', {
      auth: site.adminKey,
      body: {
        namespace: 'stores',
        entityId: 'product-1',
        name: 'Held',
        email: 'Held@Example.com',
        content: { rating: 4 },
      },
    });
    expect(created.status).toBe(200);
    const rows = [
      record(2, { authorEmail: 'twice@example.com' }),
      record(3, { authorEmail: 'TWICE@example.com ' }),
      record(4, { authorEmail: 'held@example.com' }),
      record(5, { authorEmail: 'twice@example.com', entityId: 'product-2' }),
      record(6, { authorEmail: null, authorName: 'Anonymous' }),
      record(7, { authorEmail: null, authorName: 'Anonymous' }),
    ];
    const { report, errors } = await run(site, rows.map(ok));
    expect(report).toMatchObject({ created: 4, failed: 2 });
    expect(errors.map((e) => [e.line, e.violations[0]?.field, e.violations[0]?.violatedRule])).toEqual([
      [3, 'author', 'ALREADY_EXISTS'],
      [4, 'author', 'ALREADY_EXISTS'],
    ]);
    // One author across two entities is one contact.
    const contacts = await t.deps.db
      .selectFrom('contacts')
      .select('id')
      .where('site_id', '=', site.siteId)
      .where('email_normalized', '=', 'twice@example.com')
      .execute();
    expect(contacts).toHaveLength(1);
  });

  const modes = [
    ['in a thousand rows per transaction', { rebuildIndexes: false }],
    ['with the indexes rebuilt', { rebuildIndexes: true }],
  ] as const;
  /** A contact "Held <held@example.com>" made in Verdict by a review of `entityId`; its id. */
  const heldContact = async (site: TestSite, entityId: string): Promise<string> => {
    const held = await call(t.app, 'POST', '/reviews/v1/reviews/contact', {
      auth: site.adminKey,
      body: { namespace: 'stores', entityId, name: 'Held', email: 'held@example.com', content: { rating: 4 } },
    });
    return held.body.review.author.contactId as string;
  };

  it.each(modes)(
    'creates a contact a row names by id with its email and name, unless another contact has that email (%s)',
    async (_, mode) => {
      const site = await buildSite(t);
      const heldId = await heldContact(site, 'product-9');
      const [fresh, taken, late, bare] = [
        crypto.randomUUID(),
        crypto.randomUUID(),
        crypto.randomUUID(),
        crypto.randomUUID(),
      ];
      const rows = [
        record(2, { contactId: fresh, authorEmail: 'Bo@Example.com', contactName: { first: 'Bo', last: 'Li' } }),
        record(3, { contactId: taken, authorEmail: 'HELD@example.com' }),
        record(4, { contactId: late, authorEmail: 'bo@example.com', entityId: 'product-2' }),
        record(5, { contactId: heldId, authorEmail: 'someone-else@example.com', entityId: 'product-3' }),
        record(6, { contactId: bare, authorEmail: null, entityId: 'product-4' }),
      ].map(ok);
      const dry = await run(site, rows, { dryRun: true });
      const { report, errors } = await run(site, rows, mode);
      expect(report.indexesRebuilt).toBe(mode.rebuildIndexes);
      for (const r of [dry, { report, errors }]) {
        expect(r.errors.map((e) => [e.line, e.violations[0]?.field, e.violations[0]?.violatedRule])).toEqual([
          [3, 'author', 'ALREADY_EXISTS'],
          [4, 'author', 'ALREADY_EXISTS'],
        ]);
      }
      expect(report).toMatchObject({ created: 3, failed: 2 });
      const contacts = await t.deps.db
        .selectFrom('contacts')
        .select(['id', 'email', 'email_normalized', 'name', 'name_first', 'name_last'])
        .where('site_id', '=', site.siteId)
        .orderBy('email_normalized')
        .execute();
      // The contact already there keeps its email; the id without an email names no contact.
      expect(contacts).toEqual([
        {
          id: fresh,
          email: 'Bo@Example.com',
          email_normalized: 'bo@example.com',
          name: 'Bo Li',
          name_first: 'Bo',
          name_last: 'Li',
        },
        {
          id: heldId,
          email: 'held@example.com',
          email_normalized: 'held@example.com',
          name: 'Held',
          name_first: 'Held',
          name_last: null,
        },
      ]);
    },
  );

  it.each(modes)(
    'finds the contacts of earlier chunks of the file and those already in Verdict (%s)',
    async (_, mode) => {
      const site = await buildSite(t);
      const heldId = await heldContact(site, 'product-0');
      const named = crypto.randomUUID();
      // Chunks are a thousand rows (250 in an SQLite rebuild): the rows that share an email are in different chunks.
      const rows = Array.from({ length: 1500 }, (_, i) => ok(record(i + 2, { entityId: `p-${i}` })));
      rows.push(
        ok(record(2000, { authorEmail: 'Customer-2@example.com', entityId: 'late-1' })),
        ok(record(2001, { authorEmail: 'HELD@example.com', entityId: 'late-2' })),
        ok(record(2002, { contactId: named, authorEmail: 'customer-3@example.com', entityId: 'late-3' })),
        ok(record(2003, { contactId: heldId, authorEmail: 'other@example.com', entityId: 'late-4' })),
      );
      const { report, errors } = await run(site, rows, mode);
      expect(report.indexesRebuilt).toBe(mode.rebuildIndexes);
      expect(errors.map((e) => [e.line, e.violations[0]?.violatedRule])).toEqual([[2002, 'ALREADY_EXISTS']]);
      expect(report).toMatchObject({ created: 1503, failed: 1 });
      const authorOf = async (entityId: string) =>
        (
          await t.deps.db
            .selectFrom('reviews')
            .select('contact_id')
            .where('site_id', '=', site.siteId)
            .where('entity_id', '=', entityId)
            .executeTakeFirstOrThrow()
        ).contact_id;
      expect(await authorOf('late-1')).toBe(await authorOf('p-0'));
      expect(await authorOf('late-2')).toBe(heldId);
      expect(await authorOf('late-4')).toBe(heldId);
      const contacts = await t.deps.db
        .selectFrom('contacts')
        .select((eb) => [eb.fn.countAll<number>().as('n')])
        .where('site_id', '=', site.siteId)
        .executeTakeFirstOrThrow();
      // One per customer row of the file, and the one that was there.
      expect(Number(contacts.n)).toBe(1501);
    },
  );

  it('refuses a row that repeats an earlier row of the file', async () => {
    const site = await buildSite(t);
    const { report, errors } = await run(site, [
      ok(record(2)),
      ok(record(2, { line: 9, authorEmail: 'other@example.com' })),
    ]);
    expect(report).toMatchObject({ created: 1, failed: 1 });
    expect(errors[0]).toMatchObject({ line: 9, violations: [{ field: 'id', violatedRule: 'DUPLICATE' }] });
  });

  it('refuses a repeated row many rows later, and skips the rows of an earlier run', async () => {
    const site = await buildSite(t);
    const rows = Array.from({ length: 1500 }, (_, i) => ok(record(i + 2, { entityId: `p-${i % 3}` })));
    // The repeat lands in a later chunk than its original (rows are checked 1,000, in an SQLite rebuild 250, at a time).
    rows.push(ok(record(2, { line: 5000 })));
    const first = await run(site, rows);
    expect(first.report).toMatchObject({ created: 1500, failed: 1, skipped: 0 });
    expect(first.errors).toEqual([
      expect.objectContaining({ line: 5000, violations: [expect.objectContaining({ violatedRule: 'DUPLICATE' })] }),
    ]);
    // On a re-run both rows name a review that is already there.
    const second = await run(site, rows);
    expect(second.report).toMatchObject({ created: 0, skipped: 1501, failed: 0 });
  });

  it('keeps a source id that is a GUID as the review id, and tells formats apart otherwise', async () => {
    const site = await buildSite(t);
    const guid = '6f1c2a4e-93b7-4c1d-8e2f-0a1b2c3d4e5f';
    const { report } = await run(site, [
      ok(record(2, { sourceId: guid.toUpperCase() })),
      ok(record(3, { sourceId: '9001' })),
    ]);
    expect(report.created).toBe(2);
    expect((await call(t.app, 'GET', `/reviews/v1/reviews/${guid}`, { auth: site.adminKey })).status).toBe(200);
    // The same source id from another platform is another review.
    const other = await run(site, [ok(record(4, { sourceId: '9001', authorEmail: 'someone-else@example.com' }))], {
      format: 'yotpo',
    });
    expect(other.report).toMatchObject({ created: 1, skipped: 0 });
  });

  it('writes nothing on a dry run and reports what it would create', async () => {
    const site = await buildSite(t);
    const { report } = await run(site, [ok(record(2)), ok(record(3))], { dryRun: true });
    expect(report).toMatchObject({ dryRun: true, created: 2, failed: 0 });
    const rows = await t.deps.db.selectFrom('reviews').select('id').where('site_id', '=', site.siteId).execute();
    expect(rows).toEqual([]);
    const contacts = await t.deps.db.selectFrom('contacts').select('id').where('site_id', '=', site.siteId).execute();
    expect(contacts).toEqual([]);
  });

  it.runIf(dialect.name === 'postgres')(
    'reports a row whose author slot a concurrent writer took after the check, and keeps the others',
    async () => {
      const site = await buildSite(t);
      const first = await call(t.app, 'POST', '/reviews/v1/reviews/contact', {
        auth: site.adminKey,
        body: {
          namespace: 'stores',
          entityId: 'product-0',
          name: 'Racer',
          email: 'race@example.com',
          content: { rating: 1 },
        },
      });
      expect(first.status).toBe(200);
      // Another session writes the same author's review of product-1 and keeps its transaction open: the import's
      // check cannot see it, and its insert waits on the unique index until that session commits.
      const other = new pg.Client({ connectionString: db.url });
      await other.connect();
      try {
        await other.query('begin');
        await other.query('create temp table racing as select * from reviews where site_id = $1 and id = $2', [
          site.siteId,
          first.body.review.id,
        ]);
        await other.query("update racing set id = $1, entity_id = 'product-1'", [crypto.randomUUID()]);
        await other.query('insert into reviews select * from racing');
        const errors: RowError[] = [];
        const running = importReviews(
          t.deps,
          rowsOf([record(2, { authorEmail: 'race@example.com' }), record(3)].map(ok)),
          {
            siteId: site.siteId,
            format: 'verdict',
            rebuildIndexes: false,
            onError: (e) => errors.push(e),
          },
        );
        await waitFor('the import to wait on the open transaction', async () => {
          const r = await other.query(
            "select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'",
          );
          return r.rows[0].n > 0 ? true : undefined;
        });
        await other.query('commit');
        const report = await running;
        expect(report).toMatchObject({ created: 1, failed: 1 });
        expect(errors).toHaveLength(1);
        expect(errors[0]).toMatchObject({ line: 2, violations: [{ field: 'author', violatedRule: 'ALREADY_EXISTS' }] });
      } finally {
        await other.end();
      }
    },
  );

  describe.each(['ndjson', 'csv'] as const)('export as %s, imported into another site', (format) => {
    it('gives the same reviews with the same ids, statuses, replies, votes, creation dates and summaries', async () => {
      const from = await buildSite(t);
      const to = await buildSite(t);
      const made = await call(t.app, 'POST', '/reviews/v1/reviews/contact', {
        auth: from.adminKey,
        body: {
          namespace: 'stores',
          entityId: 'mug',
          name: 'Ann',
          email: 'ann@example.com',
          content: { rating: 5, title: 'Lovely, "really"', body: 'Line one,\nline two' },
        },
      });
      expect(made.status).toBe(200);
      const replied = await call(t.app, 'PATCH', `/reviews/v1/reviews/${made.body.review.id}/reply`, {
        auth: from.adminKey,
        body: { message: 'Thank you' },
      });
      expect(replied.status).toBe(200);
      const withMedia = await call(t.app, 'POST', '/reviews/v1/reviews', {
        auth: from.adminKey,
        body: reviewBody({
          entityId: 'mug',
          content: { rating: 2, media: [{ image: { url: 'https://cdn.example.com/a.jpg' } }] },
        }),
      });
      const rejected = await call(t.app, 'POST', '/reviews/v1/reviews', {
        auth: from.adminKey,
        body: reviewBody({ entityId: 'mug', content: { rating: 1 } }),
      });
      const id = rejected.body.review.id as string;
      await call(t.app, 'PATCH', `/reviews/v1/reviews/${id}/moderate`, {
        auth: from.adminKey,
        body: { reviewId: id, status: 'REJECTED' },
      });
      await run(from, [
        ok(
          record(2, {
            entityId: 'mug',
            status: 'IN_MODERATION',
            verified: true,
            votes: { helpful: 6, unhelpful: 1 },
            createdDate: '2023-01-02T03:04:05.678Z',
          }),
        ),
      ]);

      let text = '';
      for await (const piece of exportReviews(t.deps, from.siteId, format)) text += piece;
      const rows: ImportRow[] = [];
      for await (const row of readImport(
        (async function* () {
          yield text;
        })(),
        { format: 'verdict', namespace: 'stores' },
      ))
        rows.push(row);
      expect(rows.filter((r) => !r.ok)).toEqual([]);
      const { report } = await run(to, rows);
      expect(report).toMatchObject({ rowsRead: 4, created: 4, failed: 0, matching: 1 });

      const view = async (site: TestSite, reviewId: string) => {
        const r = (
          await call(t.app, 'GET', `/reviews/v1/reviews/${reviewId}?returnPrivateReviews=true`, { auth: site.adminKey })
        ).body.review;
        return {
          id: r.id,
          entityId: r.entityId,
          author: r.author,
          content: { ...r.content, media: r.content.media.map((m: { image?: { url: string } }) => m.image?.url) },
          reviewDate: r.reviewDate,
          status: r.moderation.moderationStatus,
          reply: r.reply?.message,
          verified: r.verified,
          createdDate: r.createdDate,
          foundHelpful: r.foundHelpful,
          foundUnhelpful: r.foundUnhelpful,
          helpfulness: r.helpfulness,
          relevanceScore: r.relevanceScore,
        };
      };
      const ids = [
        made.body.review.id,
        withMedia.body.review.id,
        id,
        importedReviewId(from.siteId, 'verdict:src-2', record(2).reviewDate),
      ];
      for (const reviewId of ids) expect(await view(to, reviewId)).toEqual(await view(from, reviewId));
      expect(await summary(to, 'mug')).toEqual(await summary(from, 'mug'));
    });
  });

  it('exports the published reviews as a Google product review feed, text escaped, linked to the product page', async () => {
    const site = await buildSite(t);
    const shown = await call(t.app, 'POST', '/reviews/v1/reviews', {
      auth: site.adminKey,
      body: reviewBody({
        entityId: 'mug & co/1',
        author: { contactId: crypto.randomUUID(), authorName: 'Ann <b>' },
        content: { rating: 4, title: 'Fine', body: 'Tea & <coffee>' },
      }),
    });
    const hidden = await call(t.app, 'POST', '/reviews/v1/reviews', {
      auth: site.adminKey,
      body: reviewBody({ content: { rating: 1 } }),
    });
    const id = hidden.body.review.id as string;
    await call(t.app, 'PATCH', `/reviews/v1/reviews/${id}/moderate`, {
      auth: site.adminKey,
      body: { reviewId: id, status: 'REJECTED' },
    });
    let xml = '';
    for await (const piece of exportReviews(t.deps, site.siteId, 'google', {
      publisher: 'Shop & Sons',
      productUrl: 'https://shop.example/p/{entityId}',
    })) {
      xml += piece;
    }
    // Read back through a DOM, which decodes the escaped text.
    const feed = create(xml).root().node as unknown as Element;
    const text = (el: Element, tag: string) => el.getElementsByTagName(tag)[0]?.textContent;
    expect(feed.tagName).toBe('feed');
    expect(text(feed, 'version')).toBe('2.4');
    expect(text(feed.getElementsByTagName('publisher')[0] as Element, 'name')).toBe('Shop & Sons');
    const reviews = feed.getElementsByTagName('review');
    expect(reviews).toHaveLength(1);
    const review = reviews[0] as Element;
    expect(text(review, 'review_id')).toBe(shown.body.review.id);
    expect(text(review.getElementsByTagName('reviewer')[0] as Element, 'name')).toBe('Ann <b>');
    expect(text(review, 'title')).toBe('Fine');
    expect(text(review, 'content')).toBe('Tea & <coffee>');
    const overall = review.getElementsByTagName('overall')[0] as Element;
    expect([overall.getAttribute('min'), overall.getAttribute('max'), overall.textContent]).toEqual(['1', '5', '4']);
    expect(text(review, 'sku')).toBe('mug & co/1');
    expect(text(review, 'product_url')).toBe('https://shop.example/p/mug%20%26%20co%2F1');
    expect(text(review, 'review_url')).toBe('https://shop.example/p/mug%20%26%20co%2F1');
    expect(xml).toContain('Tea &amp; &lt;coffee&gt;');
  });

  describe('index rebuild', () => {
    const schemaOf = async () =>
      dialect.name === 'sqlite'
        ? (
            await sql<{ type: string; name: string; sql: string }>`
              select type, name, sql from sqlite_master where tbl_name = 'reviews' order by name`.execute(t.deps.db)
          ).rows
        : (
            await sql<{ name: string; sql: string }>`
              select indexname as name, indexdef as sql from pg_indexes
              where schemaname = current_schema() and tablename = 'reviews' order by indexname`.execute(t.deps.db)
          ).rows;
    const reviewsOf = (site: TestSite) =>
      t.deps.db
        .selectFrom('reviews')
        .selectAll()
        .where('site_id', '=', site.siteId)
        .orderBy('id')
        .execute()
        .then((rows) => rows.map(({ site_id, contact_id, ...rest }) => rest));

    it('gives the same report and the same rows as a thousand rows per transaction', async () => {
      const rows = [
        ...Array.from({ length: 1200 }, (_, i) =>
          ok(
            record(i + 2, {
              entityId: `p-${i % 5}`,
              status: i % 9 === 0 ? 'IN_MODERATION' : 'APPROVED',
              ...(i % 4 === 0 ? { votes: { helpful: i % 13, unhelpful: i % 3 } } : {}),
            }),
          ),
        ),
        {
          ok: false,
          error: { line: 5000, violations: [{ field: 'rating', description: 'is required' }] },
        } as ImportRow,
        ok(record(2, { line: 5001 })), // repeats the first row
      ];
      const small = await buildSite(t);
      const bulk = await buildSite(t);
      const before = bulkWrites;
      const a = await run(small, rows, { rebuildIndexes: false });
      expect(bulkWrites).toBe(before);
      const b = await run(bulk, rows, { rebuildIndexes: true });
      expect(bulkWrites).toBe(before + 1);
      expect(a.report.indexesRebuilt).toBe(false);
      expect(b.report.indexesRebuilt).toBe(true);
      expect({ ...b.report, indexesRebuilt: false }).toEqual(a.report);
      expect(b.errors).toEqual(a.errors);
      expect(a.report).toMatchObject({ created: 1200, failed: 2, matching: 5 });
      // Ids, contacts and content hashes differ by site: the rest is compared, matched by review date.
      const strip = (r: Awaited<ReturnType<typeof reviewsOf>>) =>
        r
          .map(({ id, created_at, updated_at, content_hash, ...rest }) => rest)
          .sort((x, y) => x.review_date.localeCompare(y.review_date));
      expect(strip(await reviewsOf(bulk))).toEqual(strip(await reviewsOf(small)));
      expect(await summary(bulk, 'p-1')).toEqual(await summary(small, 'p-1'));
    });

    it('leaves the table, its indexes and the contacts as they were when reading fails mid-file', async () => {
      const site = await buildSite(t);
      const before = await schemaOf();
      async function* failing(): AsyncIterable<ImportRow> {
        for (let i = 0; i < 1500; i++) yield ok(record(i + 2, { entityId: `p-${i % 3}` }));
        throw new Error('the disk went away');
      }
      await expect(
        importReviews(t.deps, failing(), { siteId: site.siteId, format: 'verdict', rebuildIndexes: true }),
      ).rejects.toThrow('the disk went away');
      expect(await schemaOf()).toEqual(before);
      expect(await reviewsOf(site)).toEqual([]);
      const contacts = await t.deps.db.selectFrom('contacts').select('id').where('site_id', '=', site.siteId).execute();
      expect(contacts).toEqual([]);
      expect(await summary(site, 'p-1')).toMatchObject({ count: 0 });
    });

    it('rebuilds the same indexes and triggers, indexes the new rows for search, and keeps the triggers working', async () => {
      const site = await buildSite(t);
      const before = await schemaOf();
      const rows = Array.from({ length: 300 }, (_, i) =>
        ok(
          record(i + 2, {
            entityId: `p-${i % 7}`,
            body: i === 150 ? 'an unmistakable marmalade review' : `body ${i}`,
            // The media index stays in place through the rebuild: the rows that need it are added to it.
            media: i % 60 === 0 ? [{ image: { url: `https://cdn.example.com/${i}.jpg` } }] : [],
          }),
        ),
      );
      // A review written before: its words are a segment of their own in SQLite's search index.
      const earlier = await call(t.app, 'POST', '/reviews/v1/reviews', {
        auth: site.adminKey,
        body: reviewBody({ content: { rating: 4, body: 'written before the import' } }),
      });
      expect(earlier.status).toBe(200);
      const { report } = await run(site, rows, { rebuildIndexes: true });
      expect(report).toMatchObject({ created: 300, indexesRebuilt: true, failed: 0, matching: 7 });
      expect(await schemaOf()).toEqual(before);
      if (dialect.name === 'sqlite') {
        const integrity = await sql<{ integrity_check: string }>`pragma integrity_check`.execute(t.deps.db);
        expect(integrity.rows).toEqual([{ integrity_check: 'ok' }]);
        // The rebuild leaves the search index merged into one segment: the server has nothing left to merge.
        const segments = await sql<{ n: number }>`select count(distinct segid) as n from reviews_fts_idx`.execute(
          t.deps.db,
        );
        expect(segments.rows).toEqual([{ n: 1 }]);
      }

      const search = async (text: string) =>
        (
          await call(t.app, 'POST', '/reviews/v1/reviews/query', {
            auth: site.adminKey,
            body: { query: { search: text } },
          })
        ).body.reviews as { content: { body: string } }[];
      expect((await search('marmalade')).map((r) => r.content.body)).toEqual(['an unmistakable marmalade review']);
      const withMedia = await call(t.app, 'POST', '/reviews/v1/reviews/query', {
        auth: site.adminKey,
        body: { query: { filter: { 'content.media': { $isEmpty: false } } } },
      });
      expect((withMedia.body.reviews as { content: { body: string } }[]).map((r) => r.content.body).sort()).toEqual([
        'body 0',
        'body 120',
        'body 180',
        'body 240',
        'body 60',
      ]);
      // A review written after the import is found too: the search triggers are back.
      const later = await call(t.app, 'POST', '/reviews/v1/reviews', {
        auth: site.adminKey,
        body: reviewBody({ content: { rating: 5, body: 'a marmalade sequel' } }),
      });
      expect(later.status).toBe(200);
      expect(await search('marmalade')).toHaveLength(2);
    });

    it('writes nothing and keeps every index when the rebuilt unique index finds one author twice', async () => {
      const site = await buildSite(t);
      const before = await schemaOf();
      const contact = await call(t.app, 'POST', '/contacts/v4/contacts', {
        auth: site.adminKey,
        body: { info: { name: { first: 'Both' }, emails: { items: [{ email: 'both@example.com' }] } } },
      });
      const contactId = contact.body.contact?.id as string;
      expect(contactId).toBeTruthy();
      // One author named by contact id and by email: the check pass cannot tell they are one.
      const rows = [record(2, { contactId, authorEmail: null }), record(3, { authorEmail: 'both@example.com' })].map(
        ok,
      );
      await expect(run(site, rows, { rebuildIndexes: true })).rejects.toThrow(/nothing was imported/);
      expect(await schemaOf()).toEqual(before);
      const left = await t.deps.db.selectFrom('reviews').select('id').where('site_id', '=', site.siteId).execute();
      expect(left).toEqual([]);
    });
  });
});
