/**
 * Rate limits (docs/rate-limits.md): token minting, review creates, votes and reports are counted per client network
 * and per site; every limited response carries `RateLimit-Policy` and `RateLimit` (draft-10 syntax), a refused one
 * is a Wix-shaped 429 with `Retry-After`. TRUST_PROXY decides whether `X-Forwarded-For` names the client. With Redis
 * unreachable the limits still hold, per instance, and no request fails or waits on it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Config, loadConfig } from '../../src/server/config.ts';
import { buildSite, call, contactId, reviewBody, startTestApp, type TestApp, type TestSite } from '../support/app.ts';
import { dialects, type TestDb } from '../support/databases.ts';

/** Config overrides read from environment variables, so the test also goes through the parsing. */
function configFrom(env: Record<string, string>): Partial<Config> {
  const c = loadConfig(env);
  return { rateLimits: c.rateLimits, trustProxy: c.trustProxy, redisUrl: c.redisUrl, redisKeyPrefix: c.redisKeyPrefix };
}

const TOO_MANY = {
  message: 'Too many requests; try again later',
  details: {
    applicationError: {
      code: 'TOO_MANY_REQUESTS',
      description: 'Too many requests; try again later',
      data: { retryAfterSeconds: expect.any(Number) },
    },
  },
};

describe.each(dialects())('rate limits on $name', (dialect) => {
  let db: TestDb;
  /** Small limits everywhere, TRUST_PROXY off (the default); each test uses its own addresses and sites. */
  let t: TestApp;
  /** Trusts the proxies of 192.0.2.0/24. */
  let behindProxy: TestApp;
  /** Trusts one hop. */
  let oneHop: TestApp;
  /** Pointed at a Redis that is not there. */
  let noRedis: TestApp;
  beforeAll(async () => {
    db = await dialect.open();
    // App start-up dominates this file's time, so four apps serve every test (started one after the other: started
    // together on a busy machine, a plugin can miss Fastify's start-up timeout).
    t = await startTestApp(
      db,
      configFrom({
        RATE_LIMIT_TOKENS_PER_ADDRESS: '3/1m',
        RATE_LIMIT_TOKENS_PER_SITE: '5/1m',
        RATE_LIMIT_CREATES_PER_ADDRESS: '3/1m',
        RATE_LIMIT_CREATES_PER_SITE: 'off',
        RATE_LIMIT_VOTES_PER_ADDRESS: '2/1m',
        RATE_LIMIT_REPORTS_PER_ADDRESS: '2/1m',
      }),
    );
    behindProxy = await startTestApp(
      db,
      configFrom({ RATE_LIMIT_TOKENS_PER_ADDRESS: '1/1m', TRUST_PROXY: '192.0.2.0/24' }),
    );
    oneHop = await startTestApp(db, configFrom({ RATE_LIMIT_TOKENS_PER_ADDRESS: '1/1m', TRUST_PROXY: '1' }));
    noRedis = await startTestApp(
      db,
      configFrom({
        // Nothing listens on port 1: the connection is refused and the client keeps retrying in the background.
        REDIS_URL: 'redis://127.0.0.1:1',
        REDIS_KEY_PREFIX: `verdict-test:${crypto.randomUUID()}:`,
        RATE_LIMIT_TOKENS_PER_ADDRESS: '2/1m',
      }),
    );
  });
  afterAll(async () => {
    await Promise.all([t, behindProxy, oneHop, noRedis].map((a) => a?.close()));
    await db.dispose();
  });
  const mint = (t: TestApp, site: TestSite, opts: { remoteAddress?: string; headers?: Record<string, string> } = {}) =>
    call(t.app, 'POST', '/oauth2/token', { body: { clientId: site.clientId, grantType: 'anonymous' }, ...opts });
  const published = async (site: TestSite) => {
    const res = await call(t.app, 'POST', '/reviews/v1/reviews', { auth: site.adminKey, body: reviewBody() });
    expect(res.status).toBe(200);
    return res.body.review;
  };

  it('limits token minting per client address: headers on every answer, then a Wix 429 with Retry-After', async () => {
    const site = await buildSite(t);
    const policy = '"tokens-per-address";q=3;w=60, "tokens-per-site";q=5;w=60';
    for (let i = 0; i < 3; i++) {
      const res = await mint(t, site, { remoteAddress: '203.0.113.1' });
      expect(res.status).toBe(200);
      expect(res.headers['ratelimit-policy']).toBe(policy);
      expect(res.headers.ratelimit).toMatch(
        new RegExp(`^"tokens-per-address";r=${2 - i};t=(60|59), "tokens-per-site";r=${4 - i};t=(60|59)$`),
      );
    }
    const refused = await mint(t, site, { remoteAddress: '203.0.113.1' });
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual(TOO_MANY);
    expect(refused.headers['ratelimit-policy']).toBe(policy);
    expect(refused.headers.ratelimit).toMatch(/^"tokens-per-address";r=0;t=\d+$/);
    const retryAfter = Number(refused.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(refused.body.details.applicationError.data.retryAfterSeconds).toBe(retryAfter);
    expect(refused.headers['x-wix-request-id']).toEqual(expect.any(String));
    // Another address has its own budget (the site's has one point left).
    expect((await mint(t, site, { remoteAddress: '203.0.113.2' })).status).toBe(200);
  });

  it('counts an unknown client id against its address only, and answers it 401', async () => {
    const unknown = () =>
      call(t.app, 'POST', '/oauth2/token', {
        body: { clientId: crypto.randomUUID(), grantType: 'anonymous' },
        remoteAddress: '203.0.113.3',
      });
    for (let i = 0; i < 3; i++) expect((await unknown()).status).toBe(401);
    expect((await unknown()).status).toBe(429);
  });

  it('limits token minting per site across addresses, leaving other sites alone', async () => {
    const site = await buildSite(t);
    for (let i = 1; i <= 5; i++) expect((await mint(t, site, { remoteAddress: `198.51.100.${i}` })).status).toBe(200);
    const refused = await mint(t, site, { remoteAddress: '198.51.100.50' });
    expect(refused.status).toBe(429);
    expect(refused.headers.ratelimit).toMatch(/^"tokens-per-address";r=2;t=\d+, "tokens-per-site";r=0;t=\d+$/);
    expect((await mint(t, await buildSite(t), { remoteAddress: '198.51.100.50' })).status).toBe(200);
  });

  it('limits review creates per address across createReview and createReviewAndContact, whoever the visitor is', async () => {
    const site = await buildSite(t);
    const at = { remoteAddress: '192.0.2.200' };
    const asVisitor = async (url: string, body: unknown) =>
      call(t.app, 'POST', url, { auth: await site.visitorToken('192.0.2.200'), body, ...at });
    const single = await asVisitor('/reviews/v1/reviews', reviewBody({ author: { authorName: 'V' } }));
    expect(single.status).toBe(200);
    // The per-site budget of creates is switched off in this app ("off"), so only the address policy is named.
    expect(single.headers['ratelimit-policy']).toBe('"creates-per-address";q=3;w=60');
    expect(single.headers.ratelimit).toMatch(/^"creates-per-address";r=2;t=(60|59)$/);
    const { review } = reviewBody();
    const contactBody = {
      namespace: review.namespace,
      entityId: review.entityId,
      content: review.content,
      name: 'Ann',
      email: `${contactId()}@example.com`,
    };
    expect((await asVisitor('/reviews/v1/reviews/contact', contactBody)).status).toBe(200);
    expect((await asVisitor('/reviews/v1/reviews', reviewBody({ author: { authorName: 'W' } }))).status).toBe(200);
    const body = reviewBody({ author: { authorName: 'X' } });
    const refused = await asVisitor('/reviews/v1/reviews', body);
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual(TOO_MANY);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    // Refused before anything is written.
    const query = await call(t.app, 'POST', '/reviews/v1/reviews/query', {
      auth: site.adminKey,
      body: { query: { filter: { entityId: body.review.entityId } } },
      ...at,
    });
    expect(query.body.reviews).toEqual([]);
    // Reads are not limited.
    expect(query.status).toBe(200);
    expect(query.headers['ratelimit-policy']).toBeUndefined();
  });

  it('does not count API keys: the owner and apps create in bulk from one address', async () => {
    const site = await buildSite(t);
    const at = { remoteAddress: '192.0.2.201' };
    const appKey = await site.appKey(['reviews.manage']);
    for (let i = 0; i < 5; i++) {
      const owner = await call(t.app, 'POST', '/reviews/v1/reviews', {
        auth: site.adminKey,
        body: reviewBody(),
        ...at,
      });
      expect(owner.status).toBe(200);
      expect(owner.headers['ratelimit-policy']).toBeUndefined();
      const app = await call(t.app, 'POST', '/reviews/v1/reviews', { auth: appKey, body: reviewBody(), ...at });
      expect(app.status).toBe(200);
    }
    const bulk = await call(t.app, 'POST', '/reviews/v1/bulk/reviews/create', {
      auth: site.adminKey,
      body: { reviews: [reviewBody().review, reviewBody().review] },
      ...at,
    });
    expect(bulk.status).toBe(200);
    // The same address is still limited for visitors.
    for (let i = 0; i < 3; i++) {
      const v = await call(t.app, 'POST', '/reviews/v1/reviews', {
        auth: await site.visitorToken('192.0.2.201'),
        body: reviewBody({ author: { authorName: 'V' } }),
        ...at,
      });
      expect(v.status).toBe(200);
    }
    const refused = await call(t.app, 'POST', '/reviews/v1/reviews', {
      auth: await site.visitorToken('192.0.2.201'),
      body: reviewBody({ author: { authorName: 'V' } }),
      ...at,
    });
    expect(refused.status).toBe(429);
  });

  it('limits votes and reports per address, whatever identity sends them', async () => {
    const site = await buildSite(t);
    const review = await published(site);
    const vote = async () =>
      call(t.app, 'POST', `/verdict/v1/reviews/${review.id}/votes`, {
        auth: await site.visitorToken(),
        body: { vote: 'HELPFUL' },
        remoteAddress: '192.0.2.10',
      });
    expect((await vote()).status).toBe(200);
    expect((await vote()).status).toBe(200);
    const refusedVote = await vote();
    expect(refusedVote.status).toBe(429);
    expect(refusedVote.headers['ratelimit-policy']).toBe('"votes-per-address";q=2;w=60, "votes-per-site";q=6000;w=60');
    const report = async () =>
      call(t.app, 'POST', `/verdict/v1/reviews/${review.id}/reports`, {
        auth: await site.memberToken(contactId()),
        body: { reason: 'SPAM' },
        remoteAddress: '192.0.2.10',
      });
    expect((await report()).status).toBe(200);
    expect((await report()).status).toBe(200);
    const refusedReport = await report();
    expect(refusedReport.status).toBe(429);
    expect(refusedReport.body).toEqual(TOO_MANY);
    expect(Number(refusedReport.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  });

  it('ignores X-Forwarded-For when TRUST_PROXY is off (the default)', async () => {
    const site = await buildSite(t);
    const statuses = [];
    for (let i = 1; i <= 4; i++) {
      statuses.push(
        (await mint(t, site, { remoteAddress: '192.0.2.20', headers: { 'x-forwarded-for': `10.9.9.${i}` } })).status,
      );
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
  });

  it('honours X-Forwarded-For from a trusted proxy, and only from it', async () => {
    const site = await buildSite(behindProxy);
    const viaProxy = (client: string) =>
      mint(behindProxy, site, { remoteAddress: '192.0.2.30', headers: { 'x-forwarded-for': client } });
    expect((await viaProxy('198.51.100.7')).status).toBe(200);
    expect((await viaProxy('198.51.100.8')).status).toBe(200);
    expect((await viaProxy('198.51.100.7')).status).toBe(429);
    // From an untrusted peer the header is ignored: the peer itself is the client.
    const direct = (client: string) =>
      mint(behindProxy, site, { remoteAddress: '203.0.113.99', headers: { 'x-forwarded-for': client } });
    expect((await direct('198.51.100.9')).status).toBe(200);
    expect((await direct('198.51.100.10')).status).toBe(429);
  });

  it('takes the client address one hop in with TRUST_PROXY=1', async () => {
    const site = await buildSite(oneHop);
    // With one trusted hop the client is the address the proxy appended last, whatever the client claimed before it.
    const chain = (claimed: string, seen: string) =>
      mint(oneHop, site, { remoteAddress: '192.0.2.40', headers: { 'x-forwarded-for': `${claimed}, ${seen}` } });
    expect((await chain('1.1.1.1', '198.51.100.60')).status).toBe(200);
    expect((await chain('2.2.2.2', '198.51.100.61')).status).toBe(200);
    expect((await chain('3.3.3.3', '198.51.100.60')).status).toBe(429);
  });

  it('keeps limiting in memory, without errors or waits, when Redis is unreachable', async () => {
    const site = await buildSite(noRedis);
    expect(noRedis.deps.limits.shared()).toBe(false);
    const started = Date.now();
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await mint(noRedis, site, { remoteAddress: '192.0.2.90' })).status);
    expect(statuses).toEqual([200, 200, 429]);
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
