/**
 * The shared security suite, run over every route of the catalogue that needs credentials (every prefix): missing, empty, forged,
 * expired, revoked and wrong-kind credentials are refused with 401; credentials of another site are refused with
 * 403 and reveal nothing; then query injection, body size limits, malformed and mis-encoded bodies, wrong media
 * types, unknown routes, and the generic 500 that never leaks its cause.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  accessOf,
  type Method,
  OPERATION_NAMES,
  type OperationName,
  operation,
  operationPaths,
} from '../../src/contract/operations/index.ts';
import { createApiKey, revokeApiKey } from '../../src/server/sites/sites.service.ts';
import {
  buildSite,
  call,
  contactId,
  entityId,
  reviewBody,
  startTestApp,
  type TestApp,
  type TestSite,
  waitFor,
} from '../support/app.ts';
import { dialects, type TestDb } from '../support/databases.ts';

/**
 * Every route that needs credentials, from the catalogue of operations: each operation that is not public, under
 * each of its paths (the Wix aliases too). A route mounted outside the catalogue fails the catalogue test.
 */
const ROUTES: { method: Method; path: string; operation: OperationName }[] = OPERATION_NAMES.filter(
  (name) => accessOf(name).public !== true,
).flatMap((name) => operationPaths(name).map((path) => ({ method: operation(name).method, path, operation: name })));

/** The site a request is aimed at: its review, its job and the entity they are about. */
interface Target {
  reviewId: string;
  jobId: string;
  entityId: string;
  revision: string;
}

/**
 * A request that would succeed for the target site's owner: path parameters filled (with `params`, or a random
 * GUID), the query string and body each operation needs. Only the credentials vary between cases.
 */
function requestFor(route: (typeof ROUTES)[number], target: Target, params: 'target' | 'random') {
  const url = route.path.replace(/:(\w+)/g, (_m, name: string) => {
    if (params === 'random') return randomUUID();
    return name === 'jobId' ? target.jobId : target.reviewId;
  });
  const op = route.operation;
  const bodies: Partial<Record<OperationName, unknown>> = {
    createReview: reviewBody({ entityId: target.entityId }),
    createReviewAndContact: {
      namespace: 'stores',
      entityId: target.entityId,
      name: 'Mallory',
      email: `mallory-${randomUUID()}@example.com`,
      content: { rating: 1 },
    },
    queryReviews: { query: { filter: { entityId: target.entityId } }, returnPrivateReviews: true },
    countReviews: { filter: { entityId: target.entityId }, includePrivateReviews: true },
    bulkCreateReview: { reviews: [reviewBody({ entityId: target.entityId }).review] },
    updateReview: { review: { revision: target.revision, content: { title: 'Hijacked' } } },
    updateReviewContent: { content: { title: 'Hijacked' } },
    setReply: { message: 'Hijacked' },
    updateModerationStatus: { status: 'REJECTED' },
    bulkDeleteReviews: { filter: { entityId: target.entityId } },
    bulkUpdateModerationStatus: { filter: { entityId: target.entityId }, status: 'REJECTED' },
    batchRatingSummaries: { namespace: 'stores', entityIds: [target.entityId] },
    createMemberToken: { contactId: contactId() },
    updateSiteSettings: { settings: { moderation: { mode: 'HOLD_ALL', heldRatings: [] } } },
  };
  const query = op === 'getRatingSummary' ? `?namespace=stores&entityId=${target.entityId}` : '';
  const body = bodies[op];
  return { url: `${url}${query}`, ...(body === undefined ? {} : { body }) };
}

const WIX_401 = {
  message: expect.any(String),
  details: { applicationError: { code: 'UNAUTHENTICATED', description: expect.any(String) } },
};
const WIX_403 = {
  message: expect.any(String),
  details: { applicationError: { code: 'PERMISSION_DENIED', description: expect.any(String) } },
};
const REQUEST_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe.each(dialects())('security on $name', (dialect) => {
  let db: TestDb;
  let t: TestApp;
  /** The site under attack, with one approved review whose title must never leak. */
  let site: TestSite;
  let target: Target;
  const secretTitle = `secret-${randomUUID()}`;
  /** Another site, whose credentials must not reach `site`. */
  let other: TestSite;
  const creds: Record<string, string> = {};
  /** Dashboard sessions (cookie and CSRF headers): dead ones of this site, live ones of the other site. */
  const sessions: Record<string, Record<string, string>> = {};

  const tokenSecret = async (siteId: string) =>
    (await t.deps.db.selectFrom('sites').select('token_secret').where('id', '=', siteId).executeTakeFirstOrThrow())
      .token_secret;

  /** A member token signed like Verdict signs them, with the given secret and expiry (seconds from now). */
  async function forgeMemberToken(siteId: string, secret: string, expiresInSeconds: number, typ = 'member') {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ sid: siteId, typ })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('verdict')
      .setSubject(contactId())
      .setIssuedAt(now - 7200)
      .setExpirationTime(now + expiresInSeconds)
      .sign(new TextEncoder().encode(secret));
  }

  /** Everything of `siteId` a request could change (job progress excluded: the worker moves it on its own). */
  async function snapshot(siteId: string) {
    const [reviews, contacts, summaries, events, jobs, settings, users] = await Promise.all([
      t.deps.db.selectFrom('reviews').selectAll().where('site_id', '=', siteId).orderBy('id').execute(),
      t.deps.db.selectFrom('contacts').selectAll().where('site_id', '=', siteId).orderBy('id').execute(),
      t.deps.db.selectFrom('entity_summaries').selectAll().where('site_id', '=', siteId).orderBy('entity_id').execute(),
      t.deps.db.selectFrom('outbox_events').select('id').where('site_id', '=', siteId).orderBy('id').execute(),
      t.deps.db.selectFrom('jobs').select('id').where('site_id', '=', siteId).orderBy('id').execute(),
      t.deps.db.selectFrom('sites').select('settings_json').where('id', '=', siteId).executeTakeFirstOrThrow(),
      t.deps.db.selectFrom('users').selectAll().where('site_id', '=', siteId).orderBy('id').execute(),
    ]);
    return { reviews, contacts, summaries, events, jobs, settings, users };
  }
  let before: Awaited<ReturnType<typeof snapshot>>;

  beforeAll(async () => {
    db = await dialect.open();
    t = await startTestApp(db);
    site = await buildSite(t);
    other = await buildSite(t);
    const created = await call(t.app, 'POST', '/reviews/v1/reviews', {
      auth: site.adminKey,
      body: reviewBody({ content: { title: secretTitle } }),
    });
    expect(created.status).toBe(200);
    const job = await call(t.app, 'POST', '/reviews/v1/bulk/reviews/delete', {
      auth: site.adminKey,
      body: { filter: { entityId: 'matches-nothing' } },
    });
    expect(job.status).toBe(200);
    target = {
      reviewId: created.body.review.id,
      revision: created.body.review.revision,
      entityId: created.body.review.entityId,
      jobId: job.body.jobId,
    };
    await waitFor('the setup job to complete', async () => {
      const j = await call(t.app, 'GET', `/verdict/v1/jobs/${target.jobId}`, { auth: site.adminKey });
      return j.body.job.status === 'COMPLETED' ? true : undefined;
    });

    const secret = await tokenSecret(site.siteId);
    const revoked = await createApiKey(t.deps, site.siteId, {
      kind: 'app',
      name: 'revoked',
      scopes: ['reviews.read', 'reviews.read_private', 'reviews.manage', 'reviews.moderate'],
    });
    creds.revokedAppKey = revoked.key;
    const works = await call(t.app, 'GET', `/reviews/v1/reviews/${target.reviewId}`, { auth: revoked.key });
    expect(works.status).toBe(200);
    expect(await revokeApiKey(t.deps, site.siteId, revoked.row.id)).toBe(true);

    creds.otherSecretJwt = await forgeMemberToken(site.siteId, randomBytes(32).toString('base64url'), 3600);
    creds.expiredMemberToken = await forgeMemberToken(site.siteId, secret, -60);
    creds.validForgedMemberToken = await forgeMemberToken(site.siteId, secret, 3600);
    creds.adminTypToken = await forgeMemberToken(site.siteId, secret, 3600, 'admin');
    creds.unsignedJwt = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(
      JSON.stringify({ sid: site.siteId, typ: 'member', sub: contactId(), iss: 'verdict', exp: 9_999_999_999 }),
    ).toString('base64url')}.`;
    creds.refreshToken = (await t.deps.auth.issueVisitorTokens(site.clientId, '198.51.100.1')).refresh_token;
    creds.otherAdmin = other.adminKey;
    creds.otherApp = await other.appKey(['reviews.read', 'reviews.read_private', 'reviews.manage', 'reviews.moderate']);
    creds.otherVisitor = await other.visitorToken();
    creds.otherMember = await other.memberToken(contactId());
    // Dashboard sessions that prove nothing: a token never issued, one past its end, one of a user since removed.
    sessions.unknown = { cookie: `verdict_session=${randomBytes(32).toString('base64url')}` };
    const expired = await site.dashboardUser('owner');
    await t.deps.db
      .updateTable('user_sessions')
      .set({ expires_at: new Date(Date.now() - 1000).toISOString() })
      .where('site_id', '=', site.siteId)
      .where('user_id', '=', expired.id)
      .execute();
    sessions.expired = expired.headers;
    const removed = await site.dashboardUser('owner');
    await t.deps.db.deleteFrom('users').where('site_id', '=', site.siteId).where('id', '=', removed.id).execute();
    sessions.removed = removed.headers;
    sessions.otherOwner = (await other.dashboardUser('owner')).headers;
    sessions.otherModerator = (await other.dashboardUser('moderator')).headers;
    before = await snapshot(site.siteId);
  });
  afterAll(async () => {
    await t.close();
    await db.dispose();
  });

  describe('credentials that prove nothing are refused with 401 on every route', () => {
    const cases: { name: string; auth: () => string | undefined; headers?: () => Record<string, string> }[] = [
      { name: 'no Authorization header', auth: () => undefined },
      { name: 'an empty Authorization header (the SDK without auth)', auth: () => '' },
      { name: 'a bare "Bearer "', auth: () => 'Bearer ' },
      { name: 'a garbage token', auth: () => 'definitely-not-a-token' },
      { name: 'a garbage three-part token', auth: () => 'Bearer abc.def.ghi' },
      {
        name: 'an unknown key with the admin prefix',
        auth: () => `vdt_admin_${randomBytes(32).toString('base64url')}`,
      },
      { name: 'a JWT signed with another secret', auth: () => creds.otherSecretJwt },
      { name: 'an unsigned (alg none) JWT', auth: () => creds.unsignedJwt },
      { name: 'an expired member token', auth: () => creds.expiredMemberToken },
      { name: 'a site-signed token claiming an unknown type ("admin")', auth: () => creds.adminTypToken },
      { name: 'a revoked app key', auth: () => creds.revokedAppKey },
      { name: 'a refresh token used as an access token', auth: () => creds.refreshToken },
      { name: 'an unknown dashboard session cookie', auth: () => undefined, headers: () => sessions.unknown ?? {} },
      { name: 'an expired dashboard session', auth: () => undefined, headers: () => sessions.expired ?? {} },
      { name: 'the session of a removed dashboard user', auth: () => undefined, headers: () => sessions.removed ?? {} },
    ];
    for (const c of cases) {
      describe(c.name, () => {
        for (const route of ROUTES) {
          it(`${route.method} ${route.path} → 401 UNAUTHENTICATED`, async () => {
            const req = requestFor(route, target, 'random');
            const auth = c.auth();
            const res = await call(t.app, route.method, req.url, {
              ...(auth === undefined ? {} : { auth }),
              ...(c.headers ? { headers: c.headers() } : {}),
              ...('body' in req ? { body: req.body } : {}),
            });
            expect(res.status).toBe(401);
            expect(res.body).toEqual(WIX_401);
            expect(res.headers['x-wix-request-id']).toMatch(REQUEST_ID);
          });
        }
      });
    }

    it('accepts the same forged member token when it is signed with the site secret and not expired', async () => {
      // Proves the expired/other-secret tokens above fail for their one defect, not for their shape.
      const res = await call(t.app, 'GET', `/reviews/v1/reviews/${target.reviewId}`, {
        auth: `Bearer ${creds.validForgedMemberToken}`,
      });
      expect(res.status).toBe(200);
      expect(res.body.review.id).toBe(target.reviewId);
    });

    it('changed nothing on the site', async () => {
      expect(await snapshot(site.siteId)).toEqual(before);
    });
  });

  describe("another site's credentials naming this site in wix-site-id are refused with 403 on every route", () => {
    for (const who of ['otherAdmin', 'otherApp', 'otherVisitor', 'otherMember'] as const) {
      describe(who, () => {
        for (const route of ROUTES) {
          it(`${route.method} ${route.path} → 403 PERMISSION_DENIED, no data`, async () => {
            const req = requestFor(route, target, 'target');
            const res = await call(t.app, route.method, req.url, {
              auth: creds[who],
              headers: { 'wix-site-id': site.siteId },
              ...('body' in req ? { body: req.body } : {}),
            });
            expect(res.status).toBe(403);
            expect(res.body).toEqual(WIX_403);
            expect(res.headers['x-wix-request-id']).toMatch(REQUEST_ID);
            const text = JSON.stringify(res.body);
            expect(text).not.toContain(secretTitle);
            expect(text).not.toContain(target.reviewId);
            expect(text).not.toContain(target.entityId);
          });
        }
      });
    }

    for (const who of ['otherOwner', 'otherModerator'] as const) {
      describe(`${who} (dashboard session)`, () => {
        for (const route of ROUTES) {
          it(`${route.method} ${route.path} → 403 PERMISSION_DENIED, no data`, async () => {
            const req = requestFor(route, target, 'target');
            const res = await call(t.app, route.method, req.url, {
              headers: { ...sessions[who], 'wix-site-id': site.siteId },
              ...('body' in req ? { body: req.body } : {}),
            });
            expect(res.status).toBe(403);
            expect(res.body).toEqual(WIX_403);
            const text = JSON.stringify(res.body);
            expect(text).not.toContain(secretTitle);
            expect(text).not.toContain(target.reviewId);
          });
        }
      });
    }

    it("accepts wix-site-id when it names the credential's own site", async () => {
      const res = await call(t.app, 'GET', `/reviews/v1/reviews/${target.reviewId}`, {
        auth: site.adminKey,
        headers: { 'wix-site-id': site.siteId },
      });
      expect(res.status).toBe(200);
    });

    it('changed nothing on the site', async () => {
      expect(await snapshot(site.siteId)).toEqual(before);
    });
  });

  describe("another site's admin key without wix-site-id", () => {
    const expectNotFound = (res: Awaited<ReturnType<typeof call>>) => {
      expect(res.status).toBe(404);
      expect(res.body.details.applicationError.code).toBe('REVIEW_NOT_FOUND');
      expect(JSON.stringify(res.body)).not.toContain(secretTitle);
    };

    it("cannot read, update, reply to, moderate or delete this site's review by id (404, never the review)", async () => {
      const auth = other.adminKey;
      const id = target.reviewId;
      expectNotFound(await call(t.app, 'GET', `/reviews/v1/reviews/${id}?returnPrivateReviews=true`, { auth }));
      expectNotFound(
        await call(t.app, 'PATCH', `/reviews/v1/reviews/${id}`, {
          auth,
          body: { review: { revision: target.revision, content: { title: 'Hijacked' } } },
        }),
      );
      expectNotFound(
        await call(t.app, 'PUT', `/reviews/v1/reviews/content/${id}`, {
          auth,
          body: { content: { title: 'Hijacked' } },
        }),
      );
      expectNotFound(
        await call(t.app, 'PATCH', `/reviews/v1/reviews/${id}/reply`, { auth, body: { message: 'Hijacked' } }),
      );
      expectNotFound(await call(t.app, 'DELETE', `/reviews/v1/reviews/${id}/reply`, { auth }));
      expectNotFound(
        await call(t.app, 'PATCH', `/reviews/v1/reviews/${id}/moderate`, { auth, body: { status: 'REJECTED' } }),
      );
      expectNotFound(await call(t.app, 'DELETE', `/reviews/v1/reviews/${id}`, { auth }));
      expect(await snapshot(site.siteId)).toEqual(before);
    });

    it("finds, counts and bulk-changes none of this site's reviews", async () => {
      const auth = other.adminKey;
      const query = await call(t.app, 'POST', '/reviews/v1/reviews/query', {
        auth,
        body: { query: { filter: { id: target.reviewId } }, returnPrivateReviews: true },
      });
      expect(query.status).toBe(200);
      expect(query.body.reviews).toEqual([]);
      const count = await call(t.app, 'POST', '/reviews/v1/reviews/count', {
        auth,
        body: { filter: { entityId: target.entityId }, includePrivateReviews: true },
      });
      expect(count.body).toEqual({ count: 0 });
      const summary = await call(
        t.app,
        'GET',
        `/verdict/v1/ratings/summary?namespace=stores&entityId=${target.entityId}`,
        {
          auth,
        },
      );
      expect(summary.body.summary.count).toBe(0);
      const job404 = await call(t.app, 'GET', `/verdict/v1/jobs/${target.jobId}`, { auth });
      expect(job404.status).toBe(404);
      expect(job404.body.details.applicationError.code).toBe('JOB_NOT_FOUND');

      const bulk = await call(t.app, 'POST', '/reviews/v1/bulk/reviews/delete', {
        auth,
        body: { filter: { id: target.reviewId } },
      });
      expect(bulk.status).toBe(200);
      const done = await waitFor("the other site's bulk delete to complete", async () => {
        const j = await call(t.app, 'GET', `/verdict/v1/jobs/${bulk.body.jobId}`, { auth });
        return j.body.job.status === 'COMPLETED' ? j.body.job : undefined;
      });
      expect(done.processed).toBe(0);
      const still = await call(t.app, 'GET', `/reviews/v1/reviews/${target.reviewId}`, { auth: site.adminKey });
      expect(still.status).toBe(200);
      expect(still.body.review.content.title).toBe(secretTitle);
      expect(await snapshot(site.siteId)).toEqual(before);
    });
  });

  describe('injection through filters, sorts and ids', () => {
    /** A fresh site with three approved reviews on one entity, and an admin key. */
    async function seeded() {
      const s = await buildSite(t);
      const entity = entityId();
      for (let i = 0; i < 3; i++) {
        const res = await call(t.app, 'POST', '/reviews/v1/reviews', {
          auth: s.adminKey,
          body: reviewBody({ entityId: entity }),
        });
        expect(res.status).toBe(200);
      }
      return { s, entity };
    }

    async function tableStillWorks(s: TestSite, entity: string, expected: number) {
      const count = await call(t.app, 'POST', '/reviews/v1/reviews/count', {
        auth: s.adminKey,
        body: { filter: { entityId: entity } },
      });
      expect(count.body).toEqual({ count: expected });
      const created = await call(t.app, 'POST', '/reviews/v1/reviews', {
        auth: s.adminKey,
        body: reviewBody({ entityId: entity }),
      });
      expect(created.status).toBe(200);
      const all = await call(t.app, 'POST', '/reviews/v1/reviews/count', {
        auth: s.adminKey,
        body: { filter: { entityId: entity } },
      });
      expect(all.body).toEqual({ count: expected + 1 });
    }

    it('treats SQL-looking filter values as plain strings that match nothing', async () => {
      const { s, entity } = await seeded();
      const filters = [
        { entityId: "' or 1=1 --" },
        { entityId: { $eq: "x'; drop table reviews;--" } },
        { entityId: { $in: ["') or ('1'='1", 'x"; delete from reviews; --'] } },
        { namespace: "stores' or '1'='1", entityId: entity },
        { 'author.contactId': '1 OR 1=1' },
      ];
      for (const filter of filters) {
        const q = await call(t.app, 'POST', '/reviews/v1/reviews/query', {
          auth: s.adminKey,
          body: { query: { filter }, returnPrivateReviews: true },
        });
        expect(q.status, JSON.stringify(filter)).toBe(200);
        expect(q.body.reviews, JSON.stringify(filter)).toEqual([]);
        const c = await call(t.app, 'POST', '/reviews/v1/reviews/count', { auth: s.adminKey, body: { filter } });
        expect(c.body, JSON.stringify(filter)).toEqual({ count: 0 });
      }
      await tableStillWorks(s, entity, 3);
    });

    it('refuses injected field names, $where and unknown operators with a field violation naming them', async () => {
      const { s, entity } = await seeded();
      const cases: { filter: Record<string, unknown>; field: string }[] = [
        { filter: { 'id; drop table reviews': 'x' }, field: 'query.filter.id; drop table reviews' },
        { filter: { "entityId' or '1'='1": 'x' }, field: "query.filter.entityId' or '1'='1" },
        { filter: { $where: 'this.rating > 0' }, field: 'query.filter.$where' },
        { filter: { entityId: { $where: '1=1' } }, field: 'query.filter.entityId.$where' },
        { filter: { entityId: { $regex: '.*' } }, field: 'query.filter.entityId.$regex' },
        { filter: { $or: [{ 'rating) or (1=1': 1 }] }, field: 'query.filter.$or[0].rating) or (1=1' },
      ];
      for (const c of cases) {
        const res = await call(t.app, 'POST', '/reviews/v1/reviews/query', {
          auth: s.adminKey,
          body: { query: { filter: c.filter } },
        });
        expect(res.status, c.field).toBe(400);
        const fields = res.body.details.validationError.fieldViolations.map((v: { field: string }) => v.field);
        expect(fields).toContain(c.field);
        const count = await call(t.app, 'POST', '/reviews/v1/reviews/count', {
          auth: s.adminKey,
          body: { filter: c.filter },
        });
        expect(count.status, c.field).toBe(400);
      }
      const sort = await call(t.app, 'POST', '/reviews/v1/reviews/query', {
        auth: s.adminKey,
        body: { query: { sort: [{ fieldName: 'content.rating; drop table reviews', order: 'ASC' }] } },
      });
      expect(sort.status).toBe(400);
      expect(sort.body.details.validationError.fieldViolations[0].field).toBe('query.sort[0].fieldName');
      const order = await call(t.app, 'POST', '/reviews/v1/reviews/query', {
        auth: s.adminKey,
        body: { query: { sort: [{ fieldName: 'content.rating', order: 'ASC; drop table reviews' }] } },
      });
      expect(order.status).toBe(400);
      await tableStillWorks(s, entity, 3);
    });

    it('refuses __proto__ and constructor.prototype keys anywhere in a body and pollutes no prototype', async () => {
      const { s, entity } = await seeded();
      const bodies = [
        `{"query":{"filter":{"__proto__":{"entityId":"${entity}"}}}}`,
        `{"__proto__":{"polluted":true},"query":{}}`,
        `{"query":{"filter":{"constructor":{"prototype":{"polluted":true}}}}}`,
      ];
      for (const rawBody of bodies) {
        const res = await call(t.app, 'POST', '/reviews/v1/reviews/query', { auth: s.adminKey, rawBody });
        expect(res.status, rawBody).toBe(400);
        expect(res.body.details.validationError.fieldViolations).toEqual([expect.objectContaining({ field: 'body' })]);
      }
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(({} as Record<string, unknown>).entityId).toBeUndefined();
      await tableStillWorks(s, entity, 3);
    });

    it('runs a bulk delete with an SQL-looking filter that deletes nothing', async () => {
      const { s, entity } = await seeded();
      const bulk = await call(t.app, 'POST', '/reviews/v1/bulk/reviews/delete', {
        auth: s.adminKey,
        body: { filter: { entityId: "' or 1=1 --" } },
      });
      expect(bulk.status).toBe(200);
      const job = await waitFor('the bulk delete job to complete', async () => {
        const j = await call(t.app, 'GET', `/verdict/v1/jobs/${bulk.body.jobId}`, { auth: s.adminKey });
        return j.body.job.status === 'COMPLETED' ? j.body.job : undefined;
      });
      expect(job.processed).toBe(0);
      const refused = await call(t.app, 'POST', '/reviews/v1/bulk/reviews/delete', {
        auth: s.adminKey,
        body: { filter: { 'entityId; drop table reviews': 'x' } },
      });
      expect(refused.status).toBe(400);
      await tableStillWorks(s, entity, 3);
    });

    it('answers SQL-looking ids and entity ids with not found or an empty summary', async () => {
      const { s, entity } = await seeded();
      const get = await call(t.app, 'GET', `/reviews/v1/reviews/${encodeURIComponent("' or 1=1 --")}`, {
        auth: s.adminKey,
      });
      expect(get.status).toBe(404);
      const del = await call(t.app, 'DELETE', `/reviews/v1/reviews/${encodeURIComponent("x' or '1'='1")}`, {
        auth: s.adminKey,
      });
      expect(del.status).toBe(404);
      const summary = await call(
        t.app,
        'GET',
        `/verdict/v1/ratings/summary?namespace=stores&entityId=${encodeURIComponent("' or '1'='1")}`,
        {
          auth: s.adminKey,
        },
      );
      expect(summary.status).toBe(200);
      expect(summary.body.summary.count).toBe(0);
      await tableStillWorks(s, entity, 3);
    });
  });

  describe('bodies', () => {
    const reviewCount = async (s: TestSite) =>
      (
        await call(t.app, 'POST', '/reviews/v1/reviews/count', {
          auth: s.adminKey,
          body: { includePrivateReviews: true },
        })
      ).body.count as number;

    it('refuses a createReview body over 256 KiB with 413 PAYLOAD_TOO_LARGE and creates nothing', async () => {
      const s = await buildSite(t);
      const body = reviewBody({ content: { body: 'x'.repeat(300 * 1024) } });
      expect(JSON.stringify(body).length).toBeGreaterThan(256 * 1024);
      const res = await call(t.app, 'POST', '/reviews/v1/reviews', { auth: s.adminKey, body });
      expect(res.status).toBe(413);
      expect(res.body).toEqual({
        message: expect.any(String),
        details: { applicationError: { code: 'PAYLOAD_TOO_LARGE', description: expect.any(String) } },
      });
      expect(res.headers['x-wix-request-id']).toMatch(REQUEST_ID);
      expect(await reviewCount(s)).toBe(0);
    });

    it('lets a bulk create body over 256 KiB but under 4 MiB through the size check', async () => {
      const s = await buildSite(t);
      const reviews = Array.from({ length: 100 }, () => reviewBody({ content: { body: 'y'.repeat(2900) } }).review);
      const size = JSON.stringify({ reviews }).length;
      expect(size).toBeGreaterThan(256 * 1024);
      expect(size).toBeLessThan(4 * 1024 * 1024);
      const res = await call(t.app, 'POST', '/reviews/v1/bulk/reviews/create', { auth: s.adminKey, body: { reviews } });
      expect(res.status).toBe(200);
      expect(res.body.bulkActionMetadata).toEqual({ totalSuccesses: 100, totalFailures: 0, undetailedFailures: 0 });
      expect(await reviewCount(s)).toBe(100);
    });

    it('refuses a bulk create body over 4 MiB with 413 PAYLOAD_TOO_LARGE', async () => {
      const s = await buildSite(t);
      const reviews = [reviewBody({ content: { body: 'z'.repeat(4 * 1024 * 1024 + 1) } }).review];
      const res = await call(t.app, 'POST', '/reviews/v1/bulk/reviews/create', { auth: s.adminKey, body: { reviews } });
      expect(res.status).toBe(413);
      expect(res.body.details.applicationError.code).toBe('PAYLOAD_TOO_LARGE');
      expect(await reviewCount(s)).toBe(0);
    });

    it('refuses malformed JSON with 400 and a violation on body', async () => {
      const s = await buildSite(t);
      for (const rawBody of ['{"review": ', '{review: 1}', "{'a': 1}", '[1,2', '{"a":1}}']) {
        const res = await call(t.app, 'POST', '/reviews/v1/reviews', { auth: s.adminKey, rawBody });
        expect(res.status, rawBody).toBe(400);
        expect(res.body).toEqual({
          message: expect.any(String),
          details: { validationError: { fieldViolations: [expect.objectContaining({ field: 'body' })] } },
        });
      }
      expect(await reviewCount(s)).toBe(0);
    });

    it('refuses an empty JSON body with 400 and a violation on body', async () => {
      const s = await buildSite(t);
      const res = await call(t.app, 'POST', '/reviews/v1/reviews', { auth: s.adminKey, rawBody: '' });
      expect(res.status).toBe(400);
      expect(res.body.details.validationError.fieldViolations).toEqual([expect.objectContaining({ field: 'body' })]);
    });

    it('refuses invalid UTF-8 with 400 and a violation on body, storing nothing', async () => {
      const s = await buildSite(t);
      const bad = await call(t.app, 'POST', '/reviews/v1/reviews/count', {
        auth: s.adminKey,
        rawBody: Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]),
      });
      expect(bad.status).toBe(400);
      expect(bad.body.details.validationError.fieldViolations).toEqual([
        expect.objectContaining({ field: 'body', violatedRule: 'INVALID_ENCODING' }),
      ]);
      const json = JSON.stringify(reviewBody({ content: { title: 'TITLE' } }));
      const at = Buffer.from(json).indexOf('TITLE');
      const bytes = Buffer.from(json);
      bytes[at] = 0xc3; // a lone lead byte: "Ã" without its continuation
      const create = await call(t.app, 'POST', '/reviews/v1/reviews', { auth: s.adminKey, rawBody: bytes });
      expect(create.status).toBe(400);
      expect(await reviewCount(s)).toBe(0);
    });

    it('refuses a text/plain body with 415 UNSUPPORTED_MEDIA_TYPE', async () => {
      const s = await buildSite(t);
      const res = await call(t.app, 'POST', '/reviews/v1/reviews', {
        auth: s.adminKey,
        rawBody: JSON.stringify(reviewBody()),
        headers: { 'content-type': 'text/plain' },
      });
      expect(res.status).toBe(415);
      expect(res.body).toEqual({
        message: expect.any(String),
        details: { applicationError: { code: 'UNSUPPORTED_MEDIA_TYPE', description: expect.any(String) } },
      });
      expect(await reviewCount(s)).toBe(0);
    });

    it('accepts application/json with a charset parameter', async () => {
      const s = await buildSite(t);
      const res = await call(t.app, 'POST', '/reviews/v1/reviews', {
        auth: s.adminKey,
        rawBody: JSON.stringify(reviewBody()),
        headers: { 'content-type': 'application/json; charset=utf-8' },
      });
      expect(res.status).toBe(200);
      expect(await reviewCount(s)).toBe(1);
    });

    it('answers an unknown route with 404 ROUTE_NOT_FOUND in the Wix body, with or without credentials', async () => {
      for (const auth of [undefined, site.adminKey]) {
        for (const [method, url] of [
          ['GET', '/reviews/v1/nope'],
          ['POST', '/reviews/v2/reviews'],
          ['GET', '/verdict/v1/admin/secrets'],
        ] as const) {
          const res = await call(t.app, method, url, auth === undefined ? {} : { auth });
          expect(res.status, `${method} ${url}`).toBe(404);
          expect(res.body).toEqual({
            message: expect.any(String),
            details: { applicationError: { code: 'ROUTE_NOT_FOUND', description: expect.any(String) } },
          });
          expect(res.headers['x-wix-request-id']).toMatch(REQUEST_ID);
        }
      }
    });
  });

  describe('unexpected errors', () => {
    it('answer a generic 500 "Internal error." with no stack, SQL or driver message', async () => {
      const broken = await dialect.open();
      const app = await startTestApp(broken);
      try {
        const s = await buildSite(app);
        const created = await call(app.app, 'POST', '/reviews/v1/reviews', { auth: s.adminKey, body: reviewBody() });
        expect(created.status).toBe(200);
        await broken.close();
        const res = await call(app.app, 'GET', `/reviews/v1/reviews/${created.body.review.id}`, { auth: s.adminKey });
        expect(res.status).toBe(500);
        expect(res.body).toEqual({
          message: 'Internal error.',
          details: { applicationError: { code: 'INTERNAL_ERROR', description: 'Internal error.' } },
        });
        expect(res.headers['x-wix-request-id']).toMatch(REQUEST_ID);
        const text = JSON.stringify(res.body);
        expect(text).not.toMatch(/select|from|sqlite|postgres|pool|destroy|stack|\.ts|at /i);
      } finally {
        await app.close();
        await broken.dispose();
      }
    });
  });
});
