/**
 * `/metrics`: on the main port only with an admin key; on a listener of its own (METRICS_PORT) without one, and
 * then not on the main port. Request durations are labelled by route pattern and status (never the raw URL), the
 * database figures come from the database, and each app instance counts in a registry of its own.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/server/config.ts';
import { startServer } from '../../src/server/main.ts';
import { buildSite, call, reviewBody, startTestApp, type TestApp, type TestSite } from '../support/app.ts';
import { dialects, type TestDb } from '../support/databases.ts';

/** The value of one series in a text exposition, or undefined when it is absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const m = /^([^{\s]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return undefined;
}

describe.each(dialects())('/metrics on $name', (dialect) => {
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

  const scrape = async (app = t) => {
    const res = await app.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: site.adminKey } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    return res.body;
  };

  it('refuses a request without credentials (401) and an app key (403), with the Wix body', async () => {
    const anonymous = await call(t.app, 'GET', '/metrics');
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.details.applicationError.code).toBe('UNAUTHENTICATED');
    const app = await call(t.app, 'GET', '/metrics', { auth: await site.appKey(['reviews.manage']) });
    expect(app.status).toBe(403);
    expect(app.body.details.applicationError.code).toBe('PERMISSION_DENIED');
  });

  it('times requests by route pattern and status, never by raw URL, aliases included', async () => {
    const created = await call(t.app, 'POST', '/reviews/v1/reviews', { auth: site.adminKey, body: reviewBody() });
    const id = created.body.review.id as string;
    const before = await scrape();
    const route = '/reviews/v1/reviews/:reviewId';
    const count = (text: string, status: string) =>
      sample(text, 'verdict_http_request_duration_seconds_count', { method: 'GET', route, status_code: status }) ?? 0;
    expect((await call(t.app, 'GET', `/reviews/v1/reviews/${id}`, { auth: site.adminKey })).status).toBe(200);
    expect((await call(t.app, 'GET', `/_api/reviews/v1/reviews/${id}`, { auth: site.adminKey })).status).toBe(200);
    const missing = crypto.randomUUID();
    expect((await call(t.app, 'GET', `/reviews/v1/reviews/${missing}`, { auth: site.adminKey })).status).toBe(404);
    expect((await call(t.app, 'GET', `/no/such/${missing}`)).status).toBe(404);
    const after = await scrape();
    expect(count(after, '200') - count(before, '200')).toBe(2);
    expect(count(after, '404') - count(before, '404')).toBe(1);
    expect(
      sample(after, 'verdict_http_request_duration_seconds_count', { route: '(unmatched)', status_code: '404' }),
    ).toBeGreaterThan(0);
    expect(after).not.toContain(id);
    expect(after).not.toContain(missing);
  });

  it('counts the backlog afresh on every scrape, however soon it follows the last', async () => {
    await t.webhookWorker.stop();
    const before = sample(await scrape(), 'verdict_outbox_unhandled_events') ?? 0;
    expect((await call(t.app, 'POST', '/reviews/v1/reviews', { auth: site.adminKey, body: reviewBody() })).status).toBe(
      200,
    );
    const after = sample(await scrape(), 'verdict_outbox_unhandled_events') ?? 0;
    expect(after).toBeGreaterThan(before);
  });

  it('reports database connections, the outbox backlog, deliveries and jobs from the database', async () => {
    // With the worker stopped, nothing moves the fan-out cursor: the events just written are the backlog.
    await t.webhookWorker.stop();
    await call(t.app, 'POST', '/reviews/v1/reviews', { auth: site.adminKey, body: reviewBody() });
    const job = await call(t.app, 'POST', '/reviews/v1/bulk/reviews/delete', {
      auth: site.adminKey,
      body: { filter: { entityId: 'nothing-matches' } },
    });
    expect(job.status).toBe(200);
    const text = await scrape();
    expect(sample(text, 'verdict_outbox_unhandled_events')).toBeGreaterThanOrEqual(3);
    const age = sample(text, 'verdict_outbox_oldest_unhandled_age_seconds');
    expect(age).toBeGreaterThanOrEqual(0);
    expect(age).toBeLessThan(600);
    for (const state of ['PENDING', 'DELIVERED', 'DEAD']) {
      expect(sample(text, 'verdict_webhook_deliveries', { state })).toBe(0);
    }
    expect(sample(text, 'verdict_job_queue_depth', { state: 'PENDING' })).toBeTypeOf('number');
    expect(sample(text, 'verdict_job_queue_depth', { state: 'RUNNING' })).toBeTypeOf('number');
    if (dialect.name === 'postgres') {
      expect(sample(text, 'verdict_db_pool_connections', { state: 'total' })).toBeGreaterThan(0);
      expect(sample(text, 'verdict_db_pool_connections', { state: 'waiting' })).toBe(0);
    } else {
      expect(sample(text, 'verdict_sqlite_wal_bytes')).toBeGreaterThan(0);
    }
    // The default process metrics.
    expect(sample(text, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(sample(text, 'nodejs_eventloop_lag_seconds')).toBeTypeOf('number');
  });

  it('keeps a registry per app instance: a request to one is not counted by another in the same process', async () => {
    const other = await startTestApp(db);
    try {
      const otherSite = await buildSite(other);
      const route = '/verdict/v1/site/settings';
      const count = (text: string) =>
        sample(text, 'verdict_http_request_duration_seconds_count', { route, status_code: '200' }) ?? 0;
      const mine = count(await scrape());
      for (let i = 0; i < 3; i++) {
        expect((await call(other.app, 'GET', route, { auth: otherSite.adminKey })).status).toBe(200);
      }
      expect(count(await scrape())).toBe(mine);
      const res = await other.app.inject({
        method: 'GET',
        url: '/metrics',
        headers: { authorization: otherSite.adminKey },
      });
      expect(count(res.body)).toBe(3);
    } finally {
      await other.close();
    }
  });

  it('serves /metrics without credentials on METRICS_PORT, and not on the main port', async () => {
    const server = await startServer(
      loadConfig({
        DATABASE_URL: db.url,
        PORT: '0',
        HOST: '127.0.0.1',
        METRICS_PORT: '0',
        METRICS_HOST: '127.0.0.1',
        LOG_LEVEL: 'silent',
      }),
      () => undefined,
    );
    try {
      expect(server.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const res = await fetch(`${server.metricsUrl}/metrics`);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('# TYPE verdict_http_request_duration_seconds histogram');
      expect((await fetch(`${server.metricsUrl}/other`)).status).toBe(404);
      const main = await fetch(`${server.url}/metrics`, { headers: { authorization: site.adminKey } });
      expect(main.status).toBe(404);
    } finally {
      await server.close();
    }
  });
});
