/**
 * Builds the Fastify server: the whole route table in one place, the single authorization point (an onRequest
 * hook reading each route's operation), Wix-shaped errors, request ids in `X-Wix-Request-Id`, strict UTF-8 JSON,
 * Idempotency-Key handling, OpenAPI at `/openapi.json` and a reference page at `/docs`.
 */

import { isUtf8 } from 'node:buffer';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import cors from '@fastify/cors';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, {
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type FastifyServerOptions,
  type onRequestHookHandler,
  type onSendHookHandler,
  type preHandlerHookHandler,
  type RouteHandlerMethod,
  type RouteOptions,
} from 'fastify';
import { type FieldViolation, NOT_FOUND_KEYWORD } from '../../contract/index.ts';
import {
  API_PREFIXES,
  isOperationName,
  OPERATION_NAMES,
  type OperationName,
  operation,
} from '../../contract/operations/index.ts';
import { underPrefix } from '../../contract/operations/paths.ts';
import type { Operation } from '../auth/permissions.rules.ts';
import { type Principal, principalKey } from '../auth/principal.ts';
import {
  DASHBOARD_PATH,
  DASHBOARD_SCRIPT_PATH,
  dashboardPage,
  dashboardScript,
} from '../dashboard/dashboard.routes.ts';
import { probeReadiness } from '../db/readiness.ts';
import { demoPage, demoPhoto } from '../demo/demo.routes.ts';
import { DEMO_PHOTO_PATH } from '../demo/demo.service.ts';
import { widgetScript } from '../embed/embed.routes.ts';
import { AppError, forbidden, invalid, unavailable, unavailableReason } from '../errors.ts';
import { claimKey, completeKey, requestHash } from '../idempotency/idempotency.service.ts';
import { clientNetwork } from '../limits/limits.rules.ts';
import { UNMATCHED_ROUTE } from '../metrics/metrics.ts';
import { auditUserRequest, type ResolvedSession } from '../users/users.service.ts';
import type { AppDeps } from './app-deps.ts';
import { authorizeCaller, credentialsOf } from './authorize.ts';
import { type CachedReadResponder, CORS_EXPOSED_HEADERS, createCachedReadResponder } from './cached-reads.ts';
import { errorHandler } from './error-handler.ts';
import { HANDLERS } from './handlers.ts';
import { OPENAPI_DESCRIPTION, routeSchema } from './openapi.ts';
import { countRequest } from './rate-limit.ts';
import type { Handler, HandlerRequest, Handlers } from './route.ts';
import { sharedSerializerFactory } from './shared-serializers.ts';
import {
  checkPathParams,
  jsonDepthExceeds,
  MAX_BODY_DEPTH,
  type PathIdSpec,
  pathIdSpecs,
  tooDeep,
} from './validation.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The operation a route performs; the auth hook checks it against the permission matrix. */
    operation?: Operation;
    /** Routes anyone may call without credentials (health, docs, token exchange). */
    public?: boolean;
    /** The route's id path parameters, checked before validation (see `checkPathParams`). */
    pathIds?: readonly PathIdSpec[];
  }
  interface FastifyRequest {
    principal: Principal | null;
    /** The dashboard session the request was authenticated by (cookie), with its CSRF token; null otherwise. */
    dashboardSession: ResolvedSession | null;
    idempotency: { siteId: string; principal: string; key: string } | null;
    /** Whether the body or query string could hold a NUL character (an escape for one appears in the raw text). */
    mayHoldNul: boolean;
  }
}

/** Media types a request body may have besides JSON, on the operations that `consumes` them (uploads). */
const RAW_UPLOAD_TYPES = ['text/csv', 'application/x-ndjson', 'text/plain', 'application/octet-stream'];

/** The Wix review prefixes (`API_PREFIXES.reviews` of the catalogue), canonical first. */
export const REVIEW_PREFIXES = API_PREFIXES.reviews;

/**
 * Each route is registered once, under its canonical prefix; a request on an alias prefix is rewritten to it
 * before routing (one set of compiled validators and serializers instead of one per alias).
 */
const ALIASES: readonly (readonly [alias: string, canonical: string])[] = Object.values(API_PREFIXES).flatMap(
  ([canonical, ...aliases]) => aliases.map((alias) => [alias, canonical] as const),
);

export function canonicalUrl(url: string): string {
  for (const [alias, canonical] of ALIASES) {
    if (underPrefix(url, alias)) return canonical + url.slice(alias.length);
  }
  return url;
}

/**
 * The routes that are not operations of the catalogue, all GET, public and left out of `/openapi.json`: probes,
 * the document itself, the widget's script, the demo page and the dashboard's page and script. Besides these, only plugins add routes: the
 * reference page under `/docs` and CORS preflights (`OPTIONS *`). `buildServer` refuses to start with any other.
 */
export const INFRASTRUCTURE_PATHS = [
  '/healthz',
  '/readyz',
  '/openapi.json',
  '/widget.js',
  '/demo',
  DEMO_PHOTO_PATH,
  DASHBOARD_PATH,
  DASHBOARD_SCRIPT_PATH,
] as const;
type InfrastructurePath = (typeof INFRASTRUCTURE_PATHS)[number];

/** One route as mounted: an operation of the catalogue, an infrastructure route, or a plugin's. */
export interface MountedRoute {
  method: string;
  url: string;
  operation?: OperationName;
}

const mountedByApp = new WeakMap<FastifyInstance, MountedRoute[]>();

/** Every route `app` (built by `buildServer`) mounted, by method (Fastify's HEAD twins of GETs included). */
export function mountedRoutes(app: FastifyInstance): readonly MountedRoute[] {
  return mountedByApp.get(app) ?? [];
}

/**
 * Refuses (at start-up) a route that is neither the route of its catalogue operation nor an infrastructure route,
 * so a route can only be added through the catalogue or, for non-API routes, the list above.
 */
function checkRoute(method: string, url: string, operationName: unknown): OperationName | undefined {
  if (operationName !== undefined) {
    if (typeof operationName !== 'string' || !isOperationName(operationName)) {
      throw new Error(`${method} ${url} names ${String(operationName)}, which is not an operation of the catalogue`);
    }
    const op = operation(operationName);
    if (op.path !== url || (op.method !== method && !(op.method === 'GET' && method === 'HEAD'))) {
      throw new Error(`${method} ${url} names ${operationName}, which the catalogue serves at ${op.method} ${op.path}`);
    }
    return operationName;
  }
  const infrastructure =
    (INFRASTRUCTURE_PATHS as readonly string[]).includes(url) && (method === 'GET' || method === 'HEAD');
  const plugin = url === '/docs' || url.startsWith('/docs/') || (url === '*' && method === 'OPTIONS');
  if (!infrastructure && !plugin) {
    throw new Error(`${method} ${url} is neither an operation of the catalogue nor an infrastructure route`);
  }
  return undefined;
}

export interface ServerOptions {
  logger?: boolean | { level: string };
  /** Aborted when the server starts closing; the composition root wires its signal as `deps.shutdown`. */
  closing?: AbortController;
}

function header(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Field violations for every string (value or key) containing U+0000, with its dotted path. */
export function nulViolations(value: unknown, path: string, out: FieldViolation[] = [], depth = 0): FieldViolation[] {
  if (depth > 64 || out.length >= 20) return out;
  const at = (k: string) => (/^\d+$/.test(k) ? `${path}[${k}]` : path ? `${path}.${k}` : k);
  if (typeof value === 'string') {
    if (value.includes('\u0000'))
      out.push({
        field: path || 'body',
        description: 'must not contain NUL characters',
        violatedRule: 'INVALID_CHARACTER',
      });
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => {
      nulViolations(v, at(String(i)), out, depth + 1);
    });
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k.includes('\u0000'))
        out.push({
          field: path || 'body',
          description: 'must not contain NUL characters in keys',
          violatedRule: 'INVALID_CHARACTER',
        });
      else nulViolations(v, at(k), out, depth + 1);
    }
  }
  return out;
}

/** Fastify's `trustProxy` for TRUST_PROXY: a hop count trusts that many proxies nearest the server. */
function trustProxyOption(
  t: boolean | number | string[],
): boolean | string[] | ((addr: string, hop: number) => boolean) {
  return typeof t === 'number' ? (_addr, hop) => hop < t : t;
}

export async function buildServer(deps: AppDeps, opts: ServerOptions = {}): Promise<FastifyInstance> {
  const closing = opts.closing ?? new AbortController();
  let app: FastifyInstance | undefined;
  const cachedRead = createCachedReadResponder(deps, { canonicalUrl, closing: closing.signal, log: () => app?.log });
  app = Fastify({
    logger: opts.logger ?? { level: deps.config.logLevel },
    genReqId: () => randomUUID(),
    bodyLimit: deps.config.bodyLimitBytes,
    return503OnClosing: true,
    // Which address is the client's (`req.ip`): the socket's unless TRUST_PROXY names proxies to believe.
    trustProxy: trustProxyOption(deps.config.trustProxy),
    rewriteUrl: (req) => canonicalUrl(req.url ?? '/'),
    // The server Fastify would make, with the cached-read responder in front of its handler (cached-reads.ts).
    serverFactory: (handler, options) => serverWith(cachedRead, handler, options),
    // One response serializer per distinct schema, not per route and status (shared-serializers.ts).
    schemaController: { compilersFactory: { buildSerializer: sharedSerializerFactory() } },
    ajv: {
      customOptions: {
        allErrors: true,
        coerceTypes: false,
        verbose: true,
        useDefaults: true,
        // A schema that closes an object (`additionalProperties: false`) refuses an unknown field with a violation
        // naming it, rather than dropping it silently (Fastify's default).
        removeAdditional: false,
        // The annotation `IdParam` puts on id path parameters; read by the route table, ignored by Ajv.
        keywords: [NOT_FOUND_KEYWORD],
      },
    },
    // Errors Fastify raises before routing (a malformed percent-escape in the path) get the Wix body too.
    frameworkErrors: (err, req, res) => {
      const reply = res as unknown as FastifyReply;
      void reply
        .code(400)
        .header('X-Wix-Request-Id', req.id)
        .send(
          invalid([
            { field: 'path', description: 'is not a valid URL path', violatedRule: 'INVALID_ARGUMENT' },
          ]).toBody(),
        );
      req.log.info({ err }, 'rejected before routing');
    },
  });
  app.addHook('preClose', async () => closing.abort());
  app.decorateRequest('principal', null);
  app.decorateRequest('dashboardSession', null);
  app.decorateRequest('idempotency', null);
  app.decorateRequest('mayHoldNul', false);
  app.setErrorHandler(errorHandler);

  // Before anything else a request does: the caches' view of other processes' changes is read anew (SQLite
  // `data_version`, once per request rather than once per lookup), so a request sees what was committed before it.
  const renew = deps.changes?.renew;
  if (renew) {
    app.addHook('onRequest', (_req, _reply, done) => {
      renew();
      done();
    });
  }

  // Registered before any route (plugins' too), so every route passes the check and is recorded.
  const mounted: MountedRoute[] = [];
  mountedByApp.set(app, mounted);
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) {
      const op = checkRoute(method, route.url, route.config?.operation);
      mounted.push({ method, url: route.url, ...(op ? { operation: op } : {}) });
    }
  });

  // JSON bodies must be valid UTF-8: a lossy decode would store U+FFFD where the client sent something else.
  // JSON is the only body type: Fastify's default text/plain parser is removed so such a body gets 415, not 400.
  const jsonParser = app.getDefaultJsonParser('error', 'error');
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (req, body: Buffer, done) => {
    if (!isUtf8(body)) {
      done(
        new AppError('invalid', 'INVALID_ARGUMENT', 'Invalid request', {
          violations: [{ field: 'body', description: 'is not valid UTF-8', violatedRule: 'INVALID_ENCODING' }],
        }),
        undefined,
      );
      return;
    }
    const text = body.toString('utf8');
    // Refused before parsing: nothing recursive (validation, hashing, the filter parser) ever sees a deeper body.
    if (jsonDepthExceeds(text, MAX_BODY_DEPTH)) {
      done(tooDeep(), undefined);
      return;
    }
    // In JSON a NUL can only arrive escaped (a raw control character does not parse).
    if (text.includes('\\u0000')) req.mayHoldNul = true;
    jsonParser(req, text, done);
  });

  // Raw uploads (an import's file), only on operations whose catalogue entry `consumes` the type; read as UTF-8 text
  // like JSON bodies, and refused 415 everywhere else, as before.
  app.addContentTypeParser(RAW_UPLOAD_TYPES, { parseAs: 'buffer' }, (req, body: Buffer, done) => {
    const name = req.routeOptions.config.operation;
    const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    const consumes: readonly string[] = name ? (operation(name).consumes ?? []) : [];
    if (!consumes.includes(type)) {
      done(new AppError('unsupported', 'UNSUPPORTED_MEDIA_TYPE', 'Request body must be application/json'), undefined);
      return;
    }
    if (!isUtf8(body)) {
      done(
        new AppError('invalid', 'INVALID_ARGUMENT', 'Invalid request', {
          violations: [{ field: 'body', description: 'is not valid UTF-8', violatedRule: 'INVALID_ENCODING' }],
        }),
        undefined,
      );
      return;
    }
    done(null, body.toString('utf8'));
  });

  app.setNotFoundHandler((req, reply) => {
    void reply
      .code(404)
      .send(
        new AppError(
          'not_found',
          'ROUTE_NOT_FOUND',
          `No route ${req.method} ${req.originalUrl.split('?')[0]}`,
        ).toBody(),
      );
  });

  // Cross-origin calls from shop pages (the widget), answered before the auth hook so a preflight needs no
  // credentials. The API's credentials travel in Authorization, so `*` is safe for public reads. The dashboard's
  // session cookie is SameSite=Strict, credentials are never allowed cross-origin (no Access-Control-Allow-Credentials)
  // and `x-csrf-token` is not an allowed header, so another origin's page can neither send nor use a session.
  await app.register(cors, {
    origin: deps.config.corsOrigins ?? '*',
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key', 'wix-site-id', 'If-None-Match'],
    exposedHeaders: CORS_EXPOSED_HEADERS,
    maxAge: 600,
  });

  // The one authorization point: every route either is public or names an operation of the permission matrix.
  app.addHook('onRequest', async (req, reply) => {
    void reply.header('X-Wix-Request-Id', req.id);
    const config = req.routeOptions.config;
    const url = req.routeOptions.url;
    // No route: the not-found handler answers. Public operations and infrastructure routes are open to everyone;
    // the /docs plugin serves only static reference pages.
    if (config.public || url === undefined || url === '/docs' || url.startsWith('/docs/')) return;
    if (!config.operation) throw forbidden('This route is not open to any caller');
    const caller = await authorizeCaller(deps, config.operation, credentialsOf(req.method, req.headers));
    req.dashboardSession = caller.session;
    req.principal = caller.principal;
  });

  // Path parameters first: an id that is not in the id format names nothing (404), before any validation or query.
  // Then text must not contain NUL: PostgreSQL cannot store it and SQLite would, so it is refused everywhere alike.
  // Synchronous (`done`), like every hook that runs on each request and does no I/O: an async hook costs a promise
  // and a microtask per request.
  app.addHook('preValidation', (req, _reply, done) => {
    const pathIds = req.routeOptions.config.pathIds;
    const pathError = pathIds && pathIds.length > 0 ? checkPathParams(req.params, pathIds) : undefined;
    if (pathError) return done(pathError);
    if (!req.mayHoldNul && !req.url.includes('%00')) return done();
    const violations = [...nulViolations(req.body, ''), ...nulViolations(req.query, 'query')];
    done(violations.length > 0 ? invalid(violations) : undefined);
  });

  // While closing, every answer ends its connection: a keep-alive socket that was busy when close began would
  // otherwise stay open (idle) until its keep-alive timeout and hold shutdown up.
  app.addHook('onSend', (_req, reply, payload, done) => {
    if (closing.signal.aborted) void reply.header('Connection', 'close');
    done(null, payload);
  });

  // Request durations by route pattern (aliases are already rewritten to it), never by raw URL.
  const metrics = deps.metrics;
  if (metrics) {
    app.addHook('onResponse', (req, reply, done) => {
      metrics.observeRequest(
        req.method,
        req.routeOptions.url ?? UNMATCHED_ROUTE,
        reply.statusCode,
        reply.elapsedTime / 1000,
      );
      done();
    });
  }

  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Verdict — Wix Reviews API',
        version: '1.0.0',
        description: OPENAPI_DESCRIPTION,
      },
      components: {
        securitySchemes: {
          authorization: {
            type: 'apiKey',
            in: 'header',
            name: 'Authorization',
            description: 'An API key (vdt_admin_…, vdt_app_…) or a visitor/member token, raw or as Bearer.',
          },
          session: {
            type: 'apiKey',
            in: 'cookie',
            name: 'verdict_session',
            description:
              'A dashboard session (POST /verdict/v1/dashboard/sign-in); requests other than GET and HEAD also send ' +
              'the x-csrf-token header the sign-in returned.',
          },
        },
      },
      security: [{ authorization: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { docExpansion: 'list' } });

  // The catalogue of operations, each at its canonical path with its handler. `/metrics` is served here only when
  // metrics have no listener of their own (METRICS_PORT, main.ts).
  const metricsHere = metrics !== undefined && deps.config.metricsPort === undefined;
  mountOperations(
    app,
    deps,
    OPERATION_NAMES.filter((name) => name !== 'readMetrics' || metricsHere),
    HANDLERS,
  );

  const infrastructure: Record<InfrastructurePath, RouteHandlerMethod> = {
    '/healthz': async () => ({ status: 'ok' }),
    // Ready when the hot tables can be written now (db/readiness.ts); otherwise 503 SERVICE_UNAVAILABLE.
    '/readyz': async (_req, reply) => {
      try {
        await probeReadiness(deps.db, deps.dialect);
        return { status: 'ready' };
      } catch (err) {
        app.log.warn({ err }, 'readiness check failed');
        const failure = unavailable(unavailableReason(err) ?? 'unreachable', err);
        return reply
          .code(failure.status)
          .headers(failure.opts.headers ?? {})
          .send(failure.toBody());
      }
    },
    '/openapi.json': async () => app.swagger(),
    '/widget.js': widgetScript(),
    '/demo': demoPage(deps),
    [DEMO_PHOTO_PATH]: demoPhoto,
    [DASHBOARD_PATH]: dashboardPage(),
    [DASHBOARD_SCRIPT_PATH]: dashboardScript(),
  };
  for (const url of INFRASTRUCTURE_PATHS) {
    app.get(url, { config: { public: true }, schema: { hide: true } }, infrastructure[url]);
  }

  return app;
}

/**
 * An HTTP/1 server as Fastify makes one (the same timeouts from its options), whose requests go to `responder` first,
 * when there is one, and to Fastify's `handler` when it does not take them.
 */
function serverWith(
  responder: CachedReadResponder | undefined,
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  options: FastifyServerOptions,
): Server {
  const server = createServer((req, res) => {
    const taken = responder ? responder(req, res) : false;
    if (taken === false) handler(req, res);
    else
      void taken.then((done) => {
        if (!done) handler(req, res);
      });
  });
  if (options.keepAliveTimeout !== undefined) server.keepAliveTimeout = options.keepAliveTimeout;
  if (options.requestTimeout !== undefined) server.requestTimeout = options.requestTimeout;
  if (options.connectionTimeout !== undefined) server.setTimeout(options.connectionTimeout);
  if (options.maxRequestsPerSocket) server.maxRequestsPerSocket = options.maxRequestsPerSocket;
  return server;
}

/** Mounts each named operation at its canonical path, with its catalogue schema, limits and handler. */
function mountOperations<K extends OperationName>(
  app: FastifyInstance,
  deps: AppDeps,
  names: readonly K[],
  handlers: Handlers<K>,
): void {
  for (const name of names) mountOperation(app, deps, name, handlers[name]);
}

function mountOperation<K extends OperationName>(app: FastifyInstance, deps: AppDeps, name: K, handle: Handler<K>) {
  const op = operation(name);
  const hooks = operationHooks(deps, name);
  app.route({
    ...hooks,
    method: op.method,
    url: op.path,
    bodyLimit:
      op.bodyLimit === 'bulk'
        ? deps.config.bulkBodyLimitBytes
        : op.bodyLimit === 'upload'
          ? deps.config.uploadBodyLimitBytes
          : (op.bodyLimit ?? deps.config.bodyLimitBytes),
    config: {
      operation: name,
      ...(op.access.public ? { public: true } : {}),
      pathIds: pathIdSpecs(op.params),
    },
    schema: routeSchema(name),
    handler: async (request, reply) => {
      // Ajv has validated params, query and body against the very schemas `HandlerRequest<K>` is typed from, and
      // the auth hook has set the principal unless the operation is public.
      const req = {
        principal: request.principal,
        params: request.params,
        query: request.query,
        body: request.body,
        http: { request, reply },
      } as unknown as HandlerRequest<K>;
      return handle(deps, req);
    },
  });
}

type RouteHooks = Pick<RouteOptions, 'onRequest' | 'preHandler' | 'onSend'>;

/**
 * The hooks only some operations need, attached to their routes alone instead of run (and skipped) on every request:
 * the rate limit of operations that name an action, `Idempotency-Key` on the POST operations of callers with
 * credentials, and the audit of dashboard users' changes on operations other than GET. Each runs after the global
 * hooks of its stage (authentication and authorization first).
 */
function operationHooks(deps: AppDeps, name: OperationName): RouteHooks {
  const op = operation(name);
  const hooks: { onRequest: onRequestHookHandler[]; preHandler: preHandlerHookHandler[]; onSend: onSendHookHandler[] } =
    {
      onRequest: [],
      preHandler: [],
      onSend: [],
    };

  // Rate limits, after authentication and before the body is read: per client network, and per site once the
  // caller's site is known (the token route counts its site in the handler, when the client id has named it).
  // API keys are not counted: a key is the owner's or an installed app's, revocable, and a shop's backend may
  // legitimately create thousands of reviews from one address; the budgets are against free identities. Dashboard
  // users are the site's staff, signed in and revocable too; their sign-in attempts are counted (public route).
  const action = op.rateLimit;
  if (action) {
    hooks.onRequest.push(async (req, reply) => {
      const kind = req.principal?.kind;
      if (kind === 'ADMIN' || kind === 'APP' || kind === 'USER') return;
      await countRequest(deps, reply, action, {
        address: clientNetwork(req.ip),
        ...(req.principal ? { site: req.principal.siteId } : {}),
      });
    });
  }

  // A repeated POST with the same key gets the stored answer; the answer to the first is stored once sent.
  if (op.method === 'POST') {
    hooks.preHandler.push(async (req, reply) => {
      const key = header(req, 'idempotency-key');
      if (key === undefined || !req.principal) return;
      if (key.length === 0 || key.length > 255 || !/^[\x21-\x7e]+$/.test(key)) {
        throw new AppError('invalid', 'INVALID_ARGUMENT', 'Invalid request', {
          violations: [
            {
              field: 'Idempotency-Key',
              description: 'must be 1-255 printable ASCII characters',
              violatedRule: 'FORMAT',
            },
          ],
        });
      }
      const who = principalKey(req.principal);
      const claim = await claimKey(
        deps,
        req.principal.siteId,
        who,
        key,
        requestHash(req.method, req.routeOptions.url ?? '', req.body),
      );
      if (claim.kind === 'replay') {
        void reply
          .code(claim.statusCode)
          .header('Idempotent-Replayed', 'true')
          .type('application/json')
          .send(claim.body);
        return reply;
      }
      req.idempotency = { siteId: req.principal.siteId, principal: who, key };
    });
    hooks.onSend.push(async (req, reply, payload) => {
      const claim = req.idempotency;
      if (claim) {
        req.idempotency = null;
        await completeKey(deps, claim.siteId, claim.principal, claim.key, reply.statusCode, String(payload));
      }
      return payload;
    });
  }

  // Every change request of a dashboard user is audited under that user, with the status it got (bodies are not
  // kept: they may hold passwords). Awaited before the answer leaves, so the row exists once the client has it; a
  // failure to write it is logged, not answered, since the change itself has already been made or refused.
  // The dashboard's own operations (sign-out, password, users) write their own, more precise, entries.
  if (op.method !== 'GET' && op.tag !== 'Dashboard') {
    hooks.onSend.push(async (req, reply, payload) => {
      const p = req.principal;
      if (p?.kind !== 'USER') return payload;
      try {
        const params = Object.fromEntries(
          Object.entries((req.params ?? {}) as Record<string, unknown>).map(([k, v]) => [k, String(v).slice(0, 100)]),
        );
        await auditUserRequest(deps, p, name, params, reply.statusCode);
      } catch (err) {
        req.log.error({ err }, 'dashboard audit write failed');
      }
      return payload;
    });
  }

  return {
    ...(hooks.onRequest.length > 0 ? { onRequest: hooks.onRequest } : {}),
    ...(hooks.preHandler.length > 0 ? { preHandler: hooks.preHandler } : {}),
    ...(hooks.onSend.length > 0 ? { onSend: hooks.onSend } : {}),
  };
}
