/**
 * Compatibility: a receiver built with the official `@wix/sdk` (`AppStrategy({ appId, publicKey })` + `@wix/reviews`)
 * decodes Verdict's `wix`-format deliveries with `webhooks.process()`, and its `onReviewCreated`, `onReviewUpdated`,
 * `onReviewDeleted`, `onReviewModerationStatusChanged` and `onReviewPublished` handlers fire with the right review.
 * A receiver holding another site's public key rejects the same deliveries.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { reviews } from '@wix/reviews';
import { AppStrategy, createClient } from '@wix/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENT_TYPES } from '../../src/contract/index.ts';
import { buildSite, call, reviewBody, startTestApp, type TestApp, type TestSite, waitFor } from '../support/app.ts';
import { dialects, type TestDb } from '../support/databases.ts';

interface Fired {
  handler: string;
  reviewId: string | null | undefined;
  title: string | null | undefined;
  status: string | null | undefined;
  previousStatus?: string | null | undefined;
  metadata: { _id?: string | null; instanceId?: string | null; entityId?: string | null; eventTime?: Date | null };
}

/** An HTTP receiver that hands every body to the SDK's `webhooks.process()`; 200 when it accepted, 500 when not. */
async function sdkReceiver(publicKey: string) {
  const client = createClient({
    auth: AppStrategy({ appId: 'verdict-webhooks-test', publicKey }),
    modules: { reviews },
  });
  const fired: Fired[] = [];
  const rejected: string[] = [];
  client.reviews.onReviewCreated((e) => {
    fired.push({
      handler: 'onReviewCreated',
      reviewId: e.entity._id,
      title: e.entity.content?.title,
      status: e.entity.moderation?.moderationStatus,
      metadata: e.metadata,
    });
  });
  client.reviews.onReviewUpdated((e) => {
    fired.push({
      handler: 'onReviewUpdated',
      reviewId: e.entity._id,
      title: e.entity.content?.title,
      status: e.entity.moderation?.moderationStatus,
      metadata: e.metadata,
    });
  });
  client.reviews.onReviewDeleted((e) => {
    fired.push({
      handler: 'onReviewDeleted',
      reviewId: e.entity._id,
      title: e.entity.content?.title,
      status: e.entity.moderation?.moderationStatus,
      metadata: e.metadata,
    });
  });
  client.reviews.onReviewModerationStatusChanged((e) => {
    fired.push({
      handler: 'onReviewModerationStatusChanged',
      reviewId: e.data.review?._id,
      title: e.data.review?.content?.title,
      status: e.data.review?.moderation?.moderationStatus,
      previousStatus: e.data.previousModerationStatus,
      metadata: e.metadata,
    });
  });
  client.reviews.onReviewPublished((e) => {
    fired.push({
      handler: 'onReviewPublished',
      reviewId: e.data.review?._id,
      title: e.data.review?.content?.title,
      status: e.data.review?.moderation?.moderationStatus,
      metadata: e.metadata,
    });
  });
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      client.webhooks
        .process(Buffer.concat(chunks).toString('utf8'))
        .then(() => {
          res.writeHead(200).end();
        })
        .catch((err: unknown) => {
          rejected.push(String(err));
          res.writeHead(500).end();
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/wix-webhook`;
  return {
    url,
    fired,
    rejected,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

describe.each(dialects())('official @wix/sdk webhook receiver on $name', (dialect) => {
  let db: TestDb;
  let t: TestApp;

  beforeAll(async () => {
    db = await dialect.open();
    t = await startTestApp(db, { webhookPollIntervalMs: 10, webhookRetryBaseMs: 50, webhookRetryMaxMs: 200 });
  });
  afterAll(async () => {
    await t.close();
    await db.dispose();
  });

  async function publicKey(site: TestSite): Promise<string> {
    const res = await call(t.app, 'GET', '/verdict/v1/webhooks/public-key', { auth: site.adminKey });
    expect(res.status).toBe(200);
    return res.body.publicKey;
  }

  async function wixWebhook(site: TestSite, url: string) {
    const res = await call(t.app, 'POST', '/verdict/v1/webhooks', {
      auth: site.adminKey,
      body: { webhook: { url, eventTypes: Object.values(EVENT_TYPES), format: 'wix' } },
    });
    expect(res.status).toBe(200);
    return res.body.webhook.id as string;
  }

  it('fires onReviewCreated, onReviewModerationStatusChanged, onReviewPublished, onReviewUpdated and onReviewDeleted with the review', async () => {
    const site = await buildSite(t);
    const receiver = await sdkReceiver(await publicKey(site));
    try {
      await wixWebhook(site, receiver.url);
      const created = await call(t.app, 'POST', '/reviews/v1/reviews', {
        auth: site.adminKey,
        body: reviewBody({ content: { title: 'First title' } }),
      });
      expect(created.status).toBe(200);
      const id = created.body.review.id as string;
      await waitFor('the three creation events', async () => (receiver.fired.length >= 3 ? true : undefined));

      const updated = await call(t.app, 'PATCH', `/reviews/v1/reviews/${id}`, {
        auth: site.adminKey,
        body: { review: { revision: created.body.review.revision, content: { title: 'Second title' } } },
      });
      expect(updated.status).toBe(200);
      await waitFor('the update event', async () => (receiver.fired.length >= 4 ? true : undefined));
      const rejectedReview = await call(t.app, 'PATCH', `/reviews/v1/reviews/${id}/moderate`, {
        auth: site.adminKey,
        body: { status: 'REJECTED' },
      });
      expect(rejectedReview.status).toBe(200);
      await waitFor('the moderation event', async () => (receiver.fired.length >= 5 ? true : undefined));
      const deleted = await call(t.app, 'DELETE', `/reviews/v1/reviews/${id}`, { auth: site.adminKey });
      expect(deleted.status).toBe(200);
      await waitFor('the delete event', async () =>
        receiver.fired.some((f) => f.handler === 'onReviewDeleted') ? true : undefined,
      );

      expect(receiver.rejected).toEqual([]);
      // Deliveries of one review are not ordered across events; compare as a set, ordered by entityEventSequence.
      const outbox = await t.deps.db
        .selectFrom('outbox_events')
        .select(['id', 'event_type', 'entity_event_sequence'])
        .where('site_id', '=', site.siteId)
        .orderBy('position')
        .execute();
      const byEventId = new Map(receiver.fired.map((f) => [f.metadata._id, f]));
      expect(byEventId.size).toBe(outbox.length);
      const handlerOf: Record<string, string> = {
        [EVENT_TYPES.created]: 'onReviewCreated',
        [EVENT_TYPES.updated]: 'onReviewUpdated',
        [EVENT_TYPES.deleted]: 'onReviewDeleted',
        [EVENT_TYPES.moderation_status_changed]: 'onReviewModerationStatusChanged',
        [EVENT_TYPES.review_published]: 'onReviewPublished',
      };
      // Every event fired the handler of its type, with the review and the site as instanceId.
      const seen = outbox.map((e) => {
        const f = byEventId.get(e.id);
        expect(f?.metadata.instanceId).toBe(site.siteId);
        expect(f?.metadata.entityId).toBe(id);
        expect(f?.metadata.eventTime).toBeInstanceOf(Date);
        expect(f?.reviewId).toBe(id);
        expect(f?.handler).toBe(handlerOf[e.event_type]);
        return [f?.handler, f?.title, f?.status, f?.previousStatus];
      });
      expect(new Set(seen.map((x) => x[0]))).toEqual(new Set(Object.values(handlerOf)));
      // In outbox order: creation (created, status set, published), the edit, the rejection, the deletion.
      expect(seen.slice(0, 4)).toEqual([
        ['onReviewCreated', 'First title', 'APPROVED', undefined],
        ['onReviewModerationStatusChanged', 'First title', 'APPROVED', 'SUBMITTED'],
        ['onReviewPublished', 'First title', 'APPROVED', undefined],
        ['onReviewUpdated', 'Second title', 'APPROVED', undefined],
      ]);
      expect(seen).toContainEqual(['onReviewModerationStatusChanged', 'Second title', 'REJECTED', 'APPROVED']);
      expect(seen[seen.length - 1]).toEqual(['onReviewDeleted', 'Second title', 'REJECTED', undefined]);
    } finally {
      await receiver.close();
    }
  });

  it('is rejected by a receiver holding another site key, and the delivery is retried, not marked delivered', async () => {
    const site = await buildSite(t);
    const other = await buildSite(t);
    expect(await publicKey(other)).not.toBe(await publicKey(site));
    const receiver = await sdkReceiver(await publicKey(other));
    try {
      await wixWebhook(site, receiver.url);
      const created = await call(t.app, 'POST', '/reviews/v1/reviews', { auth: site.adminKey, body: reviewBody() });
      expect(created.status).toBe(200);
      const row = await waitFor('a failed attempt', async () => {
        const d = await t.deps.db
          .selectFrom('webhook_deliveries')
          .selectAll()
          .where('site_id', '=', site.siteId)
          .where('last_status', '=', 500)
          .executeTakeFirst();
        return d;
      });
      expect(row.status).toBe('PENDING');
      expect(receiver.fired).toEqual([]);
      expect(receiver.rejected.length).toBeGreaterThan(0);
    } finally {
      await receiver.close();
    }
  });
});
