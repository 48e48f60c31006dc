/**
 * Two app instances on one PostgreSQL schema under a concurrent write load, each with its own pool, job worker and
 * webhook worker: every webhook delivery is attempted exactly once per attempt (the receiver counts its hits per
 * event), every bulk job runs once, and a key revoked through one instance is refused by both. PostgreSQL only
 * (several instances on one SQLite file are refused at start); skipped without TEST_DATABASE_URL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/server/config.ts';
import { openDatabase } from '../../src/server/db/database.ts';
import { createApiKey, revokeApiKey } from '../../src/server/sites/sites.service.ts';
import { buildSite, call, reviewBody, startTestApp, type TestApp, type TestSite, waitFor } from '../support/app.ts';
import { dialects, type TestDb } from '../support/databases.ts';
import { type Receiver, startReceiver } from '../support/webhook-receiver.ts';

const CREATED = 'wix.reviews.v1.review_created';
const postgres = dialects().find((d) => d.name === 'postgres');
/** How long a revocation may take to reach the other instance (a PostgreSQL notification). */
const NOTIFY_DEADLINE_MS = 5_000;

const FAST: Partial<Config> = {
  webhookPollIntervalMs: 10,
  webhookBatchSize: 5,
  // Long enough that a busy machine does not turn a slow answer into a failed attempt the receiver still counted.
  webhookTimeoutMs: 10_000,
  webhookRetryBaseMs: 20,
  webhookRetryMaxMs: 50,
  webhookRetryWindowMs: 60_000,
  jobPollIntervalMs: 20,
};

describe.skipIf(postgres === undefined)('two instances on one PostgreSQL schema', () => {
  let db: TestDb;
  let a: TestApp;
  let b: TestApp;
  let site: TestSite;
  let receiver: Receiver;
  /** Receiver hits per event id. */
  const hits = new Map<string, number>();

  beforeAll(async () => {
    if (!postgres) return;
    db = await postgres.open();
    const second = openDatabase(db.url);
    a = await startTestApp(db, FAST);
    b = await startTestApp({ ...second, url: db.url, dispose: () => second.close() }, FAST);
    site = await buildSite(a);
    receiver = await startReceiver();
    // Each event's first attempt fails and its second succeeds: two attempt slots per delivery.
    receiver.respond = (req) => {
      const id = String(req.headers['verdict-event-id']);
      const n = (hits.get(id) ?? 0) + 1;
      hits.set(id, n);
      return { status: n === 1 ? 503 : 200, delayMs: 5 };
    };
    const hook = await call(a.app, 'POST', '/verdict/v1/webhooks', {
      auth: site.adminKey,
      body: { webhook: { url: receiver.url, eventTypes: [CREATED], format: 'json' } },
    });
    expect(hook.status).toBe(200);
  });
  afterAll(async () => {
    if (!postgres) return;
    await receiver.close();
    await a.close();
    await b.close();
    await b.db.dispose();
    await db.dispose();
  });

  it('attempts each delivery once per attempt slot and runs each bulk job once', { timeout: 60_000 }, async () => {
    const entities = ['two-a', 'two-b', 'two-c', 'two-d'];
    const perEntity = 6;
    // The write load: every review through alternate instances, eight requests in flight at a time.
    const bodies = entities.flatMap((entityId) => Array.from({ length: perEntity }, () => reviewBody({ entityId })));
    for (let i = 0; i < bodies.length; i += 8) {
      const results = await Promise.all(
        bodies
          .slice(i, i + 8)
          .map((body, j) =>
            call((i + j) % 2 === 0 ? a.app : b.app, 'POST', '/reviews/v1/reviews', { auth: site.adminKey, body }),
          ),
      );
      for (const r of results) expect(r.status, JSON.stringify(r.body)).toBe(200);
    }
    // One bulk job per entity, created alternately on each instance, while deliveries are still being retried.
    const jobIds: string[] = [];
    for (const [k, entityId] of entities.entries()) {
      const res = await call(k % 2 === 0 ? a.app : b.app, 'POST', '/reviews/v1/bulk/reviews/moderate', {
        auth: site.adminKey,
        body: { filter: { entityId }, status: 'REJECTED' },
      });
      expect(res.status).toBe(200);
      jobIds.push(res.body.jobId);
    }

    const total = bodies.length;
    const deliveries = await waitFor(
      `${total} deliveries DELIVERED`,
      async () => {
        const rows = await a.deps.db
          .selectFrom('webhook_deliveries')
          .selectAll()
          .where('site_id', '=', site.siteId)
          .execute();
        return rows.length === total && rows.every((d) => d.status === 'DELIVERED') ? rows : undefined;
      },
      30_000,
    );
    // Each attempt the database counts reached the receiver once: no slot was sent twice, none by both instances.
    for (const d of deliveries) {
      expect([d.event_id, hits.get(d.event_id)]).toEqual([d.event_id, d.attempts]);
      expect(d.attempts).toBeGreaterThanOrEqual(2);
    }
    expect(receiver.received).toHaveLength(deliveries.reduce((sum, d) => sum + d.attempts, 0));

    const jobs = await waitFor(
      'every bulk job COMPLETED',
      async () => {
        const rows = await a.deps.db.selectFrom('jobs').selectAll().where('id', 'in', jobIds).execute();
        return rows.length === jobIds.length && rows.every((j) => j.status === 'COMPLETED') ? rows : undefined;
      },
      30_000,
    );
    for (const j of jobs) expect([j.id, j.processed, j.succeeded, j.failed]).toEqual([j.id, perEntity, perEntity, 0]);
    // Run once: one moderation decision, and one status-change event, per review.
    const audit = await a.deps.db
      .selectFrom('moderation_audit')
      .select(['review_id'])
      .where('site_id', '=', site.siteId)
      .where('to_status', '=', 'REJECTED')
      .execute();
    expect(audit).toHaveLength(total);
    expect(new Set(audit.map((r) => r.review_id)).size).toBe(total);
    const changed = await a.deps.db
      .selectFrom('outbox_events')
      .select('entity_id')
      .where('site_id', '=', site.siteId)
      .where('event_type', '=', 'wix.reviews.v1.review_moderation_status_changed')
      .execute();
    expect(new Set(changed.map((e) => e.entity_id)).size).toBe(total);
  });

  it('refuses a key revoked through one instance on both', async () => {
    const { key, row } = await createApiKey(a.deps, site.siteId, { kind: 'admin', name: 'revoked on a' });
    const status = async (t: TestApp) => (await call(t.app, 'GET', '/verdict/v1/site/settings', { auth: key })).status;
    // Both have it cached.
    expect([await status(a), await status(b)]).toEqual([200, 200]);
    expect(await revokeApiKey(a.deps, site.siteId, row.id)).toBe(true);
    expect(await status(a)).toBe(401);
    await waitFor(
      'the other instance to refuse the revoked key',
      async () => ((await status(b)) === 401 ? true : undefined),
      NOTIFY_DEADLINE_MS,
    );
  });
});
