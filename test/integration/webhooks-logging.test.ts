/**
 * What an operator sees in the log when a receiver fails: one warning when a delivery first fails and one when it
 * becomes DEAD, each naming the webhook, the delivery, the event type and the reason — not one per retry; and the
 * same again after a manual redelivery, which opens a new retry window.
 */
import type { FastifyBaseLogger } from 'fastify';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/server/config.ts';
import { redeliver } from '../../src/server/webhooks/webhooks.service.ts';
import { createWebhookWorker } from '../../src/server/webhooks/webhooks.worker.ts';
import { buildSite, call, reviewBody, startTestApp, type TestApp, waitFor } from '../support/app.ts';
import { dialects, type TestDb } from '../support/databases.ts';
import { type Receiver, startReceiver } from '../support/webhook-receiver.ts';

const CREATED = 'wix.reviews.v1.review_created';

interface Line {
  level: number;
  msg: string;
  [k: string]: unknown;
}

describe.each(dialects())('webhook failure logging on $name', (dialect) => {
  let db: TestDb;
  let t: TestApp;
  let receiver: Receiver;
  const lines: Line[] = [];

  /**
   * The worker's clock moves 50 ms per reading, not with the wall clock: each attempt reads it about three times, so
   * a 1-second retry window holds about six attempts however slow the machine is.
   */
  const base = Date.now();
  let readings = 0;
  const clock = () => new Date(base + readings++ * 50);

  beforeAll(async () => {
    db = await dialect.open();
    // Retries 20 ms apart at most: always due at the worker's next reading of its clock.
    t = await startTestApp(db, {
      webhookPollIntervalMs: 5,
      webhookRetryBaseMs: 10,
      webhookRetryMaxMs: 20,
      webhookRetryWindowMs: 1000,
    });
    await t.webhookWorker.stop();
    const log = pino({ level: 'debug' }, { write: (s: string) => lines.push(JSON.parse(s) as Line) });
    t.webhookWorker = createWebhookWorker({
      ...t.deps,
      clock,
      config: t.deps.config as Config,
      log: log as unknown as FastifyBaseLogger,
      random: () => 1,
    });
    t.webhookWorker.start();
    receiver = await startReceiver();
    receiver.respond = () => ({ status: 503 });
  });
  afterAll(async () => {
    await receiver.close();
    await t.close();
    await db.dispose();
  });

  it('warns once when a delivery first fails and once when it is dead, with ids, event type and reason', async () => {
    const site = await buildSite(t);
    const hook = await call(t.app, 'POST', '/verdict/v1/webhooks', {
      auth: site.adminKey,
      body: { webhook: { url: receiver.url, eventTypes: [CREATED], format: 'json' } },
    });
    expect(hook.status).toBe(200);
    const webhookId = hook.body.webhook.id as string;
    expect((await call(t.app, 'POST', '/reviews/v1/reviews', { auth: site.adminKey, body: reviewBody() })).status).toBe(
      200,
    );

    // The row and the warning: the commit that marks it DEAD is visible to other readers before the worker that made
    // it has its answer and logs (on PostgreSQL, and on SQLite's writer thread).
    const dead = await waitFor('the delivery to be DEAD, and its warning logged', async () => {
      const row = await t.deps.db
        .selectFrom('webhook_deliveries')
        .selectAll()
        .where('site_id', '=', site.siteId)
        .where('status', '=', 'DEAD')
        .executeTakeFirst();
      return row && lines.some((l) => l.deliveryId === row.id && l.state === 'DEAD') ? row : undefined;
    });
    // Enough attempts that a warning per retry would show.
    expect(dead.attempts).toBeGreaterThanOrEqual(3);
    const warnings = lines.filter((l) => l.level === 40 && l.deliveryId === dead.id);
    const expected = { webhookId, deliveryId: dead.id, eventType: CREATED, reason: 'receiver answered HTTP 503' };
    expect(warnings).toEqual([
      expect.objectContaining({ ...expected, state: 'FAILING', attempts: 1, msg: 'webhook delivery failed; retrying' }),
      expect.objectContaining({
        ...expected,
        state: 'DEAD',
        attempts: dead.attempts,
        msg: 'webhook delivery dead; no more retries',
      }),
    ]);
    // The retries in between are at debug level only.
    const retries = lines.filter((l) => l.level === 20 && l.deliveryId === dead.id);
    expect(retries).toHaveLength(dead.attempts - 2);

    // A manual redelivery opens a new retry window: its first failure and its death are warned about again.
    // (Through the service with the worker's clock, so the new window starts at the worker's time.)
    await redeliver({ ...t.deps, clock }, site.siteId, webhookId, dead.id);
    const again = await waitFor('the redelivered delivery to be DEAD again, and its warning logged', async () => {
      const row = await t.deps.db
        .selectFrom('webhook_deliveries')
        .selectAll()
        .where('site_id', '=', site.siteId)
        .where('id', '=', dead.id)
        .executeTakeFirstOrThrow();
      const logged = lines.some((l) => l.deliveryId === row.id && l.state === 'DEAD' && l.attempts === row.attempts);
      return row.status === 'DEAD' && row.attempts > dead.attempts && logged ? row : undefined;
    });
    const states = lines.filter((l) => l.level === 40 && l.deliveryId === dead.id).map((l) => [l.state, l.attempts]);
    expect(states).toEqual([
      ['FAILING', 1],
      ['DEAD', dead.attempts],
      ['FAILING', dead.attempts + 1],
      ['DEAD', again.attempts],
    ]);
  });
});
