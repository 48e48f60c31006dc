/**
 * The permission matrix of docs/product.md §2, one test per cell: every operation of the catalogue × every kind of
 * caller. Allowed callers get 200; refused callers get 403 PERMISSION_DENIED in the Wix body and the site's data is
 * left exactly as it was. The rows come from the catalogue (a new operation without a row does not compile; its
 * method and path are the catalogue's), but who may call is written out here from the spec, not read from the
 * catalogue's access rules, so a change to the rules that breaks the spec fails a test. Then the row-level rules:
 * private reviews are the caller's own for visitors and members, and none for an app that may only read.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Scope } from '../../src/contract/index.ts';
import { OPERATION_NAMES, type OperationName, operation, requestPath } from '../../src/contract/operations/index.ts';
import { isAllowed } from '../../src/server/auth/permissions.rules.ts';
import type { Principal } from '../../src/server/auth/principal.ts';
import {
  buildSite,
  call,
  contactId,
  entityId,
  noRateLimits,
  reviewBody,
  startTestApp,
  type TestApp,
  type TestSite,
  type TestUser,
  waitFor,
} from '../support/app.ts';
import { dialects, type TestDb } from '../support/databases.ts';

/** What varies between requests of one operation; its method and path come from the catalogue. */
interface Req {
  params?: Record<string, string>;
  query?: Record<string, string>;
  body?: unknown;
}

/** What each cell starts from: a fresh site with one approved review that has an owner reply (revision "2"). */
interface Fixture {
  app: TestApp['app'];
  site: TestSite;
  review: { id: string; revision: string; entityId: string };
  /** The caller of the cell and its credentials (a dashboard caller's user too). */
  caller: Caller;
  credential: Credential;
}

/** How a caller authenticates: an Authorization value, or a dashboard session's headers. */
interface Credential {
  auth?: string;
  headers?: Record<string, string>;
  user?: TestUser;
}

type Caller =
  | 'VISITOR'
  | 'MEMBER'
  | 'APP[reviews.read]'
  | 'APP[reviews.read_private]'
  | 'APP[reviews.manage]'
  | 'APP[reviews.moderate]'
  | 'APP[no scope]'
  | 'ADMIN'
  | 'USER[owner]'
  | 'USER[moderator]';

const CALLERS: readonly Caller[] = [
  'VISITOR',
  'MEMBER',
  'APP[reviews.read]',
  'APP[reviews.read_private]',
  'APP[reviews.manage]',
  'APP[reviews.moderate]',
  'APP[no scope]',
  'ADMIN',
  'USER[owner]',
  'USER[moderator]',
];

const APP_SCOPES: Partial<Record<Caller, Scope[]>> = {
  'APP[reviews.read]': ['reviews.read'],
  'APP[reviews.read_private]': ['reviews.read_private'],
  'APP[reviews.manage]': ['reviews.manage'],
  'APP[reviews.moderate]': ['reviews.moderate'],
  'APP[no scope]': [],
};

// Who may call what, from docs/product.md §2. Reading (and rating summaries) is open to every caller and to an app with
// any reviews scope; visitors and members write only as themselves; restricted operations need reviews.manage,
// moderation also reviews.moderate; owner-only operations need the admin key.
const ALL_APPS: Caller[] = [
  'APP[reviews.read]',
  'APP[reviews.read_private]',
  'APP[reviews.manage]',
  'APP[reviews.moderate]',
];
// Dashboard users (docs/adr/0014): an owner may do what the admin key may; a moderator reads the queue (private
// reviews too), decides, replies, deletes and restores, reads reports, the audit, its own jobs and the event feed.
const DASHBOARD: Caller[] = ['USER[owner]', 'USER[moderator]'];
const READERS: Caller[] = ['VISITOR', 'MEMBER', ...ALL_APPS, 'ADMIN', ...DASHBOARD];
const AUTHORS: Caller[] = ['VISITOR', 'MEMBER', 'APP[reviews.manage]', 'ADMIN', 'USER[owner]'];
const MANAGERS: Caller[] = ['APP[reviews.manage]', 'ADMIN', 'USER[owner]'];
// What a moderator does to the queue besides deciding: replies, deletes, the trash.
const CURATORS: Caller[] = ['APP[reviews.manage]', 'ADMIN', ...DASHBOARD];
const MODERATORS: Caller[] = ['APP[reviews.moderate]', 'APP[reviews.manage]', 'ADMIN', ...DASHBOARD];
const JOB_READERS: Caller[] = ['APP[reviews.moderate]', 'APP[reviews.manage]', 'ADMIN', ...DASHBOARD];
const OWNER: Caller[] = ['ADMIN', 'USER[owner]'];
// The moderation audit log names reviews in every status: the owner, apps that moderate, moderators.
const AUDIT_READERS: Caller[] = ['APP[reviews.moderate]', 'ADMIN', ...DASHBOARD];
// Events carry unpublished reviews, so reading the feed needs the right to read private reviews.
const EVENT_READERS: Caller[] = ['APP[reviews.read_private]', 'APP[reviews.manage]', 'ADMIN', ...DASHBOARD];
// A dashboard user's own session and password: signed-in users only, never a key or token.
const SESSION_USERS: Caller[] = DASHBOARD;
// Helpfulness votes and abuse reports are a shopper's: visitors and members only, never a key (docs/product.md §2).
const SHOPPERS: Caller[] = ['VISITOR', 'MEMBER'];

const reviewUrl = (fx: Fixture, suffix = '') => `/reviews/v1/reviews/${fx.review.id}${suffix}`;

/** A webhook made by the owner before the snapshot, pointing at a closed port so its deliveries stay PENDING. */
async function ownerWebhook(fx: Fixture): Promise<string> {
  const res = await call(fx.app, 'POST', '/verdict/v1/webhooks', {
    auth: fx.site.adminKey,
    body: {
      webhook: { url: 'http://127.0.0.1:9/hook', eventTypes: ['wix.reviews.v1.review_updated'], format: 'json' },
    },
  });
  expect(res.status).toBe(200);
  return res.body.webhook.id;
}

/** A review the owner deleted before the snapshot (for restore). */
async function trashedReview(fx: Fixture): Promise<string> {
  const created = await call(fx.app, 'POST', '/reviews/v1/reviews', { auth: fx.site.adminKey, body: reviewBody() });
  expect(created.status).toBe(200);
  const id = created.body.review.id as string;
  expect((await call(fx.app, 'DELETE', `/reviews/v1/reviews/${id}`, { auth: fx.site.adminKey })).status).toBe(200);
  return id;
}

/** A contact the owner created before the snapshot (for erase, export and get). */
async function ownerContact(fx: Fixture): Promise<string> {
  const res = await call(fx.app, 'POST', '/contacts/v4/contacts', {
    auth: fx.site.adminKey,
    body: {
      info: { name: { first: 'Cora' }, emails: { items: [{ email: `cora-${crypto.randomUUID()}@example.com` }] } },
    },
  });
  expect(res.status).toBe(200);
  return res.body.contact.id;
}

/**
 * One row per operation of the catalogue (a missing row does not compile): who may call it, and the path
 * parameters, query and body of a request that would succeed. Method and path come from the catalogue.
 */
const ROWS: { readonly [K in OperationName]: { allowed: Caller[]; request: (fx: Fixture) => Promise<Req> | Req } } = {
  getReview: { allowed: READERS, request: (fx) => ({ params: { reviewId: fx.review.id } }) },
  queryReviews: {
    allowed: READERS,
    request: (fx) => ({ body: { query: { filter: { entityId: fx.review.entityId } } } }),
  },
  countReviews: { allowed: READERS, request: (fx) => ({ body: { filter: { entityId: fx.review.entityId } } }) },
  // No contactId: visitors and members may only write as themselves, keys may leave the author empty.
  createReview: { allowed: AUTHORS, request: () => ({ body: reviewBody({ author: { authorName: 'Ann' } }) }) },
  createReviewAndContact: {
    allowed: AUTHORS,
    request: () => ({
      body: {
        namespace: 'stores',
        entityId: entityId(),
        name: 'Ann Example',
        email: `ann-${crypto.randomUUID()}@example.com`,
        content: { rating: 5, title: 'Nice' },
      },
    }),
  },
  bulkCreateReview: {
    allowed: MANAGERS,
    request: () => ({ body: { reviews: [reviewBody().review, reviewBody().review] } }),
  },
  updateReview: {
    allowed: MANAGERS,
    request: (fx) => ({
      params: { reviewId: fx.review.id },
      body: { review: { revision: fx.review.revision, content: { title: 'Edited' } } },
    }),
  },
  updateReviewContent: {
    allowed: MANAGERS,
    request: (fx) => ({ params: { reviewId: fx.review.id }, body: { content: { title: 'Edited', rating: 1 } } }),
  },
  deleteReview: { allowed: CURATORS, request: (fx) => ({ params: { reviewId: fx.review.id } }) },
  setReply: {
    allowed: CURATORS,
    request: (fx) => ({ params: { reviewId: fx.review.id }, body: { message: 'Another reply' } }),
  },
  removeReply: { allowed: CURATORS, request: (fx) => ({ params: { reviewId: fx.review.id } }) },
  updateModerationStatus: {
    allowed: MODERATORS,
    request: (fx) => ({ params: { reviewId: fx.review.id }, body: { status: 'REJECTED' } }),
  },
  bulkDeleteReviews: { allowed: CURATORS, request: (fx) => ({ body: { filter: { entityId: fx.review.entityId } } }) },
  bulkUpdateModerationStatus: {
    allowed: MODERATORS,
    request: (fx) => ({ body: { filter: { entityId: fx.review.entityId }, status: 'REJECTED' } }),
  },
  readEvents: { allowed: EVENT_READERS, request: () => ({ query: { limit: '5' } }) },
  getJob: {
    allowed: JOB_READERS,
    request: async (fx) => {
      // The job is made before the snapshot, by the owner (a moderator reads only jobs it started, so by itself);
      // only reading it is under test.
      const job = await call(fx.app, 'POST', '/reviews/v1/bulk/reviews/delete', {
        ...(fx.caller === 'USER[moderator]' ? fx.credential : { auth: fx.site.adminKey }),
        body: { filter: { entityId: 'matches-nothing' } },
      });
      expect(job.status).toBe(200);
      return { params: { jobId: job.body.jobId } };
    },
  },
  getRatingSummary: {
    allowed: READERS,
    request: (fx) => ({ query: { namespace: 'stores', entityId: fx.review.entityId } }),
  },
  batchRatingSummaries: {
    allowed: READERS,
    request: (fx) => ({ body: { namespace: 'stores', entityIds: [fx.review.entityId, 'other'] } }),
  },
  createMemberToken: { allowed: OWNER, request: () => ({ body: { contactId: contactId() } }) },
  getSiteSettings: { allowed: OWNER, request: () => ({}) },
  updateSiteSettings: {
    allowed: OWNER,
    request: () => ({ body: { settings: { moderation: { mode: 'HOLD_RATINGS', heldRatings: [1] } } } }),
  },
  getModerationRules: { allowed: OWNER, request: () => ({ query: { namespace: 'stores' } }) },
  previewModerationRules: {
    allowed: OWNER,
    request: () => ({ body: { namespace: 'stores', review: { rating: 1, body: 'Fine' } } }),
  },
  listModerationRuleVersions: { allowed: OWNER, request: () => ({ query: { namespace: 'stores' } }) },
  getModerationRuleVersion: {
    allowed: OWNER,
    request: async (fx) => {
      // A version saved by the owner before the snapshot; only reading it is under test.
      const saved = await call(fx.app, 'PUT', '/verdict/v1/moderation/rules', {
        auth: fx.site.adminKey,
        body: { namespace: 'stores', rules: [{ type: 'HOLD_ALL' }] },
      });
      expect(saved.status).toBe(200);
      return { params: { version: String(saved.body.rules.version) }, query: { namespace: 'stores' } };
    },
  },
  listApiKeys: { allowed: OWNER, request: () => ({}) },
  createApiKey: { allowed: OWNER, request: () => ({ body: { name: 'made in the matrix', scopes: ['reviews.read'] } }) },
  revokeApiKey: {
    allowed: OWNER,
    request: async (fx) => {
      const made = await call(fx.app, 'POST', '/verdict/v1/keys', {
        auth: fx.site.adminKey,
        body: { name: 'to revoke' },
      });
      expect(made.status).toBe(200);
      return { params: { keyId: made.body.key.id } };
    },
  },
  // The file travels as one JSON string here (the typed client's way); raw uploads are tested in owner-data.
  startImport: {
    allowed: OWNER,
    request: (fx) => ({
      query: { format: 'verdict', dryRun: 'true' },
      body: `${JSON.stringify({ entityId: fx.review.entityId, content: { rating: 4 }, reviewDate: '2024-01-01' })}\n`,
    }),
  },
  exportReviews: { allowed: OWNER, request: () => ({ query: { format: 'ndjson' } }) },
  // Owner, and dashboard users with the moderator role (not a caller of this table).
  // Insights are read by both dashboard roles (the moderator's queue work shows there), and by the admin key.
  getInsights: {
    allowed: ['ADMIN', ...DASHBOARD],
    request: () => ({ query: { namespace: 'stores', from: '2020-01-01T00:00:00Z', to: '2030-01-01T00:00:00Z' } }),
  },
  updateModerationRules: {
    allowed: OWNER,
    request: () => ({ body: { namespace: 'stores', rules: [{ type: 'HOLD_RATINGS', ratings: [1] }] } }),
  },
  queryModerationAudit: { allowed: AUDIT_READERS, request: (fx) => ({ query: { reviewId: fx.review.id } }) },
  createWebhook: {
    allowed: OWNER,
    request: () => ({
      body: {
        webhook: { url: 'https://example.com/hook', eventTypes: ['wix.reviews.v1.review_created'], format: 'json' },
      },
    }),
  },
  listWebhooks: { allowed: OWNER, request: () => ({}) },
  getWebhook: { allowed: OWNER, request: async (fx) => ({ params: { webhookId: await ownerWebhook(fx) } }) },
  updateWebhook: {
    allowed: OWNER,
    request: async (fx) => ({
      params: { webhookId: await ownerWebhook(fx) },
      body: { webhook: { url: 'https://example.com/other' } },
    }),
  },
  deleteWebhook: { allowed: OWNER, request: async (fx) => ({ params: { webhookId: await ownerWebhook(fx) } }) },
  listWebhookDeliveries: {
    allowed: OWNER,
    request: async (fx) => ({ params: { webhookId: await ownerWebhook(fx) } }),
  },
  redeliverWebhook: {
    allowed: OWNER,
    request: async (fx) => {
      const hook = await ownerWebhook(fx);
      const edited = await call(fx.app, 'PATCH', reviewUrl(fx), {
        auth: fx.site.adminKey,
        body: { review: { revision: fx.review.revision, content: { title: 'Edited for the webhook' } } },
      });
      expect(edited.status).toBe(200);
      const delivery = await waitFor('a delivery of the update', async () => {
        const res = await call(fx.app, 'GET', `/verdict/v1/webhooks/${hook}/deliveries`, { auth: fx.site.adminKey });
        return res.body.deliveries?.[0]?.id as string | undefined;
      });
      return { params: { webhookId: hook, deliveryId: delivery } };
    },
  },
  getWebhookPublicKey: { allowed: OWNER, request: () => ({}) },
  castVote: { allowed: SHOPPERS, request: (fx) => ({ params: { reviewId: fx.review.id }, body: { vote: 'HELPFUL' } }) },
  reportReview: {
    allowed: SHOPPERS,
    request: (fx) => ({ params: { reviewId: fx.review.id }, body: { reason: 'SPAM' } }),
  },
  listReviewReports: { allowed: MODERATORS, request: (fx) => ({ params: { reviewId: fx.review.id } }) },
  dismissReviewReports: { allowed: MODERATORS, request: (fx) => ({ params: { reviewId: fx.review.id } }) },
  listTrash: { allowed: CURATORS, request: () => ({}) },
  restoreReview: { allowed: CURATORS, request: async (fx) => ({ params: { reviewId: await trashedReview(fx) } }) },
  eraseContact: { allowed: OWNER, request: async (fx) => ({ params: { contactId: await ownerContact(fx) } }) },
  exportContact: { allowed: OWNER, request: async (fx) => ({ params: { contactId: await ownerContact(fx) } }) },
  getEngagementSettings: { allowed: OWNER, request: () => ({}) },
  updateEngagementSettings: { allowed: OWNER, request: () => ({ body: { settings: { reportThreshold: 5 } } }) },
  createContact: { allowed: OWNER, request: () => ({ body: { info: { name: { first: 'Dora' } } } }) },
  getContact: { allowed: OWNER, request: async (fx) => ({ params: { contactId: await ownerContact(fx) } }) },
  queryContacts: {
    allowed: OWNER,
    request: () => ({ body: { query: { filter: { 'info.emails.email': 'nobody@example.com' } } } }),
  },
  // Prometheus text, served on the main port when METRICS_PORT is not set (as in these tests).
  readMetrics: { allowed: OWNER, request: () => ({}) },
  // Public: any caller, with any credentials or none (a site's client id is its only secret, and it is public).
  createAccessToken: {
    allowed: [...CALLERS],
    request: (fx) => ({ body: { grantType: 'anonymous', clientId: fx.site.clientId } }),
  },
  // The review page is public: any caller, with any credentials or none (the site is named by its client id).
  getReviewPage: { allowed: [...CALLERS], request: (fx) => ({ query: reviewPageQuery(fx) }) },
  getReviewFragment: { allowed: [...CALLERS], request: (fx) => ({ query: reviewPageQuery(fx) }) },
  getProductJsonLd: { allowed: [...CALLERS], request: (fx) => ({ query: reviewPageQuery(fx) }) },
  // Public: it makes the session, so any caller may try (the credentials it is sent with are not read).
  signIn: {
    allowed: [...CALLERS],
    request: async (fx) => {
      const u = await fx.site.dashboardUser('moderator');
      return { body: { email: u.email, password: u.password } };
    },
  },
  getSession: { allowed: SESSION_USERS, request: () => ({}) },
  signOut: { allowed: SESSION_USERS, request: () => ({ body: {} }) },
  changePassword: {
    allowed: SESSION_USERS,
    request: (fx) => ({
      body: { currentPassword: fx.credential.user?.password ?? 'not a user', newPassword: 'a new long password' },
    }),
  },
  // A dashboard user's own sessions (an owner's: also other users', tested in dashboard-sessions.test.ts).
  listSessions: { allowed: SESSION_USERS, request: () => ({}) },
  endSession: {
    allowed: SESSION_USERS,
    request: async (fx) => {
      const user = fx.credential.user;
      if (!user) return { params: { sessionId: crypto.randomUUID() } };
      // The caller's own session (the only one a moderator may end).
      const mine = await call(fx.app, 'GET', '/verdict/v1/dashboard/sessions', { headers: user.headers });
      return { params: { sessionId: mine.body.sessions[0].id } };
    },
  },
  listUsers: { allowed: OWNER, request: () => ({}) },
  queryUserAudit: { allowed: OWNER, request: () => ({ query: { limit: '10' } }) },
  createUser: {
    allowed: OWNER,
    request: () => ({
      body: { email: `new-${crypto.randomUUID()}@example.com`, role: 'moderator', password: 'a long password' },
    }),
  },
  updateUser: {
    allowed: OWNER,
    request: async (fx) => ({
      params: { userId: (await fx.site.dashboardUser('moderator')).id },
      body: { role: 'owner' },
    }),
  },
  deleteUser: {
    allowed: OWNER,
    request: async (fx) => ({ params: { userId: (await fx.site.dashboardUser('moderator')).id } }),
  },
};

const reviewPageQuery = (fx: Fixture) => ({
  site: fx.site.clientId,
  namespace: 'stores',
  entityId: fx.review.entityId,
  name: 'P',
});

describe('the permission test table', () => {
  it('has one row for every operation of the catalogue, and the catalogue one route for each', () => {
    expect(Object.keys(ROWS).sort()).toEqual([...OPERATION_NAMES].sort());
  });

  it("grants what the catalogue's access rules grant (the rules read the same as the spec written here)", () => {
    for (const name of OPERATION_NAMES) {
      const granted = CALLERS.filter((caller) => isAllowed(principalOf(caller), name));
      expect([name, granted]).toEqual([name, CALLERS.filter((caller) => ROWS[name].allowed.includes(caller))]);
    }
  });
});

/** A principal of each kind of caller, for the pure check (the HTTP cases below mint real credentials). */
function principalOf(caller: Caller): Principal {
  const siteId = crypto.randomUUID();
  const scopes = APP_SCOPES[caller];
  if (scopes) return { kind: 'APP', siteId, keyId: 'k', appId: null, scopes };
  if (caller === 'VISITOR') return { kind: 'VISITOR', siteId, visitorId: 'v', contactId: 'c' };
  if (caller === 'MEMBER') return { kind: 'MEMBER', siteId, contactId: 'c' };
  if (caller === 'USER[owner]' || caller === 'USER[moderator]') {
    const role = caller === 'USER[owner]' ? 'owner' : 'moderator';
    return { kind: 'USER', siteId, userId: 'u', role, sessionId: 's' };
  }
  return { kind: 'ADMIN', siteId, keyId: 'k' };
}

describe.each(dialects())('permission matrix on $name', (dialect) => {
  let db: TestDb;
  let t: TestApp;
  beforeAll(async () => {
    db = await dialect.open();
    // Every case creates its fixture review from one address: hundreds of creates a minute, not a limit under test.
    t = await startTestApp(db, noRateLimits());
  });
  afterAll(async () => {
    await t.close();
    await db.dispose();
  });

  async function credential(site: TestSite, caller: Caller): Promise<Credential> {
    const scopes = APP_SCOPES[caller];
    if (scopes) return { auth: await site.appKey(scopes) };
    if (caller === 'VISITOR') return { auth: await site.visitorToken() };
    if (caller === 'MEMBER') return { auth: await site.memberToken(contactId()) };
    if (caller === 'USER[owner]' || caller === 'USER[moderator]') {
      const user = await site.dashboardUser(caller === 'USER[owner]' ? 'owner' : 'moderator');
      return { headers: user.headers, user };
    }
    return { auth: site.adminKey };
  }

  async function fixture(caller: Caller): Promise<Fixture> {
    const site = await buildSite(t);
    const created = await call(t.app, 'POST', '/reviews/v1/reviews', { auth: site.adminKey, body: reviewBody() });
    expect(created.status).toBe(200);
    const id = created.body.review.id as string;
    const replied = await call(t.app, 'PATCH', `/reviews/v1/reviews/${id}/reply`, {
      auth: site.adminKey,
      body: { message: 'Thank you' },
    });
    expect(replied.status).toBe(200);
    return {
      app: t.app,
      site,
      review: { id, revision: replied.body.review.revision, entityId: created.body.review.entityId },
      caller,
      credential: await credential(site, caller),
    };
  }

  /** Everything a call could change for the site (job progress excluded: the worker moves it on its own). */
  async function snapshot(siteId: string) {
    const [
      reviews,
      contacts,
      summaries,
      events,
      jobs,
      site,
      webhooks,
      deliveries,
      users,
      keys,
      ruleVersions,
      sessions,
    ] = await Promise.all([
      t.deps.db.selectFrom('reviews').selectAll().where('site_id', '=', siteId).orderBy('id').execute(),
      t.deps.db.selectFrom('contacts').selectAll().where('site_id', '=', siteId).orderBy('id').execute(),
      t.deps.db.selectFrom('entity_summaries').selectAll().where('site_id', '=', siteId).orderBy('entity_id').execute(),
      t.deps.db.selectFrom('outbox_events').select('id').where('site_id', '=', siteId).orderBy('id').execute(),
      t.deps.db.selectFrom('jobs').select('id').where('site_id', '=', siteId).orderBy('id').execute(),
      t.deps.db.selectFrom('sites').select('settings_json').where('id', '=', siteId).executeTakeFirstOrThrow(),
      t.deps.db.selectFrom('webhooks').selectAll().where('site_id', '=', siteId).orderBy('id').execute(),
      // Attempts and errors move on their own (the worker); status and retry window change only by request.
      t.deps.db
        .selectFrom('webhook_deliveries')
        .select(['id', 'status', 'window_started_at'])
        .where('site_id', '=', siteId)
        .orderBy('id')
        .execute(),
      t.deps.db.selectFrom('users').selectAll().where('site_id', '=', siteId).orderBy('id').execute(),
      t.deps.db
        .selectFrom('api_keys')
        .select(['id', 'revoked_at'])
        .where('site_id', '=', siteId)
        .orderBy('id')
        .execute(),
      t.deps.db
        .selectFrom('moderation_rules_versions')
        .select(['namespace', 'version'])
        .where('site_id', '=', siteId)
        .orderBy('namespace')
        .orderBy('version')
        .execute(),
      t.deps.db.selectFrom('user_sessions').select('id').where('site_id', '=', siteId).orderBy('id').execute(),
    ]);
    return {
      reviews,
      contacts,
      summaries,
      events,
      jobs,
      settings: site.settings_json,
      webhooks,
      deliveries,
      users,
      keys,
      ruleVersions,
      sessions,
    };
  }

  for (const name of OPERATION_NAMES) {
    const { allowed, request } = ROWS[name];
    for (const caller of CALLERS) {
      const may = allowed.includes(caller);
      const title = may ? `${caller} may ${name} (200)` : `${caller} may not ${name} (403 PERMISSION_DENIED)`;
      it(title, async () => {
        const fx = await fixture(caller);
        const req = await request(fx);
        const route = operation(name);
        const before = await snapshot(fx.site.siteId);
        const res = await call(t.app, route.method, requestPath(route, req.params, req.query), {
          ...fx.credential,
          ...(req.body === undefined ? {} : { body: req.body }),
        });
        if (may) {
          expect(res.status, JSON.stringify(res.body)).toBe(200);
          return;
        }
        expect(res.status).toBe(403);
        expect(res.headers['x-wix-request-id']).toMatch(/^[0-9a-f-]{36}$/);
        expect(res.body).toEqual({
          message: expect.any(String),
          details: { applicationError: { code: 'PERMISSION_DENIED', description: expect.any(String) } },
        });
        expect(await snapshot(fx.site.siteId)).toEqual(before);
      });
    }
  }

  describe('private reviews', () => {
    /**
     * A site that holds every review, with one published review and held reviews by a visitor, a member and a
     * third contact, all on one entity.
     */
    async function heldReviews() {
      const site = await buildSite(t);
      const entity = entityId();
      const published = await call(t.app, 'POST', '/reviews/v1/reviews', {
        auth: site.adminKey,
        body: reviewBody({ entityId: entity }),
      });
      await site.setModeration({ mode: 'HOLD_ALL', heldRatings: [] });
      const visitor = await site.visitorToken();
      const memberContact = contactId();
      const member = await site.memberToken(memberContact);
      const create = async (auth: string, body: ReturnType<typeof reviewBody>) => {
        const res = await call(t.app, 'POST', '/reviews/v1/reviews', { auth, body });
        expect(res.status).toBe(200);
        expect(res.body.review.moderation.moderationStatus).toBe('IN_MODERATION');
        return res.body.review.id as string;
      };
      const ids = {
        published: published.body.review.id as string,
        visitor: await create(visitor, reviewBody({ entityId: entity, author: { authorName: 'V' } })),
        member: await create(member, reviewBody({ entityId: entity, author: { authorName: 'M' } })),
        other: await create(site.adminKey, reviewBody({ entityId: entity })),
      };
      return { site, entity, visitor, member, ids };
    }

    async function queried(auth: string, entity: string, returnPrivateReviews: boolean): Promise<string[]> {
      const res = await call(t.app, 'POST', '/reviews/v1/reviews/query', {
        auth,
        body: { query: { filter: { entityId: entity } }, returnPrivateReviews },
      });
      expect(res.status).toBe(200);
      return (res.body.reviews as { id: string }[]).map((r) => r.id).sort();
    }

    async function counted(auth: string, entity: string, includePrivateReviews: boolean): Promise<number> {
      const res = await call(t.app, 'POST', '/reviews/v1/reviews/count', {
        auth,
        body: { filter: { entityId: entity }, includePrivateReviews },
      });
      expect(res.status).toBe(200);
      return res.body.count;
    }

    async function got(auth: string, id: string, returnPrivate: boolean): Promise<number> {
      const res = await call(
        t.app,
        'GET',
        `/reviews/v1/reviews/${id}${returnPrivate ? '?returnPrivateReviews=true' : ''}`,
        {
          auth,
        },
      );
      if (res.status === 404) expect(res.body.details.applicationError.code).toBe('REVIEW_NOT_FOUND');
      return res.status;
    }

    it("shows a visitor its own held review with returnPrivateReviews, and never anyone else's", async () => {
      const s = await heldReviews();
      expect(await got(s.visitor, s.ids.visitor, true)).toBe(200);
      expect(await got(s.visitor, s.ids.visitor, false)).toBe(404);
      expect(await got(s.visitor, s.ids.member, true)).toBe(404);
      expect(await got(s.visitor, s.ids.other, true)).toBe(404);
      expect(await queried(s.visitor, s.entity, true)).toEqual([s.ids.published, s.ids.visitor].sort());
      expect(await queried(s.visitor, s.entity, false)).toEqual([s.ids.published]);
      expect(await counted(s.visitor, s.entity, true)).toBe(2);
      expect(await counted(s.visitor, s.entity, false)).toBe(1);
    });

    it("shows a member its own held review with returnPrivateReviews, and never anyone else's", async () => {
      const s = await heldReviews();
      expect(await got(s.member, s.ids.member, true)).toBe(200);
      expect(await got(s.member, s.ids.member, false)).toBe(404);
      expect(await got(s.member, s.ids.visitor, true)).toBe(404);
      expect(await got(s.member, s.ids.other, true)).toBe(404);
      expect(await queried(s.member, s.entity, true)).toEqual([s.ids.published, s.ids.member].sort());
      expect(await counted(s.member, s.entity, true)).toBe(2);
    });

    it('gives an app with only reviews.read no private reviews, even when it asks for them', async () => {
      const s = await heldReviews();
      const app = await s.site.appKey(['reviews.read']);
      for (const id of [s.ids.visitor, s.ids.member, s.ids.other]) expect(await got(app, id, true)).toBe(404);
      expect(await got(app, s.ids.published, true)).toBe(200);
      expect(await queried(app, s.entity, true)).toEqual([s.ids.published]);
      expect(await counted(app, s.entity, true)).toBe(1);
    });

    it('gives an app with reviews.read_private and the owner every held review when asked', async () => {
      const s = await heldReviews();
      const all = Object.values(s.ids).sort();
      for (const auth of [await s.site.appKey(['reviews.read_private']), s.site.adminKey]) {
        expect(await got(auth, s.ids.other, true)).toBe(200);
        expect(await got(auth, s.ids.other, false)).toBe(404);
        expect(await queried(auth, s.entity, true)).toEqual(all);
        expect(await queried(auth, s.entity, false)).toEqual([s.ids.published]);
        expect(await counted(auth, s.entity, true)).toBe(4);
      }
    });

    it('keeps a next-page cursor to what its caller may see', async () => {
      const s = await heldReviews();
      const first = await call(t.app, 'POST', '/reviews/v1/reviews/query', {
        auth: s.visitor,
        body: { query: { filter: { entityId: s.entity }, cursorPaging: { limit: 1 } }, returnPrivateReviews: true },
      });
      expect(first.status).toBe(200);
      const seen = (first.body.reviews as { id: string }[]).map((r) => r.id);
      let cursor: string | null = first.body.metadata.cursors.next;
      while (cursor) {
        const page = await call(t.app, 'POST', '/reviews/v1/reviews/query', {
          auth: s.visitor,
          body: { query: { cursorPaging: { limit: 1, cursor } } },
        });
        expect(page.status).toBe(200);
        seen.push(...(page.body.reviews as { id: string }[]).map((r) => r.id));
        cursor = page.body.metadata.cursors.next;
      }
      expect(seen.sort()).toEqual([s.ids.published, s.ids.visitor].sort());
    });
  });
});
