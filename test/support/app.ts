/**
 * A real Verdict app over a test database, driven with `inject` (no socket) or listening on port 0, plus
 * builders: each test makes its own site and credentials, so tests share no rows.
 */
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { Scope, SiteSettings, UserRole } from '../../src/contract/index.ts';
import { type AppContext, createApp } from '../../src/server/app.ts';
import { type Config, LIMITED_ACTIONS, loadConfig, type RateLimitsConfig } from '../../src/server/config.ts';
import { type Clock, systemClock } from '../../src/server/deps.ts';
import { createApiKey, createSite, updateSiteSettings } from '../../src/server/sites/sites.service.ts';
import type { ScryptParams } from '../../src/server/users/passwords.ts';
import { createUser, SESSION_COOKIE, startSession } from '../../src/server/users/users.service.ts';
import type { TestDb } from './databases.ts';

export interface TestApp extends AppContext {
  db: TestDb;
  close(): Promise<void>;
}

/**
 * What a test app is started with: config overrides, and `clock`, the one clock every service, worker and the
 * authenticator of the app read (the system clock unless given; see `testClock`).
 */
export type TestAppOptions = Partial<Config> & { clock?: Clock };

/**
 * Starts an app on `db` with its workers. Every request of a test comes from one address, and how many land in one
 * minute depends on the machine's speed, so rate limits are off unless the test sets `rateLimits` itself (the limit
 * tests do, with small budgets).
 */
export async function startTestApp(db: TestDb, options: TestAppOptions = {}): Promise<TestApp> {
  const { clock = systemClock, ...overrides } = options;
  const config = {
    ...loadConfig({ LOG_LEVEL: 'silent', JOB_POLL_INTERVAL_MS: '50', WEBHOOK_POLL_INTERVAL_MS: '20' }),
    ...noRateLimits(),
    ...overrides,
  };
  const ctx = await createApp(db, config, { logger: false, clock });
  await ctx.app.ready();
  ctx.worker.start();
  ctx.webhookWorker.start();
  const t: TestApp = {
    ...ctx,
    db,
    async close() {
      // `worker` may have been replaced by a test; stop whichever runs now.
      await t.app.close();
      await t.worker.stop();
      await t.webhookWorker.stop();
    },
  };
  return t;
}

/**
 * Config overrides that switch every rate limit off, for tests that need volume from one address (a thousand
 * voters at once); tests of the limits set small ones instead.
 */
export function noRateLimits(): Partial<Config> {
  const off = { address: null, site: null };
  return { rateLimits: Object.fromEntries(LIMITED_ACTIONS.map((a) => [a, off])) as RateLimitsConfig };
}

export interface TestSite {
  siteId: string;
  clientId: string;
  adminKey: string;
  /** An app key with the given scopes. */
  appKey(scopes: Scope[]): Promise<string>;
  /**
   * A visitor token minted as if from `address`; by default a fresh address each time, so each visitor counts as
   * a distinct network when reports are weighed.
   */
  visitorToken(address?: string): Promise<string>;
  memberToken(contactId: string): Promise<string>;
  setModeration(settings: SiteSettings['moderation']): Promise<void>;
  /**
   * A dashboard user of the site with `role`, signed in: its id, e-mail and password, and the headers of its session
   * (`cookie`, plus `x-csrf-token` for unsafe methods). Hashed at a low cost (`TEST_SCRYPT`) unless said.
   */
  dashboardUser(role: UserRole, opts?: { email?: string; password?: string; scrypt?: ScryptParams }): Promise<TestUser>;
}

export interface TestUser {
  id: string;
  email: string;
  password: string;
  cookie: string;
  csrfToken: string;
  /** The headers of a request in this session: the cookie, and the CSRF token. */
  headers: Record<string, string>;
}

/** A cheap scrypt cost for test users (hundreds are made); the production cost is tested in the sign-in tests. */
export const TEST_SCRYPT: ScryptParams = { N: 1024, r: 8, p: 1 };

export async function buildSite(t: TestApp): Promise<TestSite> {
  const { site, adminKey } = await createSite(t.deps, `site-${Math.random().toString(36).slice(2)}`);
  return {
    siteId: site.id,
    clientId: site.client_id,
    adminKey,
    async appKey(scopes) {
      return (await createApiKey(t.deps, site.id, { kind: 'app', name: 'test app', scopes })).key;
    },
    async visitorToken(address = uniqueAddress()) {
      return (await t.deps.auth.issueVisitorTokens(site.client_id, address)).access_token;
    },
    async memberToken(contactId) {
      return t.deps.auth.mintMemberToken(site.id, contactId, 3600);
    },
    async setModeration(moderation) {
      await updateSiteSettings(t.deps, site.id, { moderation });
    },
    async dashboardUser(role, opts = {}) {
      const email = opts.email ?? `${role}-${crypto.randomUUID()}@example.com`;
      const password = opts.password ?? `pw-${crypto.randomUUID()}`;
      const row = await createUser(t.deps, site.id, { email, role, password }, null, opts.scrypt ?? TEST_SCRYPT);
      const session = await startSession(t.deps, row);
      const cookie = `${SESSION_COOKIE}=${session.token}`;
      return {
        id: row.id,
        email,
        password,
        cookie,
        csrfToken: session.csrfToken,
        headers: { cookie, 'x-csrf-token': session.csrfToken },
      };
    },
  };
}

type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

/** A JSON request through `inject`; returns status, parsed body and headers. */
export async function call(
  app: FastifyInstance,
  method: Method,
  url: string,
  opts: {
    auth?: string;
    body?: unknown;
    headers?: Record<string, string>;
    rawBody?: string | Buffer;
    /** The client's socket address (default 127.0.0.1). */
    remoteAddress?: string;
  } = {},
): Promise<{ status: number; body: any; headers: LightMyRequestResponse['headers'] }> {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (opts.auth !== undefined) headers.authorization = opts.auth;
  let payload: string | Buffer | undefined;
  if (opts.rawBody !== undefined) {
    payload = opts.rawBody;
    headers['content-type'] ??= 'application/json';
  } else if (opts.body !== undefined) {
    payload = JSON.stringify(opts.body);
    headers['content-type'] = 'application/json';
  }
  const res = await app.inject({
    method,
    url,
    headers,
    payload,
    ...(opts.remoteAddress ? { remoteAddress: opts.remoteAddress } : {}),
  });
  let body: unknown;
  try {
    body = res.body ? JSON.parse(res.body) : undefined;
  } catch {
    body = res.body;
  }
  return { status: res.statusCode, body, headers: res.headers };
}

let addresses = 0;
/** A client address no other call in this process returns (from 10.0.0.0/8). */
export const uniqueAddress = (): string => {
  const n = ++addresses;
  return `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
};

let counter = 0;
/** A fresh contact id (GUID). */
export const contactId = (): string => crypto.randomUUID();
/** A fresh entity id. */
export const entityId = (): string => `p-${++counter}-${Math.random().toString(36).slice(2, 8)}`;

/** A valid createReview body, with overrides merged into `review`. */
export function reviewBody(over: Record<string, unknown> = {}): { review: Record<string, unknown> } {
  const { content, ...rest } = over as { content?: Record<string, unknown> };
  return {
    review: {
      namespace: 'stores',
      entityId: entityId(),
      author: { contactId: contactId(), authorName: 'Ann' },
      ...rest,
      content: { rating: 4, title: 'Good', body: 'Works well', ...(content ?? {}) },
    },
  };
}

/** Polls `check` until it returns a value, failing with `what` after `ms`. Never sleeps blindly. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
