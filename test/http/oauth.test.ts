/**
 * Visitor and member identity: `POST /oauth2/token` (anonymous grant and refresh) and member tokens minted by the
 * owner through `POST /verdict/v1/members/tokens` (docs/product.md §2).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSite, call, contactId, reviewBody, startTestApp, type TestApp } from '../support/app.ts';
import { dialects, type TestDb } from '../support/databases.ts';

/** A non-default visitor token lifetime, so the tests prove the configured one is used. */
const VISITOR_TTL = 900;

const WIX_401 = {
  message: expect.any(String),
  details: { applicationError: { code: 'UNAUTHENTICATED', description: expect.any(String) } },
};

describe.each(dialects())('oauth2 and member tokens on $name', (dialect) => {
  let db: TestDb;
  let t: TestApp;
  beforeAll(async () => {
    db = await dialect.open();
    t = await startTestApp(db, { visitorTokenTtlSeconds: VISITOR_TTL });
  });
  afterAll(async () => {
    await t.close();
    await db.dispose();
  });

  const anonymous = (clientId: string) =>
    call(t.app, 'POST', '/oauth2/token', { body: { grantType: 'anonymous', clientId } });
  const refresh = (clientId: string, refreshToken: string) =>
    call(t.app, 'POST', '/oauth2/token', {
      body: { grantType: 'refresh_token', clientId, refresh_token: refreshToken },
    });

  it('issues visitor tokens with the configured lifetime for the site clientId, without credentials', async () => {
    const site = await buildSite(t);
    const res = await anonymous(site.clientId);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      access_token: expect.any(String),
      refresh_token: expect.any(String),
      token_type: 'Bearer',
      expires_in: VISITOR_TTL,
    });
    expect(res.body.access_token).not.toBe(res.body.refresh_token);
  });

  it('accepts the access token raw (as the official SDK sends it) and as Bearer', async () => {
    const site = await buildSite(t);
    const { access_token: token } = (await anonymous(site.clientId)).body;
    for (const auth of [token, `Bearer ${token}`, `bearer ${token}`]) {
      const created = await call(t.app, 'POST', '/reviews/v1/reviews', {
        auth,
        body: reviewBody({ author: { authorName: 'Vic' } }),
      });
      expect(created.status, auth.slice(0, 7)).toBe(200);
      expect(created.body.review.origin.type).toBe('ORGANIC');
    }
    const summary = await call(t.app, 'GET', '/verdict/v1/ratings/summary?namespace=stores&entityId=x', {
      auth: `Bearer ${token}`,
    });
    expect(summary.status).toBe(200);
  });

  it('gives each anonymous grant a distinct visitor', async () => {
    const site = await buildSite(t);
    const body = reviewBody({ author: { authorName: 'Vic' } });
    const a = await call(t.app, 'POST', '/reviews/v1/reviews', {
      auth: (await anonymous(site.clientId)).body.access_token,
      body,
    });
    const b = await call(t.app, 'POST', '/reviews/v1/reviews', {
      auth: (await anonymous(site.clientId)).body.access_token,
      body,
    });
    expect(a.status).toBe(200);
    expect(b.status).toBe(200);
    expect(a.body.review.author.contactId).not.toBe(b.body.review.author.contactId);
  });

  it('refuses an unknown clientId with 401 UNAUTHENTICATED', async () => {
    const res = await anonymous(crypto.randomUUID());
    expect(res.status).toBe(401);
    expect(res.body).toEqual(WIX_401);
    expect(res.headers['x-wix-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('refuses a request without clientId or with an unknown grantType with 400 naming the field', async () => {
    const site = await buildSite(t);
    const noClient = await call(t.app, 'POST', '/oauth2/token', { body: { grantType: 'anonymous' } });
    expect(noClient.status).toBe(400);
    expect(noClient.body.details.validationError.fieldViolations.map((v: { field: string }) => v.field)).toContain(
      'clientId',
    );
    const badGrant = await call(t.app, 'POST', '/oauth2/token', {
      body: { grantType: 'client_credentials', clientId: site.clientId },
    });
    expect(badGrant.status).toBe(400);
    expect(badGrant.body.details.validationError.fieldViolations.map((v: { field: string }) => v.field)).toContain(
      'grantType',
    );
  });

  it('refreshes to a new access token for the same visitor, who still sees its own held review', async () => {
    const site = await buildSite(t);
    await site.setModeration({ mode: 'HOLD_ALL', heldRatings: [] });
    const first = (await anonymous(site.clientId)).body;
    const created = await call(t.app, 'POST', '/reviews/v1/reviews', {
      auth: first.access_token,
      body: reviewBody({ author: { authorName: 'Vic' } }),
    });
    expect(created.status).toBe(200);
    expect(created.body.review.moderation.moderationStatus).toBe('IN_MODERATION');
    const id = created.body.review.id;

    const refreshed = await refresh(site.clientId, first.refresh_token);
    expect(refreshed.status).toBe(200);
    expect(refreshed.body).toEqual({
      access_token: expect.any(String),
      refresh_token: expect.any(String),
      token_type: 'Bearer',
      expires_in: VISITOR_TTL,
    });
    const mine = await call(t.app, 'GET', `/reviews/v1/reviews/${id}?returnPrivateReviews=true`, {
      auth: refreshed.body.access_token,
    });
    expect(mine.status).toBe(200);
    expect(mine.body.review.id).toBe(id);
    const query = await call(t.app, 'POST', '/reviews/v1/reviews/query', {
      auth: refreshed.body.access_token,
      body: { query: { filter: { entityId: created.body.review.entityId } }, returnPrivateReviews: true },
    });
    expect(query.body.reviews.map((r: { id: string }) => r.id)).toEqual([id]);

    // Control: another visitor of the same site does not see the held review.
    const stranger = (await anonymous(site.clientId)).body.access_token;
    const hidden = await call(t.app, 'GET', `/reviews/v1/reviews/${id}?returnPrivateReviews=true`, { auth: stranger });
    expect(hidden.status).toBe(404);

    // The refreshed refresh token keeps working for the same visitor.
    const again = await refresh(site.clientId, refreshed.body.refresh_token);
    expect(again.status).toBe(200);
    const still = await call(t.app, 'GET', `/reviews/v1/reviews/${id}?returnPrivateReviews=true`, {
      auth: again.body.access_token,
    });
    expect(still.status).toBe(200);
  });

  it('refuses a refresh_token grant without a refresh token with 400', async () => {
    const site = await buildSite(t);
    const res = await call(t.app, 'POST', '/oauth2/token', {
      body: { grantType: 'refresh_token', clientId: site.clientId },
    });
    expect(res.status).toBe(400);
    expect(res.body.details.validationError.fieldViolations).toEqual([
      expect.objectContaining({ field: expect.stringMatching(/^refresh_?[tT]oken$/), violatedRule: 'REQUIRED_FIELD' }),
    ]);
  });

  it("refuses an access token, a garbage token, or another site's refresh token as refresh token with 401", async () => {
    const site = await buildSite(t);
    const other = await buildSite(t);
    const mine = (await anonymous(site.clientId)).body;
    const theirs = (await anonymous(other.clientId)).body;
    for (const token of [mine.access_token, 'garbage', theirs.refresh_token, await site.memberToken(contactId())]) {
      const res = await refresh(site.clientId, token);
      expect(res.status).toBe(401);
      expect(res.body).toEqual(WIX_401);
    }
    const wrongClient = await refresh(crypto.randomUUID(), mine.refresh_token);
    expect(wrongClient.status).toBe(401);
  });

  it("lets the owner mint a member token that writes reviews as the member's contact", async () => {
    const site = await buildSite(t);
    const member = contactId();
    const minted = await call(t.app, 'POST', '/verdict/v1/members/tokens', {
      auth: site.adminKey,
      body: { contactId: member, ttlSeconds: 600 },
    });
    expect(minted.status).toBe(200);
    expect(minted.body).toEqual({ accessToken: expect.any(String), expiresIn: 600 });

    const created = await call(t.app, 'POST', '/reviews/v1/reviews', {
      auth: minted.body.accessToken,
      body: reviewBody({ author: { authorName: 'Mem' } }),
    });
    expect(created.status).toBe(200);
    expect(created.body.review.author).toEqual({ contactId: member, authorName: 'Mem' });
    expect(created.body.review.origin.type).toBe('ORGANIC');

    const asSelf = await call(t.app, 'POST', '/reviews/v1/reviews', {
      auth: `Bearer ${minted.body.accessToken}`,
      body: reviewBody({ author: { contactId: member } }),
    });
    expect(asSelf.status).toBe(200);
    expect(asSelf.body.review.author.contactId).toBe(member);

    const asOther = await call(t.app, 'POST', '/reviews/v1/reviews', {
      auth: minted.body.accessToken,
      body: reviewBody({ author: { contactId: contactId() } }),
    });
    expect(asOther.status).toBe(403);
    expect(asOther.body.details.applicationError.code).toBe('PERMISSION_DENIED');
  });

  it('mints member tokens for 3600 seconds by default and refuses a contactId that is not a GUID', async () => {
    const site = await buildSite(t);
    const ok = await call(t.app, 'POST', '/verdict/v1/members/tokens', {
      auth: site.adminKey,
      body: { contactId: contactId() },
    });
    expect(ok.body.expiresIn).toBe(3600);
    const bad = await call(t.app, 'POST', '/verdict/v1/members/tokens', {
      auth: site.adminKey,
      body: { contactId: 'not-a-guid', ttlSeconds: 10 },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.details.validationError.fieldViolations.map((v: { field: string }) => v.field).sort()).toEqual([
      'contactId',
      'ttlSeconds',
    ]);
  });

  it('binds a member token to its site: another site refuses it', async () => {
    const site = await buildSite(t);
    const other = await buildSite(t);
    const token = await site.memberToken(contactId());
    const res = await call(t.app, 'GET', '/verdict/v1/ratings/summary?namespace=stores&entityId=x', {
      auth: token,
      headers: { 'wix-site-id': other.siteId },
    });
    expect(res.status).toBe(403);
    expect(res.body.details.applicationError.code).toBe('PERMISSION_DENIED');
  });
});
