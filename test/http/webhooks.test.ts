/**
 * The webhooks admin API: register, list, read, update, delete; the secret shown once and masked after; every
 * invalid field reported; another site's webhooks invisible; the per-site public key; the delivery log.
 */
import { createPublicKey } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSite, call, startTestApp, type TestApp, type TestSite, waitFor } from '../support/app.ts';
import { dialects, type TestDb } from '../support/databases.ts';

const CREATED = 'wix.reviews.v1.review_created';
const DELETED = 'wix.reviews.v1.review_deleted';

describe.each(dialects())('webhooks admin API on $name', (dialect) => {
  let db: TestDb;
  let t: TestApp;
  beforeAll(async () => {
    db = await dialect.open();
    t = await startTestApp(db);
  });
  afterAll(async () => {
    await t.close();
    await db.dispose();
  });

  const create = (site: TestSite, webhook: Record<string, unknown>) =>
    call(t.app, 'POST', '/verdict/v1/webhooks', { auth: site.adminKey, body: { webhook } });

  it('registers a webhook, returns its secret only at creation and a masked hint afterwards', async () => {
    const site = await buildSite(t);
    const secret = 'whsec_0123456789abcdefXYZ';
    const res = await create(site, {
      url: 'https://example.com/hooks',
      eventTypes: [CREATED, DELETED],
      format: 'json',
      secret,
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      secret,
      webhook: {
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        url: 'https://example.com/hooks',
        eventTypes: [CREATED, DELETED],
        format: 'json',
        secretHint: 'whsec_…fXYZ',
        createdDate: expect.any(String),
        updatedDate: expect.any(String),
      },
    });
    const listed = await call(t.app, 'GET', '/verdict/v1/webhooks', { auth: site.adminKey });
    expect(listed.body).toEqual({ webhooks: [res.body.webhook] });
    const got = await call(t.app, 'GET', `/verdict/v1/webhooks/${res.body.webhook.id}`, { auth: site.adminKey });
    expect(got.body).toEqual({ webhook: res.body.webhook });
    expect(JSON.stringify(listed.body)).not.toContain(secret);
  });

  it('generates a secret when none is given', async () => {
    const site = await buildSite(t);
    const res = await create(site, { url: 'http://127.0.0.1:9/x', eventTypes: [CREATED], format: 'wix' });
    expect(res.status).toBe(200);
    expect(res.body.secret).toMatch(/^whsec_[A-Za-z0-9_-]{32}$/);
    expect(res.body.webhook.secretHint).toBe(`${res.body.secret.slice(0, 6)}…${res.body.secret.slice(-4)}`);
  });

  it('rejects a non-http URL with a field violation on webhook.url', async () => {
    const site = await buildSite(t);
    const res = await create(site, { url: 'ftp://example.com/hook', eventTypes: [CREATED], format: 'json' });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      message: expect.any(String),
      details: {
        validationError: {
          fieldViolations: [
            { field: 'webhook.url', description: 'must be an http or https URL', violatedRule: 'FORMAT' },
          ],
        },
      },
    });
  });

  it('reports every invalid field at once: unknown event type, unknown format, short secret', async () => {
    const site = await buildSite(t);
    const res = await create(site, {
      url: 'https://example.com/hook',
      eventTypes: ['wix.reviews.v1.review_exploded'],
      format: 'xml',
      secret: 'short',
    });
    expect(res.status).toBe(400);
    const fields = res.body.details.validationError.fieldViolations.map((v: { field: string }) => v.field);
    expect(fields).toEqual(expect.arrayContaining(['webhook.eventTypes[0]', 'webhook.format', 'webhook.secret']));
    expect((await call(t.app, 'GET', '/verdict/v1/webhooks', { auth: site.adminKey })).body).toEqual({ webhooks: [] });
  });

  it('rejects an empty event type list', async () => {
    const site = await buildSite(t);
    const res = await create(site, { url: 'https://example.com/hook', eventTypes: [], format: 'json' });
    expect(res.status).toBe(400);
    const fields = res.body.details.validationError.fieldViolations.map((v: { field: string }) => v.field);
    expect(fields).toContain('webhook.eventTypes');
  });

  it('keeps an optional appId (the JWT audience): set at creation, changed or removed by PATCH, validated', async () => {
    const site = await buildSite(t);
    const without = await create(site, { url: 'https://example.com/a', eventTypes: [CREATED], format: 'wix' });
    expect(without.status).toBe(200);
    expect(without.body.webhook).not.toHaveProperty('appId');
    const made = await create(site, {
      url: 'https://example.com/b',
      eventTypes: [CREATED],
      format: 'wix',
      appId: '6c7c6f5e-0d5b-4d8e-9a55-4f2f3f0d7a11',
    });
    expect(made.status).toBe(200);
    expect(made.body.webhook.appId).toBe('6c7c6f5e-0d5b-4d8e-9a55-4f2f3f0d7a11');
    const id = made.body.webhook.id;
    const read = await call(t.app, 'GET', `/verdict/v1/webhooks/${id}`, { auth: site.adminKey });
    expect(read.body.webhook.appId).toBe('6c7c6f5e-0d5b-4d8e-9a55-4f2f3f0d7a11');
    const changed = await call(t.app, 'PATCH', `/verdict/v1/webhooks/${id}`, {
      auth: site.adminKey,
      body: { webhook: { appId: 'my-app' } },
    });
    expect(changed.body.webhook.appId).toBe('my-app');
    const removed = await call(t.app, 'PATCH', `/verdict/v1/webhooks/${id}`, {
      auth: site.adminKey,
      body: { webhook: { appId: null } },
    });
    expect(removed.status).toBe(200);
    expect(removed.body.webhook).not.toHaveProperty('appId');
    const bad = await create(site, {
      url: 'ftp://example.com/c',
      eventTypes: [CREATED],
      format: 'wix',
      appId: 'has spaces',
    });
    expect(bad.status).toBe(400);
    const fields = bad.body.details.validationError.fieldViolations.map((v: { field: string }) => v.field);
    expect(fields).toContain('webhook.appId');
  });

  it('updates URL, event types, format and secret; a new secret is not echoed', async () => {
    const site = await buildSite(t);
    const made = await create(site, { url: 'https://example.com/a', eventTypes: [CREATED], format: 'json' });
    const id = made.body.webhook.id;
    const res = await call(t.app, 'PATCH', `/verdict/v1/webhooks/${id}`, {
      auth: site.adminKey,
      body: {
        webhook: {
          url: 'http://example.org/b',
          eventTypes: [DELETED],
          format: 'wix',
          secret: 'whsec_new_secret_value_9876',
        },
      },
    });
    expect(res.status).toBe(200);
    expect(res.body.webhook).toMatchObject({
      id,
      url: 'http://example.org/b',
      eventTypes: [DELETED],
      format: 'wix',
      secretHint: 'whsec_…9876',
    });
    expect(res.body.secret).toBeUndefined();
    const bad = await call(t.app, 'PATCH', `/verdict/v1/webhooks/${id}`, {
      auth: site.adminKey,
      body: { webhook: { url: 'javascript:alert(1)' } },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.details.validationError.fieldViolations).toEqual([
      { field: 'webhook.url', description: 'must be an http or https URL', violatedRule: 'FORMAT' },
    ]);
  });

  it("answers 404 WEBHOOK_NOT_FOUND for another site's webhook and after deletion", async () => {
    const site = await buildSite(t);
    const other = await buildSite(t);
    const made = await create(site, { url: 'https://example.com/a', eventTypes: [CREATED], format: 'json' });
    const id = made.body.webhook.id;
    const notFound = {
      message: 'Webhook not found',
      details: { applicationError: { code: 'WEBHOOK_NOT_FOUND', description: 'Webhook not found' } },
    };
    for (const [method, url] of [
      ['GET', `/verdict/v1/webhooks/${id}`],
      ['PATCH', `/verdict/v1/webhooks/${id}`],
      ['DELETE', `/verdict/v1/webhooks/${id}`],
      ['GET', `/verdict/v1/webhooks/${id}/deliveries`],
    ] as const) {
      const res = await call(t.app, method, url, {
        auth: other.adminKey,
        ...(method === 'PATCH' ? { body: { webhook: { url: 'https://evil.example/' } } } : {}),
      });
      expect(res.status, `${method} ${url}`).toBe(404);
      expect(res.body).toEqual(notFound);
    }
    expect((await call(t.app, 'GET', '/verdict/v1/webhooks', { auth: other.adminKey })).body).toEqual({ webhooks: [] });

    const deleted = await call(t.app, 'DELETE', `/verdict/v1/webhooks/${id}`, { auth: site.adminKey });
    expect(deleted.status).toBe(200);
    const gone = await call(t.app, 'GET', `/verdict/v1/webhooks/${id}`, { auth: site.adminKey });
    expect(gone.status).toBe(404);
    expect(gone.body).toEqual(notFound);
  });

  it('serves one stable RS256 public key per site, different between sites', async () => {
    const site = await buildSite(t);
    const other = await buildSite(t);
    const first = await call(t.app, 'GET', '/verdict/v1/webhooks/public-key', { auth: site.adminKey });
    const again = await call(t.app, 'GET', '/verdict/v1/webhooks/public-key', { auth: site.adminKey });
    const others = await call(t.app, 'GET', '/verdict/v1/webhooks/public-key', { auth: other.adminKey });
    expect(first.status).toBe(200);
    expect(first.body.publicKey).toMatch(/^-----BEGIN PUBLIC KEY-----\n[\s\S]+\n-----END PUBLIC KEY-----\n?$/);
    expect(createPublicKey(first.body.publicKey).asymmetricKeyType).toBe('rsa');
    expect(again.body.publicKey).toBe(first.body.publicKey);
    expect(others.body.publicKey).not.toBe(first.body.publicKey);
    expect(JSON.stringify(first.body)).not.toContain('PRIVATE');
  });

  it('lists a webhook’s deliveries with status and attempts, and 404s an unknown delivery on redeliver', async () => {
    const site = await buildSite(t);
    const made = await create(site, { url: 'http://127.0.0.1:9/closed', eventTypes: [CREATED], format: 'json' });
    const id = made.body.webhook.id;
    const review = await call(t.app, 'POST', '/reviews/v1/reviews', {
      auth: site.adminKey,
      body: {
        review: {
          namespace: 'stores',
          entityId: 'p-1',
          author: { authorName: 'Ann' },
          content: { rating: 5, title: 'Hi' },
        },
      },
    });
    expect(review.status).toBe(200);
    // `attempts` counts from the claim, before the attempt ends; the failure is recorded after it.
    const [delivery] = await waitFor('a failed delivery attempt', async () => {
      const res = await call(t.app, 'GET', `/verdict/v1/webhooks/${id}/deliveries`, { auth: site.adminKey });
      const first = res.body.deliveries?.[0];
      return first?.attempts >= 1 && first.lastError !== null ? res.body.deliveries : undefined;
    });
    expect(delivery).toEqual({
      id: expect.any(String),
      webhookId: id,
      eventId: expect.any(String),
      eventType: CREATED,
      status: 'PENDING',
      attempts: expect.any(Number),
      lastStatus: null,
      lastError: expect.stringMatching(/^connection failed: /),
      nextAttemptDate: expect.any(String),
      deliveredDate: null,
      createdDate: expect.any(String),
    });
    const filtered = await call(t.app, 'GET', `/verdict/v1/webhooks/${id}/deliveries?status=DELIVERED`, {
      auth: site.adminKey,
    });
    expect(filtered.body).toEqual({ deliveries: [], metadata: { count: 0, cursors: { next: null } } });
    const missing = await call(
      t.app,
      'POST',
      `/verdict/v1/webhooks/${id}/deliveries/${crypto.randomUUID()}/redeliver`,
      {
        auth: site.adminKey,
      },
    );
    expect(missing.status).toBe(404);
    expect(missing.body.details.applicationError.code).toBe('WEBHOOK_DELIVERY_NOT_FOUND');
  });
});
