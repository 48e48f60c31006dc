/**
 * Handlers of the review page's public operations: the first page as JSON (the widget's first request), the same
 * as an HTML fragment (server-rendered shops), schema.org JSON-LD (crawlers); and the widget script itself. No
 * credentials: the site is named by its public client id and only published reviews are shown. Each answer carries
 * an ETag and Cache-Control and a matching If-None-Match gets 304.
 */
import type { FastifyReply, FastifyRequest, RouteHandlerMethod } from 'fastify';
import type { Handlers } from '../http/route.ts';
import { etagOf, matchesEtag, reviewFragmentHtml } from './embed.rules.ts';
import { getProductJsonLd, getReviewPage } from './embed.service.ts';
import { widgetLoader } from './widget-asset.ts';

/** Published reviews change rarely and a minute of staleness is harmless; caches revalidate with the ETag. */
export const PAGE_CACHE_CONTROL = 'public, max-age=60, stale-while-revalidate=300';
/** The widget URL is not versioned, so browsers keep it briefly and revalidate with the ETag. */
export const WIDGET_CACHE_CONTROL = 'public, max-age=300, stale-while-revalidate=86400';

/** Sends `body` with its validator, or 304 when the client already holds it. */
function cached(req: FastifyRequest, reply: FastifyReply, body: string, type: string, cacheControl: string) {
  const etag = etagOf(body);
  void reply.header('ETag', etag).header('Cache-Control', cacheControl).header('Vary', 'Accept-Encoding');
  const inm = req.headers['if-none-match'];
  if (matchesEtag(Array.isArray(inm) ? inm.join(',') : inm, etag)) return reply.code(304).send();
  return reply.type(type).send(body);
}

/** The review page's operations (public in the catalogue: `src/contract/operations/public.ts`). */
export const embedHandlers = {
  getReviewPage: async (deps, req) => {
    const q = req.query;
    const page = await getReviewPage(deps, q.site, q.namespace, q.entityId);
    const { request, reply } = req.http;
    return cached(request, reply, JSON.stringify(page), 'application/json; charset=utf-8', PAGE_CACHE_CONTROL);
  },
  getReviewFragment: async (deps, req) => {
    const q = req.query;
    const page = await getReviewPage(deps, q.site, q.namespace, q.entityId);
    const { request, reply } = req.http;
    const html = reviewFragmentHtml(page, q.locale ?? 'en');
    return cached(request, reply, html, 'text/html; charset=utf-8', PAGE_CACHE_CONTROL);
  },
  getProductJsonLd: async (deps, req) => {
    const q = req.query;
    const doc = await getProductJsonLd(deps, q.site, q);
    const { request, reply } = req.http;
    return cached(request, reply, JSON.stringify(doc), 'application/ld+json; charset=utf-8', PAGE_CACHE_CONTROL);
  },
} satisfies Partial<Handlers>;

/** `/widget.js` (an infrastructure route: a static asset, not an operation), built or read once per process. */
export function widgetScript(): RouteHandlerMethod {
  const widget = widgetLoader();
  return async (req, reply) => {
    const asset = await widget();
    return cached(req, reply, asset.body, 'text/javascript; charset=utf-8', WIDGET_CACHE_CONTROL);
  };
}
