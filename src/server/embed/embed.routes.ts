/**
 * Handlers of the review page's public operations: the first page as JSON (the widget's first request), the same
 * as an HTML fragment (server-rendered shops), schema.org JSON-LD (crawlers); and the widget script itself. No
 * credentials: the site is named by its public client id and only published reviews are shown. Each answer carries
 * an ETag and Cache-Control and a matching If-None-Match gets 304. The three operations' answers are the same for
 * every visitor until a review of the entity changes, so they are served from the page cache (page-cache/), keyed
 * by every query parameter and the day (the relevance scores the page shows move with it).
 */
import type { FastifyReply, FastifyRequest, RouteHandlerMethod } from 'fastify';
import type { AppDeps } from '../http/app-deps.ts';
import type { Handlers } from '../http/route.ts';
import { type Rendered, readPage } from '../page-cache/page-cache.ts';
import { type CachingHeaders, sendPage } from '../page-cache/page-reply.ts';
import { scoreDay } from '../reviews/reviews.rules.ts';
import { etagOf, matchesEtag, reviewFragmentHtml } from './embed.rules.ts';
import { productJsonLdOfSite, reviewPageOfSite } from './embed.service.ts';
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

/** The caching headers of the public pages (and of the cached-read responder's answers of them). */
export const PUBLIC_CACHING: CachingHeaders = { cacheControl: PAGE_CACHE_CONTROL, vary: 'Accept-Encoding' };

/**
 * The page-cache key of a public page of `kind` with the query values `parts` at `now`: every part the answer depends
 * on, and the day (the relevance scores the page shows move with it). The cached-read responder (http/) builds the
 * same key to answer a hit before routing.
 */
export function publicPageKey(kind: PublicPageKind, parts: readonly unknown[], now: Date): string {
  return JSON.stringify([kind, scoreDay(now), ...parts]);
}

/** The content type each public page is answered with. */
export const PUBLIC_PAGE_TYPES = {
  embed: 'application/json; charset=utf-8',
  fragment: 'text/html; charset=utf-8',
  jsonld: 'application/ld+json; charset=utf-8',
} as const;
export type PublicPageKind = keyof typeof PUBLIC_PAGE_TYPES;

/** The values the review fragment's page is kept under (the locale defaults to English). */
export function fragmentParts(q: { site: string; namespace: string; entityId: string; locale?: string | undefined }) {
  return [q.site, q.namespace, q.entityId, q.locale ?? 'en'];
}

/**
 * The page of `parts` from the page cache, rendered by `render` at one instant: the key's day and the scores the
 * page carries are read from the same clock reading.
 */
function publicPage(
  deps: AppDeps,
  kind: PublicPageKind,
  parts: readonly unknown[],
  render: (deps: AppDeps) => Promise<Rendered>,
) {
  const now = deps.clock();
  return readPage(deps.pageCache, kind, publicPageKey(kind, parts, now), () => render({ ...deps, clock: () => now }));
}

/** The review page's operations (public in the catalogue: `src/contract/operations/public.ts`). */
export const embedHandlers = {
  getReviewPage: async (deps, req) => {
    const q = req.query;
    const page = await publicPage(deps, 'embed', [q.site, q.namespace, q.entityId], async (at) => {
      const { siteId, page } = await reviewPageOfSite(at, q.site, q.namespace, q.entityId);
      return { body: JSON.stringify(page), siteId, entityId: q.entityId };
    });
    const { request, reply } = req.http;
    return sendPage(request, reply, page, PUBLIC_PAGE_TYPES.embed, PUBLIC_CACHING);
  },
  getReviewFragment: async (deps, req) => {
    const q = req.query;
    const locale = q.locale ?? 'en';
    const page = await publicPage(deps, 'fragment', fragmentParts(q), async (at) => {
      const { siteId, page } = await reviewPageOfSite(at, q.site, q.namespace, q.entityId);
      return { body: reviewFragmentHtml(page, locale), siteId, entityId: q.entityId };
    });
    const { request, reply } = req.http;
    return sendPage(request, reply, page, PUBLIC_PAGE_TYPES.fragment, PUBLIC_CACHING);
  },
  getProductJsonLd: async (deps, req) => {
    const q = req.query;
    const parts = [q.site, q.namespace, q.entityId, q.name, q.url ?? null];
    const page = await publicPage(deps, 'jsonld', parts, async (at) => {
      const { siteId, doc } = await productJsonLdOfSite(at, q.site, q);
      return { body: JSON.stringify(doc), siteId, entityId: q.entityId };
    });
    const { request, reply } = req.http;
    return sendPage(request, reply, page, PUBLIC_PAGE_TYPES.jsonld, PUBLIC_CACHING);
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
