/**
 * `verifyWebhook` of `verdict/sdk` (WebCrypto only) for both delivery formats: `json` signed with node:crypto HMAC
 * and by the server's own signer, with the 5-minute replay window; `wix` JWTs signed with jose and by the server's
 * signer, decoded to the same Velo event the official SDK's `webhooks.process()` hands its handlers.
 */
import { createHmac, generateKeyPairSync } from 'node:crypto';
import { reviews as wixReviews } from '@wix/reviews';
import { AppStrategy, createClient as createWixClient } from '@wix/sdk';
import { importPKCS8, SignJWT } from 'jose';
import { verifyJsonWebhook, verifyWebhook, verifyWixWebhook, WebhookVerificationError } from 'verdict/sdk';
import { describe, expect, it } from 'vitest';
import { eventContext } from '../../src/server/outbox/outbox.rules.ts';
import { jsonEventBody, jsonSignature, signWixEvent } from '../../src/server/webhooks/webhooks.signing.ts';

const review = {
  id: '6c7c6f5e-0d5b-4d8e-9a55-4f2f3f0d7a11',
  namespace: 'stores',
  entityId: 'prod-1',
  content: { title: 'Great', body: 'Warm', media: [], rating: 5 },
  createdDate: '2026-01-02T03:04:05.000Z',
  updatedDate: '2026-01-02T03:04:05.000Z',
  author: { contactId: '1c7c6f5e-0d5b-4d8e-9a55-4f2f3f0d7a12', authorName: 'Ann' },
  foundHelpful: 0,
  foundUnhelpful: 0,
  helpfulness: 0,
  moderation: { moderationStatus: 'APPROVED', manuallyChanged: false },
  revision: '1',
  verified: false,
  origin: { type: 'ORGANIC' },
  reviewDate: '2026-01-02T03:04:05.000Z',
  relevanceScore: 0.5,
  publishCount: 1,
};
const created = {
  id: 'e1',
  entityFqdn: 'wix.reviews.v1.review',
  slug: 'created',
  entityId: review.id,
  eventTime: '2026-01-02T03:04:05.000Z',
  entityEventSequence: '1',
  createdEvent: { entity: review },
};
const moderated = {
  ...created,
  id: 'e2',
  slug: 'moderation_status_changed',
  entityEventSequence: '2',
  createdEvent: undefined,
  actionEvent: { body: { review, previousModerationStatus: 'SUBMITTED' } },
};

const SECRET = 'whsec_0123456789abcdef';
const sign = (body: string, t: number, secret = SECRET) =>
  `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`;
const nowSec = () => Math.floor(Date.now() / 1000);

async function rejection(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WebhookVerificationError);
  return (err as Error).message;
}

describe('verifyWebhook, json format', () => {
  const body = JSON.stringify(created);

  it('accepts a body signed with the secret and returns the envelope and its Velo event', async () => {
    const v = await verifyWebhook(body, SECRET, { signature: sign(body, nowSec()) });
    expect(v.format).toBe('json');
    expect(v.eventType).toBe('wix.reviews.v1.review_created');
    expect(v.event).toEqual(created);
    expect(v.velo?.slug).toBe('created');
    if (v.velo?.slug !== 'created') throw new Error('not created');
    expect(v.velo.event.entity._id).toBe(review.id);
    expect(v.velo.event.entity._createdDate).toEqual(new Date(review.createdDate));
    expect(v.velo.event.metadata).toMatchObject({
      _id: 'e1',
      entityId: review.id,
      eventTime: new Date(created.eventTime),
    });
  });

  it("accepts what the server's signer produces, with the type of a moderation event", async () => {
    const modBody = JSON.stringify(moderated);
    const v = await verifyJsonWebhook(modBody, SECRET, jsonSignature(SECRET, modBody, new Date()));
    expect(v.eventType).toBe('wix.reviews.v1.review_moderation_status_changed');
    if (v.velo?.slug !== 'moderation_status_changed') throw new Error('wrong slug');
    expect(v.velo.event.data.previousModerationStatus).toBe('SUBMITTED');
    expect(v.velo.event.data.review._id).toBe(review.id);
  });

  it('returns the site and the actor a json body carries beside the event, and puts them in the Velo metadata', async () => {
    const context = eventContext('site-3', '{"identityType":"MEMBER","memberId":"m-1"}');
    const body = jsonEventBody(JSON.stringify(created), context);
    const v = await verifyJsonWebhook(body, SECRET, jsonSignature(SECRET, body, new Date()));
    expect(v.event).toEqual(created);
    expect(v).toMatchObject({
      instanceId: 'site-3',
      identity: { identityType: 'MEMBER', memberId: 'm-1' },
      accountInfo: { siteId: 'site-3' },
    });
    expect(v.velo?.event.metadata).toMatchObject({
      instanceId: 'site-3',
      identity: { identityType: 'MEMBER', memberId: 'm-1' },
      accountInfo: { siteId: 'site-3' },
    });
  });

  it('refuses a changed body, a wrong secret, a missing header and a malformed v1', async () => {
    const t = nowSec();
    expect(await rejection(verifyJsonWebhook(body.replace('Great', 'Awful'), SECRET, sign(body, t)))).toMatch(
      /does not match/,
    );
    expect(await rejection(verifyJsonWebhook(body, SECRET, sign(body, t, 'whsec_other_secret_1')))).toMatch(
      /does not match/,
    );
    expect(await rejection(verifyJsonWebhook(body, SECRET, undefined))).toMatch(/missing Verdict-Signature/);
    expect(await rejection(verifyJsonWebhook(body, SECRET, `t=${t},v1=zz`))).toMatch(/does not match/);
    expect(await rejection(verifyJsonWebhook(body, SECRET, `v1=${'0'.repeat(64)}`))).toMatch(/no timestamp/);
  });

  it('refuses a signature more than 5 minutes old or ahead, and accepts one just inside the window', async () => {
    const t = nowSec();
    expect(await rejection(verifyJsonWebhook(body, SECRET, sign(body, t - 301)))).toMatch(/outside the tolerance/);
    expect(await rejection(verifyJsonWebhook(body, SECRET, sign(body, t + 301)))).toMatch(/outside the tolerance/);
    await expect(verifyJsonWebhook(body, SECRET, sign(body, t - 299))).resolves.toMatchObject({ format: 'json' });
  });

  it('accepts a header with several v1 values when one matches (secret rotation)', async () => {
    const t = nowSec();
    const header = `${sign(body, t, 'whsec_old_secret_12345')},v1=${sign(body, t).split('v1=')[1]}`;
    await expect(verifyJsonWebhook(body, SECRET, header)).resolves.toMatchObject({
      eventType: 'wix.reviews.v1.review_created',
    });
  });
});

describe('verifyWebhook, wix format', () => {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const privatePem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const other = generateKeyPairSync('rsa', { modulusLength: 2048 })
    .publicKey.export({ type: 'spki', format: 'pem' })
    .toString();

  async function jwt(event: object, opts: { expSeconds?: number; alg?: string } = {}) {
    const key = await importPKCS8(privatePem, 'RS256');
    const data = JSON.stringify({
      eventType: 'wix.reviews.v1.review_created',
      instanceId: 'site-1',
      identity: JSON.stringify({ identityType: 'UNKNOWN' }),
      data: JSON.stringify(event),
    });
    const iat = nowSec();
    return new SignJWT({ data })
      .setProtectedHeader({ alg: 'RS256' })
      .setIssuedAt(iat)
      .setExpirationTime(iat + (opts.expSeconds ?? 3600))
      .sign(key);
  }

  it('verifies a jose-signed RS256 JWT and decodes the envelope, instance and identity', async () => {
    const v = await verifyWebhook(await jwt(created), publicPem);
    expect(v).toMatchObject({
      format: 'wix',
      eventType: 'wix.reviews.v1.review_created',
      event: created,
      instanceId: 'site-1',
      identity: { identityType: 'UNKNOWN' },
    });
  });

  it("verifies the server's own wix-format signature", async () => {
    const token = await signWixEvent(
      privatePem,
      {
        eventType: 'wix.reviews.v1.review_created',
        bodyJson: JSON.stringify(created),
        context: eventContext('site-2', null),
        appId: null,
      },
      new Date(),
    );
    const v = await verifyWixWebhook(token, publicPem);
    expect(v.instanceId).toBe('site-2');
    expect(v.event).toEqual(created);
  });

  it("hands out the same Velo event the official SDK's webhooks.process() gives onReviewCreated", async () => {
    const token = await jwt(created);
    const wix = createWixClient({
      auth: AppStrategy({ appId: 'test-app', publicKey: publicPem }),
      modules: { reviews: wixReviews },
    });
    const got: unknown[] = [];
    wix.reviews.onReviewCreated((e) => {
      got.push(e);
    });
    await wix.webhooks.process(token);
    const mine = await verifyWixWebhook(token, publicPem);
    if (mine.velo?.slug !== 'created') throw new Error('not created');
    const official = got[0] as { entity: Record<string, unknown>; metadata: Record<string, unknown> };
    expect(mine.velo.event.entity).toEqual(official.entity);
    expect(mine.velo.event.metadata).toMatchObject({
      _id: official.metadata._id,
      entityId: official.metadata.entityId,
      eventTime: official.metadata.eventTime,
    });
  });

  it('refuses another key, a tampered payload, an expired token and a non-JWT body', async () => {
    const token = await jwt(created);
    expect(await rejection(verifyWixWebhook(token, other))).toMatch(/signature does not match/);
    const [h, p, s] = token.split('.');
    const tampered = `${h}.${Buffer.from(JSON.stringify({ data: '{}' })).toString('base64url')}.${s}`;
    expect(p).not.toBeUndefined();
    expect(await rejection(verifyWixWebhook(tampered, publicPem))).toMatch(/signature does not match/);
    expect(await rejection(verifyWixWebhook(await jwt(created, { expSeconds: -10 }), publicPem))).toMatch(/expired/);
    expect(await rejection(verifyWixWebhook('{"not":"a jwt"}', publicPem))).toMatch(/not a JWT/);
  });
});
