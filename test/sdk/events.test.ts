/**
 * Event handlers of `verdict/sdk` fed by the server's event feed: every event type reaches its handler in order,
 * in the official SDK's Velo shape, and a client restarted with the same position store resumes without losing or
 * repeating an event. Runs on every dialect.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { memoryPositionStore, type VerdictClient } from 'verdict/sdk';
import { filePositionStore } from 'verdict/sdk/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ownerUserId } from '../../src/server/outbox/outbox.rules.ts';
import { buildSite, contactId, entityId, waitFor } from '../support/app.ts';
import { dialects, type TestDb } from '../support/databases.ts';
import { type SdkServer, startSdkServer } from './support.ts';

const review = () => ({
  namespace: 'stores',
  entityId: entityId(),
  author: { contactId: contactId() },
  content: { rating: 4, title: 'Nice' },
});

/** Registers a handler for every event type, logging `<slug> <reviewId>` and keeping each event. */
function record(client: VerdictClient) {
  const log: string[] = [];
  const events: unknown[] = [];
  const { reviews } = client;
  reviews.onReviewCreated((e) => {
    log.push(`created ${e.entity._id}`);
    events.push(e);
  });
  reviews.onReviewUpdated((e) => {
    log.push(`updated ${e.entity._id}`);
    events.push(e);
  });
  reviews.onReviewDeleted((e) => {
    log.push(`deleted ${e.entity._id}`);
    events.push(e);
  });
  reviews.onReviewModerationStatusChanged((e) => {
    log.push(
      `moderation ${e.data.review._id} ${e.data.previousModerationStatus}->${e.data.review.moderation.moderationStatus}`,
    );
    events.push(e);
  });
  reviews.onReviewPublished((e) => {
    log.push(`published ${e.data.review._id}`);
    events.push(e);
  });
  return { log, events };
}

describe.each(dialects())('verdict/sdk event handlers on $name', (dialect) => {
  let db: TestDb;
  let s: SdkServer;
  let dir: string;
  beforeAll(async () => {
    db = await dialect.open();
    s = await startSdkServer(db);
    dir = mkdtempSync(join(tmpdir(), 'verdict-sdk-events-'));
  });
  afterAll(async () => {
    await s.close();
    await db.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('delivers created, moderation, published, updated and deleted events in feed order, then resumes after a restart without loss', async () => {
    const site = await buildSite(s.t);
    const store = filePositionStore(join(dir, `${site.siteId}.position`));
    const first = s.client(site, 'admin');
    const seen = record(first);
    await first.events.start({ store, waitSeconds: 1 });

    const { reviews } = first;
    const r = await reviews.createReview(review());
    await reviews.updateReview(r._id, { revision: r.revision, content: { title: 'Nicer' } });
    await reviews.updateModerationStatus(r._id, { status: 'REJECTED' });
    await reviews.deleteReview(r._id);
    const expected = [
      `created ${r._id}`,
      `moderation ${r._id} SUBMITTED->APPROVED`,
      `published ${r._id}`,
      `updated ${r._id}`,
      // A moderation change is an update of the entity too: the server writes review_updated, then the action.
      `updated ${r._id}`,
      `moderation ${r._id} APPROVED->REJECTED`,
      `deleted ${r._id}`,
    ];
    await waitFor('the seven events of the first review', async () => (seen.log.length >= 7 ? true : undefined));
    expect(seen.log).toEqual(expected);

    const created = seen.events[0] as { entity: Record<string, unknown>; metadata: Record<string, unknown> };
    expect(created.entity).toMatchObject({ _id: r._id, content: { title: 'Nice' } });
    expect(created.entity._createdDate).toBeInstanceOf(Date);
    expect(created.entity).not.toHaveProperty('id');
    expect(created.metadata).toMatchObject({ entityId: r._id, slug: 'created', entityFqdn: 'wix.reviews.v1.review' });
    expect(created.metadata._id).toEqual(expect.any(String));
    expect(created.metadata.eventTime).toBeInstanceOf(Date);
    // The metadata the official SDK puts beside the domain event: the site, its account and who acted (the owner).
    const owner = ownerUserId(site.siteId);
    for (const e of seen.events as { metadata: Record<string, unknown> }[]) {
      expect(e.metadata).toMatchObject({
        instanceId: site.siteId,
        accountInfo: { accountId: owner, siteId: site.siteId },
        identity: { identityType: 'WIX_USER', wixUserId: owner },
      });
    }
    const published = seen.events[2] as { data: { review: { _id: string } } };
    expect(Object.keys(published.data)).toEqual(['review']);
    const updated = seen.events[3] as {
      entity: { content: { title: string }; revision: string };
      modifiedFields?: Record<string, unknown>;
    };
    expect(updated.entity).toMatchObject({ content: { title: 'Nicer' }, revision: '2' });
    expect(updated.modifiedFields).toEqual({ 'content.title': 'Nice' });

    await first.events.stop();
    expect(first.events.running).toBe(false);
    const stoppedAt = first.events.position;
    expect(readFileSync(join(dir, `${site.siteId}.position`), 'utf8').trim()).toBe(stoppedAt);

    // Changes while no client is listening.
    const admin = s.client(site, 'admin');
    const r2 = await admin.reviews.createReview(review());
    await admin.reviews.setReply(r2._id, 'Thanks');

    // A new client (a restarted process) with the same file store.
    const second = s.client(site, 'admin');
    const resumed = record(second);
    await second.events.start({ store: filePositionStore(join(dir, `${site.siteId}.position`)), waitSeconds: 1 });
    await admin.reviews.deleteReview(r2._id);
    await waitFor('the events missed while stopped', async () => (resumed.log.length >= 5 ? true : undefined));
    await second.events.stop();
    expect(resumed.log).toEqual([
      `created ${r2._id}`,
      `moderation ${r2._id} SUBMITTED->APPROVED`,
      `published ${r2._id}`,
      `updated ${r2._id}`,
      `deleted ${r2._id}`,
    ]);
    expect(seen.log).toEqual(expected);
  });

  it("names a visitor's and a member's acts in their events' metadata", async () => {
    const site = await buildSite(s.t);
    const listener = s.client(site, 'admin');
    const seen = record(listener);
    await listener.events.start({ waitSeconds: 1 });
    const visitorReview = await s.client(site, 'visitor').reviews.createReview({
      namespace: 'stores',
      entityId: entityId(),
      author: {},
      content: { rating: 5, title: 'From a visitor' },
    });
    const memberId = contactId();
    const memberReview = await s
      .client(site, { memberToken: await site.memberToken(memberId) })
      .reviews.createReview({ ...review(), author: { contactId: memberId } });
    await waitFor('the six creation events', async () => (seen.log.length >= 6 ? true : undefined));
    await listener.events.stop();
    const createdBy = (id: string) =>
      (seen.events as { entity?: { _id: string }; metadata: Record<string, unknown> }[]).find(
        (e) => e.metadata.slug === 'created' && e.entity?._id === id,
      )?.metadata.identity;
    expect(createdBy(visitorReview._id)).toEqual({
      identityType: 'ANONYMOUS_VISITOR',
      anonymousVisitorId: visitorReview.author.contactId,
    });
    expect(createdBy(memberReview._id)).toEqual({ identityType: 'MEMBER', memberId });
  });

  it('redelivers an event whose handler threw, reporting the error, and moves on once it succeeds', async () => {
    const site = await buildSite(s.t);
    const client = s.client(site, 'admin');
    const calls: string[] = [];
    const errors: unknown[] = [];
    let failOnce = true;
    client.reviews.onReviewCreated((e) => {
      calls.push(e.entity._id);
      if (failOnce) {
        failOnce = false;
        throw new Error('handler failed');
      }
    });
    const a = await client.reviews.createReview(review());
    const b = await client.reviews.createReview(review());
    await client.events.start({ waitSeconds: 1, retryDelayMs: 10, onError: (err) => errors.push(err) });
    await waitFor('both created events handled', async () => (calls.length >= 3 ? true : undefined));
    await client.events.stop();
    expect(calls).toEqual([a._id, a._id, b._id]);
    expect(errors.map((e) => (e as Error).message)).toEqual(['handler failed']);
  });

  it("startAt 'end' skips earlier events; a memory store resumes across stop() and start()", async () => {
    const site = await buildSite(s.t);
    const client = s.client(site, 'admin');
    const old = await client.reviews.createReview(review());
    const seen = record(client);
    const store = memoryPositionStore();
    await client.events.start({ store, startAt: 'end', waitSeconds: 1 });
    const fresh = await client.reviews.createReview(review());
    await waitFor('the new review published', async () => (seen.log.length >= 3 ? true : undefined));
    await client.events.stop();
    await client.reviews.setReply(fresh._id, 'Hi');
    await client.events.start({ store, waitSeconds: 1 });
    await waitFor('the reply event', async () => (seen.log.length >= 4 ? true : undefined));
    await client.events.stop();
    expect(seen.log).toEqual([
      `created ${fresh._id}`,
      `moderation ${fresh._id} SUBMITTED->APPROVED`,
      `published ${fresh._id}`,
      `updated ${fresh._id}`,
    ]);
    expect(seen.log.join(' ')).not.toContain(old._id);
  });

  it('refuses to start without admin credentials, and a visitor key-less feed read is PERMISSION_DENIED', async () => {
    const site = await buildSite(s.t);
    await expect(s.client(site, 'visitor').events.start()).rejects.toThrow(/no admin credentials/);
    const app = s.client(site, { apiKey: await site.appKey(['reviews.read']) });
    await expect(app.events.start({ waitSeconds: 0 })).resolves.toBeUndefined();
    const errors: unknown[] = [];
    await app.events.stop();
    await app.events.start({ waitSeconds: 0, retryDelayMs: 10, onError: (e) => errors.push(e) });
    await waitFor('the feed error', async () => (errors.length > 0 ? true : undefined));
    await app.events.stop();
    expect(errors[0]).toMatchObject({ status: 403, code: 'PERMISSION_DENIED' });
  });
});
