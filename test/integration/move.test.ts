/**
 * Moving a site between databases the documented way: `verdict export`, then `verdict import --format verdict` into
 * a fresh database (SQLite → PostgreSQL and PostgreSQL → SQLite when TEST_DATABASE_URL is set, else SQLite →
 * SQLite). The source is seeded through the API with every kind of author (contacts with and without email, a
 * contact made in Contacts v4, a visitor, a member, no contact at all), replies, every moderation state, media,
 * votes, a deleted review and imported rows. A second export from the new database must equal the first, every
 * field of every row, and every contact the export names must exist again with its id, email and name.
 */
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ExportFormat, exportReviews } from '../../src/server/imports/export.service.ts';
import { type ImportRow, readImport } from '../../src/server/imports/import.formats.ts';
import { importReviews } from '../../src/server/imports/import.service.ts';
import { buildSite, call, contactId, reviewBody, startTestApp, type TestApp, type TestSite } from '../support/app.ts';
import { type DialectCase, dialects, type TestDb } from '../support/databases.ts';

function pairs(): { name: string; from: DialectCase; to: DialectCase }[] {
  const all = dialects();
  const sqlite = all.find((d) => d.name === 'sqlite') as DialectCase;
  const postgres = all.find((d) => d.name === 'postgres');
  if (!postgres) return [{ name: 'sqlite → sqlite', from: sqlite, to: sqlite }];
  return [
    { name: 'sqlite → postgres', from: sqlite, to: postgres },
    { name: 'postgres → sqlite', from: postgres, to: sqlite },
  ];
}

async function exportText(t: TestApp, siteId: string, format: ExportFormat): Promise<string> {
  let text = '';
  for await (const piece of exportReviews(t.deps, siteId, format)) text += piece;
  return text;
}

/** The export's rows as objects, one per review: NDJSON lines, or CSV records keyed by column. */
function rowsOf(text: string, format: ExportFormat): Record<string, unknown>[] {
  if (format === 'csv') return parse(text, { columns: true }) as Record<string, unknown>[];
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

async function* once(text: string): AsyncIterable<string> {
  yield text;
}

describe.each(pairs())('moving a site, $name', ({ from, to }) => {
  let srcDb: TestDb;
  let src: TestApp;
  let site: TestSite;
  /** Live reviews seeded in the source. */
  let live = 0;

  const post = async (url: string, auth: string, body: unknown) => {
    const res = await call(src.app, 'POST', url, { auth, body });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body;
  };

  beforeAll(async () => {
    srcDb = await from.open();
    src = await startTestApp(srcDb);
    site = await buildSite(src);
    const admin = site.adminKey;
    const contact = (entityId: string, name: string, email: string, content: Record<string, unknown>) =>
      post('/reviews/v1/reviews/contact', admin, { namespace: 'stores', entityId, name, email, content });

    // Authors who are contacts with an email, one of them replied to twice, one holding media.
    const ann = await contact('mug', 'Ann', 'Ann.Smith@Example.COM', {
      rating: 5,
      title: 'Lovely, "really"',
      body: 'Line one,\nline two; très bien 👍',
    });
    await call(src.app, 'PATCH', `/reviews/v1/reviews/${ann.review.id}/reply`, {
      auth: admin,
      body: { message: 'Thanks' },
    });
    await call(src.app, 'PATCH', `/reviews/v1/reviews/${ann.review.id}/reply`, {
      auth: admin,
      body: { message: 'Thanks again, Ann' },
    });
    await contact('kettle', 'Bo', 'bo@example.org', {
      rating: 4,
      media: [
        {
          image: { url: 'https://cdn.example.com/a.jpg', width: 640, height: 480, altText: 'A mug', filename: 'a.jpg' },
        },
        { video: { url: 'https://cdn.example.com/v.mp4', filename: 'v.mp4' } },
      ],
    });
    // A contact made through Contacts v4 (first and last name) whose review carries another author name.
    const cv4 = await call(src.app, 'POST', '/contacts/v4/contacts', {
      auth: admin,
      body: {
        info: { name: { first: 'Cleo', last: 'Stone' }, emails: { items: [{ email: 'cleo.stone@example.net' }] } },
      },
    });
    expect(cv4.status).toBe(200);
    await contact('mug-2', 'Cleo S.', 'cleo.stone@example.net', { rating: 3, body: 'Fine.' });
    // An app links by email; a member writes as its contact (Ann's) on another entity.
    await post('/reviews/v1/reviews/contact', await site.appKey(['reviews.manage']), {
      namespace: 'stores',
      entityId: 'kettle',
      name: 'Dee',
      email: 'dee@example.com',
      content: { rating: 2, title: 'Meh' },
    });
    const annMember = await site.memberToken(ann.review.author.contactId);
    await post('/reviews/v1/reviews', annMember, reviewBody({ entityId: 'teapot', author: { authorName: 'Ann S.' } }));
    // Authors without an email: a contact id with no contact row, no contact at all, a visitor (both operations).
    await post(
      '/reviews/v1/reviews',
      admin,
      reviewBody({
        entityId: 'mug',
        author: { contactId: contactId(), authorName: 'Eve' },
        reviewDate: '2021-03-04T05:06:07.089Z',
      }),
    );
    await post('/reviews/v1/reviews', admin, reviewBody({ entityId: 'mug', author: {}, content: { rating: 1 } }));
    const visitor = await site.visitorToken();
    await post('/reviews/v1/reviews', visitor, reviewBody({ entityId: 'kettle', author: { authorName: 'Guest' } }));
    await post('/reviews/v1/reviews/contact', visitor, {
      namespace: 'bookings',
      entityId: 'room-7',
      name: 'Guest Seven',
      email: 'guest@example.com',
      content: { rating: 5 },
    });
    // Text as the API keeps it (spaces around, a trailing line break), and a contact whose address the Contacts API
    // accepts but a new author's would not (no ASCII domain), writing as a member.
    await post(
      '/reviews/v1/reviews',
      admin,
      reviewBody({
        entityId: 'lamp',
        author: { contactId: contactId(), authorName: '  Hal  ' },
        content: { title: '  Spaced title ', body: 'Ends with a break\n' },
      }),
    );
    const spacedReply = await post('/reviews/v1/reviews', admin, reviewBody({ entityId: 'lamp' }));
    await call(src.app, 'PATCH', `/reviews/v1/reviews/${spacedReply.review.id}/reply`, {
      auth: admin,
      body: { message: '\n  Signed, the shop  ' },
    });
    const odd = await call(src.app, 'POST', '/contacts/v4/contacts', {
      auth: admin,
      body: { info: { name: { first: 'Jörg' }, emails: { items: [{ email: 'jörg@exämple.de' }] } } },
    });
    expect(odd.status).toBe(200);
    await post(
      '/reviews/v1/reviews',
      await site.memberToken(odd.body.contact.id),
      reviewBody({ entityId: 'lamp', author: { authorName: 'J.' } }),
    );
    // Moderation: held (rating 1), held then approved, rejected.
    await site.setModeration({ mode: 'HOLD_RATINGS', heldRatings: [1] });
    const held = await post('/reviews/v1/reviews', admin, reviewBody({ entityId: 'teapot', content: { rating: 1 } }));
    const approved = await post(
      '/reviews/v1/reviews',
      admin,
      reviewBody({ entityId: 'teapot', content: { rating: 1 } }),
    );
    await call(src.app, 'PATCH', `/reviews/v1/reviews/${approved.review.id}/moderate`, {
      auth: admin,
      body: { status: 'APPROVED' },
    });
    const rejected = await post('/reviews/v1/reviews', admin, reviewBody({ entityId: 'teapot' }));
    await call(src.app, 'PATCH', `/reviews/v1/reviews/${rejected.review.id}/moderate`, {
      auth: admin,
      body: { status: 'REJECTED' },
    });
    expect(held.review.moderation.moderationStatus).toBe('IN_MODERATION');
    // A vote (not part of the export) and a deleted review (not exported: the trash stays behind).
    await call(src.app, 'POST', `/verdict/v1/reviews/${ann.review.id}/votes`, {
      auth: visitor,
      body: { vote: 'HELPFUL' },
    });
    const gone = await post('/reviews/v1/reviews', admin, reviewBody({ entityId: 'mug' }));
    await call(src.app, 'DELETE', `/reviews/v1/reviews/${gone.review.id}`, { auth: admin });
    // Rows imported from another platform: by email only, verified, with a dated reply, without an author.
    const imported: ImportRow[] = [
      {
        ok: true,
        record: {
          line: 2,
          sourceId: 'judge-1',
          namespace: 'stores',
          entityId: 'mug',
          contactId: null,
          authorName: 'Fay',
          authorEmail: 'FAY@example.com',
          title: 'Imported',
          body: null,
          rating: 4,
          media: [],
          reviewDate: '2019-05-06T07:08:09.000Z',
          status: 'APPROVED',
          reply: { message: 'Old reply', date: '2019-05-07T00:00:00.000Z' },
          verified: true,
        },
      },
      {
        ok: true,
        record: {
          line: 3,
          sourceId: 'judge-2',
          namespace: 'stores',
          entityId: 'kettle',
          contactId: null,
          authorName: null,
          authorEmail: null,
          title: null,
          body: 'No author',
          rating: 3,
          media: [],
          reviewDate: '2019-05-06T07:08:10.000Z',
          status: 'IN_MODERATION',
          reply: null,
          verified: false,
        },
      },
    ];
    const seeded = await importReviews(
      src.deps,
      (async function* () {
        yield* imported;
      })(),
      {
        siteId: site.siteId,
        format: 'judgeme',
      },
    );
    expect(seeded).toMatchObject({ created: 2, failed: 0 });
    live = 17;
  });

  afterAll(async () => {
    await src.close();
    await srcDb.dispose();
  });

  describe.each(['ndjson', 'csv'] as const)('as %s', (format) => {
    it('exports again, from the new database, every field of every row as it was, and the contacts', async () => {
      const first = await exportText(src, site.siteId, format);
      const before = rowsOf(first, format);
      expect(before).toHaveLength(live);

      const dstDb = await to.open();
      const dst = await startTestApp(dstDb);
      try {
        const target = await buildSite(dst);
        const rows: ImportRow[] = [];
        for await (const row of readImport(once(first), { format: 'verdict', namespace: 'stores' })) rows.push(row);
        expect(rows.filter((r) => !r.ok)).toEqual([]);
        const errors: unknown[] = [];
        const report = await importReviews(
          dst.deps,
          (async function* () {
            yield* rows;
          })(),
          { siteId: target.siteId, format: 'verdict', onError: (e) => errors.push(e) },
        );
        expect(errors).toEqual([]);
        expect(report).toMatchObject({ rowsRead: live, created: live, failed: 0 });

        const after = rowsOf(await exportText(dst, target.siteId, format), format);
        expect(after).toHaveLength(before.length);
        expect(after).toEqual(before);

        // Every contact the export names comes back with its id, email and name.
        const named = [
          ...new Set(
            before.map((r) => (format === 'csv' ? r.contact_id : (r.author as { contactId?: string }).contactId)),
          ),
        ];
        const contacts = async (t: TestApp, siteId: string) =>
          (
            await t.deps.db
              .selectFrom('contacts')
              .select(['id', 'email', 'email_normalized', 'name', 'name_first', 'name_last'])
              .where('site_id', '=', siteId)
              .execute()
          )
            .filter((c) => named.includes(c.id))
            .sort((a, b) => a.id.localeCompare(b.id));
        const was = await contacts(src, site.siteId);
        expect(was.filter((c) => c.email !== null)).toHaveLength(6);
        expect(await contacts(dst, target.siteId)).toEqual(was);
      } finally {
        await dst.close();
        await dstDb.dispose();
      }
    });
  });
});
