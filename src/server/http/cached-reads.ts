/**
 * Storefront reads answered from the page cache before Fastify routes the request (docs/adr/0017-cached-read-responder.md).
 *
 * A visitor's read of a published review and a rating summary are the same bytes for every caller of the site until
 * a review of that entity changes; once the page cache holds them, what is left of a request is the framework's
 * per-request work (routing, a child logger, hooks, validation, the reply object), which cost more than the answer.
 * This responder sits in the HTTP server's request listener, in front of Fastify, and answers only a cache hit of
 * exactly these shapes:
 *
 * - `GET /reviews/v1/reviews/<id>` (or an alias prefix) with no query string, for any caller with credentials (a
 *   visitor's or member's token, an API key);
 * - `GET /verdict/v1/ratings/summary?namespace=…&entityId=…`, both once and nothing else, for the same callers;
 * - the review page's public first page, `GET /verdict/v1/embed/reviews?site=…&namespace=…&entityId=…`, and its
 *   HTML fragment (the same and an optional `locale`), for anyone: public operations read no credentials;
 *
 * with a path and query made only of unreserved characters (so no decoding can differ from Fastify's), while the
 * server is not closing. The caller of a non-public shape goes through the same authorization point as every route
 * (`authorizeCaller`); then the key is the one the route's handler keeps the page under, so a hit can only be a page
 * that handler rendered for a validated request. Anything else — a miss, a refusal, another shape — is handed to
 * Fastify untouched, which answers it as always (and fills the cache). The answer carries the headers Fastify's would
 * (request id, CORS, ETag, caching, 304 on `If-None-Match`), is counted in the request metrics under its route, and is
 * logged as Fastify logs requests when the level is `info` or finer.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyBaseLogger } from 'fastify';
import type { OperationName } from '../../contract/operations/index.ts';
import { operation } from '../../contract/operations/index.ts';
import type { Principal } from '../auth/principal.ts';
import {
  fragmentParts,
  PUBLIC_CACHING,
  PUBLIC_PAGE_TYPES,
  type PublicPageKind,
  publicPageKey,
} from '../embed/embed.routes.ts';
import type { Page } from '../page-cache/page-cache.ts';
import { type CachingHeaders, PRIVATE_CACHING, pageStatus } from '../page-cache/page-reply.ts';
import { sharedReview } from '../reviews/reviews.service.ts';
import { sharedSummary } from '../summaries/summaries.service.ts';
import type { AppDeps } from './app-deps.ts';
import { authorizeCaller, credentialsOf } from './authorize.ts';

/** The `Access-Control-Expose-Headers` of every answer (registered with the CORS plugin, sent here alike). */
export const CORS_EXPOSED_HEADERS = [
  'X-Wix-Request-Id',
  'RateLimit',
  'RateLimit-Policy',
  'Retry-After',
  'ETag',
  'Idempotent-Replayed',
];

/** The header as the CORS plugin writes it, joined once. */
const EXPOSED = CORS_EXPOSED_HEADERS.join(', ');
const JSON_TYPE = 'application/json; charset=utf-8';
/** Characters no URL decoder reads differently (RFC 3986 unreserved). */
const UNRESERVED = /^[A-Za-z0-9._~-]+$/;

const REVIEW_PATH = operation('getReview').path.replace(':reviewId', '');
const SUMMARY_PATH = operation('getRatingSummary').path;
const EMBED_PATH = operation('getReviewPage').path;
const FRAGMENT_PATH = operation('getReviewFragment').path;

/** A request of one of the answered shapes: its operation, and its page-cache key once the caller is known. */
interface Shape {
  operation: OperationName;
  kind: string;
  /** The answer's content type and caching headers. */
  type: string;
  caching: CachingHeaders;
  /** Public shapes read no credentials (as their routes do not); the others need an `Authorization` header. */
  public: boolean;
  key(principal: Principal | undefined, now: Date): string | null;
}

/** The shape of a canonical URL, or undefined when it is not one this responder answers. */
export function shapeOf(url: string): Shape | undefined {
  if (url.startsWith(REVIEW_PATH)) {
    const id = url.slice(REVIEW_PATH.length);
    if (!UNRESERVED.test(id)) return undefined;
    return {
      ...AUTHENTICATED,
      operation: 'getReview',
      kind: 'review',
      key: (p, now) => (p ? sharedReview(p, id, false, now) : null),
    };
  }
  const summary = queryOf(url, SUMMARY_PATH, ['namespace', 'entityId'], []);
  if (summary) {
    const { namespace, entityId } = summary as Record<'namespace' | 'entityId', string>;
    return {
      ...AUTHENTICATED,
      operation: 'getRatingSummary',
      kind: 'summary',
      key: (p) => (p ? sharedSummary(p.siteId, namespace, entityId) : null),
    };
  }
  const embed = queryOf(url, EMBED_PATH, ['site', 'namespace', 'entityId'], []);
  if (embed) {
    const q = embed as Record<'site' | 'namespace' | 'entityId', string>;
    return publicShape('getReviewPage', 'embed', [q.site, q.namespace, q.entityId]);
  }
  const fragment = queryOf(url, FRAGMENT_PATH, ['site', 'namespace', 'entityId'], ['locale']);
  if (fragment) {
    return publicShape('getReviewFragment', 'fragment', fragmentParts(fragment as Parameters<typeof fragmentParts>[0]));
  }
  return undefined;
}

const AUTHENTICATED = { type: JSON_TYPE, caching: PRIVATE_CACHING, public: false } as const;

function publicShape(operation: OperationName, kind: PublicPageKind, parts: readonly string[]): Shape {
  return {
    operation,
    kind,
    type: PUBLIC_PAGE_TYPES[kind],
    caching: PUBLIC_CACHING,
    public: true,
    key: (_p, now) => publicPageKey(kind, parts, now),
  };
}

/**
 * The query of `url` when its path is `path` and its query names every `required` parameter once, any `optional`
 * one at most once and nothing else, each value made of unreserved characters; undefined otherwise.
 */
function queryOf(
  url: string,
  path: string,
  required: readonly string[],
  optional: readonly string[],
): Record<string, string> | undefined {
  if (!url.startsWith(path) || url.charCodeAt(path.length) !== 63 /* ? */) return undefined;
  const values: Record<string, string> = {};
  let found = 0;
  for (const pair of url.slice(path.length + 1).split('&')) {
    const eq = pair.indexOf('=');
    if (eq < 0) return undefined;
    const name = pair.slice(0, eq);
    const value = pair.slice(eq + 1);
    if (!UNRESERVED.test(value) || Object.hasOwn(values, name)) return undefined;
    if (required.includes(name)) found++;
    else if (!optional.includes(name)) return undefined;
    values[name] = value;
  }
  return found === required.length ? values : undefined;
}

export interface CachedReadsOptions {
  /** The URL as Fastify routes it (alias prefixes rewritten to the canonical one). */
  canonicalUrl(url: string): string;
  /** Aborted when the server starts closing: from then on Fastify answers everything (and ends connections). */
  closing: AbortSignal;
  /** The server's logger, once Fastify has made it; request lines are written only when it logs `info`. */
  log(): FastifyBaseLogger | undefined;
}

/**
 * The responder: true when it has taken the request (answered it, or is answering it), false when Fastify must. A
 * promise only for requests of an answered shape, which Fastify gets once the cache has said no.
 */
export type CachedReadResponder = (req: IncomingMessage, res: ServerResponse) => false | Promise<boolean>;

export function createCachedReadResponder(deps: AppDeps, opts: CachedReadsOptions): CachedReadResponder | undefined {
  const cache = deps.pageCache;
  // Only the default CORS policy (any origin) is reproduced here: with a list of origins the plugin's answer depends
  // on the request's Origin, and Fastify keeps answering every request.
  if (!cache || (deps.config.corsOrigins ?? '*') !== '*') return undefined;
  const metrics = deps.metrics;
  const renew = deps.changes?.renew;

  function send(req: IncomingMessage, res: ServerResponse, shape: Shape, page: Page, started: number): void {
    const status = pageStatus('GET', req.headers['if-none-match'], page);
    const reqId = randomUUID();
    const log = opts.log();
    const logged = logsRequests(log);
    if (logged) log.info({ reqId, req: logFields(req) }, 'incoming request');
    const headers: Record<string, string | number> = {
      'access-control-allow-origin': '*',
      'access-control-expose-headers': EXPOSED,
      'x-wix-request-id': reqId,
      etag: page.etag,
      'cache-control': shape.caching.cacheControl,
      vary: shape.caching.vary,
    };
    if (status === 200) {
      headers['content-type'] = shape.type;
      headers['content-length'] = page.body.length;
    }
    res.writeHead(status, headers);
    res.end(status === 200 ? page.body : undefined);
    const seconds = (performance.now() - started) / 1000;
    metrics?.observeRequest('GET', operation(shape.operation).path, status, seconds);
    if (logged) log.info({ reqId, res: { statusCode: status }, responseTime: seconds * 1000 }, 'request completed');
  }

  async function answer(req: IncomingMessage, res: ServerResponse, shape: Shape, started: number): Promise<boolean> {
    try {
      // As Fastify's first hook does: the caches' view of other processes' changes is read anew for this request.
      renew?.();
      const principal = shape.public
        ? undefined
        : (await authorizeCaller(deps, shape.operation, credentialsOf('GET', req.headers))).principal;
      const key = shape.key(principal, deps.clock());
      const page = key === null ? undefined : cache?.hit(shape.kind, key);
      if (!page || opts.closing.aborted) return false;
      send(req, res, shape, page, started);
      return true;
    } catch {
      // A refusal (or anything unexpected) is Fastify's to answer, with its error body and logging.
      return false;
    }
  }

  return (req, res) => {
    if (req.method !== 'GET' || opts.closing.aborted) return false;
    const log = opts.log();
    // Request lines name the client's address; behind trusted proxies that is Fastify's to work out.
    if (deps.config.trustProxy !== false && logsRequests(log)) return false;
    const shape = shapeOf(opts.canonicalUrl(req.url ?? '/'));
    if (!shape || (!shape.public && req.headers.authorization === undefined)) return false;
    return answer(req, res, shape, performance.now());
  };
}

/** Whether Fastify would log each request (`incoming request`, `request completed` are at `info`). */
function logsRequests(log: FastifyBaseLogger | undefined): log is FastifyBaseLogger {
  return log !== undefined && (log.level === 'info' || log.level === 'debug' || log.level === 'trace');
}

/** What Fastify's request serializer logs of a request (its `req` field). */
function logFields(req: IncomingMessage) {
  return {
    method: req.method,
    url: req.url,
    version: req.headers['accept-version'],
    host: req.headers.host,
    ip: req.socket.remoteAddress,
    socket: req.socket,
    headers: req.headers,
  };
}
