/**
 * Dashboard sign-in and sessions (docs/adr/0014): the cookie and its flags, one 401 for an unknown e-mail and a
 * wrong password, the lockout after repeated failures and its end (test clock), CSRF on unsafe requests, session
 * expiry (idle and absolute), sign-out here and everywhere, sites kept apart, and what a moderator may and may not do.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { purgeEndedSessions, SESSION_COOKIE } from '../../src/server/users/users.service.ts';
import {
  buildSite,
  call,
  reviewBody,
  startTestApp,
  type TestApp,
  type TestSite,
  type TestUser,
} from '../support/app.ts';
import { testClock } from '../support/clock.ts';
import { dialects, type TestDb } from '../support/databases.ts';

const SIGN_IN = '/verdict/v1/dashboard/sign-in';
const SESSION = '/verdict/v1/dashboard/session';
const SIGN_OUT = '/verdict/v1/dashboard/sign-out';

const cookieOf = (headers: Record<string, unknown>): string => {
  const raw = headers['set-cookie'];
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (typeof value !== 'string') throw new Error('no Set-Cookie');
  return value;
};
const tokenOf = (setCookie: string) => setCookie.split(';')[0] ?? '';

describe.each(dialects())('dashboard sign-in and sessions on $name', (dialect) => {
  let db: TestDb;
  let t: TestApp;
  const clock = testClock('2026-12-05T08:00:00.000Z');
  beforeAll(async () => {
    db = await dialect.open();
    t = await startTestApp(db, {
      clock: clock.clock,
      signInMaxFailures: 3,
      signInLockoutSeconds: 600,
      sessionIdleSeconds: 1800,
      sessionMaxSeconds: 7200,
    });
  });
  afterAll(async () => {
    await t.close();
    await db.dispose();
  });

  async function signIn(body: Record<string, unknown>, headers: Record<string, string> = {}) {
    return call(t.app, 'POST', SIGN_IN, { body, headers });
  }

  it('signs in with the right password: the user, a CSRF token and an HttpOnly SameSite=Strict cookie', async () => {
    const site = await buildSite(t);
    const u = await site.dashboardUser('owner');
    const res = await signIn({ email: u.email.toUpperCase(), password: u.password });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toEqual({
      user: { id: u.id, siteId: site.siteId, email: u.email, role: 'owner' },
      csrfToken: expect.any(String),
    });
    const cookie = cookieOf(res.headers);
    expect(cookie).toMatch(new RegExp(`^${SESSION_COOKIE}=[A-Za-z0-9_-]{43};`));
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    expect(cookie).toContain('Path=/');
    expect(cookie).not.toContain('Secure');
    // The session works, and the database holds only the token's hash.
    const session = await call(t.app, 'GET', SESSION, { headers: { cookie: tokenOf(cookie) } });
    expect(session.status).toBe(200);
    expect(session.body).toEqual(res.body);
    const rows = await t.deps.db
      .selectFrom('user_sessions')
      .selectAll()
      .where('user_id', '=', res.body.user.id)
      .execute();
    const raw = tokenOf(cookie).split('=')[1] ?? '';
    for (const row of rows) expect(JSON.stringify(row)).not.toContain(raw);
  });

  it('answers an unknown e-mail and a wrong password with the same 401', async () => {
    const site = await buildSite(t);
    const u = await site.dashboardUser('owner');
    const wrong = await signIn({ email: u.email, password: 'not the password' });
    const unknown = await signIn({ email: `nobody-${crypto.randomUUID()}@example.com`, password: 'not the password' });
    const unknownOnSite = await signIn({ email: 'nobody@example.com', password: 'x', siteId: site.siteId });
    for (const res of [wrong, unknown, unknownOnSite]) {
      expect(res.status).toBe(401);
      expect(res.headers['set-cookie']).toBeUndefined();
    }
    expect(unknown.body).toEqual(wrong.body);
    expect(unknownOnSite.body).toEqual(wrong.body);
    expect(wrong.body.details.applicationError.code).toBe('UNAUTHENTICATED');
  });

  it('locks an e-mail out after repeated failures (429, Retry-After, audited), then lets it in after the window', async () => {
    const site = await buildSite(t);
    const u = await site.dashboardUser('owner');
    for (let i = 0; i < 3; i++) expect((await signIn({ email: u.email, password: `wrong ${i}` })).status).toBe(401);
    const locked = await signIn({ email: u.email, password: u.password });
    expect(locked.status).toBe(429);
    expect(locked.body.details.applicationError.code).toBe('TOO_MANY_REQUESTS');
    expect(Number(locked.headers['retry-after'])).toBe(600);
    // Naming the site does not get around it.
    expect((await signIn({ email: u.email, password: u.password, siteId: site.siteId })).status).toBe(429);
    clock.advance(599_000);
    const still = await signIn({ email: u.email, password: u.password });
    expect(still.status).toBe(429);
    expect(Number(still.headers['retry-after'])).toBe(1);
    clock.advance(1_000);
    expect((await signIn({ email: u.email, password: u.password })).status).toBe(200);
    const actions = await t.deps.db
      .selectFrom('user_audit')
      .select('action')
      .where('site_id', '=', site.siteId)
      .orderBy('id')
      .execute();
    expect(actions.map((a) => a.action)).toEqual(
      expect.arrayContaining(['USER_CREATED', 'LOCKED_OUT', 'SIGN_IN_LOCKED', 'SIGN_IN']),
    );
  });

  it('locks an unknown e-mail out the same way as a known one', async () => {
    const email = `ghost-${crypto.randomUUID()}@example.com`;
    for (let i = 0; i < 3; i++) expect((await signIn({ email, password: 'guess' })).status).toBe(401);
    expect((await signIn({ email, password: 'guess' })).status).toBe(429);
    clock.advance(600_000);
    expect((await signIn({ email, password: 'guess' })).status).toBe(401);
  });

  it('forgets failures older than the window', async () => {
    const site = await buildSite(t);
    const u = await site.dashboardUser('moderator');
    for (let i = 0; i < 2; i++) expect((await signIn({ email: u.email, password: 'wrong' })).status).toBe(401);
    clock.advance(600_000);
    for (let i = 0; i < 2; i++) expect((await signIn({ email: u.email, password: 'wrong' })).status).toBe(401);
    expect((await signIn({ email: u.email, password: u.password })).status).toBe(200);
  });

  it('sets Secure on the cookie only for https, as the trusted proxy reports it', async () => {
    const site = await buildSite(t);
    const u = await site.dashboardUser('owner');
    // Without TRUST_PROXY a client's X-Forwarded-Proto is not believed.
    const untrusted = await signIn({ email: u.email, password: u.password }, { 'x-forwarded-proto': 'https' });
    expect(cookieOf(untrusted.headers)).not.toContain('Secure');
    const proxied = await startTestApp(db, { clock: clock.clock, trustProxy: true });
    try {
      const https = await call(proxied.app, 'POST', SIGN_IN, {
        body: { email: u.email, password: u.password },
        headers: { 'x-forwarded-proto': 'https' },
      });
      expect(https.status).toBe(200);
      expect(cookieOf(https.headers)).toMatch(/; Secure(;|$)/);
      const http = await call(proxied.app, 'POST', SIGN_IN, {
        body: { email: u.email, password: u.password },
        headers: { 'x-forwarded-proto': 'http' },
      });
      expect(cookieOf(http.headers)).not.toContain('Secure');
    } finally {
      await proxied.close();
    }
  });

  it('gives a new session at every sign-in and ends the one the browser had (no fixation)', async () => {
    const site = await buildSite(t);
    const u = await site.dashboardUser('owner');
    const again = await signIn({ email: u.email, password: u.password }, { cookie: u.cookie });
    expect(again.status).toBe(200);
    expect(tokenOf(cookieOf(again.headers))).not.toBe(u.cookie);
    expect((await call(t.app, 'GET', SESSION, { headers: { cookie: u.cookie } })).status).toBe(401);
    expect((await call(t.app, 'GET', SESSION, { headers: { cookie: tokenOf(cookieOf(again.headers)) } })).status).toBe(
      200,
    );
  });

  describe('CSRF', () => {
    async function heldReview(site: TestSite) {
      await site.setModeration({ mode: 'HOLD_ALL', heldRatings: [] });
      const created = await call(t.app, 'POST', '/reviews/v1/reviews', { auth: site.adminKey, body: reviewBody() });
      expect(created.status).toBe(200);
      return created.body.review.id as string;
    }

    it('refuses an unsafe request of a session without the right x-csrf-token (403), changing nothing', async () => {
      const site = await buildSite(t);
      const u = await site.dashboardUser('moderator');
      const id = await heldReview(site);
      const url = `/reviews/v1/reviews/${id}/moderate`;
      const body = { status: 'APPROVED' };
      const attempts: Record<string, string>[] = [
        { cookie: u.cookie },
        { cookie: u.cookie, 'x-csrf-token': `${u.csrfToken}x` },
        { cookie: u.cookie, 'x-csrf-token': '' },
      ];
      for (const headers of attempts) {
        const res = await call(t.app, 'PATCH', url, { headers, body });
        expect(res.status).toBe(403);
        expect(res.body.details.applicationError.code).toBe('PERMISSION_DENIED');
      }
      // Another session's token does not do either.
      const other = await site.dashboardUser('moderator');
      expect(
        (await call(t.app, 'PATCH', url, { headers: { cookie: u.cookie, 'x-csrf-token': other.csrfToken }, body }))
          .status,
      ).toBe(403);
      const row = await t.deps.db
        .selectFrom('reviews')
        .select('moderation_status')
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      expect(row.moderation_status).toBe('IN_MODERATION');
      const ok = await call(t.app, 'PATCH', url, { headers: u.headers, body });
      expect(ok.status, JSON.stringify(ok.body)).toBe(200);
      expect(ok.body.review.moderation.moderationStatus).toBe('APPROVED');
    });

    it('needs no CSRF token to read', async () => {
      const site = await buildSite(t);
      const u = await site.dashboardUser('moderator');
      const id = await heldReview(site);
      const res = await call(t.app, 'GET', `/reviews/v1/reviews/${id}?returnPrivateReviews=true`, {
        headers: { cookie: u.cookie },
      });
      expect(res.status).toBe(200);
    });
  });

  it('ends a session idle for too long, and any session past its absolute end', async () => {
    const site = await buildSite(t);
    const idle = await site.dashboardUser('owner');
    const busy = await site.dashboardUser('owner');
    for (let i = 0; i < 4; i++) {
      clock.advance(25 * 60_000);
      expect((await call(t.app, 'GET', SESSION, { headers: { cookie: busy.cookie } })).status).toBe(200);
    }
    // 100 minutes without use: past the 30-minute idle time.
    const res = await call(t.app, 'GET', SESSION, { headers: { cookie: idle.cookie } });
    expect(res.status).toBe(401);
    expect(res.body.details.applicationError.code).toBe('UNAUTHENTICATED');
    // The busy one reaches its 2-hour end however much it is used.
    clock.advance(19 * 60_000);
    expect((await call(t.app, 'GET', SESSION, { headers: { cookie: busy.cookie } })).status).toBe(200);
    clock.advance(60_000);
    expect((await call(t.app, 'GET', SESSION, { headers: { cookie: busy.cookie } })).status).toBe(401);
  });

  it('purges ended sessions and failure counts that no longer count, and keeps the rest', async () => {
    const site = await buildSite(t);
    const ended = await site.dashboardUser('owner');
    clock.advance(20 * 60_000);
    const live = await site.dashboardUser('owner');
    const email = `purge-${crypto.randomUUID()}@example.com`;
    expect((await signIn({ email, password: 'guess', siteId: site.siteId })).status).toBe(401);
    clock.advance(11 * 60_000);
    // `ended` is idle 31 minutes (over 30); `live` 11; the failure's window (10 minutes) is over.
    const purged = await purgeEndedSessions(t.deps);
    expect(purged.sessions).toBeGreaterThanOrEqual(1);
    expect(purged.failures).toBeGreaterThanOrEqual(1);
    const left = await t.deps.db
      .selectFrom('user_sessions')
      .select('user_id')
      .where('site_id', '=', site.siteId)
      .execute();
    expect(left.map((r) => r.user_id)).toEqual([live.id]);
    expect(
      await t.deps.db.selectFrom('sign_in_failures').selectAll().where('email_normalized', '=', email).execute(),
    ).toEqual([]);
    expect((await call(t.app, 'GET', SESSION, { headers: { cookie: live.cookie } })).status).toBe(200);
    expect((await call(t.app, 'GET', SESSION, { headers: { cookie: ended.cookie } })).status).toBe(401);
  });

  it('signs out this session only, or every session of the user with everywhere, and clears the cookie', async () => {
    const site = await buildSite(t);
    const a = await site.dashboardUser('owner');
    const second = await signIn({ email: a.email, password: a.password });
    const third = await signIn({ email: a.email, password: a.password });
    const b = tokenOf(cookieOf(second.headers));
    const c = tokenOf(cookieOf(third.headers));
    const out = await call(t.app, 'POST', SIGN_OUT, { headers: a.headers, body: {} });
    expect(out.status).toBe(200);
    expect(cookieOf(out.headers)).toMatch(new RegExp(`^${SESSION_COOKIE}=; Max-Age=0;`));
    expect((await call(t.app, 'GET', SESSION, { headers: { cookie: a.cookie } })).status).toBe(401);
    expect((await call(t.app, 'GET', SESSION, { headers: { cookie: b } })).status).toBe(200);
    const everywhere = await call(t.app, 'POST', SIGN_OUT, {
      headers: { cookie: b, 'x-csrf-token': second.body.csrfToken },
      body: { everywhere: true },
    });
    expect(everywhere.status).toBe(200);
    for (const cookie of [b, c]) expect((await call(t.app, 'GET', SESSION, { headers: { cookie } })).status).toBe(401);
  });

  it('keeps a session to its own site', async () => {
    const a = await buildSite(t);
    const b = await buildSite(t);
    const owner = await a.dashboardUser('owner');
    const created = await call(t.app, 'POST', '/reviews/v1/reviews', { auth: b.adminKey, body: reviewBody() });
    const id = created.body.review.id as string;
    // Site B's review is not found from site A's session; naming site B is refused.
    expect((await call(t.app, 'GET', `/reviews/v1/reviews/${id}`, { headers: owner.headers })).status).toBe(404);
    expect((await call(t.app, 'DELETE', `/reviews/v1/reviews/${id}`, { headers: owner.headers })).status).toBe(404);
    const named = await call(t.app, 'GET', '/verdict/v1/dashboard/users', {
      headers: { ...owner.headers, 'wix-site-id': b.siteId },
    });
    expect(named.status).toBe(403);
    const still = await call(t.app, 'GET', `/reviews/v1/reviews/${id}`, { auth: b.adminKey });
    expect(still.status).toBe(200);
  });

  it('lets an API key win over a cookie sent with it', async () => {
    const a = await buildSite(t);
    const b = await buildSite(t);
    const owner = await a.dashboardUser('owner');
    const res = await call(t.app, 'GET', '/verdict/v1/site/settings', {
      auth: b.adminKey,
      headers: { cookie: owner.cookie },
    });
    expect(res.status).toBe(200);
    // A key cannot use the session operations.
    expect((await call(t.app, 'GET', SESSION, { auth: b.adminKey, headers: { cookie: owner.cookie } })).status).toBe(
      403,
    );
  });

  describe('a moderator', () => {
    let site: TestSite;
    let mod: TestUser;
    beforeAll(async () => {
      site = await buildSite(t);
      mod = await site.dashboardUser('moderator');
    });

    it.each([
      ['GET', '/verdict/v1/webhooks'],
      ['GET', '/verdict/v1/site/settings'],
      ['PUT', '/verdict/v1/site/settings'],
      ['GET', '/verdict/v1/dashboard/users'],
      ['POST', '/verdict/v1/dashboard/users'],
      ['POST', `/verdict/v1/contacts/${crypto.randomUUID()}/erase`],
      ['GET', '/verdict/v1/engagement/settings'],
      ['PUT', '/verdict/v1/moderation/rules'],
    ] as const)('is refused %s %s (403)', async (method, url) => {
      const body = method === 'GET' ? undefined : {};
      const res = await call(t.app, method, url, { headers: mod.headers, ...(body ? { body } : {}) });
      expect(res.status).toBe(403);
      expect(res.body.details.applicationError.code).toBe('PERMISSION_DENIED');
    });

    it('moderates, replies, deletes and restores, and is named in the audit and the events', async () => {
      await site.setModeration({ mode: 'HOLD_ALL', heldRatings: [] });
      const created = await call(t.app, 'POST', '/reviews/v1/reviews', { auth: site.adminKey, body: reviewBody() });
      const id = created.body.review.id as string;
      const h = { headers: mod.headers };
      expect(
        (await call(t.app, 'PATCH', `/reviews/v1/reviews/${id}/moderate`, { ...h, body: { status: 'APPROVED' } }))
          .status,
      ).toBe(200);
      expect(
        (await call(t.app, 'PATCH', `/reviews/v1/reviews/${id}/reply`, { ...h, body: { message: 'Thanks' } })).status,
      ).toBe(200);
      expect((await call(t.app, 'DELETE', `/reviews/v1/reviews/${id}`, h)).status).toBe(200);
      expect((await call(t.app, 'GET', '/verdict/v1/trash', h)).status).toBe(200);
      expect((await call(t.app, 'POST', `/verdict/v1/reviews/${id}/restore`, h)).status).toBe(200);
      const audit = await call(t.app, 'GET', `/verdict/v1/moderation/audit?reviewId=${id}`, h);
      expect(audit.status).toBe(200);
      expect(audit.body.entries).toEqual(
        expect.arrayContaining([expect.objectContaining({ actor: { kind: 'USER', id: mod.id }, to: 'APPROVED' })]),
      );
      const events = await call(t.app, 'GET', '/verdict/v1/events?limit=100', h);
      expect(events.status).toBe(200);
      const mine = (
        events.body.events as { entityId?: string; identity?: unknown; context?: { identity?: unknown } }[]
      ).filter((e) => JSON.stringify(e).includes(id) && JSON.stringify(e).includes(mod.id));
      expect(mine.length).toBeGreaterThan(0);
      expect(JSON.stringify(mine[0])).toContain('"identityType":"WIX_USER"');
      // Each change request is audited under the moderator, with its ids and status.
      const calls = await t.deps.db
        .selectFrom('user_audit')
        .select(['action', 'actor_kind', 'actor_id', 'detail_json'])
        .where('site_id', '=', site.siteId)
        .where('actor_id', '=', mod.id)
        .orderBy('id')
        .execute();
      expect(calls.map((c) => c.action)).toEqual(
        expect.arrayContaining([
          'CALL updateModerationStatus',
          'CALL setReply',
          'CALL deleteReview',
          'CALL restoreReview',
        ]),
      );
      const moderated = calls.find((c) => c.action === 'CALL updateModerationStatus');
      expect(moderated?.actor_kind).toBe('USER');
      expect(JSON.parse(moderated?.detail_json ?? '{}')).toEqual({ params: { reviewId: id }, status: 200 });
    });
  });
});
