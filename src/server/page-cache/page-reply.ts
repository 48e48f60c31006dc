/**
 * How a cached page is sent: its bytes as they are, its ETag, the caching headers the caller chose, and 304 with no
 * body when the client's `If-None-Match` names the current tag (GET and HEAD only: a POST is never answered 304).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { matchesEtag } from '../embed/embed.rules.ts';
import type { Page } from './page-cache.ts';

/**
 * Authenticated reads: a browser may keep the answer but must revalidate it every time (one 304 round trip), and a
 * shared cache must not hold it, since it was answered for one site's credentials.
 */
export const PRIVATE_CACHING: CachingHeaders = {
  cacheControl: 'private, no-cache',
  vary: 'Authorization, wix-site-id, Accept-Encoding',
};

/** What a cached page's answer says about caching besides its ETag. */
export interface CachingHeaders {
  cacheControl: string;
  vary: string;
}

/** 304 when the client's `If-None-Match` names the page's current tag on a GET or HEAD, 200 otherwise. */
export function pageStatus(method: string, ifNoneMatch: string | string[] | undefined, page: Page): 200 | 304 {
  if (method !== 'GET' && method !== 'HEAD') return 200;
  return matchesEtag(Array.isArray(ifNoneMatch) ? ifNoneMatch.join(',') : ifNoneMatch, page.etag) ? 304 : 200;
}

export function sendPage(
  req: FastifyRequest,
  reply: FastifyReply,
  page: Page,
  type: string,
  headers: CachingHeaders,
): FastifyReply {
  void reply.header('ETag', page.etag).header('Cache-Control', headers.cacheControl).header('Vary', headers.vary);
  if (pageStatus(req.method, req.headers['if-none-match'], page) === 304) return reply.code(304).send();
  return reply.type(type).send(page.body);
}

/** `payload` as the route's response schema writes it (the same bytes the route would send for it). */
export function serialized(reply: FastifyReply, payload: unknown): string {
  const out = reply.serialize(payload);
  return typeof out === 'string' ? out : Buffer.from(out as ArrayBuffer).toString('utf8');
}
