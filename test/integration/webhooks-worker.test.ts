/**
 * The webhook worker against a local receiver with failures injected: 500s, hangs past the timeout, refused
 * connections and slow answers are retried with backoff until delivered, never lost; a delivery whose worker died
 * between send and mark is sent again; the retry window ends in DEAD and redelivery revives it; and two instances
 * on one database never make the same attempt twice. JSON deliveries verify with the recipe of docs/webhooks.md.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/server/config.ts';
import type { Db } from '../../src/server/db/database.ts';
import type { WebhookDeliveryRow } from '../../src/server/db/schema.ts';
import { ownerUserId } from '../../src/server/outbox/outbox.rules.ts';
import { deliveriesRepo } from '../../src/server/webhooks/webhooks.repo.ts';
import { createWebhookWorker, type WebhookWorker } from '../../src/server/webhooks/webhooks.worker.ts';
import { buildSite, call, reviewBody, startTestApp, type TestApp, type TestSite, waitFor } from '../support/app.ts';
import { dialects, openInstance, type TestDb } from '../support/databases.ts';
import { closedPortUrl, type Receiver, startReceiver } from '../support/webhook-receiver.ts';

const CREATED = 'wix.reviews.v1.review_created';
const UPDATED = 'wix.reviews.v1.review_updated';

const FAST: Partial<Config> = {
  webhookPollIntervalMs: 10,
  webhookTimeoutMs: 1000,
  webhookRetryBaseMs: 60,
  webhookRetryMaxMs: 1000,
  webhookRetryWindowMs: 60_000,
};

/** The verification recipe of docs/webhooks.md, written from the document. */
function verifySignature(secret: string, header: string | undefined, body: string, nowSeconds: number): boolean {
  const parts = Object.fromEntries((header ?? '').split(',').map((p) => p.split('=') as [string, string]));
  const t = Number(parts.t);
  if (!Number.isInteger(t) || Math.abs(nowSeconds - t) > 300 || !parts.v1) return false;
  const expected = Buffer.from(createHmac('sha256', secret).update(`${t}.${body}`).digest('hex'));
  const given = Buffer.from(parts.v1);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

async function registerWebhook(t: TestApp, site: TestSite, url: string, eventTypes: string[], format = 'json') {
  const res = await call(t.app, 'POST', '/verdict/v1/webhooks', {
    auth: site.adminKey,
    body: { webhook: { url, eventTypes, format } },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return { id: res.body.webhook.id as string, secret: res.body.secret as string };
}

async function createReview(t: TestApp, site: TestSite) {
  const res = await call(t.app, 'POST', '/reviews/v1/reviews', { auth: site.adminKey, body: reviewBody() });
  expect(res.status).toBe(200);
  return res.body.review as { id: string; revision: string };
}

const deliveries = (t: TestApp, siteId: string): Promise<WebhookDeliveryRow[]> =>
  t.deps.db
    .selectFrom('webhook_deliveries')
    .selectAll()
    .where('site_id', '=', siteId)
    .orderBy('event_position')
    .execute();

/** Waits until the site has exactly `n` deliveries and every one satisfies `done`. */
function settled(t: TestApp, siteId: string, n: number, done: (d: WebhookDeliveryRow) => boolean, what: string) {
  return waitFor(what, async () => {
    const rows = await deliveries(t, siteId);
    return rows.length === n && rows.every(done) ? rows : undefined;
  });
}

describe.each(dialects())('webhook worker on $name', (dialect) => {
  let db: TestDb;
  let t: TestApp;
  const receivers: Receiver[] = [];
  const receiver = async () => {
    const r = await startReceiver();
    receivers.push(r);
    return r;
  };

  beforeAll(async () => {
    db = await dialect.open();
    t = await startTestApp(db, FAST);
    // The schedule is pinned: full exponential delay, no random part.
    await t.webhookWorker.stop();
    t.webhookWorker = createWebhookWorker({
      ...t.deps,
      config: t.deps.config as Config,
      log: t.app.log,
      random: () => 1,
    });
    t.webhookWorker.start();
  });
  afterEach(async () => {
    await Promise.all(receivers.splice(0).map((r) => r.close()));
  });
  afterAll(async () => {
    await t.close();
    await db.dispose();
  });

  it('delivers each subscribed event once, as the outbox envelope signed with the documented HMAC recipe', async () => {
    const site = await buildSite(t);
    const r = await receiver();
    const hook = await registerWebhook(t, site, r.url, [CREATED, UPDATED]);
    const review = await createReview(t, site);
    const edited = await call(t.app, 'PATCH', `/reviews/v1/reviews/${review.id}`, {
      auth: site.adminKey,
      body: { review: { revision: review.revision, content: { title: 'Edited' } } },
    });
    expect(edited.status).toBe(200);

    const rows = await settled(t, site.siteId, 2, (d) => d.status === 'DELIVERED', 'two deliveries');
    expect(rows.map((d) => [d.event_type, d.attempts, d.last_status, d.last_error])).toEqual([
      [CREATED, 1, 200, null],
      [UPDATED, 1, 200, null],
    ]);
    const outbox = await t.deps.db
      .selectFrom('outbox_events')
      .select(['id', 'event_type', 'body_json'])
      .where('site_id', '=', site.siteId)
      .where('event_type', 'in', [CREATED, UPDATED])
      .orderBy('position')
      .execute();
    // One batch is sent concurrently, so arrival order is not outbox order: match by event id.
    expect(r.received).toHaveLength(2);
    const byId = new Map(r.received.map((x) => [x.headers['verdict-event-id'], x]));
    // The stored envelope with the site and who acted (the owner, by an admin key) added at its top level.
    const owner = ownerUserId(site.siteId);
    expect(outbox.map((e) => JSON.parse(byId.get(e.id)?.body ?? 'null'))).toEqual(
      outbox.map((e) => ({
        ...JSON.parse(e.body_json),
        instanceId: site.siteId,
        accountInfo: { accountId: owner, siteId: site.siteId },
        identity: { identityType: 'WIX_USER', wixUserId: owner },
      })),
    );
    for (const e of outbox) {
      const req = byId.get(e.id);
      if (!req) throw new Error(`no request for ${e.id}`);
      expect(req.headers['verdict-event-type']).toBe(e.event_type);
      expect(req.headers['verdict-site-id']).toBe(site.siteId);
      expect(req.headers['content-type']).toBe('application/json');
      expect(
        verifySignature(
          hook.secret,
          req.headers['verdict-signature'] as string,
          req.body,
          Math.floor(Date.now() / 1000),
        ),
      ).toBe(true);
      expect(
        verifySignature(
          'whsec_some_other_secret',
          req.headers['verdict-signature'] as string,
          req.body,
          Math.floor(Date.now() / 1000),
        ),
      ).toBe(false);
      // A replay outside the 5-minute window fails the recipe even with the right secret.
      expect(
        verifySignature(
          hook.secret,
          req.headers['verdict-signature'] as string,
          req.body,
          Math.floor(Date.now() / 1000) + 301,
        ),
      ).toBe(false);
    }
  });

  it('retries HTTP 500 answers with exponentially growing delays, then delivers', async () => {
    const site = await buildSite(t);
    const r = await receiver();
    r.respond = (_req, i) => ({ status: i < 2 ? 500 : 200 });
    await registerWebhook(t, site, r.url, [CREATED]);
    await createReview(t, site);

    const [row] = await settled(t, site.siteId, 1, (d) => d.status === 'DELIVERED', 'the delivery after two 500s');
    expect(row?.attempts).toBe(3);
    expect(r.received).toHaveLength(3);
    const [a, b, c] = r.received.map((x) => x.at) as [number, number, number];
    // base 60 ms, doubled per attempt (jitter pinned to its maximum); a few ms of slack for the measurement.
    expect(b - a).toBeGreaterThanOrEqual(50);
    expect(c - b).toBeGreaterThanOrEqual(110);
    expect(new Set(r.received.map((x) => x.headers['verdict-event-id'])).size).toBe(1);
  });

  it('times out a receiver that never answers, records why, and delivers once it recovers', async () => {
    const site = await buildSite(t);
    const r = await receiver();
    let healthy = false;
    r.respond = () => (healthy ? { status: 200 } : 'hang');
    await registerWebhook(t, site, r.url, [CREATED]);
    await createReview(t, site);

    const [failing] = await settled(t, site.siteId, 1, (d) => d.last_error !== null, 'a timed-out attempt');
    expect(failing?.status).toBe('PENDING');
    expect(failing?.last_error).toBe('timed out after 1000 ms');
    expect(failing?.last_status).toBeNull();
    healthy = true;
    const [row] = await settled(t, site.siteId, 1, (d) => d.status === 'DELIVERED', 'the delivery after recovery');
    expect(row?.attempts).toBeGreaterThanOrEqual(2);
    expect(r.received.length).toBeGreaterThanOrEqual(2);
    expect(r.received.length).toBeLessThanOrEqual(row?.attempts ?? 0);
  });

  it('retries a refused connection and delivers to the URL the webhook is changed to', async () => {
    const site = await buildSite(t);
    const hook = await registerWebhook(t, site, await closedPortUrl(), [CREATED]);
    await createReview(t, site);
    const [failing] = await settled(t, site.siteId, 1, (d) => d.last_error !== null, 'a refused attempt');
    expect(failing?.status).toBe('PENDING');
    expect(failing?.last_error).toBe('connection failed: ECONNREFUSED');

    const r = await receiver();
    const moved = await call(t.app, 'PATCH', `/verdict/v1/webhooks/${hook.id}`, {
      auth: site.adminKey,
      body: { webhook: { url: r.url } },
    });
    expect(moved.status).toBe(200);
    await settled(t, site.siteId, 1, (d) => d.status === 'DELIVERED', 'the delivery to the new URL');
    expect(r.received).toHaveLength(1);
  });

  it('waits for a slow receiver that answers within the timeout and counts one attempt', async () => {
    const site = await buildSite(t);
    const r = await receiver();
    r.respond = () => ({ status: 204, delayMs: 150 });
    await registerWebhook(t, site, r.url, [CREATED]);
    await createReview(t, site);
    const [row] = await settled(t, site.siteId, 1, (d) => d.status === 'DELIVERED', 'the slow delivery');
    expect(row).toMatchObject({ attempts: 1, last_status: 204, last_error: null });
    expect(r.received).toHaveLength(1);
  });

  it('treats a redirect as a failure instead of following it', async () => {
    const site = await buildSite(t);
    const r = await receiver();
    r.respond = (_req, i) => ({ status: i === 0 ? 302 : 200 });
    await registerWebhook(t, site, r.url, [CREATED]);
    await createReview(t, site);
    const [row] = await settled(t, site.siteId, 1, (d) => d.status === 'DELIVERED', 'the delivery after a redirect');
    expect(row?.attempts).toBe(2);
  });
});

describe.each(dialects())('webhook retry window on $name', (dialect) => {
  let db: TestDb;
  let t: TestApp;
  let r: Receiver;

  beforeAll(async () => {
    db = await dialect.open();
    t = await startTestApp(db, { ...FAST, webhookRetryBaseMs: 20, webhookRetryMaxMs: 40, webhookRetryWindowMs: 250 });
    r = await startReceiver();
  });
  afterAll(async () => {
    await r.close();
    await t.close();
    await db.dispose();
  });

  it('marks a delivery DEAD when its retry window ends, and redelivery sends it again with a fresh window', async () => {
    const site = await buildSite(t);
    let healthy = false;
    r.respond = () => ({ status: healthy ? 200 : 503 });
    const hook = await registerWebhook(t, site, r.url, [CREATED]);
    await createReview(t, site);

    const [dead] = await settled(t, site.siteId, 1, (d) => d.status === 'DEAD', 'the dead delivery');
    expect(dead?.attempts).toBeGreaterThanOrEqual(2);
    expect(dead?.last_status).toBe(503);
    expect(dead?.last_error).toBe('receiver answered HTTP 503');
    const listed = await call(t.app, 'GET', `/verdict/v1/webhooks/${hook.id}/deliveries?status=DEAD`, {
      auth: site.adminKey,
    });
    expect(listed.body.deliveries).toEqual([
      expect.objectContaining({
        id: dead?.id,
        status: 'DEAD',
        attempts: dead?.attempts,
        lastStatus: 503,
        nextAttemptDate: null,
      }),
    ]);
    const attemptsWhenDead = r.received.length;

    healthy = true;
    const again = await call(t.app, 'POST', `/verdict/v1/webhooks/${hook.id}/deliveries/${dead?.id}/redeliver`, {
      auth: site.adminKey,
    });
    expect(again.status).toBe(200);
    expect(again.body.delivery).toMatchObject({ id: dead?.id, status: 'PENDING' });
    const [row] = await settled(t, site.siteId, 1, (d) => d.status === 'DELIVERED', 'the redelivery');
    expect(row?.last_status).toBe(200);
    expect(r.received.length).toBe(attemptsWhenDead + 1);
  });
});

describe.each(dialects())('webhook leases on $name', (dialect) => {
  let db: TestDb;
  let t: TestApp;
  let second: Db | undefined;
  const workers: WebhookWorker[] = [];

  beforeAll(async () => {
    db = await dialect.open();
    t = await startTestApp(db, FAST);
    // These tests drive their own workers.
    await t.webhookWorker.stop();
  });
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    await second?.close();
    await t.close();
    await db.dispose();
  });

  it('sends again a delivery whose worker died between send and mark, once its lease expires', async () => {
    const site = await buildSite(t);
    const r = await startReceiver();
    try {
      await registerWebhook(t, site, r.url, [CREATED]);
      await createReview(t, site);
      const worker = createWebhookWorker({ ...t.deps, config: t.deps.config as Config, log: t.app.log });
      expect(await worker.fanOut()).toBeGreaterThan(0);
      // A worker claims the delivery (and, say, sends it) and dies before marking it.
      const now = Date.now();
      const claimed = await deliveriesRepo.claimBatch(
        t.deps.db,
        t.deps.dialect,
        'dead-worker',
        new Date(now).toISOString(),
        new Date(now + 2000).toISOString(),
        10,
      );
      expect(claimed.filter((d) => d.site_id === site.siteId)).toHaveLength(1);

      await worker.drain();
      expect(r.received).toHaveLength(0);
      const [row] = await waitFor('the delivery after the lease expired', async () => {
        await worker.drain();
        const rows = await deliveries(t, site.siteId);
        return rows[0]?.status === 'DELIVERED' ? rows : undefined;
      });
      expect(row?.attempts).toBe(2);
      expect(r.received).toHaveLength(1);
      // The dead worker's late mark is refused: the lease is no longer its own.
      const dead = claimed.find((d) => d.site_id === site.siteId) as WebhookDeliveryRow;
      const late = await deliveriesRepo.markMany(t.deps.db, 'dead-worker', [
        {
          row: dead,
          patch: {
            status: 'PENDING',
            next_attempt_at: new Date().toISOString(),
            last_status: 500,
            last_error: 'late',
            delivered_at: null,
            updated_at: new Date().toISOString(),
          },
        },
      ]);
      expect(late.size).toBe(0);
      expect((await deliveries(t, site.siteId))[0]?.status).toBe('DELIVERED');
    } finally {
      await r.close();
    }
  });

  it('stops only after its in-flight sends are answered and recorded', async () => {
    const site = await buildSite(t);
    const r = await startReceiver();
    try {
      let arrived = false;
      r.respond = () => {
        arrived = true;
        return { status: 200, delayMs: 300 };
      };
      await registerWebhook(t, site, r.url, [CREATED]);
      await createReview(t, site);
      const worker = createWebhookWorker({ ...t.deps, config: t.deps.config as Config, log: t.app.log });
      worker.start();
      await waitFor('the request to arrive', async () => (arrived ? true : undefined));
      await worker.stop();
      const rows = await deliveries(t, site.siteId);
      expect(rows.map((d) => [d.status, d.attempts, d.locked_by])).toEqual([['DELIVERED', 1, null]]);
    } finally {
      await r.close();
    }
  });

  it('never makes the same attempt twice with two instances on one database', async () => {
    const site = await buildSite(t);
    const r = await startReceiver();
    try {
      // Slow answers keep each claimed batch in flight, so the two workers overlap.
      let inFlight = 0;
      let maxInFlight = 0;
      r.respond = () => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        setTimeout(() => inFlight--, 100);
        return { status: 200, delayMs: 100 };
      };
      await registerWebhook(t, site, r.url, [CREATED]);
      const n = 40;
      for (let i = 0; i < n; i++) await createReview(t, site);

      second = openInstance(db.url);
      const config = { ...(t.deps.config as Config), webhookBatchSize: 3, webhookPollIntervalMs: 5 };
      const a = createWebhookWorker({ ...t.deps, config, log: t.app.log });
      const b = createWebhookWorker({
        db: second.db,
        dialect: second.dialect,
        clock: t.deps.clock,
        config,
        log: t.app.log,
      });
      workers.push(a, b);
      a.start();
      b.start();

      const rows = await settled(t, site.siteId, n, (d) => d.status === 'DELIVERED', `${n} deliveries`);
      const ids = r.received.map((x) => x.headers['verdict-event-id']);
      expect(ids).toHaveLength(n);
      expect(new Set(ids).size).toBe(n);
      expect(rows.reduce((sum, d) => sum + d.attempts, 0)).toBe(n);
      // More requests at once than one worker's batch of 3: both instances were sending.
      expect(maxInFlight).toBeGreaterThan(3);
    } finally {
      await r.close();
    }
  });
});
