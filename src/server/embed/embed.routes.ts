/**
 * The review page's public routes: the first page as JSON (the widget's first request), the same as an HTML
 * fragment (server-rendered shops), schema.org JSON-LD (crawlers), and the widget script itself. No credentials:
 * the site is named by its public client id and only published reviews are shown. Each answer carries an ETag and
 * Cache-Control and a matching If-None-Match gets 304.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  ErrorBody,
  JsonLdQuery,
  ProductJsonLd,
  ReviewFragment,
  ReviewFragmentQuery,
  ReviewPageData,
  ReviewPageQuery,
} from '../../contract/index.ts';
import type { Operation } from '../auth/permissions.rules.ts';
import type { AppDeps } from '../http/app-deps.ts';
import { etagOf, matchesEtag, reviewFragmentHtml } from './embed.rules.ts';
import { getProductJsonLd, getReviewPage } from './embed.service.ts';
import { widgetLoader } from './widget-asset.ts';

/** Published reviews change rarely and a minute of staleness is harmless; caches revalidate with the ETag. */
export const PAGE_CACHE_CONTROL = 'public, max-age=60, stale-while-revalidate=300';
/** The widget URL is not versioned, so browsers keep it briefly and revalidate with the ETag. */
export const WIDGET_CACHE_CONTROL = 'public, max-age=300, stale-while-revalidate=86400';

/** The operations these routes perform (each is PUBLIC in the permission matrix). */
export const EMBED_OPERATIONS = [
  'getReviewPage',
  'getReviewFragment',
  'getProductJsonLd',
] as const satisfies readonly Operation[];

const errors = { 400: ErrorBody, 404: ErrorBody };

/** Sends `body` with its validator, or 304 when the client already holds it. */
function cached(req: FastifyRequest, reply: FastifyReply, body: string, type: string, cacheControl: string) {
  const etag = etagOf(body);
  void reply.header('ETag', etag).header('Cache-Control', cacheControl).header('Vary', 'Accept-Encoding');
  const inm = req.headers['if-none-match'];
  if (matchesEtag(Array.isArray(inm) ? inm.join(',') : inm, etag)) return reply.code(304).send();
  return reply.type(type).send(body);
}

export function registerEmbedRoutes(app: FastifyInstance, deps: AppDeps): void {
  app.get(
    '/verdict/v1/embed/reviews',
    {
      config: { public: true, operation: 'getReviewPage' },
      schema: {
        summary: 'Rating summary and first published reviews of an entity (public; the widget’s first request)',
        tags: ['review page'],
        operationId: 'getReviewPage',
        security: [],
        querystring: ReviewPageQuery,
        response: { 200: ReviewPageData, ...errors },
      },
    },
    async (req, reply) => {
      const q = req.query as ReviewPageQuery;
      const page = await getReviewPage(deps, q.site, q.namespace, q.entityId);
      return cached(req, reply, JSON.stringify(page), 'application/json; charset=utf-8', PAGE_CACHE_CONTROL);
    },
  );

  app.get(
    '/verdict/v1/embed/reviews.html',
    {
      config: { public: true, operation: 'getReviewFragment' },
      schema: {
        summary: 'The same as an HTML fragment to put inside <verdict-reviews> (public)',
        tags: ['review page'],
        operationId: 'getReviewFragment',
        security: [],
        querystring: ReviewFragmentQuery,
        response: {
          200: { description: 'HTML fragment', content: { 'text/html': { schema: ReviewFragment } } },
          ...errors,
        },
      },
    },
    async (req, reply) => {
      const q = req.query as ReviewFragmentQuery;
      const page = await getReviewPage(deps, q.site, q.namespace, q.entityId);
      return cached(
        req,
        reply,
        reviewFragmentHtml(page, q.locale ?? 'en'),
        'text/html; charset=utf-8',
        PAGE_CACHE_CONTROL,
      );
    },
  );

  app.get(
    '/verdict/v1/embed/reviews.jsonld',
    {
      config: { public: true, operation: 'getProductJsonLd' },
      schema: {
        summary: 'schema.org Product JSON-LD with AggregateRating and the latest published reviews (public)',
        tags: ['review page'],
        operationId: 'getProductJsonLd',
        security: [],
        querystring: JsonLdQuery,
        response: {
          200: { description: 'JSON-LD', content: { 'application/ld+json': { schema: ProductJsonLd } } },
          ...errors,
        },
      },
    },
    async (req, reply) => {
      const q = req.query as JsonLdQuery;
      const doc = await getProductJsonLd(deps, q.site, q);
      return cached(req, reply, JSON.stringify(doc), 'application/ld+json; charset=utf-8', PAGE_CACHE_CONTROL);
    },
  );

  const widget = widgetLoader();
  app.get('/widget.js', { config: { public: true }, schema: { hide: true } }, async (req, reply) => {
    const asset = await widget();
    return cached(req, reply, asset.body, 'text/javascript; charset=utf-8', WIDGET_CACHE_CONTROL);
  });
}
