/**
 * A dashboard user's sessions (docs/adr/0014): listing them (browser and network summary, the current one marked,
 * never a token or hash), ending one (signed out at its next request, audited), an owner over any user of the site,
 * a moderator over its own only, another site's session a 404, and CSRF on the change.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SESSION_COOKIE } from '../../src/server/users/users.service.ts';
import { buildSite, call, startTestApp, type TestApp, type TestSite, type TestUser } from '../support/app.ts';
import { dialects, type TestDb } from '../support/databases.ts';

const SESSIONS = '/verdict/v1/dashboard/sessions';
const SESSION = '/verdict/v1/dashboard/session';
const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0';

describe.each(dialects())('dashboard sessions on $name', (dialect) => {
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

  /** Signs `user` in once more through the API, from `address` with `userAgent`: that session's headers. */
  async function signInAgain(site: TestSite, user: TestUser, userAgent = FIREFOX, address = '203.0.113.77') {
    const res = await call(t.app, 'POST', '/verdict/v1/dashboard/sign-in', {
      body: { email: user.email, password: user.password, siteId: site.siteId },
      headers: { 'user-agent': userAgent },
      remoteAddress: address,
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const token = String(res.headers['set-cookie']).match(new RegExp(`${SESSION_COOKIE}=([^;]+)`))?.[1];
    const cookie = `${SESSION_COOKIE}=${token}`;
    return { cookie, 'x-csrf-token': res.body.csrfToken as string };
  }

  const list = (headers: Record<string, string>, userId?: string) =>
    call(t.app, 'GET', `${SESSIONS}${userId ? `?userId=${userId}` : ''}`, { headers });
  const end = (headers: Record<string, string>, sessionId: string) =>
    call(t.app, 'DELETE', `${SESSIONS}/${sessionId}`, { headers });

  it('lists the user’s sessions with browser and network, marks the current one, and never shows a token', async () => {
    const site = await buildSite(t);
    const u = await site.dashboardUser('moderator');
    const second = await signInAgain(site, u);
    const res = await list(u.headers);
    expect(res.status).toBe(200);
    expect(res.body.sessions).toHaveLength(2);
    const [current, other] = [
      res.body.sessions.find((s: { current: boolean }) => s.current),
      res.body.sessions.find((s: { current: boolean }) => !s.current),
    ];
    expect(current).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      userId: u.id,
      createdDate: expect.any(String),
      lastSeenDate: expect.any(String),
      expiresDate: expect.any(String),
      current: true,
    });
    expect(other).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      userId: u.id,
      createdDate: expect.any(String),
      lastSeenDate: expect.any(String),
      expiresDate: expect.any(String),
      userAgent: 'Firefox 133 on Linux',
      clientNetwork: '203.0.113.0/24',
      current: false,
    });
    // Seen from the second session, the marks swap.
    const fromSecond = await list(second);
    expect(fromSecond.body.sessions.find((s: { current: boolean }) => s.current).id).toBe(other.id);
    // Neither the token nor its hash, nor the CSRF token, nor the full address.
    const text = JSON.stringify(res.body);
    const token = u.cookie.split('=')[1] as string;
    const rows = await t.deps.db.selectFrom('user_sessions').selectAll().where('user_id', '=', u.id).execute();
    for (const secret of [
      token,
      u.csrfToken,
      second['x-csrf-token'],
      '203.0.113.77',
      ...rows.map((r) => r.token_hash),
    ]) {
      expect(text).not.toContain(secret);
    }
  });

  it('ends one session: the other is signed out at its next request, this one goes on; audited', async () => {
    const site = await buildSite(t);
    const u = await site.dashboardUser('moderator');
    const second = await signInAgain(site, u);
    const otherId = (await list(u.headers)).body.sessions.find((s: { current: boolean }) => !s.current).id as string;
    const ended = await end(u.headers, otherId);
    expect(ended.status, JSON.stringify(ended.body)).toBe(200);
    expect(ended.headers['set-cookie']).toBeUndefined();
    expect((await call(t.app, 'GET', SESSION, { headers: second })).status).toBe(401);
    expect((await call(t.app, 'GET', SESSION, { headers: u.headers })).status).toBe(200);
    expect((await list(u.headers)).body.sessions.map((s: { id: string }) => s.id)).not.toContain(otherId);
    // Once ended it is not found again.
    expect((await end(u.headers, otherId)).status).toBe(404);

    const owner = await site.dashboardUser('owner');
    const audit = await call(t.app, 'GET', `/verdict/v1/dashboard/audit?userId=${u.id}`, { headers: owner.headers });
    const entry = audit.body.entries.find((e: { action: string }) => e.action === 'SESSION_ENDED');
    expect(entry).toMatchObject({
      actor: { kind: 'USER', id: u.id },
      subjectUserId: u.id,
      detail: { sessionId: otherId },
    });
  });

  it('ending the current session signs it out and clears its cookie', async () => {
    const site = await buildSite(t);
    const u = await site.dashboardUser('owner');
    const mine = (await list(u.headers)).body.sessions[0].id as string;
    const res = await end(u.headers, mine);
    expect(res.status).toBe(200);
    expect(String(res.headers['set-cookie'])).toMatch(new RegExp(`^${SESSION_COOKIE}=;.*Max-Age=0`));
    expect((await call(t.app, 'GET', SESSION, { headers: u.headers })).status).toBe(401);
  });

  it("lets an owner list and end any user's sessions of the site; a moderator only its own", async () => {
    const site = await buildSite(t);
    const owner = await site.dashboardUser('owner');
    const mod = await site.dashboardUser('moderator');
    const other = await site.dashboardUser('moderator');

    const modSessions = await list(owner.headers, mod.id);
    expect(modSessions.status).toBe(200);
    expect(modSessions.body.sessions).toEqual([expect.objectContaining({ userId: mod.id, current: false })]);
    const modSession = modSessions.body.sessions[0].id as string;

    // A moderator may not look at another user's sessions, nor end one (to it, another user's session is not there).
    const peek = await list(mod.headers, other.id);
    expect(peek.status).toBe(403);
    expect(peek.body.details.applicationError.code).toBe('PERMISSION_DENIED');
    const ownerSession = (await list(owner.headers)).body.sessions[0].id as string;
    const refused = await end(mod.headers, ownerSession);
    expect(refused.status).toBe(404);
    expect(refused.body.details.applicationError.code).toBe('SESSION_NOT_FOUND');
    expect((await call(t.app, 'GET', SESSION, { headers: owner.headers })).status).toBe(200);
    // A moderator asking for its own sessions by id is fine.
    expect((await list(mod.headers, mod.id)).status).toBe(200);

    // The owner ends the moderator's session: signed out at once; audited under the owner, about the moderator.
    expect((await end(owner.headers, modSession)).status).toBe(200);
    expect((await call(t.app, 'GET', SESSION, { headers: mod.headers })).status).toBe(401);
    const audit = await call(t.app, 'GET', `/verdict/v1/dashboard/audit?userId=${mod.id}`, { headers: owner.headers });
    expect(audit.body.entries.find((e: { action: string }) => e.action === 'SESSION_ENDED')).toMatchObject({
      actor: { kind: 'USER', id: owner.id },
      subjectUserId: mod.id,
      detail: { sessionId: modSession },
    });

    // A user the site does not have.
    const missing = await list(owner.headers, crypto.randomUUID());
    expect(missing.status).toBe(404);
    expect(missing.body.details.applicationError.code).toBe('USER_NOT_FOUND');
  });

  it("answers another site's session id with 404, not 403, and leaves it alone", async () => {
    const mine = await buildSite(t);
    const theirs = await buildSite(t);
    const owner = await mine.dashboardUser('owner');
    const them = await theirs.dashboardUser('owner');
    const theirSession = (await list(them.headers)).body.sessions[0].id as string;
    const res = await end(owner.headers, theirSession);
    expect(res.status).toBe(404);
    expect(res.body).toEqual({
      message: expect.any(String),
      details: { applicationError: { code: 'SESSION_NOT_FOUND', description: expect.any(String) } },
    });
    expect((await call(t.app, 'GET', SESSION, { headers: them.headers })).status).toBe(200);
    // Nor can its user be listed from here.
    expect((await list(owner.headers, them.id)).status).toBe(404);
    // A malformed id is a 404 too.
    expect((await end(owner.headers, 'not-a-session')).status).toBe(404);
  });

  it('refuses to end a session without the CSRF token (403), ending nothing', async () => {
    const site = await buildSite(t);
    const u = await site.dashboardUser('owner');
    const second = await signInAgain(site, u);
    const otherId = (await list(u.headers)).body.sessions.find((s: { current: boolean }) => !s.current).id as string;
    const wrong: Record<string, string>[] = [
      { cookie: u.cookie },
      { cookie: u.cookie, 'x-csrf-token': second['x-csrf-token'] },
    ];
    for (const headers of wrong) {
      const res = await end(headers, otherId);
      expect(res.status).toBe(403);
    }
    expect((await call(t.app, 'GET', SESSION, { headers: second })).status).toBe(200);
  });

  it('is for dashboard users only: a key or token is refused', async () => {
    const site = await buildSite(t);
    for (const auth of [site.adminKey, await site.visitorToken(), await site.appKey(['reviews.manage'])]) {
      expect((await call(t.app, 'GET', SESSIONS, { auth })).status).toBe(403);
      expect((await call(t.app, 'DELETE', `${SESSIONS}/${crypto.randomUUID()}`, { auth })).status).toBe(403);
    }
    expect((await call(t.app, 'GET', SESSIONS)).status).toBe(401);
  });
});
