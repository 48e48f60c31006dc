/**
 * The session cookie on the wire: read from the `Cookie` header, written with `Set-Cookie`. HttpOnly (page script
 * never sees it), SameSite=Strict (no other site's page makes the browser send it), Path=/, and Secure when the
 * request came over https (as Fastify sees it: behind a proxy, only with TRUST_PROXY set to believe it).
 */
import { parse, serialize } from 'cookie';
import { SESSION_COOKIE } from './users.service.ts';

const attributes = (secure: boolean) => ({ path: '/', httpOnly: true, sameSite: 'strict', secure }) as const;

/** The session token of a `Cookie` header, or undefined when it carries none. */
export function sessionTokenOf(cookieHeader: string | undefined): string | undefined {
  if (!cookieHeader) return undefined;
  const value = parse(cookieHeader)[SESSION_COOKIE];
  return value ? value : undefined;
}

/** The `Set-Cookie` value that stores `token` for `maxAgeSeconds`. */
export function sessionCookie(token: string, maxAgeSeconds: number, secure: boolean): string {
  return serialize(SESSION_COOKIE, token, { ...attributes(secure), maxAge: maxAgeSeconds });
}

/** The `Set-Cookie` value that clears the cookie. */
export function clearedSessionCookie(secure: boolean): string {
  return serialize(SESSION_COOKIE, '', { ...attributes(secure), maxAge: 0, expires: new Date(0) });
}
