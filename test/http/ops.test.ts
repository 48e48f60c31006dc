import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_STATUS } from '../../src/contract/index.ts';
import { API_PREFIXES, documentedErrors, OPERATION_NAMES, operation } from '../../src/contract/operations/index.ts';
import { buildSite, call, reviewBody, startTestApp, type TestApp, type TestSite } from '../support/app.ts';
import { dialects, type TestDb } from '../support/databases.ts';

/** `/reviews/:reviewId` → `/reviews/{reviewId}`, as OpenAPI spells path parameters. */
const openApiPath = (path: string): string => path.replace(/:([A-Za-z]+)/g, '{$1}');

/** Property names of a TypeBox object schema (or of the JSON schema in the OpenAPI document). */
const propertyNames = (schema: unknown): string[] =>
  Object.keys((schema as { properties?: Record<string, unknown> } | undefined)?.properties ?? {}).sort();

describe.each(dialects())('operations endpoints on $name', (dialect) => {
  let db: TestDb;
  let t: TestApp;
  let site: TestSite;
  beforeAll(async () => {
    db = await dialect.open();
    t = await startTestApp(db);
    site = await buildSite(t);
  });
  afterAll(async () => {
    await t.close();
    await db.dispose();
  });

  it('answers /healthz with 200 and no credentials', async () => {
    const res = await call(t.app, 'GET', '/healthz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('answers /readyz with 200 while the database is reachable', async () => {
    const res = await call(t.app, 'GET', '/readyz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ready' });
  });

  describe('/openapi.json', () => {
    let doc: any;
    beforeAll(async () => {
      const res = await call(t.app, 'GET', '/openapi.json');
      expect(res.status).toBe(200);
      doc = res.body;
    });

    it('is an OpenAPI 3 document with a title and an Authorization security scheme', () => {
      expect(doc.openapi).toMatch(/^3\.\d+\.\d+$/);
      expect(doc.info.title).toBeTypeOf('string');
      expect(doc.components.securitySchemes.authorization).toMatchObject({
        type: 'apiKey',
        in: 'header',
        name: 'Authorization',
      });
      expect(doc.components.securitySchemes.session).toMatchObject({
        type: 'apiKey',
        in: 'cookie',
        name: 'verdict_session',
      });
    });

    it.each(OPERATION_NAMES.map((name) => [name, operation(name)] as const))(
      'documents %s at its canonical path with its request, 200-response and error schemas',
      (operationId, def) => {
        const path = openApiPath(def.path);
        const op = doc.paths[path]?.[def.method.toLowerCase()];
        expect(op, `${def.method} ${path}`).toBeDefined();
        expect(op.operationId).toBe(operationId);
        expect(op.tags).toEqual([def.tag]);

        if (def.body && def.consumes) {
          // A raw upload: the file as text, under each media type it may come as (JSON: one string).
          for (const type of ['application/json', ...def.consumes]) {
            expect(op.requestBody?.content?.[type]?.schema?.type, type).toBe('string');
          }
        } else if (def.body) {
          const schema = op.requestBody?.content?.['application/json']?.schema;
          expect(schema?.type).toBe('object');
          expect(propertyNames(schema)).toEqual(propertyNames(def.body));
          expect(propertyNames(schema).length).toBeGreaterThan(0);
        } else {
          expect(op.requestBody).toBeUndefined();
        }
        const params: { in: string; name: string; required?: boolean }[] = op.parameters ?? [];
        for (const name of propertyNames(def.params)) {
          expect(params).toContainEqual(expect.objectContaining({ in: 'path', name, required: true }));
        }
        for (const name of propertyNames(def.query)) {
          expect(params).toContainEqual(expect.objectContaining({ in: 'query', name }));
        }

        const ok = op.responses?.['200']?.content?.[[def.produces ?? 'application/json'].flat()[0] ?? '']?.schema;
        expect(ok?.type).toBe((def.response as { type?: string }).type);
        expect(propertyNames(ok)).toEqual(propertyNames(def.response));
        const statuses = [...new Set(documentedErrors(operationId).map((code) => String(ERROR_STATUS[code])))];
        expect(Object.keys(op.responses).sort()).toEqual(['200', ...statuses].sort());
        // Public: no credentials; a dashboard user's own session: the cookie alone; what an owner or moderator user
        // may call: the Authorization header or the cookie; the rest: the document's default (Authorization).
        const user = def.access.admin !== false || def.access.moderator === true;
        const security = def.access.public
          ? []
          : def.access.session
            ? [{ session: [] }]
            : user
              ? [{ authorization: [] }, { session: [] }]
              : undefined;
        expect(op.security).toEqual(security);
      },
    );

    it('never gives two documented operations the same operationId', () => {
      const ids = Object.values(doc.paths)
        .flatMap((ops: any) => Object.values(ops).map((op: any) => op.operationId))
        .filter((id) => id !== undefined);
      expect(ids.length).toBe(OPERATION_NAMES.length);
      expect(new Set(ids).size).toBe(ids.length);
    });

    it('documents only the /reviews/v1 prefix and hides the /_api and /reviews/api aliases', () => {
      const paths = Object.keys(doc.paths);
      const aliases = API_PREFIXES.reviews.filter((p) => p !== '/reviews/v1');
      expect(aliases.length).toBeGreaterThan(0);
      for (const alias of aliases) {
        expect(paths.filter((p) => p.startsWith(`${alias}/`))).toEqual([]);
      }
      // Wix review paths (Verdict's own /verdict/v1/reviews/:id/... extensions are not aliases of them).
      const reviewPaths = paths.filter((p) => p.includes('/reviews') && !p.startsWith('/verdict/'));
      const catalogued = OPERATION_NAMES.map((name) => operation(name).path).filter((p) =>
        p.startsWith('/reviews/v1/'),
      );
      expect(reviewPaths.length).toBe(new Set(catalogued).size);
      expect(reviewPaths.every((p) => p.startsWith('/reviews/v1/'))).toBe(true);
      // The health, readiness and document routes themselves are not API operations.
      for (const hidden of ['/healthz', '/readyz', '/openapi.json']) expect(paths).not.toContain(hidden);
    });
  });

  it('serves an alias prefix only at a path-segment boundary, and names the path as sent in a 404', async () => {
    const id = crypto.randomUUID();
    const made = await call(t.app, 'POST', '/_api/reviews/v1/reviews', { auth: site.adminKey, body: reviewBody() });
    expect(made.status).toBe(200);
    const got = await call(t.app, 'GET', `/reviews/api/v1/reviews/${made.body.review.id}?returnPrivateReviews=true`, {
      auth: site.adminKey,
    });
    expect(got.body.review.id).toBe(made.body.review.id);
    const glued = await call(t.app, 'GET', `/_api/reviews/v1x/reviews/${id}`, { auth: site.adminKey });
    expect(glued.status).toBe(404);
    expect(glued.body.details.applicationError.code).toBe('ROUTE_NOT_FOUND');
    expect(glued.body.message).toBe(`No route GET /_api/reviews/v1x/reviews/${id}`);
  });

  it('serves the /docs reference page as HTML', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/docs' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.body).toMatch(/<html/i);
  });

  it('sets a distinct X-Wix-Request-Id on successes and on every kind of error', async () => {
    const responses = [
      await call(t.app, 'GET', '/healthz'),
      await call(t.app, 'GET', '/healthz'),
      await call(t.app, 'POST', '/reviews/v1/reviews', { auth: site.adminKey, body: reviewBody() }),
      await call(t.app, 'GET', '/no/such/route'),
      await call(t.app, 'GET', `/reviews/v1/reviews/${crypto.randomUUID()}`),
      await call(t.app, 'GET', `/reviews/v1/reviews/${crypto.randomUUID()}`, { auth: site.adminKey }),
      await call(t.app, 'POST', '/reviews/v1/reviews', {
        auth: site.adminKey,
        body: reviewBody({ content: { rating: 9 } }),
      }),
      await call(t.app, 'POST', '/reviews/v1/reviews', { auth: site.adminKey, rawBody: '{not json' }),
    ];
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 404, 401, 404, 400, 400]);
    expect(responses[3]?.body.details.applicationError.code).toBe('ROUTE_NOT_FOUND');
    expect(responses[4]?.body.details.applicationError.code).toBe('UNAUTHENTICATED');
    expect(responses[5]?.body.details.applicationError.code).toBe('REVIEW_NOT_FOUND');
    expect(responses[6]?.body.details.validationError.fieldViolations).toContainEqual(
      expect.objectContaining({ field: 'review.content.rating' }),
    );
    const ids = responses.map((r) => r.headers['x-wix-request-id']);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

// Its own database and app, so closing the database cannot disturb the other tests.
describe.each(dialects())('readiness after losing the database on $name', (dialect) => {
  let db: TestDb;
  let t: TestApp;
  beforeAll(async () => {
    db = await dialect.open();
    t = await startTestApp(db);
  });
  afterAll(async () => {
    await t.close();
    await db.dispose();
  });

  it('answers /readyz with 503, Retry-After and a Wix SERVICE_UNAVAILABLE body once the database is closed', async () => {
    expect((await call(t.app, 'GET', '/readyz')).status).toBe(200);
    await db.close();
    const res = await call(t.app, 'GET', '/readyz');
    expect(res.status).toBe(503);
    expect(res.headers['x-wix-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers['retry-after']).toBe('5');
    const message = 'The service cannot reach its database; try again shortly';
    expect(res.body).toEqual({
      message,
      details: { applicationError: { code: 'SERVICE_UNAVAILABLE', description: message } },
    });
    // Liveness does not depend on the database: the process is alive, only not ready.
    expect((await call(t.app, 'GET', '/healthz')).status).toBe(200);
  });
});
