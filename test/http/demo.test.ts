/**
 * "Try it in ten seconds": `verdict demo-seed`'s logic writes the sample reviews once, and `/demo` shows a product
 * page embedding the widget for the default site with the product's JSON-LD.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PRODUCT, seedDefaultSiteDemo } from '../../src/server/demo/demo.service.ts';
import { call, startTestApp, type TestApp } from '../support/app.ts';
import { dialects, type TestDb } from '../support/databases.ts';

describe.each(dialects())('demo page and seed on $name', (dialect) => {
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

  it('answers 404 before the default site exists', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/demo' })).statusCode).toBe(404);
  });

  it('seeds the sample reviews once and shows them on /demo with the widget and JSON-LD', async () => {
    const first = await seedDefaultSiteDemo(t.deps, 'http://localhost:8080');
    expect(first.written).toBeGreaterThanOrEqual(5);
    expect(first.adminKey).toMatch(/^vdt_admin_/);
    const again = await seedDefaultSiteDemo(t.deps, 'http://localhost:8080');
    expect(again).toEqual({ written: 0, siteId: first.siteId, clientId: first.clientId });

    const res = await t.app.inject({ method: 'GET', url: '/demo' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.body).toContain('<script type="module" src="/widget.js"></script>');
    expect(res.body).toContain(
      `<verdict-reviews site="${first.clientId}" namespace="stores" entity-id="${DEMO_PRODUCT.entityId}"`,
    );
    const ld = JSON.parse(/<script type="application\/ld\+json">(.*?)<\/script>/s.exec(res.body)?.[1] ?? '{}');
    expect(ld.aggregateRating.reviewCount).toBe(first.written);
    const page = await call(
      t.app,
      'GET',
      `/verdict/v1/embed/reviews?site=${first.clientId}&namespace=stores&entityId=${DEMO_PRODUCT.entityId}`,
    );
    expect(page.body.summary.count).toBe(first.written);
    expect((await t.app.inject({ method: 'GET', url: '/demo?ssr=1' })).body).toContain('data-verdict-page');
  });
});
