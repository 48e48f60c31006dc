/**
 * The session cookie on the wire: read from the `Cookie` header, written with `Set-Cookie`. HttpOnly (page script
 * never sees it), SameSite=Strict (no other site's page makes the browser send it), Path=/, and Secure when the
 * request came over https (as Fastify sees it: behind a proxy, only with TRUST_PROXY set to believe it).
 */
import { SESSION_COOKIE } from './users.service.ts';

/** The session token of a `Cookie` header, or undefined when it carries none. */
export function sessionTokenOf(cookieHeader: string | undefined): string | undefined {
  if (!cookieHeader) return undefined;
  for (const part of cookieHeader.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== SESSION_COOKIE) continue;
    const value = part.slice(eq + 1).trim();
    return value.length > 0 ? value : undefined;
  }
  return undefined;
}

/** The `Set-Cookie` value that stores `token` for `maxAgeSeconds`. */
export function sessionCookie(token: string, maxAgeSeconds: number, secure: boolean): string {
  return `${SESSION_COOKIE}=${token}; Max-Age=${maxAgeSeconds}; Path=/; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
}

/** The `Set-Cookie` value that clears the cookie. */
export function clearedSessionCookie(secure: boolean): string {
  return `${SESSION_COOKIE}=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
}
