/**
 * Inputs that once answered 500, each now a Wix-shaped 4xx that names the problem and changes nothing: id path
 * parameters that are not GUIDs (a NUL byte among them) on every route of `/openapi.json`, filter integers outside
 * the column's range, filters of a thousand branches, bodies nested thousands of levels deep (also with an
 * `Idempotency-Key`), and unknown top-level properties on query, count and contacts query.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildSite,
  call,
  reviewBody,
  startTestApp,
  type TestApp,
  type TestSite,
  type TestUser,
} from '../support/app.ts';
import { dialects, type TestDb } from '../support/databases.ts';

type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

/** The not-found answer each id path parameter has, by parameter name and, for contacts, by route. */
const NOT_FOUND: Record<string, [code: string, message: string]> = {
  reviewId: ['REVIEW_NOT_FOUND', 'Review not found'],
  jobId: ['JOB_NOT_FOUND', 'Job not found'],
  webhookId: ['WEBHOOK_NOT_FOUND', 'Webhook not found'],
  deliveryId: ['WEBHOOK_DELIVERY_NOT_FOUND', 'Webhook delivery not found'],
  contactId: ['CONTACT_NOT_FOUND', 'Contact not found'],
  dataSubject: ['CONTACT_NOT_FOUND', 'Nothing is held about this contact'],
  keyId: ['API_KEY_NOT_FOUND', 'API key not found'],
  version: ['MODERATION_RULES_VERSION_NOT_FOUND', 'No such version of these moderation rules'],
  userId: ['USER_NOT_FOUND', 'User not found'],
  sessionId: ['SESSION_NOT_FOUND', 'Session not found'],
};

const violations = (body: {
  details: { validationError: { fieldViolations: { field: string; violatedRule?: string }[] } };
}) => body.details.validationError.fieldViolations.map((v) => [v.field, v.violatedRule]);

describe.each(dialects())('hostile input on $name', (dialect) => {
  let db: TestDb;
  let t: TestApp;
  let site: TestSite;
  let reviewId: string;
  let webhookId: string;
  let visitor: string;
  let owner: TestUser;
  /** Every route of the live OpenAPI document with a path parameter: method, path template, parameter names. */
  const routes: { method: Method; path: string; params: string[] }[] = [];

  const reviewRow = async () =>
    t.deps.db.selectFrom('reviews').selectAll().where('site_id', '=', site.siteId).orderBy('id').execute();

  beforeAll(async () => {
    db = await dialect.open();
    t = await startTestApp(db);
    await t.webhookWorker.stop();
    site = await buildSite(t);
    const made = await call(t.app, 'POST', '/reviews/v1/reviews', { auth: site.adminKey, body: reviewBody() });
    expect(made.status).toBe(200);
    reviewId = made.body.review.id;
    const hook = await call(t.app, 'POST', '/verdict/v1/webhooks', {
      auth: site.adminKey,
      body: {
        webhook: { url: 'http://127.0.0.1:9/hook', eventTypes: ['wix.reviews.v1.review_updated'], format: 'json' },
      },
    });
    expect(hook.status).toBe(200);
    webhookId = hook.body.webhook.id;
    visitor = await site.visitorToken();
    owner = await site.dashboardUser('owner');
    const doc = (await call(t.app, 'GET', '/openapi.json')).body as {
      paths: Record<string, Record<string, { parameters?: { in: string; name: string }[] }>>;
    };
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        const params = (op.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name);
        if (params.length > 0) routes.push({ method: method.toUpperCase() as Method, path, params });
      }
    }
  });
  afterAll(async () => {
    await t?.close();
    await db?.dispose();
  });

  it('finds the id routes in /openapi.json (jobs, webhooks and deliveries, reviews, contacts, keys, rule versions, users, sessions)', () => {
    const names = new Set(routes.flatMap((r) => r.params));
    expect([...names].sort()).toEqual([
      'contactId',
      'deliveryId',
      'jobId',
      'keyId',
      'reviewId',
      'sessionId',
      'userId',
      'version',
      'webhookId',
    ]);
    expect(routes.length).toBeGreaterThan(15);
  });

  for (const [what, bad] of [
    ['a NUL byte', '%00'],
    ['a GUID followed by a NUL byte', `${randomUUID()}%00`],
    ['a word', 'not-a-guid'],
    ['an SQL fragment', encodeURIComponent("' OR '1'='1")],
    ['100 characters', 'a'.repeat(100)],
  ] as const) {
    it(`answers ${what} in any id path parameter with the resource's 404, before reading anything`, async () => {
      const before = await reviewRow();
      for (const route of routes) {
        for (const param of route.params) {
          // The other parameters are real ids of the site, so only `param` is wrong.
          const url = route.path.replace(/\{(\w+)\}/g, (_m, name: string) =>
            name === param ? bad : name === 'webhookId' ? webhookId : name === 'reviewId' ? reviewId : randomUUID(),
          );
          // Votes and reports are a shopper's: the owner would be refused before the id is looked at.
          const shopper = route.path.endsWith('/votes') || (route.method === 'POST' && route.path.endsWith('/reports'));
          // A dashboard session is reached only with its cookie (and CSRF token), never with a key.
          const signedIn = route.path.startsWith('/verdict/v1/dashboard/sessions');
          const res = await call(t.app, route.method, url, {
            ...(signedIn ? { headers: owner.headers } : { auth: shopper ? visitor : site.adminKey }),
            ...(route.method === 'GET' || route.method === 'DELETE' ? {} : { body: {} }),
          });
          const key = param === 'contactId' && route.path.startsWith('/verdict/') ? 'dataSubject' : param;
          const [code, message] = NOT_FOUND[key] ?? ['?', '?'];
          expect([route.method, route.path, param, res.status, res.body]).toEqual([
            route.method,
            route.path,
            param,
            404,
            { message, details: { applicationError: { code, description: message } } },
          ]);
        }
      }
      expect(await reviewRow()).toEqual(before);
    });
  }

  it('answers filter integers outside the column range with 400 naming each field, on query, count and bulk', async () => {
    const filter = {
      'content.rating': 2147483648,
      helpfulness: { $gt: 1e308 },
      $or: [{ 'content.rating': { $in: [5, -2147483649] } }, { helpfulness: { $lte: 2 ** 53 + 2 } }],
    };
    const expected = [
      ['content.rating', 'INVALID_ARGUMENT'],
      ['helpfulness.$gt', 'INVALID_ARGUMENT'],
      ['$or[0].content.rating.$in[1]', 'INVALID_ARGUMENT'],
      ['$or[1].helpfulness.$lte', 'INVALID_ARGUMENT'],
    ];
    const query = await call(t.app, 'POST', '/reviews/v1/reviews/query', {
      auth: site.adminKey,
      body: { query: { filter } },
    });
    expect(query.status).toBe(400);
    expect(violations(query.body)).toEqual(expected.map(([f, r]) => [`query.filter.${f}`, r]));
    for (const url of ['/reviews/v1/reviews/count', '/reviews/v1/bulk/reviews/delete']) {
      const res = await call(t.app, 'POST', url, { auth: site.adminKey, body: { filter } });
      expect(res.status).toBe(400);
      expect(violations(res.body)).toEqual(expected.map(([f, r]) => [`filter.${f}`, r]));
    }
    // The largest integer the column holds is a valid, empty answer.
    const edge = await call(t.app, 'POST', '/reviews/v1/reviews/count', {
      auth: site.adminKey,
      body: { filter: { helpfulness: { $gte: 2147483647 } }, includePrivateReviews: true },
    });
    expect(edge.body).toEqual({ count: 0 });
  });

  it('answers a filter of 1,000 $or branches with one MAX_SIZE violation, and runs one at the cap', async () => {
    const or = (n: number) => Array.from({ length: n }, (_, i) => ({ entityId: `e${i}` }));
    const big = await call(t.app, 'POST', '/reviews/v1/reviews/query', {
      auth: site.adminKey,
      body: { query: { filter: { $or: or(1000) } } },
    });
    expect(big.status).toBe(400);
    expect(violations(big.body)).toEqual([['query.filter.$or[250]', 'MAX_SIZE']]);
    const count = await call(t.app, 'POST', '/reviews/v1/reviews/count', {
      auth: site.adminKey,
      body: { filter: { $or: or(1000) } },
    });
    expect(violations(count.body)).toEqual([['filter.$or[250]', 'MAX_SIZE']]);
    const atCap = await call(t.app, 'POST', '/reviews/v1/reviews/query', {
      auth: site.adminKey,
      body: { query: { filter: { $or: [...or(249), { id: reviewId }] } }, returnPrivateReviews: true },
    });
    expect(atCap.status).toBe(200);
    expect(atCap.body.reviews.map((r: { id: string }) => r.id)).toEqual([reviewId]);
  });

  it('refuses a body nested 5,000 levels deep with 400, with or without an Idempotency-Key, and claims no key', async () => {
    const deep = `{"query":{"filter":{"x":${'['.repeat(5000)}1${']'.repeat(5000)}}}}`;
    for (const headers of [{}, { 'idempotency-key': 'deep-1' }] as Record<string, string>[]) {
      const res = await call(t.app, 'POST', '/reviews/v1/reviews/query', {
        auth: site.adminKey,
        rawBody: deep,
        headers,
      });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({
        message: 'Invalid request',
        details: {
          validationError: {
            fieldViolations: [
              { field: 'body', description: 'must not nest deeper than 64 levels', violatedRule: 'MAX_DEPTH' },
            ],
          },
        },
      });
    }
    const deepCreate = `{"review":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}`;
    const created = await call(t.app, 'POST', '/reviews/v1/reviews', {
      auth: site.adminKey,
      rawBody: deepCreate,
      headers: { 'idempotency-key': 'deep-2' },
    });
    expect(created.status).toBe(400);
    // The key was never claimed: a proper request under it runs.
    const retry = await call(t.app, 'POST', '/reviews/v1/reviews/query', {
      auth: site.adminKey,
      body: { query: {} },
      headers: { 'idempotency-key': 'deep-1' },
    });
    expect(retry.status).toBe(200);
    expect(retry.headers['idempotent-replayed']).toBeUndefined();
  });

  it('accepts the deepest valid filter (8 levels inside a query)', async () => {
    let filter: unknown = { entityId: 'x' };
    for (let i = 0; i < 7; i++) filter = i % 2 ? { $not: filter } : { $and: [filter, { entityId: 'y' }] };
    const res = await call(t.app, 'POST', '/reviews/v1/reviews/query', {
      auth: site.adminKey,
      body: { query: { filter } },
    });
    expect(res.status).toBe(200);
  });

  it('refuses unknown top-level properties of query, count and contacts query with one violation each', async () => {
    const query = await call(t.app, 'POST', '/reviews/v1/reviews/query', {
      auth: site.adminKey,
      body: { query: {}, filter: { entityId: 'x' }, paging: { limit: 1 } },
    });
    expect(query.status).toBe(400);
    expect(query.body.details.validationError.fieldViolations).toEqual([
      { field: 'filter', description: 'is not a known field', violatedRule: 'UNKNOWN_FIELD' },
      { field: 'paging', description: 'is not a known field', violatedRule: 'UNKNOWN_FIELD' },
    ]);
    const count = await call(t.app, 'POST', '/reviews/v1/reviews/count', {
      auth: site.adminKey,
      body: { query: { filter: {} }, returnPrivateReviews: true },
    });
    expect(violations(count.body)).toEqual([
      ['query', 'UNKNOWN_FIELD'],
      ['returnPrivateReviews', 'UNKNOWN_FIELD'],
    ]);
    const contacts = await call(t.app, 'POST', '/contacts/v4/contacts/query', {
      auth: site.adminKey,
      body: { query: {}, search: 'ann' },
    });
    expect(violations(contacts.body)).toEqual([['search', 'UNKNOWN_FIELD']]);
  });

  it('accepts exactly what the official SDK sends for query and count, and fieldsets on contacts query', async () => {
    for (const [url, body] of [
      ['/reviews/v1/reviews/query', { query: { filter: {}, cursorPaging: { limit: 50 } } }],
      [
        '/reviews/v1/reviews/query',
        { returnPrivateReviews: true, query: { filter: {}, sort: [{ fieldName: 'content.rating', order: 'ASC' }] } },
      ],
      ['/reviews/v1/reviews/count', {}],
      // The SDK's request types allow a null filter (no filter).
      ['/reviews/v1/reviews/count', { filter: null }],
      ['/reviews/v1/reviews/query', { query: { filter: null } }],
      ['/reviews/v1/reviews/count', { filter: { entityId: 'p1' }, includePrivateReviews: true }],
      ['/contacts/v4/contacts/query', { query: { paging: { limit: 10 } }, fieldsets: ['FULL'] }],
    ] as const) {
      const res = await call(t.app, 'POST', url, { auth: site.adminKey, body });
      expect([url, res.status]).toEqual([url, 200]);
    }
  });
});
