/**
 * GDPR: `POST /verdict/v1/contacts/:contactId/erase` purges a contact with its reviews (live and trashed), votes
 * and reports at once, keeps summaries exact, emits redacted `deleted` events with triggeredByAnonymizeRequest, and
 * leaves no row in any table that mentions the contact (checked table by table); `GET …/export` returns everything
 * held about a contact.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildSite,
  call,
  contactId,
  entityId,
  reviewBody,
  startTestApp,
  type TestApp,
  type TestSite,
} from '../support/app.ts';
import { dialects, type TestDb } from '../support/databases.ts';

describe.each(dialects())('GDPR erase and export on $name', (dialect) => {
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

  /** Every user table of the database, read whole. */
  async function allRows(): Promise<Record<string, unknown[]>> {
    const names =
      db.dialect === 'sqlite'
        ? (
            await sql<{
              name: string;
            }>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name != 'reviews_fts'`.execute(
              t.deps.db,
            )
          ).rows.map((r) => r.name)
        : (
            await sql<{
              name: string;
            }>`select table_name as name from information_schema.tables where table_schema = current_schema()`.execute(
              t.deps.db,
            )
          ).rows.map((r) => r.name);
    const out: Record<string, unknown[]> = {};
    // Blobs (SQLite's full-text index) are read as text, so an indexed word of the person would show.
    const text = (v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('latin1') : v);
    for (const name of names) {
      const rows = (await sql<Record<string, unknown>>`select * from ${sql.table(name)}`.execute(t.deps.db)).rows;
      out[name] = rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, text(v)])));
    }
    return out;
  }

  /** A site where one person (a contact with name and email) wrote, voted and reported, beside other people. */
  async function person(site: TestSite) {
    const email = `Erin.${randomUUID().slice(0, 8)}@Example.com`;
    const name = `Erin-${randomUUID().slice(0, 8)}`;
    const entity = entityId();
    const first = await call(t.app, 'POST', '/reviews/v1/reviews/contact', {
      auth: site.adminKey,
      body: { namespace: 'stores', entityId: entity, name, email, content: { rating: 5, title: `Loved it, ${name}` } },
    });
    expect(first.status).toBe(200);
    const id = first.body.review.author.contactId as string;
    const member = await site.memberToken(id);
    const second = await call(t.app, 'POST', '/reviews/v1/reviews', {
      auth: member,
      body: reviewBody({ author: { authorName: name }, content: { rating: 1, body: `Signed ${email}` } }),
    });
    expect(second.status).toBe(200);
    const trashed = await call(t.app, 'POST', '/reviews/v1/reviews', {
      auth: member,
      body: reviewBody({ author: { authorName: name } }),
    });
    expect(
      (await call(t.app, 'DELETE', `/reviews/v1/reviews/${trashed.body.review.id}`, { auth: site.adminKey })).status,
    ).toBe(200);
    await call(t.app, 'PATCH', `/reviews/v1/reviews/${first.body.review.id}/reply`, {
      auth: site.adminKey,
      body: { message: `Thanks ${name}` },
    });
    // Someone else's review on the same entity, which the person votes on and reports.
    const other = await call(t.app, 'POST', '/reviews/v1/reviews', {
      auth: site.adminKey,
      body: reviewBody({ entityId: entity, content: { rating: 3 } }),
    });
    expect(
      (
        await call(t.app, 'POST', `/verdict/v1/reviews/${other.body.review.id}/votes`, {
          auth: member,
          body: { vote: 'UNHELPFUL' },
        })
      ).status,
    ).toBe(200);
    expect(
      (
        await call(t.app, 'POST', `/verdict/v1/reviews/${other.body.review.id}/votes`, {
          auth: await site.visitorToken(),
          body: { vote: 'HELPFUL' },
        })
      ).status,
    ).toBe(200);
    expect(
      (
        await call(t.app, 'POST', `/verdict/v1/reviews/${other.body.review.id}/reports`, {
          auth: member,
          body: { reason: 'OTHER', text: `From ${name}` },
        })
      ).status,
    ).toBe(200);
    // Others vote on and report the person's review.
    expect(
      (
        await call(t.app, 'POST', `/verdict/v1/reviews/${first.body.review.id}/votes`, {
          auth: await site.visitorToken(),
          body: { vote: 'HELPFUL' },
        })
      ).status,
    ).toBe(200);
    expect(
      (
        await call(t.app, 'POST', `/verdict/v1/reviews/${first.body.review.id}/reports`, {
          auth: await site.visitorToken(),
          body: { reason: 'SPAM' },
        })
      ).status,
    ).toBe(200);
    // An idempotent request by the member, whose stored response names it.
    const idem = await call(t.app, 'POST', '/reviews/v1/reviews', {
      auth: member,
      headers: { 'idempotency-key': `k-${randomUUID()}` },
      body: reviewBody({ author: { authorName: name } }),
    });
    expect(idem.status).toBe(200);
    return {
      id,
      email,
      name,
      entity,
      member,
      first: first.body.review,
      other: other.body.review,
      ids: [first.body.review.id, second.body.review.id, trashed.body.review.id, idem.body.review.id],
    };
  }

  it('erases the contact, its reviews, votes and reports, leaving no row in any table that mentions it', async () => {
    const site = await buildSite(t);
    const p = await person(site);
    const bystander = await call(t.app, 'POST', '/reviews/v1/reviews', { auth: site.adminKey, body: reviewBody() });
    const mentions = (rows: Record<string, unknown[]>, needle: string) =>
      Object.entries(rows).flatMap(([table, list]) => (JSON.stringify(list).includes(needle) ? [table] : []));
    // The check can fail: before erasure the person is all over the database.
    const held = await allRows();
    expect(mentions(held, p.id)).toEqual(
      expect.arrayContaining([
        'contacts',
        'reviews',
        'outbox_events',
        'review_votes',
        'review_reports',
        'idempotency_keys',
        'moderation_audit',
      ]),
    );
    expect(mentions(held, p.email)).toEqual(expect.arrayContaining(['contacts', 'reviews']));
    const res = await call(t.app, 'POST', `/verdict/v1/contacts/${p.id}/erase`, { auth: site.adminKey });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ erased: { contact: true, reviews: 4, votes: 1, reports: 1 } });

    const rows = await allRows();
    // The name's random part is also a word of the full-text index.
    const needles = [p.id, p.email, p.email.toLowerCase(), p.name, p.name.slice(5).toLowerCase()];
    for (const [table, list] of Object.entries(rows)) {
      const text = JSON.stringify(list);
      for (const needle of needles) expect(text.includes(needle), `${table} still mentions ${needle}`).toBe(false);
    }
    for (const id of p.ids) {
      expect((await call(t.app, 'GET', `/reviews/v1/reviews/${id}`, { auth: site.adminKey })).status).toBe(404);
    }
    // The bystander's review and the review the person voted on are intact, with the person's vote removed.
    expect(
      (await call(t.app, 'GET', `/reviews/v1/reviews/${bystander.body.review.id}`, { auth: site.adminKey })).status,
    ).toBe(200);
    const other = await call(t.app, 'GET', `/reviews/v1/reviews/${p.other.id}`, { auth: site.adminKey });
    expect([other.body.review.foundHelpful, other.body.review.foundUnhelpful, other.body.review.helpfulness]).toEqual([
      1, 0, 1,
    ]);
  });

  it('keeps the summary exact: the entity counts only the reviews left', async () => {
    const site = await buildSite(t);
    const p = await person(site);
    const before = await call(t.app, 'GET', `/verdict/v1/ratings/summary?namespace=stores&entityId=${p.entity}`, {
      auth: site.adminKey,
    });
    expect(before.body.summary.count).toBe(2);
    await call(t.app, 'POST', `/verdict/v1/contacts/${p.id}/erase`, { auth: site.adminKey });
    const after = await call(t.app, 'GET', `/verdict/v1/ratings/summary?namespace=stores&entityId=${p.entity}`, {
      auth: site.adminKey,
    });
    expect(after.body.summary).toMatchObject({ count: 1, average: 3 });
  });

  it('emits a redacted deleted event with triggeredByAnonymizeRequest for every erased review', async () => {
    const site = await buildSite(t);
    const p = await person(site);
    await call(t.app, 'POST', `/verdict/v1/contacts/${p.id}/erase`, { auth: site.adminKey });
    for (const id of p.ids) {
      const events = await t.deps.db
        .selectFrom('outbox_events')
        .select(['slug', 'body_json', 'entity_event_sequence'])
        .where('entity_id', '=', id)
        .orderBy('entity_event_sequence')
        .execute();
      const last = events.at(-1);
      expect(last?.slug).toBe('deleted');
      const body = JSON.parse(last?.body_json ?? '{}');
      expect(body.triggeredByAnonymizeRequest).toBe(true);
      expect(body.deletedEvent.deletedEntity).toMatchObject({ id, author: {}, content: { media: [] } });
      expect(body.deletedEvent.deletedEntity.content.title).toBeUndefined();
      expect(events.map((e) => e.entity_event_sequence)).toEqual(events.map((_, i) => i + 1));
    }
  });

  it('writes a privacy audit entry that names the requesting key and counts only', async () => {
    const site = await buildSite(t);
    const p = await person(site);
    await call(t.app, 'POST', `/verdict/v1/contacts/${p.id}/erase`, { auth: site.adminKey });
    const audit = await t.deps.db.selectFrom('privacy_audit').selectAll().where('site_id', '=', site.siteId).execute();
    expect(audit.map((a) => [a.kind, a.actor_kind, JSON.parse(a.summary_json)])).toEqual([
      ['ERASE_CONTACT', 'ADMIN', { contact: true, reviews: 4, votes: 1, reports: 1 }],
    ]);
  });

  it('answers 404 CONTACT_NOT_FOUND for a contact nothing is held about, and for a second erase', async () => {
    const site = await buildSite(t);
    const p = await person(site);
    expect((await call(t.app, 'POST', `/verdict/v1/contacts/${p.id}/erase`, { auth: site.adminKey })).status).toBe(200);
    for (const id of [p.id, contactId(), 'bad id!']) {
      for (const [method, path] of [
        ['POST', 'erase'],
        ['GET', 'export'],
      ] as const) {
        const res = await call(t.app, method, `/verdict/v1/contacts/${encodeURIComponent(id)}/${path}`, {
          auth: site.adminKey,
        });
        expect(res.status).toBe(404);
        expect(res.body).toEqual({
          message: 'Nothing is held about this contact',
          details: {
            applicationError: { code: 'CONTACT_NOT_FOUND', description: 'Nothing is held about this contact' },
          },
        });
      }
    }
  });

  it('does not touch another site holding the same contact id', async () => {
    const site = await buildSite(t);
    const other = await buildSite(t);
    const p = await person(site);
    const theirs = await call(t.app, 'POST', '/reviews/v1/reviews', {
      auth: other.adminKey,
      body: reviewBody({ author: { contactId: p.id } }),
    });
    await call(t.app, 'POST', `/verdict/v1/contacts/${p.id}/erase`, { auth: site.adminKey });
    expect(
      (await call(t.app, 'GET', `/reviews/v1/reviews/${theirs.body.review.id}`, { auth: other.adminKey })).status,
    ).toBe(200);
  });

  it('exports everything held about a contact: contact, live and deleted reviews, votes and reports', async () => {
    const site = await buildSite(t);
    const p = await person(site);
    const res = await call(t.app, 'GET', `/verdict/v1/contacts/${p.id}/export`, { auth: site.adminKey });
    expect(res.status).toBe(200);
    expect(res.body.contact).toMatchObject({ id: p.id, primaryInfo: { email: p.email } });
    expect(res.body.reviews.map((r: { id: string }) => r.id).sort()).toEqual([p.ids[0], p.ids[1], p.ids[3]].sort());
    expect(res.body.deletedReviews.map((r: { review: { id: string } }) => r.review.id)).toEqual([p.ids[2]]);
    expect(res.body.votes).toEqual([
      { reviewId: p.other.id, vote: 'UNHELPFUL', createdDate: expect.any(String), updatedDate: expect.any(String) },
    ]);
    expect(res.body.reports).toMatchObject([
      { reviewId: p.other.id, reason: 'OTHER', text: `From ${p.name}`, status: 'OPEN' },
    ]);
  });

  it('is for the owner only: apps with every scope, members and visitors get 403', async () => {
    const site = await buildSite(t);
    const p = await person(site);
    const app = await site.appKey(['reviews.read', 'reviews.read_private', 'reviews.manage', 'reviews.moderate']);
    for (const auth of [app, p.member, await site.visitorToken()]) {
      expect((await call(t.app, 'POST', `/verdict/v1/contacts/${p.id}/erase`, { auth })).status).toBe(403);
      expect((await call(t.app, 'GET', `/verdict/v1/contacts/${p.id}/export`, { auth })).status).toBe(403);
    }
  });
});
