/**
 * The JetStream publisher against the NATS named by NATS_URL (.ci/run starts one on nats://127.0.0.1:4222 and sets
 * it); without NATS_URL the file is skipped, so `npm test` passes on a machine with no NATS. Every event of a site
 * lands on `verdict.<siteId>.<slug>` with the outbox envelope as data and the event id as Nats-Msg-Id, and a
 * republished event (at-least-once retry) is dropped by JetStream's duplicate window instead of stored twice.
 */
import { connect, type NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ownerUserId } from '../../src/server/outbox/outbox.rules.ts';
import { deliveriesRepo, NATS_TARGET } from '../../src/server/webhooks/webhooks.repo.ts';
import { buildSite, call, reviewBody, startTestApp, type TestApp, waitFor } from '../support/app.ts';
import { dialects, type TestDb } from '../support/databases.ts';

const NATS_URL = process.env.NATS_URL ?? '';
const STREAM = 'VERDICT_TEST';

describe.skipIf(!NATS_URL).each(dialects())('NATS JetStream publisher on $name', (dialect) => {
  let db: TestDb;
  let t: TestApp;
  let nc: NatsConnection;

  beforeAll(async () => {
    db = await dialect.open();
    t = await startTestApp(db, { natsUrl: NATS_URL, natsStream: STREAM, webhookPollIntervalMs: 10 });
    nc = await connect({ servers: NATS_URL });
  });
  afterAll(async () => {
    await nc?.close();
    await t.close();
    await db.dispose();
  });

  /** Everything stored on the site's subjects, read with an ordered consumer. */
  async function stored(siteId: string, expected: number) {
    const consumer = await nc.jetstream().consumers.get(STREAM, { filterSubjects: `verdict.${siteId}.>` });
    const out: { subject: string; msgId: string | undefined; data: string }[] = [];
    const messages = await consumer.fetch({ max_messages: expected + 5, expires: 1000 });
    for await (const m of messages) {
      out.push({ subject: m.subject, msgId: m.headers?.get('Nats-Msg-Id'), data: new TextDecoder().decode(m.data) });
    }
    // Events are published concurrently, so the stream order is not the outbox order.
    return out.sort((a, b) => (a.msgId ?? '').localeCompare(b.msgId ?? ''));
  }

  it('publishes every event to verdict.<siteId>.<slug> with its envelope, once per event id even when retried', async () => {
    const site = await buildSite(t);
    const created = await call(t.app, 'POST', '/reviews/v1/reviews', { auth: site.adminKey, body: reviewBody() });
    expect(created.status).toBe(200);
    const outbox = await t.deps.db
      .selectFrom('outbox_events')
      .select(['id', 'slug', 'body_json'])
      .where('site_id', '=', site.siteId)
      .orderBy('position')
      .execute();
    expect(outbox.map((e) => e.slug)).toEqual(['created', 'moderation_status_changed', 'review_published']);

    const rows = await waitFor('the NATS deliveries', async () => {
      const r = await t.deps.db
        .selectFrom('webhook_deliveries')
        .selectAll()
        .where('site_id', '=', site.siteId)
        .where('webhook_id', '=', NATS_TARGET)
        .execute();
      return r.length === outbox.length && r.every((d) => d.status === 'DELIVERED') ? r : undefined;
    });
    const expected = outbox
      .map((e) => ({
        subject: `verdict.${site.siteId}.${e.slug}`,
        msgId: e.id,
        // The stored envelope, with the site and who acted (here the owner) added at its top level.
        data: JSON.stringify({
          ...JSON.parse(e.body_json),
          instanceId: site.siteId,
          accountInfo: { accountId: ownerUserId(site.siteId), siteId: site.siteId },
          identity: { identityType: 'WIX_USER', wixUserId: ownerUserId(site.siteId) },
        }),
      }))
      .sort((a, b) => a.msgId.localeCompare(b.msgId));
    expect(await stored(site.siteId, outbox.length)).toEqual(expected);

    // An at-least-once retry of an event already published: JetStream keeps one copy.
    const first = rows[0];
    if (!first) throw new Error('no delivery');
    await deliveriesRepo.redeliver(t.deps.db, site.siteId, first.id, new Date().toISOString());
    await waitFor('the repeated publish', async () => {
      const d = await t.deps.db
        .selectFrom('webhook_deliveries')
        .selectAll()
        .where('site_id', '=', site.siteId)
        .where('id', '=', first.id)
        .executeTakeFirst();
      return d?.status === 'DELIVERED' && d.attempts === 2 ? d : undefined;
    });
    expect(await stored(site.siteId, outbox.length)).toEqual(expected);
  });
});
