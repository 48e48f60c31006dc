/**
 * Cursor paging of the owner's lists (docs/adr/0002-cursors.md, src/server/query/list-cursor.ts): dashboard users,
 * API keys, a webhook's deliveries and a namespace's rule versions (GET, `limit` + `cursor`, `metadata`), and
 * contacts (POST, `query.cursorPaging`, `pagingMetadata`). Each list walks page by page in its order with nothing
 * shown twice or skipped, its last page has no cursor, and a cursor that is garbage, edited, of another site, of
 * another list or of another scope is a Wix-shaped 400 that reads nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSite, call, startTestApp, type TestApp, type TestSite } from '../support/app.ts';
import { dialects, type TestDb } from '../support/databases.ts';

const USERS = '/verdict/v1/dashboard/users';
const KEYS = '/verdict/v1/keys';
const RULES = '/verdict/v1/moderation/rules';
const VERSIONS = `${RULES}/versions?namespace=stores`;
const CONTACTS = '/contacts/v4/contacts';

type Item = { id?: string; version?: number };
const idOf = (x: Item): string => String(x.id ?? x.version);

/** A GET list: its address on a site, and the name of its array in the answer. */
interface GetList {
  name: string;
  url(site: TestSite, ctx: Ctx): string;
  items: 'users' | 'keys' | 'deliveries' | 'versions';
  /** Adds rows to the site; answers every id of the list, in the list's order. */
  seed(site: TestSite, ctx: Ctx): Promise<string[]>;
}
interface Ctx {
  webhookId?: string;
}

const withQuery = (url: string, q: string) => `${url}${url.includes('?') ? '&' : '?'}${q}`;

/** Flips one character of a cursor's payload, keeping it base64url. */
const tamper = (cursor: string) => `${cursor[0] === 'A' ? 'B' : 'A'}${cursor.slice(1)}`;

function violations(body: any): { field: string; violatedRule: string }[] {
  return body.details.validationError.fieldViolations.map((v: { field: string; violatedRule: string }) => ({
    field: v.field,
    violatedRule: v.violatedRule,
  }));
}

describe.each(dialects())('cursor paging of the owner lists on $name', (dialect) => {
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

  /** A webhook that is never reached, with deliveries written straight into its log (times chosen, ties included). */
  async function webhookWithDeliveries(site: TestSite): Promise<{ webhookId: string; ids: string[] }> {
    const made = await call(t.app, 'POST', '/verdict/v1/webhooks', {
      auth: site.adminKey,
      body: {
        webhook: { url: 'http://127.0.0.1:9/closed', eventTypes: ['wix.reviews.v1.review_created'], format: 'json' },
      },
    });
    expect(made.status, JSON.stringify(made.body)).toBe(200);
    const webhookId: string = made.body.webhook.id;
    // Seven deliveries over four instants (ties broken by id), alternately DELIVERED and DEAD (no worker takes them).
    const instants = ['2026-01-01T00:00:00.000Z', '2026-01-02T00:00:00.000Z', '2026-01-02T00:00:00.000Z'];
    const rows = Array.from({ length: 7 }, (_, i) => ({
      site_id: site.siteId,
      id: crypto.randomUUID(),
      webhook_id: webhookId,
      event_id: crypto.randomUUID(),
      event_position: i + 1,
      event_type: 'wix.reviews.v1.review_created',
      status: i % 2 === 0 ? ('DELIVERED' as const) : ('DEAD' as const),
      attempts: 1,
      next_attempt_at: null,
      window_started_at: '2026-01-01T00:00:00.000Z',
      last_status: 200,
      last_error: null,
      locked_by: null,
      locked_until: null,
      delivered_at: null,
      created_at: instants[i % 3] as string,
      updated_at: '2026-01-03T00:00:00.000Z',
    }));
    await t.deps.db.insertInto('webhook_deliveries').values(rows).execute();
    // Newest first, ties by id descending.
    const ordered = [...rows].sort((a, b) =>
      a.created_at === b.created_at ? (a.id < b.id ? 1 : -1) : a.created_at < b.created_at ? 1 : -1,
    );
    return { webhookId, ids: ordered.map((r) => r.id) };
  }

  const LISTS: GetList[] = [
    {
      name: 'dashboard users',
      url: () => USERS,
      items: 'users',
      async seed(site) {
        for (let i = 0; i < 5; i++) await site.dashboardUser(i === 0 ? 'owner' : 'moderator');
        const rows = await t.deps.db
          .selectFrom('users')
          .select('id')
          .where('site_id', '=', site.siteId)
          .orderBy('created_at')
          .orderBy('id')
          .execute();
        return rows.map((r) => r.id);
      },
    },
    {
      name: 'API keys',
      url: () => KEYS,
      items: 'keys',
      async seed(site) {
        for (let i = 0; i < 4; i++) {
          const res = await call(t.app, 'POST', KEYS, { auth: site.adminKey, body: { name: `key ${i}` } });
          expect(res.status).toBe(200);
        }
        const rows = await t.deps.db
          .selectFrom('api_keys')
          .select('id')
          .where('site_id', '=', site.siteId)
          .orderBy('created_at')
          .orderBy('id')
          .execute();
        return rows.map((r) => r.id);
      },
    },
    {
      name: 'webhook deliveries',
      url: (_site, ctx) => `/verdict/v1/webhooks/${ctx.webhookId}/deliveries`,
      items: 'deliveries',
      async seed(site, ctx) {
        const { webhookId, ids } = await webhookWithDeliveries(site);
        ctx.webhookId = webhookId;
        return ids;
      },
    },
    {
      name: 'moderation rule versions',
      url: () => VERSIONS,
      items: 'versions',
      async seed(site) {
        for (let i = 0; i < 5; i++) {
          const res = await call(t.app, 'PUT', RULES, {
            auth: site.adminKey,
            body: { namespace: 'stores', rules: [{ type: i % 2 === 0 ? 'HOLD_ALL' : 'APPROVE_ALL' }] },
          });
          expect(res.status).toBe(200);
        }
        return ['5', '4', '3', '2', '1'];
      },
    },
  ];

  /** Walks the list `limit` at a time; answers each page's ids and the cursors handed out. */
  async function walk(site: TestSite, url: string, items: GetList['items'], limit: number) {
    const pages: string[][] = [];
    const cursors: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await call(
        t.app,
        'GET',
        withQuery(url, `limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`),
        { auth: site.adminKey },
      );
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      const page = (res.body[items] as Item[]).map(idOf);
      expect(res.body.metadata.count).toBe(page.length);
      pages.push(page);
      cursor = res.body.metadata.cursors.next;
      if (cursor) cursors.push(cursor);
      expect(pages.length).toBeLessThan(20);
    } while (cursor);
    return { pages, cursors };
  }

  describe.each(LISTS)('$name', (list) => {
    it('pages in its order: full pages with a cursor, then a last page without one', async () => {
      const site = await buildSite(t);
      const ctx: Ctx = {};
      const all = await list.seed(site, ctx);
      expect(all.length).toBeGreaterThanOrEqual(5);
      const { pages } = await walk(site, list.url(site, ctx), list.items, 2);
      expect(pages.flat()).toEqual(all);
      expect(pages.slice(0, -1).every((p) => p.length === 2)).toBe(true);
      expect(pages.at(-1)?.length).toBe(all.length % 2 === 0 ? 2 : 1);
      // Without a limit, the whole (short) list is one page with no cursor.
      const whole = await call(t.app, 'GET', list.url(site, ctx), { auth: site.adminKey });
      expect((whole.body[list.items] as Item[]).map(idOf)).toEqual(all);
      expect(whole.body.metadata).toEqual({ count: all.length, cursors: { next: null } });
    });

    it('refuses a garbage, edited, other site’s or other list’s cursor with one 400 on query.cursor', async () => {
      const site = await buildSite(t);
      const other = await buildSite(t);
      const ctx: Ctx = {};
      const otherCtx: Ctx = {};
      await list.seed(site, ctx);
      await list.seed(other, otherCtx);
      const mine = (await walk(site, list.url(site, ctx), list.items, 2)).cursors[0] as string;
      const theirs = (await walk(other, list.url(other, otherCtx), list.items, 2)).cursors[0] as string;
      // Another list's cursor of the same site: the users list has one once it holds more than a page.
      await site.dashboardUser('moderator');
      await site.dashboardUser('moderator');
      const otherList =
        list.items === 'users'
          ? ((await walk(site, KEYS, 'keys', 1)).cursors[0] as string)
          : ((await walk(site, USERS, 'users', 1)).cursors[0] as string);
      for (const bad of ['garbage', tamper(mine), `${mine}x`, theirs, otherList]) {
        const res = await call(t.app, 'GET', withQuery(list.url(site, ctx), `cursor=${encodeURIComponent(bad)}`), {
          auth: site.adminKey,
        });
        expect(res.status, bad).toBe(400);
        expect(res.body.details.applicationError?.code ?? 'INVALID_ARGUMENT').toBe('INVALID_ARGUMENT');
        expect(violations(res.body)).toEqual([{ field: 'query.cursor', violatedRule: 'INVALID_CURSOR' }]);
      }
    });

    it('refuses a page size outside 1–100 with a Wix-shaped 400', async () => {
      const site = await buildSite(t);
      const ctx: Ctx = {};
      if (list.items === 'deliveries') await list.seed(site, ctx);
      for (const limit of ['0', '101', 'ten']) {
        const res = await call(t.app, 'GET', withQuery(list.url(site, ctx), `limit=${limit}`), {
          auth: site.adminKey,
        });
        expect(res.status).toBe(400);
        expect(violations(res.body).map((v) => v.field)).toEqual(['query.limit']);
      }
    });
  });

  it('carries a delivery status filter in the cursor, and binds it to its webhook', async () => {
    const site = await buildSite(t);
    const a = await webhookWithDeliveries(site);
    const b = await webhookWithDeliveries(site);
    const url = `/verdict/v1/webhooks/${a.webhookId}/deliveries`;
    const dead = await call(t.app, 'GET', `${url}?status=DEAD&limit=2`, { auth: site.adminKey });
    expect(dead.body.deliveries.map((d: { status: string }) => d.status)).toEqual(['DEAD', 'DEAD']);
    const cursor = dead.body.metadata.cursors.next as string;
    // The cursor alone pages on in its filter (a filter sent beside it is not read).
    const next = await call(t.app, 'GET', `${url}?status=DELIVERED&cursor=${encodeURIComponent(cursor)}`, {
      auth: site.adminKey,
    });
    expect(next.status).toBe(200);
    expect(next.body.deliveries.map((d: { status: string }) => d.status)).toEqual(['DEAD']);
    expect(next.body.metadata.cursors.next).toBeNull();
    const all = await call(t.app, 'GET', `${url}?status=DEAD`, { auth: site.adminKey });
    expect([...dead.body.deliveries, ...next.body.deliveries]).toEqual(all.body.deliveries);
    // The same cursor on the site's other webhook names nothing there.
    const elsewhere = await call(
      t.app,
      'GET',
      `/verdict/v1/webhooks/${b.webhookId}/deliveries?cursor=${encodeURIComponent(cursor)}`,
      { auth: site.adminKey },
    );
    expect(elsewhere.status).toBe(400);
    expect(violations(elsewhere.body)).toEqual([{ field: 'query.cursor', violatedRule: 'INVALID_CURSOR' }]);
  });

  it('binds a rule versions cursor to its namespace, and still pages by `before`', async () => {
    const site = await buildSite(t);
    for (const namespace of ['stores', 'blog']) {
      for (let i = 0; i < 3; i++) {
        const res = await call(t.app, 'PUT', RULES, {
          auth: site.adminKey,
          body: { namespace, rules: [{ type: 'HOLD_ALL' }] },
        });
        expect(res.status).toBe(200);
      }
    }
    const first = await call(t.app, 'GET', `${VERSIONS}&limit=2`, { auth: site.adminKey });
    const cursor = first.body.metadata.cursors.next as string;
    const blog = await call(t.app, 'GET', `${RULES}/versions?namespace=blog&cursor=${encodeURIComponent(cursor)}`, {
      auth: site.adminKey,
    });
    expect(blog.status).toBe(400);
    expect(violations(blog.body)).toEqual([{ field: 'query.cursor', violatedRule: 'INVALID_CURSOR' }]);
    const before = await call(t.app, 'GET', `${VERSIONS}&before=3&limit=1`, { auth: site.adminKey });
    expect(before.body.versions.map((v: Item) => v.version)).toEqual([2]);
    const rest = await call(
      t.app,
      'GET',
      `${VERSIONS}&cursor=${encodeURIComponent(before.body.metadata.cursors.next)}`,
      { auth: site.adminKey },
    );
    expect(rest.body.versions.map((v: Item) => v.version)).toEqual([1]);
    expect(rest.body.metadata.cursors.next).toBeNull();
  });

  describe('contacts', () => {
    const query = (site: TestSite, q: Record<string, unknown>) =>
      call(t.app, 'POST', `${CONTACTS}/query`, { auth: site.adminKey, body: { query: q } });

    async function seedContacts(site: TestSite, n: number): Promise<{ ids: string[]; emails: string[] }> {
      for (let i = 0; i < n; i++) {
        const email = `c${i}-${crypto.randomUUID()}@example.com`;
        const res = await call(t.app, 'POST', CONTACTS, {
          auth: site.adminKey,
          body: { info: { name: { first: `C${i}` }, emails: { items: [{ email }] } } },
        });
        expect(res.status).toBe(200);
      }
      // In the list's order (contacts made in the same millisecond are ordered by id), with their e-mails.
      const rows = await t.deps.db
        .selectFrom('contacts')
        .select(['id', 'email'])
        .where('site_id', '=', site.siteId)
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      return { ids: rows.map((r) => r.id), emails: rows.map((r) => r.email as string) };
    }

    it('pages by cursor in creation order, the last page without a cursor', async () => {
      const site = await buildSite(t);
      const { ids } = await seedContacts(site, 5);
      const seen: string[] = [];
      let cursor: string | null = null;
      let first = true;
      do {
        const res = await query(site, { cursorPaging: first ? { limit: 2 } : { limit: 2, cursor } });
        expect(res.status, JSON.stringify(res.body)).toBe(200);
        const page = res.body.contacts.map((c: Item) => c.id);
        seen.push(...page);
        expect(res.body.pagingMetadata).toEqual({
          count: page.length,
          total: 5,
          hasNext: seen.length < 5,
          cursors: { next: seen.length < 5 ? expect.any(String) : null },
        });
        cursor = res.body.pagingMetadata.cursors.next;
        first = false;
      } while (cursor);
      expect(seen).toEqual(ids);
    });

    it('carries the e-mail filter in the cursor, and an offset page hands out the cursor after it', async () => {
      const site = await buildSite(t);
      const { ids, emails } = await seedContacts(site, 5);
      const filter = { 'info.emails.email': { $in: [emails[0], emails[2], emails[4]] } };
      const one = await query(site, { filter, cursorPaging: { limit: 2 } });
      expect(one.body.contacts.map((c: Item) => c.id)).toEqual([ids[0], ids[2]]);
      const two = await query(site, { cursorPaging: { cursor: one.body.pagingMetadata.cursors.next } });
      expect(two.body.contacts.map((c: Item) => c.id)).toEqual([ids[4]]);
      expect(two.body.pagingMetadata).toEqual({ count: 1, total: 3, hasNext: false, cursors: { next: null } });

      const byOffset = await query(site, { paging: { limit: 2, offset: 1 } });
      expect(byOffset.body.contacts.map((c: Item) => c.id)).toEqual([ids[1], ids[2]]);
      expect(byOffset.body.pagingMetadata).toMatchObject({ count: 2, offset: 1, total: 5, hasNext: true });
      const after = await query(site, { cursorPaging: { cursor: byOffset.body.pagingMetadata.cursors.next } });
      expect(after.body.contacts.map((c: Item) => c.id)).toEqual([ids[3], ids[4]]);
    });

    it('refuses a bad, other site’s or other list’s cursor, both pagings at once and a bad limit, in 400s', async () => {
      const site = await buildSite(t);
      const other = await buildSite(t);
      await seedContacts(site, 3);
      await seedContacts(other, 3);
      const theirs = (await query(other, { cursorPaging: { limit: 1 } })).body.pagingMetadata.cursors.next as string;
      const mine = (await query(site, { cursorPaging: { limit: 1 } })).body.pagingMetadata.cursors.next as string;
      for (let i = 0; i < 2; i++) await site.dashboardUser('moderator');
      const users = (await walk(site, USERS, 'users', 1)).cursors[0] as string;
      for (const bad of ['garbage', tamper(mine), theirs, users]) {
        const res = await query(site, { cursorPaging: { cursor: bad } });
        expect(res.status, bad).toBe(400);
        expect(violations(res.body)).toEqual([{ field: 'query.cursorPaging.cursor', violatedRule: 'INVALID_CURSOR' }]);
      }
      const both = await query(site, { paging: { offset: 0 }, cursorPaging: { limit: 1 } });
      expect(both.status).toBe(400);
      expect(violations(both.body).map((v) => v.field)).toEqual(['query.cursorPaging']);
      for (const limit of [0, 1001]) {
        const res = await query(site, { cursorPaging: { limit } });
        expect(res.status).toBe(400);
        expect(violations(res.body).map((v) => v.field)).toEqual(['query.cursorPaging.limit']);
      }
    });
  });
});
