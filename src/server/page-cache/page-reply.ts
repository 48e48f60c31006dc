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
export const PRIVATE_CACHE_CONTROL = 'private, no-cache';
export const PRIVATE_VARY = 'Authorization, wix-site-id, Accept-Encoding';

export function sendPage(
  req: FastifyRequest,
  reply: FastifyReply,
  page: Page,
  type: string,
  headers: { cacheControl: string; vary: string },
): FastifyReply {
  void reply.header('ETag', page.etag).header('Cache-Control', headers.cacheControl).header('Vary', headers.vary);
  if (req.method === 'GET' || req.method === 'HEAD') {
    const inm = req.headers['if-none-match'];
    if (matchesEtag(Array.isArray(inm) ? inm.join(',') : inm, page.etag)) return reply.code(304).send();
  }
  return reply.type(type).send(page.body);
}

/** `payload` as the route's response schema writes it (the same bytes the route would send for it). */
export function serialized(reply: FastifyReply, payload: unknown): string {
  const out = reply.serialize(payload);
  return typeof out === 'string' ? out : Buffer.from(out as ArrayBuffer).toString('utf8');
}
