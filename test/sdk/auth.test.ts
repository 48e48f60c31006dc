/**
 * Credentials of `verdict/sdk` against a real server: the anonymous visitor token is fetched once, refreshed (same
 * visitor) when the server says it expired, persisted and reused; member tokens are re-minted after UNAUTHENTICATED;
 * a bad API key fails without retries.
 */

import { VerdictError, type VisitorTokens } from 'verdict/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSite, contactId, entityId } from '../support/app.ts';
import { dialects, type TestDb } from '../support/databases.ts';
import { type SdkServer, startSdkServer } from './support.ts';

const review = () => ({ namespace: 'stores', entityId: entityId(), content: { rating: 4, title: 'Nice' } });

describe.each(dialects())('verdict/sdk credentials on $name', (dialect) => {
  let db: TestDb;
  let s: SdkServer;
  beforeAll(async () => {
    db = await dialect.open();
    s = await startSdkServer(db);
  });
  afterAll(async () => {
    await s.close();
    await db.dispose();
  });

  const tokenCalls = (from: number) =>
    s.sent
      .slice(from)
      .filter((r) => r.path === '/oauth2/token')
      .map((r) => (r.body as { grantType: string }).grantType);

  it('fetches one anonymous token for concurrent first calls and reuses it', async () => {
    const site = await buildSite(s.t);
    const { reviews } = s.client(site, 'visitor');
    const before = s.sent.length;
    await Promise.all([
      reviews.countReviews(),
      reviews.queryReviews().find(),
      reviews.countReviews({ filter: { namespace: 'stores' } }),
    ]);
    await reviews.countReviews();
    expect(tokenCalls(before)).toEqual(['anonymous']);
  });

  it('refreshes an expired visitor token once, retries the call, and stays the same visitor', async () => {
    const site = await buildSite(s.t);
    await site.setModeration({ mode: 'HOLD_ALL', heldRatings: [] });
    const { reviews } = s.client(site, 'visitor');
    const mine = await reviews.createReview(review());
    expect(mine.moderation.moderationStatus).toBe('IN_MODERATION');
    s.advance(2 * 3600 * 1000); // past the 1 h access-token lifetime, on the server's clock only
    const before = s.sent.length;
    const again = await reviews.getReview(mine._id, { returnPrivateReviews: true });
    expect(again._id).toBe(mine._id);
    expect(tokenCalls(before)).toEqual(['refresh_token']);
    expect(s.sent.slice(before).map((r) => `${r.method} ${r.path.split('?')[0]}`)).toEqual([
      `GET /reviews/v1/reviews/${mine._id}`,
      'POST /oauth2/token',
      `GET /reviews/v1/reviews/${mine._id}`,
    ]);
  });

  it('hands out its tokens through onTokens, and a client built with them is the same visitor without a token call', async () => {
    const site = await buildSite(s.t);
    await site.setModeration({ mode: 'HOLD_ALL', heldRatings: [] });
    let saved: VisitorTokens | undefined;
    const first = s.client(site, { anonymous: { clientId: site.clientId, onTokens: (t) => (saved = t) } });
    const mine = await first.reviews.createReview(review());
    expect(saved?.expiresAt).toBeGreaterThan(Date.now());
    const before = s.sent.length;
    const second = s.client(site, { anonymous: { clientId: site.clientId, tokens: saved } });
    expect((await second.reviews.getReview(mine._id, { returnPrivateReviews: true }))._id).toBe(mine._id);
    expect(tokenCalls(before)).toEqual([]);
  });

  it('refreshes ahead of time when the stored tokens are past their expiry', async () => {
    const site = await buildSite(s.t);
    let saved: VisitorTokens | undefined;
    await s
      .client(site, { anonymous: { clientId: site.clientId, onTokens: (t) => (saved = t) } })
      .reviews.countReviews();
    if (!saved) throw new Error('no tokens');
    const before = s.sent.length;
    const stale = { ...saved, expiresAt: Date.now() - 1 };
    await s.client(site, { anonymous: { clientId: site.clientId, tokens: stale } }).reviews.countReviews();
    expect(s.sent.slice(before).map((r) => r.path)).toEqual(['/oauth2/token', '/reviews/v1/reviews/count']);
    expect(tokenCalls(before)).toEqual(['refresh_token']);
  });

  it('becomes a new visitor when its refresh token is refused', async () => {
    const site = await buildSite(s.t);
    const bogus: VisitorTokens = {
      accessToken: 'not-a-token',
      refreshToken: 'not-a-token',
      expiresAt: Date.now() + 3_600_000,
    };
    const before = s.sent.length;
    expect(
      await s.client(site, { anonymous: { clientId: site.clientId, tokens: bogus } }).reviews.countReviews(),
    ).toEqual({
      count: 0,
    });
    expect(tokenCalls(before)).toEqual(['refresh_token', 'anonymous']);
  });

  it('calls a member-token function again after UNAUTHENTICATED and retries with the new token', async () => {
    const site = await buildSite(s.t);
    const member = contactId();
    const minted: string[] = [];
    const memberToken = async () => {
      const token = minted.length === 0 ? 'expired-or-bogus' : await site.memberToken(member);
      minted.push(token);
      return token;
    };
    const created = await s.client(site, { memberToken }).reviews.createReview(review());
    expect(created.author.contactId).toBe(member);
    expect(minted).toHaveLength(2);
  });

  it('fails with UNAUTHENTICATED for a bad API key, without retrying', async () => {
    const site = await buildSite(s.t);
    const before = s.sent.length;
    const err = await s
      .client(site, { apiKey: 'vdt_admin_wrong' })
      .reviews.countReviews()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VerdictError);
    expect(err).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
    expect(s.sent.length - before).toBe(1);
  });
});
