/**
 * Outbox retention: events past OUTBOX_RETENTION_DAYS are purged once every webhook delivered them or gave up
 * (DEAD), never while a delivery is PENDING or before the fan-out has passed them; purged in bounded batches by one
 * instance at a time; and a feed position that lost events to the purge answers 410 FEED_POSITION_EXPIRED instead of
 * silently skipping them. "Later" is a `now` eight days ahead, so the events written now are past a 7-day retention.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/server/app.ts';
import { loadConfig } from '../../src/server/config.ts';
import { purgeOutbox } from '../../src/server/outbox/outbox.retention.ts';
import { buildSite, call, reviewBody, startTestApp, type TestApp, type TestSite, waitFor } from '../support/app.ts';
import { dialects, openInstance, type TestDb } from '../support/databases.ts';
import { type Receiver, startReceiver } from '../support/webhook-receiver.ts';

const CREATED = 'wix.reviews.v1.review_created';
const DAY_MS = 86_400_000;
const later = () => new Date(Date.now() + 8 * DAY_MS);

describe.each(dialects())('outbox retention on $name', (dialect) => {
  let db: TestDb;
  let t: TestApp;
  const receivers: Receiver[] = [];

  beforeAll(async () => {
    db = await dialect.open();
    t = await startTestApp(db, { webhookPollIntervalMs: 5, webhookRetryBaseMs: 60_000, webhookRetryMaxMs: 60_000 });
  });
  afterAll(async () => {
    await Promise.all(receivers.map((r) => r.close()));
    await t.close();
    await db.dispose();
  });

  async function siteWithHook(status: number): Promise<TestSite> {
    const site = await buildSite(t);
    const r = await startReceiver();
    receivers.push(r);
    r.respond = () => ({ status });
    const res = await call(t.app, 'POST', '/verdict/v1/webhooks', {
      auth: site.adminKey,
      body: { webhook: { url: r.url, eventTypes: [CREATED], format: 'json' } },
    });
    expect(res.status).toBe(200);
    return site;
  }

  const feed = (site: TestSite, after?: string) =>
    call(t.app, 'GET', `/verdict/v1/events${after === undefined ? '' : `?after=${after}`}`, { auth: site.adminKey });
  const eventCount = async (siteId: string) =>
    (await t.deps.db.selectFrom('outbox_events').select('id').where('site_id', '=', siteId).execute()).length;
  const deliveries = (siteId: string) =>
    t.deps.db.selectFrom('webhook_deliveries').selectAll().where('site_id', '=', siteId).execute();

  /** Writes `n` reviews (three events each) and waits until each created-event delivery has been attempted. */
  async function writeAndAttempt(site: TestSite, n: number) {
    for (let i = 0; i < n; i++) {
      expect(
        (await call(t.app, 'POST', '/reviews/v1/reviews', { auth: site.adminKey, body: reviewBody() })).status,
      ).toBe(200);
    }
    await waitFor(`${n} attempted deliveries`, async () => {
      const rows = await deliveries(site.siteId);
      return rows.length === n && rows.every((d) => d.attempts > 0 && d.locked_by === null) ? rows : undefined;
    });
  }

  it('purges old events that every webhook is done with, with their deliveries; keeps those still pending', async () => {
    const ok = await siteWithHook(200);
    const failing = await siteWithHook(503);
    const okStart = (await feed(ok)).body.position as string;
    await writeAndAttempt(ok, 2);
    await writeAndAttempt(failing, 2);
    expect((await deliveries(failing.siteId)).map((d) => d.status)).toEqual(['PENDING', 'PENDING']);

    // Inside the retention nothing goes.
    expect(await purgeOutbox(t.deps, new Date(), 7)).toBe(0);
    // A retention of 0 keeps everything.
    expect(await purgeOutbox(t.deps, later(), 0)).toBe(0);

    // Past it, in batches of 2: the delivered site's events go; the failing site keeps the events of its two
    // pending deliveries (the events no webhook subscribed to are done with, and go).
    const purged = await purgeOutbox(t.deps, later(), 7, { batchSize: 2 });
    expect(purged).toBeGreaterThanOrEqual(6 + 4);
    expect(await eventCount(ok.siteId)).toBe(0);
    expect(await deliveries(ok.siteId)).toEqual([]);
    expect(await eventCount(failing.siteId)).toBe(2);

    // Once those deliveries are dead (the receiver is given up on), their events go too.
    await t.deps.db
      .updateTable('webhook_deliveries')
      .set({ status: 'DEAD', next_attempt_at: null })
      .where('site_id', '=', failing.siteId)
      .execute();
    expect(await purgeOutbox(t.deps, later(), 7)).toBe(2);
    expect(await eventCount(failing.siteId)).toBe(0);

    // The feed: the old position lost events, and says so; a fresh read, and the position it returns, work.
    const expired = await feed(ok, okStart);
    expect(expired.status).toBe(410);
    expect(expired.body).toEqual({
      message: expect.stringContaining('purged'),
      details: {
        applicationError: {
          code: 'FEED_POSITION_EXPIRED',
          description: expect.any(String),
          data: { position: okStart, purgedThrough: expect.stringMatching(/^p[0-9a-z]+$/) },
        },
      },
    });
    const fresh = await feed(ok);
    expect(fresh.status).toBe(200);
    expect(fresh.body.events).toEqual([]);
    const resumed = await feed(ok, expired.body.details.applicationError.data.purgedThrough);
    expect(resumed.status).toBe(200);
    // The end is never below what was purged: its position is accepted, not refused as expired.
    const end = await feed(ok, 'end');
    expect(end.status).toBe(200);
    expect(end.body.events).toEqual([]);
    expect((await feed(ok, end.body.position)).status).toBe(200);
  });

  it('answers a position of a site that lost nothing as before', async () => {
    const site = await buildSite(t);
    expect((await feed(site, 'p0')).status).toBe(200);
    expect((await call(t.app, 'POST', '/reviews/v1/reviews', { auth: site.adminKey, body: reviewBody() })).status).toBe(
      200,
    );
    const res = await feed(site, 'p0');
    expect(res.status).toBe(200);
    expect(res.body.events).toHaveLength(3);
  });

  it('runs from the maintenance loop with OUTBOX_RETENTION_DAYS', async () => {
    const site = await siteWithHook(200);
    await writeAndAttempt(site, 1);
    const config = loadConfig({ LOG_LEVEL: 'silent', OUTBOX_RETENTION_DAYS: '7' });
    const ctx = await createApp(db, config, { logger: false, clock: later });
    try {
      const pass = await ctx.maintenance.runOnce();
      expect(pass.outboxPurged).toBeGreaterThanOrEqual(3);
      expect(await eventCount(site.siteId)).toBe(0);
    } finally {
      await ctx.app.close();
    }
  });

  it.runIf(dialect.name === 'postgres')(
    'purges on one instance at a time: a held claim makes another pass do nothing',
    async () => {
      const site = await siteWithHook(200);
      await writeAndAttempt(site, 1);
      const other = openInstance(db.url);
      try {
        let release: () => void = () => undefined;
        const released = new Promise<void>((resolve) => {
          release = resolve;
        });
        let held: () => void = () => undefined;
        const holding = new Promise<void>((resolve) => {
          held = resolve;
        });
        const holder = other.db.transaction().execute(async (tx) => {
          await sql`select pg_advisory_xact_lock(hashtext(current_schema() || '.verdict_outbox_purge'))`.execute(tx);
          held();
          await released;
        });
        await holding;
        expect(await purgeOutbox(t.deps, later(), 7)).toBe(0);
        expect(await eventCount(site.siteId)).toBe(3);
        release();
        await holder;
        expect(await purgeOutbox(t.deps, later(), 7)).toBeGreaterThanOrEqual(3);
        expect(await eventCount(site.siteId)).toBe(0);
      } finally {
        await other.close();
      }
    },
  );

  it('never purges events the fan-out has not passed yet', async () => {
    const site = await siteWithHook(200);
    // Last in this file: the worker stays stopped, so the fan-out cursor stays behind the new events.
    await t.webhookWorker.stop();
    expect((await call(t.app, 'POST', '/reviews/v1/reviews', { auth: site.adminKey, body: reviewBody() })).status).toBe(
      200,
    );
    await purgeOutbox(t.deps, later(), 7);
    expect(await eventCount(site.siteId)).toBe(3);
  });
});
