/**
 * The catalogue of operations is the route table: every route the server mounts is the route of a catalogue
 * operation or one of the listed infrastructure routes, every operation is mounted, each answers under every path
 * the catalogue gives it (the Wix aliases too), and the server refuses at start-up a route the catalogue does not
 * know. The security, permission and fuzz suites take their routes from the same catalogue.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  accessOf,
  isOperationName,
  OPERATION_NAMES,
  OPERATIONS,
  operation,
  operationPaths,
  possibleErrors,
} from '../../src/contract/operations/index.ts';
import * as routes from '../../src/contract/operations/routes.ts';
import { createApp } from '../../src/server/app.ts';
import { loadConfig } from '../../src/server/config.ts';
import { systemClock } from '../../src/server/deps.ts';
import { INFRASTRUCTURE_PATHS, mountedRoutes } from '../../src/server/http/build-server.ts';
import { HANDLERS } from '../../src/server/http/handlers.ts';
import { call, startTestApp, type TestApp } from '../support/app.ts';
import { dialects, type TestDb } from '../support/databases.ts';

describe('the catalogue', () => {
  it('holds one entry per row of the runtime route table, with the same method and path', () => {
    expect(Object.keys(OPERATIONS).sort()).toEqual(Object.keys(routes).sort());
    for (const [name, row] of Object.entries(routes)) {
      const entry = isOperationName(name) ? operation(name) : undefined;
      expect([name, entry?.method, entry?.path]).toEqual([name, row.method, row.path]);
    }
  });

  it('has a handler for every operation and none for anything else', () => {
    expect(Object.keys(HANDLERS).sort()).toEqual([...OPERATION_NAMES].sort());
  });

  it('serves no two operations at the same method and path', () => {
    const seen = OPERATION_NAMES.flatMap((name) => operationPaths(name).map((p) => `${operation(name).method} ${p}`));
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('lists, for each operation, the not-found code of each id path parameter and the codes its access brings', () => {
    expect(possibleErrors('getReview')).toEqual(expect.arrayContaining(['REVIEW_NOT_FOUND', 'UNAUTHENTICATED']));
    expect(possibleErrors('redeliverWebhook')).toEqual(
      expect.arrayContaining(['WEBHOOK_NOT_FOUND', 'WEBHOOK_DELIVERY_NOT_FOUND', 'IDEMPOTENCY_KEY_REUSED']),
    );
    expect(possibleErrors('getReviewPage')).not.toContain('PERMISSION_DENIED');
    expect(possibleErrors('castVote')).toContain('TOO_MANY_REQUESTS');
    for (const name of OPERATION_NAMES) {
      expect([name, possibleErrors(name).includes('UNAUTHENTICATED')]).toEqual([
        name,
        accessOf(name).public !== true || operation(name).errors.some((c) => c === 'UNAUTHENTICATED'),
      ]);
    }
  });
});

describe.each(dialects())('the mounted routes on $name', (dialect) => {
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

  it('are exactly the catalogue operations at their canonical paths, plus the infrastructure routes', () => {
    const mounted = mountedRoutes(t.app);
    const operations = mounted.filter((r) => r.operation !== undefined && r.method !== 'HEAD');
    expect(operations.map((r) => `${r.operation} ${r.method} ${r.url}`).sort()).toEqual(
      OPERATION_NAMES.map((name) => `${name} ${operation(name).method} ${operation(name).path}`).sort(),
    );
    const others = mounted.filter((r) => r.operation === undefined);
    const expected = new Set<string>(INFRASTRUCTURE_PATHS);
    for (const r of others) {
      const plugin = r.url === '/docs' || r.url.startsWith('/docs/') || (r.url === '*' && r.method === 'OPTIONS');
      expect([r.method, r.url, plugin || (expected.has(r.url) && ['GET', 'HEAD'].includes(r.method))]).toEqual([
        r.method,
        r.url,
        true,
      ]);
    }
    for (const url of INFRASTRUCTURE_PATHS) expect(others.map((r) => `${r.method} ${r.url}`)).toContain(`GET ${url}`);
  });

  it('answer every operation under each of its paths, aliases included (never ROUTE_NOT_FOUND)', async () => {
    for (const name of OPERATION_NAMES) {
      const op = operation(name);
      for (const path of operationPaths(name)) {
        const url = path.replace(/:\w+/g, () => randomUUID());
        const res = await call(
          t.app,
          op.method,
          url,
          op.method === 'GET' || op.method === 'DELETE' ? {} : { body: {} },
        );
        expect([name, url, res.body?.details?.applicationError?.code]).not.toEqual([name, url, 'ROUTE_NOT_FOUND']);
        expect([name, url, res.status]).not.toEqual([name, url, 404]);
      }
    }
  });

  it('are refused at start-up when a route is not in the catalogue, or names an operation at another path', async () => {
    const ctx = await createApp(db, { ...loadConfig({ LOG_LEVEL: 'silent' }) }, { logger: false, clock: systemClock });
    try {
      const handler = async () => ({ secret: true });
      expect(() => ctx.app.get('/verdict/v1/backdoor', handler)).toThrow(/neither an operation of the catalogue/);
      expect(() =>
        ctx.app.route({ method: 'GET', url: '/verdict/v1/elsewhere', config: { operation: 'getReview' }, handler }),
      ).toThrow(/which the catalogue serves at GET \/reviews\/v1\/reviews\/:reviewId/);
      expect(() =>
        ctx.app.route({
          method: 'GET',
          url: '/verdict/v1/other',
          config: JSON.parse('{"operation":"getReviewz"}'),
          handler,
        }),
      ).toThrow(/not an operation of the catalogue/);
    } finally {
      await ctx.app.close();
    }
  });
});
