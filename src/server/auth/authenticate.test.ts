import { createSecretKey } from 'node:crypto';
import { SignJWT } from 'jose';
import type { Kysely } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { Database, SiteRow } from '../db/schema.ts';
import type { SiteCache } from '../sites/site-cache.ts';
import { createAuthenticator } from './authenticate.ts';

const SECRET = 'a-site-secret-of-forty-three-characters-xyz';
const OTHER_SECRET = 'another-secret-of-forty-three-characters-xy';
const START = new Date('2026-06-01T12:00:00.000Z');
const startSec = START.getTime() / 1000;

const siteRow = (secret: string): SiteRow => ({
  id: 'site-1',
  name: 'site',
  client_id: 'client-1',
  token_secret: secret,
  settings_json: '{}',
  created_at: START.toISOString(),
});

/**
 * An authenticator over a site the test controls: `site.row` is what the site cache answers now (a changed secret, or
 * none for a site gone), and `clock.now` the time. Tokens are verified without the database.
 */
function setup() {
  const site: { row: SiteRow | undefined } = { row: siteRow(SECRET) };
  const clock = { now: START };
  const sites: SiteCache = {
    get: async (id) => (site.row?.id === id ? site.row : undefined),
    keyByHash: async () => undefined,
    rules: async (siteId) => ({ siteId, byNamespace: new Map() }),
    invalidate: () => {},
  };
  const auth = createAuthenticator({
    db: undefined as unknown as Kysely<Database>,
    dialect: 'sqlite',
    clock: () => clock.now,
    sites,
    visitorTokenTtlSeconds: 3600,
    sessions: { sessionIdleSeconds: 1, sessionMaxSeconds: 1, signInMaxFailures: 1, signInLockoutSeconds: 1 },
  });
  return { auth, site, clock };
}

/** A visitor token as Verdict signs them, valid for an hour from START unless `exp` says otherwise. */
function visitorToken(secret = SECRET, exp = startSec + 3600): Promise<string> {
  return new SignJWT({ sid: 'site-1', typ: 'visitor' })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer('verdict')
    .setSubject('visitor-1')
    .setIssuedAt(startSec)
    .setExpirationTime(exp)
    .sign(createSecretKey(Buffer.from(secret, 'utf8')));
}

const refusal = (p: Promise<unknown>) =>
  p.then(
    () => 'accepted',
    (err: { code?: string; publicMessage?: string }) => `${err.code}: ${err.publicMessage}`,
  );

describe('authenticate: a visitor token verified once', () => {
  it('is accepted again, as the same visitor', async () => {
    const { auth } = setup();
    const token = await visitorToken();
    const first = await auth.authenticate(`Bearer ${token}`, undefined);
    expect(first).toEqual({ kind: 'VISITOR', siteId: 'site-1', visitorId: 'visitor-1', contactId: 'visitor-1' });
    expect(await auth.authenticate(token, undefined)).toEqual(first);
  });

  it('is refused once it expires, though it was accepted before', async () => {
    const { auth, clock } = setup();
    const token = await visitorToken(SECRET, startSec + 60);
    expect((await auth.authenticate(token, undefined)).kind).toBe('VISITOR');
    clock.now = new Date(START.getTime() + 60_000);
    expect(await refusal(auth.authenticate(token, undefined))).toBe('UNAUTHENTICATED: Token expired');
    clock.now = new Date(START.getTime() + 30_000);
    expect((await auth.authenticate(token, undefined)).kind).toBe('VISITOR');
  });

  it("is refused once the site's secret changes, and a token signed with the new secret is accepted", async () => {
    const { auth, site } = setup();
    const token = await visitorToken();
    expect((await auth.authenticate(token, undefined)).kind).toBe('VISITOR');
    site.row = siteRow(OTHER_SECRET);
    expect(await refusal(auth.authenticate(token, undefined))).toBe('UNAUTHENTICATED: Missing or invalid credentials');
    expect((await auth.authenticate(await visitorToken(OTHER_SECRET), undefined)).kind).toBe('VISITOR');
    // The secret back: the first token verifies again (it was never kept under the other secret).
    site.row = siteRow(SECRET);
    expect((await auth.authenticate(token, undefined)).kind).toBe('VISITOR');
  });

  it('is refused once its site is gone', async () => {
    const { auth, site } = setup();
    const token = await visitorToken();
    expect((await auth.authenticate(token, undefined)).kind).toBe('VISITOR');
    site.row = undefined;
    expect(await refusal(auth.authenticate(token, undefined))).toBe('UNAUTHENTICATED: Missing or invalid credentials');
  });

  it('does not vouch for the same claims under another signature, or for its text with one character changed', async () => {
    const { auth } = setup();
    const token = await visitorToken();
    expect((await auth.authenticate(token, undefined)).kind).toBe('VISITOR');
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const forged = `${header}.${payload}.${(await visitorToken(OTHER_SECRET)).split('.')[2]}`;
    const flipped = `${header}.${payload}.${signature.slice(0, -2)}${signature.at(-2) === 'A' ? 'B' : 'A'}${signature.at(-1)}`;
    for (const t of [forged, flipped, `${token}x`, ` ${token}.`]) {
      expect(await refusal(auth.authenticate(t, undefined)), t.slice(-8)).toBe(
        'UNAUTHENTICATED: Missing or invalid credentials',
      );
    }
    expect((await auth.authenticate(token, undefined)).kind).toBe('VISITOR');
  });
});
