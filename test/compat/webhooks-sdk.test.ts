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
import { ownerUserId } from '../../src/server/outbox/outbox.rules.ts';
import { createApiKey } from '../../src/server/sites/sites.service.ts';
import {
  buildSite,
  call,
  contactId,
  reviewBody,
  startTestApp,
  type TestApp,
  type TestSite,
  waitFor,
} from '../support/app.ts';
import { dialects, type TestDb } from '../support/databases.ts';

const APP_ID = 'verdict-webhooks-test';

interface Fired {
  handler: string;
  reviewId: string | null | undefined;
  title: string | null | undefined;
  status: string | null | undefined;
  previousStatus?: string | null | undefined;
  metadata: {
    _id?: string | null;
    instanceId?: string | null;
    entityId?: string | null;
    eventTime?: Date | null;
    identity?: unknown;
    accountInfo?: unknown;
  };
  modifiedFields?: Record<string, unknown> | undefined;
}

/** An HTTP receiver that hands every body to the SDK's `webhooks.process()`; 200 when it accepted, 500 when not. */
async function sdkReceiver(publicKey: string) {
  const client = createClient({
    auth: AppStrategy({ appId: APP_ID, publicKey }),
    modules: { reviews },
  });
  const fired: Fired[] = [];
  const rejected: string[] = [];
  const bodies: string[] = [];
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
      modifiedFields: e.modifiedFields,
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
      const body = Buffer.concat(chunks).toString('utf8');
      bodies.push(body);
      client.webhooks
        .process(body)
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
    bodies,
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

  async function wixWebhook(site: TestSite, url: string, appId?: string) {
    const res = await call(t.app, 'POST', '/verdict/v1/webhooks', {
      auth: site.adminKey,
      body: { webhook: { url, eventTypes: Object.values(EVENT_TYPES), format: 'wix', ...(appId ? { appId } : {}) } },
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

  it('names who acted (visitor, member, owner, app), the site and the changed fields, with claims AppStrategy checks', async () => {
    const site = await buildSite(t);
    const publicPem = await publicKey(site);
    const receiver = await sdkReceiver(publicPem);
    const owner = ownerUserId(site.siteId);
    try {
      await wixWebhook(site, receiver.url, APP_ID);
      const visitor = await site.visitorToken();
      const byVisitor = await call(t.app, 'POST', '/reviews/v1/reviews', {
        auth: `Bearer ${visitor}`,
        body: reviewBody({ author: { authorName: 'Vic' } }),
      });
      expect(byVisitor.status).toBe(200);
      const visitorReview = byVisitor.body.review;
      const memberId = contactId();
      const byMember = await call(t.app, 'POST', '/reviews/v1/reviews', {
        auth: `Bearer ${await site.memberToken(memberId)}`,
        body: reviewBody({ author: { contactId: memberId, authorName: 'Meg' } }),
      });
      expect(byMember.status).toBe(200);
      const memberReview = byMember.body.review;
      const edited = await call(t.app, 'PATCH', `/reviews/v1/reviews/${visitorReview.id}`, {
        auth: site.adminKey,
        body: { review: { revision: visitorReview.revision, content: { title: 'Edited by the owner' } } },
      });
      expect(edited.status).toBe(200);
      const moderated = await call(t.app, 'PATCH', `/reviews/v1/reviews/${visitorReview.id}/moderate`, {
        auth: site.adminKey,
        body: { status: 'REJECTED' },
      });
      expect(moderated.status).toBe(200);
      const { key: appKey } = await createApiKey(t.deps, site.siteId, {
        kind: 'app',
        name: 'moderation app',
        scopes: ['reviews.manage'],
        appId: 'reviews-cleaner',
      });
      const deleted = await call(t.app, 'DELETE', `/reviews/v1/reviews/${memberReview.id}`, { auth: appKey });
      expect(deleted.status).toBe(200);

      const total = Number(
        (
          await t.deps.db
            .selectFrom('outbox_events')
            .select((eb) => eb.fn.countAll().as('n'))
            .where('site_id', '=', site.siteId)
            .executeTakeFirstOrThrow()
        ).n,
      );
      await waitFor(`all ${total} events`, async () => (receiver.fired.length >= total ? true : undefined));
      expect(receiver.rejected).toEqual([]);

      for (const f of receiver.fired) {
        expect(f.metadata.instanceId).toBe(site.siteId);
        expect(f.metadata.accountInfo).toEqual({ accountId: owner, siteId: site.siteId });
      }
      const one = (handler: string, reviewId: string, status?: string) => {
        const found = receiver.fired.filter(
          (f) => f.handler === handler && f.reviewId === reviewId && (status === undefined || f.status === status),
        );
        expect(found, `${handler} of ${reviewId}`).toHaveLength(1);
        return found[0] as Fired;
      };
      // A visitor's create (and the moderation it triggers) is the visitor's act.
      expect(visitorReview.author.contactId).toEqual(expect.any(String));
      const visitorIdentity = { identityType: 'ANONYMOUS_VISITOR', anonymousVisitorId: visitorReview.author.contactId };
      expect(one('onReviewCreated', visitorReview.id).metadata.identity).toEqual(visitorIdentity);
      expect(one('onReviewPublished', visitorReview.id).metadata.identity).toEqual(visitorIdentity);
      // A member's create.
      expect(one('onReviewCreated', memberReview.id).metadata.identity).toEqual({ identityType: 'MEMBER', memberId });
      // The owner's edit: WIX_USER, with the changed field and its previous value.
      const edit = one('onReviewUpdated', visitorReview.id, 'APPROVED');
      expect(edit.metadata.identity).toEqual({ identityType: 'WIX_USER', wixUserId: owner });
      expect(edit.modifiedFields).toEqual({ 'content.title': 'Good' });
      // The owner's moderation.
      const rejection = one('onReviewModerationStatusChanged', visitorReview.id, 'REJECTED');
      expect(rejection.metadata.identity).toEqual({ identityType: 'WIX_USER', wixUserId: owner });
      const rejectUpdate = one('onReviewUpdated', visitorReview.id, 'REJECTED');
      expect(rejectUpdate.metadata.identity).toEqual({ identityType: 'WIX_USER', wixUserId: owner });
      expect(rejectUpdate.modifiedFields).toMatchObject({
        'moderation.moderationStatus': 'APPROVED',
        'moderation.manuallyChanged': false,
      });
      // An app's delete.
      expect(one('onReviewDeleted', memberReview.id).metadata.identity).toEqual({
        identityType: 'APP',
        appId: 'reviews-cleaner',
      });

      // Every body also passes the stricter check of Wix's own claims (iss wix.com, aud = the webhook's app id),
      // and fails it for another app.
      const strict = AppStrategy({ appId: APP_ID, publicKey: publicPem });
      const otherApp = AppStrategy({ appId: 'another-app', publicKey: publicPem });
      for (const body of receiver.bodies) {
        expect((await strict.decodeJWT?.(body, true))?.valid).toBe(true);
        await expect(otherApp.decodeJWT?.(body, true)).rejects.toThrow(/aud/);
      }
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
