/**
 * The one authorization point: who is calling, from a request's credentials, and whether they may perform the
 * operation. Every route that is not public goes through it: the server's onRequest hook (build-server.ts) for
 * everything Fastify routes, and the cached-read responder (cached-reads.ts) for the reads it answers before routing.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { isAllowed, type Operation } from '../auth/permissions.rules.ts';
import type { Principal } from '../auth/principal.ts';
import { forbidden } from '../errors.ts';
import { sessionTokenOf } from '../users/session-cookie.ts';
import { csrfMatches, type ResolvedSession } from '../users/users.service.ts';
import type { AppDeps } from './app-deps.ts';

/** The request headers that carry credentials, as sent (first value of a repeated header). */
export interface Credentials {
  method: string;
  authorization: string | undefined;
  cookie: string | undefined;
  siteId: string | undefined;
  csrfToken: string | undefined;
}

const first = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);

/** The credentials of a request with these headers. */
export function credentialsOf(method: string, headers: IncomingHttpHeaders): Credentials {
  return {
    method,
    authorization: first(headers.authorization),
    cookie: first(headers.cookie),
    siteId: first(headers['wix-site-id']),
    csrfToken: first(headers['x-csrf-token']),
  };
}

export interface Caller {
  principal: Principal;
  /** The dashboard session the request was authenticated by (cookie), with its CSRF token; null otherwise. */
  session: ResolvedSession | null;
}

/**
 * The caller of `operation`: 401 when the credentials are missing or invalid, 403 when they belong to another site
 * or may not perform it. A dashboard session (cookie) counts only when no Authorization header is sent: a key or
 * token always wins.
 */
export async function authorizeCaller(
  deps: Pick<AppDeps, 'auth'>,
  operation: Operation,
  c: Credentials,
): Promise<Caller> {
  const sessionToken = c.authorization === undefined ? sessionTokenOf(c.cookie) : undefined;
  let caller: Caller;
  if (sessionToken !== undefined) {
    const session = await deps.auth.authenticateSession(sessionToken, c.siteId);
    // A browser sends the cookie with any request to this origin; only the dashboard's own page knows the session's
    // CSRF token, so an unsafe request without it was not made by that page.
    if (c.method !== 'GET' && c.method !== 'HEAD' && !csrfMatches(session.csrfToken, c.csrfToken)) {
      throw forbidden('Missing or wrong x-csrf-token for this session');
    }
    caller = { principal: session.principal, session };
  } else {
    caller = { principal: await deps.auth.authenticate(c.authorization, c.siteId), session: null };
  }
  if (!isAllowed(caller.principal, operation)) {
    throw forbidden(`${caller.principal.kind} callers may not ${operation}`);
  }
  return caller;
}
