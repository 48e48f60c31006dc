/**
 * The owner's management of dashboard users, password changes, the sign-in rate limit, sign-in without a site for an
 * e-mail on several sites, and what a role change or removal does to sessions already open (docs/adr/0014).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSite, call, reviewBody, startTestApp, TEST_SCRYPT, type TestApp } from '../support/app.ts';
import { dialects, type TestDb } from '../support/databases.ts';

const USERS = '/verdict/v1/dashboard/users';
const SESSION = '/verdict/v1/dashboard/session';

describe.each(dialects())('dashboard users on $name', (dialect) => {
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

  it('lets an owner create, list, change and remove users, and audits each change under the owner', async () => {
    const site = await buildSite(t);
    const owner = await site.dashboardUser('owner');
    const email = `Mia-${crypto.randomUUID()}@Example.com`;
    const created = await call(t.app, 'POST', USERS, {
      headers: owner.headers,
      body: { email, role: 'moderator', password: 'a long enough password' },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    expect(created.body.user).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      email,
      role: 'moderator',
      createdDate: expect.any(String),
      updatedDate: expect.any(String),
    });
    expect(JSON.stringify(created.body)).not.toContain('password');
    const id = created.body.user.id as string;
    // The same e-mail, in any case, is one user per site.
    const twice = await call(t.app, 'POST', USERS, {
      headers: owner.headers,
      body: { email: email.toLowerCase(), role: 'owner', password: 'a long enough password' },
    });
    expect(twice.status).toBe(409);
    expect(twice.body.details.applicationError.code).toBe('USER_ALREADY_EXISTS');
    const short = await call(t.app, 'POST', USERS, {
      headers: owner.headers,
      body: { email: 'x@example.com', role: 'boss', password: 'short' },
    });
    expect(short.status).toBe(400);
    expect(short.body.details.validationError.fieldViolations.map((v: { field: string }) => v.field).sort()).toEqual(
      expect.arrayContaining(['password']),
    );

    const listed = await call(t.app, 'GET', USERS, { headers: owner.headers });
    expect(listed.status).toBe(200);
    expect(listed.body.users.map((u: { id: string }) => u.id).sort()).toEqual([owner.id, id].sort());

    const promoted = await call(t.app, 'PATCH', `${USERS}/${id}`, { headers: owner.headers, body: { role: 'owner' } });
    expect(promoted.status).toBe(200);
    expect(promoted.body.user.role).toBe('owner');
    const removed = await call(t.app, 'DELETE', `${USERS}/${id}`, { headers: owner.headers });
    expect(removed.status).toBe(200);
    expect(
      (await call(t.app, 'DELETE', `${USERS}/${id}`, { headers: owner.headers })).body.details.applicationError.code,
    ).toBe('USER_NOT_FOUND');
    const audit = await t.deps.db
      .selectFrom('user_audit')
      .select(['action', 'actor_kind', 'actor_id', 'subject_user_id'])
      .where('site_id', '=', site.siteId)
      .where('subject_user_id', '=', id)
      .orderBy('id')
      .execute();
    expect(audit).toEqual([
      { action: 'USER_CREATED', actor_kind: 'USER', actor_id: owner.id, subject_user_id: id },
      { action: 'ROLE_CHANGED', actor_kind: 'USER', actor_id: owner.id, subject_user_id: id },
      { action: 'USER_DELETED', actor_kind: 'USER', actor_id: owner.id, subject_user_id: id },
    ]);
    // The owner reads it back, newest first, a page at a time.
    const seen: { action: string; actor: unknown; subjectUserId?: string }[] = [];
    let cursor: string | null = null;
    do {
      const page = await call(
        t.app,
        'GET',
        `/verdict/v1/dashboard/audit?userId=${id}&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        {
          headers: owner.headers,
        },
      );
      expect(page.status, JSON.stringify(page.body)).toBe(200);
      seen.push(...page.body.entries);
      cursor = page.body.metadata.cursors.next;
    } while (cursor);
    expect(seen.map((e) => e.action)).toEqual(['USER_DELETED', 'ROLE_CHANGED', 'USER_CREATED']);
    expect(seen[0]).toMatchObject({
      actor: { kind: 'USER', id: owner.id },
      subjectUserId: id,
      detail: { role: 'owner' },
    });
    const mod = await site.dashboardUser('moderator');
    expect((await call(t.app, 'GET', '/verdict/v1/dashboard/audit', { headers: mod.headers })).status).toBe(403);
  });

  it('keeps at least one owner (409 LAST_OWNER), and the admin key manages users too', async () => {
    const site = await buildSite(t);
    const owner = await site.dashboardUser('owner');
    const demote = await call(t.app, 'PATCH', `${USERS}/${owner.id}`, {
      headers: owner.headers,
      body: { role: 'moderator' },
    });
    expect(demote.status).toBe(409);
    expect(demote.body.details.applicationError.code).toBe('LAST_OWNER');
    const remove = await call(t.app, 'DELETE', `${USERS}/${owner.id}`, { auth: site.adminKey });
    expect(remove.status).toBe(409);
    expect((await call(t.app, 'GET', USERS, { auth: site.adminKey })).body.users).toHaveLength(1);
  });

  it('applies a role change and a removal to sessions already open, from their next request', async () => {
    const site = await buildSite(t);
    const owner = await site.dashboardUser('owner');
    const mod = await site.dashboardUser('moderator');
    expect((await call(t.app, 'GET', '/verdict/v1/site/settings', { headers: mod.headers })).status).toBe(403);
    await call(t.app, 'PATCH', `${USERS}/${mod.id}`, { headers: owner.headers, body: { role: 'owner' } });
    expect((await call(t.app, 'GET', '/verdict/v1/site/settings', { headers: mod.headers })).status).toBe(200);
    await call(t.app, 'PATCH', `${USERS}/${mod.id}`, { headers: owner.headers, body: { role: 'moderator' } });
    expect((await call(t.app, 'GET', '/verdict/v1/site/settings', { headers: mod.headers })).status).toBe(403);
    await call(t.app, 'DELETE', `${USERS}/${mod.id}`, { headers: owner.headers });
    expect((await call(t.app, 'GET', SESSION, { headers: mod.headers })).status).toBe(401);
  });

  it('changes a password only with the current one, and ends the other sessions of the user', async () => {
    const site = await buildSite(t);
    const u = await site.dashboardUser('moderator');
    const other = await call(t.app, 'POST', '/verdict/v1/dashboard/sign-in', {
      body: { email: u.email, password: u.password },
    });
    const otherCookie = String(other.headers['set-cookie']).split(';')[0] ?? '';
    const wrong = await call(t.app, 'POST', '/verdict/v1/dashboard/password', {
      headers: u.headers,
      body: { currentPassword: 'not it', newPassword: 'the new password here' },
    });
    expect(wrong.status).toBe(400);
    expect(wrong.body.details.validationError.fieldViolations[0].field).toBe('currentPassword');
    const ok = await call(t.app, 'POST', '/verdict/v1/dashboard/password', {
      headers: u.headers,
      body: { currentPassword: u.password, newPassword: 'the new password here' },
    });
    expect(ok.status).toBe(200);
    expect((await call(t.app, 'GET', SESSION, { headers: u.headers })).status).toBe(200);
    expect((await call(t.app, 'GET', SESSION, { headers: { cookie: otherCookie } })).status).toBe(401);
    const signIn = (password: string) =>
      call(t.app, 'POST', '/verdict/v1/dashboard/sign-in', { body: { email: u.email, password } });
    expect((await signIn(u.password)).status).toBe(401);
    expect((await signIn('the new password here')).status).toBe(200);
  });

  it('signs in without a site when the password matches on one site only; asks for siteId when on several', async () => {
    const a = await buildSite(t);
    const b = await buildSite(t);
    const email = `shared-${crypto.randomUUID()}@example.com`;
    const onA = await a.dashboardUser('owner', { email, password: 'password on site a' });
    await b.dashboardUser('moderator', { email, password: 'password on site b' });
    const signIn = (body: Record<string, unknown>) => call(t.app, 'POST', '/verdict/v1/dashboard/sign-in', { body });
    const first = await signIn({ email, password: 'password on site a' });
    expect(first.status).toBe(200);
    expect(first.body.user).toMatchObject({ id: onA.id, siteId: a.siteId, role: 'owner' });
    expect((await signIn({ email, password: 'password on site b' })).body.user.siteId).toBe(b.siteId);
    const c = await buildSite(t);
    await c.dashboardUser('owner', { email, password: 'password on site a' });
    const ambiguous = await signIn({ email, password: 'password on site a' });
    expect(ambiguous.status).toBe(400);
    expect(ambiguous.body.details.validationError.fieldViolations[0].field).toBe('siteId');
    const named = await signIn({ email, password: 'password on site a', siteId: c.siteId });
    expect(named.status).toBe(200);
    expect(named.body.user.siteId).toBe(c.siteId);
    // A password of another site does not sign in to the site named.
    expect((await signIn({ email, password: 'password on site b', siteId: a.siteId })).status).toBe(401);
  });

  it('names an owner user as WIX_USER with its user id in events, and shows a moderator only its own jobs', async () => {
    const site = await buildSite(t);
    const owner = await site.dashboardUser('owner');
    const mod = await site.dashboardUser('moderator');
    const created = await call(t.app, 'POST', '/reviews/v1/reviews', { headers: owner.headers, body: reviewBody() });
    expect(created.status).toBe(200);
    const events = await call(t.app, 'GET', '/verdict/v1/events?limit=10', { auth: site.adminKey });
    const event = (events.body.events as { id: string }[]).find((e) =>
      JSON.stringify(e).includes(created.body.review.id),
    );
    expect(JSON.stringify(event)).toContain(`"wixUserId":"${owner.id}"`);
    const job = (h: Record<string, string>) =>
      call(t.app, 'POST', '/reviews/v1/bulk/reviews/delete', { headers: h, body: { filter: { entityId: 'none' } } });
    const ownersJob = (await job(owner.headers)).body.jobId as string;
    const modsJob = (await job(mod.headers)).body.jobId as string;
    expect((await call(t.app, 'GET', `/verdict/v1/jobs/${modsJob}`, { headers: mod.headers })).status).toBe(200);
    const hidden = await call(t.app, 'GET', `/verdict/v1/jobs/${ownersJob}`, { headers: mod.headers });
    expect(hidden.status).toBe(404);
    expect(hidden.body.details.applicationError.code).toBe('JOB_NOT_FOUND');
    expect((await call(t.app, 'GET', `/verdict/v1/jobs/${modsJob}`, { headers: owner.headers })).status).toBe(200);
  });

  it('hashes with scrypt at the production cost unless told otherwise, never storing the password', async () => {
    const site = await buildSite(t);
    const u = await site.dashboardUser('owner', { scrypt: { N: 2 ** 15, r: 8, p: 1 } });
    const row = await t.deps.db
      .selectFrom('users')
      .select('password_hash')
      .where('id', '=', u.id)
      .executeTakeFirstOrThrow();
    expect(row.password_hash).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(row.password_hash).not.toContain(u.password);
    const cheap = await site.dashboardUser('moderator');
    const cheapRow = await t.deps.db
      .selectFrom('users')
      .select('password_hash')
      .where('id', '=', cheap.id)
      .executeTakeFirstOrThrow();
    expect(cheapRow.password_hash.startsWith(`scrypt$${TEST_SCRYPT.N}$`)).toBe(true);
    expect(
      (await call(t.app, 'POST', '/verdict/v1/dashboard/sign-in', { body: { email: u.email, password: u.password } }))
        .status,
    ).toBe(200);
  });
});

describe.each(dialects())('the sign-in rate limit on $name', (dialect) => {
  let db: TestDb;
  let t: TestApp;
  beforeAll(async () => {
    db = await dialect.open();
    t = await startTestApp(db, {
      rateLimits: {
        tokens: { address: null, site: null },
        creates: { address: null, site: null },
        votes: { address: null, site: null },
        reports: { address: null, site: null },
        signins: { address: { points: 3, windowSeconds: 60 }, site: null },
      },
    });
  });
  afterAll(async () => {
    await t.close();
    await db.dispose();
  });

  it('refuses a fourth attempt from one address within the window (429, Retry-After), not other addresses', async () => {
    const site = await buildSite(t);
    const u = await site.dashboardUser('owner');
    const attempt = (remoteAddress: string, password = 'wrong') =>
      call(t.app, 'POST', '/verdict/v1/dashboard/sign-in', { body: { email: u.email, password }, remoteAddress });
    for (let i = 0; i < 3; i++) expect((await attempt('203.0.113.7')).status).toBe(401);
    const limited = await attempt('203.0.113.7', u.password);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.headers['ratelimit-policy']).toContain('signins-per-address');
    expect((await attempt('198.51.100.9', u.password)).status).toBe(200);
  });
});
