/**
 * The SDK's named functions beyond `reviews`, against a real server on every dialect: each sends its operation's
 * request (asserted on the wire) and hands back the server's answer typed from the catalogue — webhooks and
 * deliveries, moderation rules and audit, trash, reports, privacy, settings, metrics (text), contacts, the event
 * feed read page by page, and the public storefront and token exchange, which go without credentials. Nested
 * functions work with elevate().
 */
import { elevate } from 'verdict/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSite, contactId, entityId } from '../support/app.ts';
import { dialects, type TestDb } from '../support/databases.ts';
import { type SdkServer, startSdkServer, verdictError } from './support.ts';

const CREATED = 'wix.reviews.v1.review_created';

describe.each(dialects())('verdict/sdk owner and public modules on $name', (dialect) => {
  let db: TestDb;
  let s: SdkServer;
  beforeAll(async () => {
    db = await dialect.open();
    s = await startSdkServer(db);
  });
  afterAll(async () => {
    await s.close();
    await db.dispose();
  });

  const sentSince = (n: number) => s.sent.slice(n).map((r) => `${r.method} ${r.path}`);

  it('webhooks: create, list, get, update, deliveries, public key, delete', async () => {
    const site = await buildSite(s.t);
    const { webhooks } = s.client(site, 'admin');
    const before = s.sent.length;
    const { webhook, secret } = await webhooks.create({
      url: 'https://example.com/hooks',
      eventTypes: [CREATED],
      format: 'json',
    });
    expect(secret.length).toBeGreaterThanOrEqual(16);
    expect((await webhooks.list()).webhooks.map((w) => w.id)).toEqual([webhook.id]);
    expect((await webhooks.get(webhook.id)).webhook.format).toBe('json');
    const { webhook: changed } = await webhooks.update(webhook.id, { format: 'wix' });
    expect(changed.format).toBe('wix');
    expect(await webhooks.deliveries.list(webhook.id, { status: 'DEAD', limit: 5 })).toEqual({
      deliveries: [],
      metadata: { count: 0, cursors: { next: null } },
    });
    const missing = crypto.randomUUID();
    expect((await verdictError(webhooks.deliveries.redeliver(webhook.id, missing))).code).toBe(
      'WEBHOOK_DELIVERY_NOT_FOUND',
    );
    expect((await webhooks.getPublicKey()).publicKey).toContain('BEGIN PUBLIC KEY');
    expect(await webhooks.delete(webhook.id)).toEqual({});
    expect(sentSince(before)).toEqual([
      'POST /verdict/v1/webhooks',
      'GET /verdict/v1/webhooks',
      `GET /verdict/v1/webhooks/${webhook.id}`,
      `PATCH /verdict/v1/webhooks/${webhook.id}`,
      `GET /verdict/v1/webhooks/${webhook.id}/deliveries?status=DEAD&limit=5`,
      `POST /verdict/v1/webhooks/${webhook.id}/deliveries/${missing}/redeliver`,
      'GET /verdict/v1/webhooks/public-key',
      `DELETE /verdict/v1/webhooks/${webhook.id}`,
    ]);
  });

  it('moderation rules and audit, site and engagement settings', async () => {
    const site = await buildSite(s.t);
    const { moderation, settings, reviews } = s.client(site, 'admin');
    const { rules } = await moderation.rules.get('stores');
    expect(rules).toMatchObject({ namespace: 'stores', version: 0, source: 'SITE_SETTINGS' });
    const updated = await moderation.rules.update({
      namespace: 'stores',
      rules: [{ type: 'HOLD_RATINGS', ratings: [1] }],
      expectedVersion: 0,
    });
    expect(updated.rules).toMatchObject({ version: 1, source: 'RULES' });
    const stale = moderation.rules.update({ namespace: 'stores', rules: [], expectedVersion: 0 });
    expect((await verdictError(stale)).code).toBe('REVISION_MISMATCH');

    const held = await reviews.createReview({
      namespace: 'stores',
      entityId: entityId(),
      author: { contactId: contactId() },
      content: { rating: 1 },
    });
    await reviews.updateModerationStatus(held._id, { status: 'APPROVED' });
    const before = s.sent.length;
    const { entries } = await moderation.audit.query({ reviewId: held._id, limit: 10 });
    expect(entries.map((e) => [e.from, e.to])).toEqual([
      ['SUBMITTED', 'IN_MODERATION'],
      ['IN_MODERATION', 'APPROVED'],
    ]);
    expect(sentSince(before)).toEqual([`GET /verdict/v1/moderation/audit?reviewId=${held._id}&limit=10`]);

    expect(await settings.site.update({ moderation: { mode: 'HOLD_ALL', heldRatings: [] } })).toEqual({
      settings: { moderation: { mode: 'HOLD_ALL', heldRatings: [] } },
    });
    expect((await settings.site.get()).settings.moderation.mode).toBe('HOLD_ALL');
    expect(await settings.engagement.update({ reportThreshold: 7 })).toEqual({ settings: { reportThreshold: 7 } });
    expect(await settings.engagement.get()).toEqual({ settings: { reportThreshold: 7 } });
  });

  it('trash and reports: list, restore, dismiss', async () => {
    const site = await buildSite(s.t);
    const owner = s.client(site, 'admin');
    const visitor = s.client(site, 'visitor');
    const review = await owner.reviews.createReview({
      namespace: 'stores',
      entityId: entityId(),
      author: { contactId: contactId() },
      content: { rating: 4 },
    });
    await visitor.reviews.reportReview(review._id, { reason: 'SPAM' });
    const before = s.sent.length;
    const listed = await owner.reports.list(review._id, { status: 'OPEN', limit: 10 });
    expect(listed.reports.map((r) => r.reason)).toEqual(['SPAM']);
    expect(listed.metadata).toEqual({ count: 1, openCount: 1 });
    expect(await owner.reports.dismiss(review._id)).toEqual({ dismissed: 1 });

    await owner.reviews.deleteReview(review._id);
    const trash = await owner.trash.list({ limit: 10 });
    expect(trash.reviews.map((t) => t.review.id)).toEqual([review._id]);
    expect((await owner.trash.restore(review._id)).review.id).toBe(review._id);
    expect(sentSince(before)).toEqual([
      `GET /verdict/v1/reviews/${review._id}/reports?status=OPEN&limit=10`,
      `POST /verdict/v1/reviews/${review._id}/reports/dismiss`,
      `DELETE /reviews/v1/reviews/${review._id}`,
      'GET /verdict/v1/trash?limit=10',
      `POST /verdict/v1/reviews/${review._id}/restore`,
    ]);
  });

  it('contacts and privacy: create, get, query, export, erase', async () => {
    const site = await buildSite(s.t);
    const { contacts, privacy, reviews } = s.client(site, 'admin');
    const email = `ann-${crypto.randomUUID()}@example.com`;
    const { contact } = await contacts.createContact({ name: { first: 'Ann' }, emails: { items: [{ email }] } });
    expect((await contacts.getContact(contact.id)).contact.primaryInfo.email).toBe(email);
    const found = await contacts.queryContacts({ query: { filter: { 'info.emails.email': email } } });
    expect(found.contacts.map((c) => c.id)).toEqual([contact.id]);
    const taken = contacts.createContact({ emails: { items: [{ email }] } });
    expect((await verdictError(taken)).code).toBe('CONTACT_ALREADY_EXISTS');

    const review = await reviews.createReview({
      namespace: 'stores',
      entityId: entityId(),
      author: { contactId: contact.id },
      content: { rating: 5 },
    });
    const exported = await privacy.exportContact(contact.id);
    expect(exported.contact?.id).toBe(contact.id);
    expect(exported.reviews.map((r) => r.id)).toEqual([review._id]);
    expect(await privacy.eraseContact(contact.id)).toEqual({
      erased: { contact: true, reviews: 1, votes: 0, reports: 0 },
    });
    expect((await verdictError(contacts.getContact(contact.id))).code).toBe('CONTACT_NOT_FOUND');
  });

  it('events.read pages through the feed; metrics.read answers text', async () => {
    const site = await buildSite(s.t);
    const owner = s.client(site, 'admin');
    const review = await owner.reviews.createReview({
      namespace: 'stores',
      entityId: entityId(),
      author: { contactId: contactId() },
      content: { rating: 5 },
    });
    const first = await owner.events.read({ limit: 1, waitSeconds: 0 });
    expect(first.events.map((e) => e.eventType)).toEqual([CREATED]);
    expect(first.events[0]?.event).toMatchObject({ entityId: review._id });
    const { read } = owner.events;
    const rest = await read({ after: first.position, waitSeconds: 0 });
    expect(rest.events.some((e) => e.eventType === CREATED)).toBe(false);

    const text = await owner.metrics.read();
    expect(typeof text).toBe('string');
    expect(text).toMatch(/^# (HELP|TYPE) /m);
  });

  it('storefront and visitors: public, sent without credentials from any client', async () => {
    const site = await buildSite(s.t);
    const owner = s.client(site, 'admin');
    const product = entityId();
    await owner.reviews.createReview({
      namespace: 'stores',
      entityId: product,
      author: { contactId: contactId() },
      content: { rating: 5, title: 'Lovely <b>boots</b>' },
    });
    // A visitor client that has made no call yet: no token is fetched for these.
    const { storefront, visitors } = s.client(site, 'visitor');
    const query = { site: site.clientId, namespace: 'stores', entityId: product };
    const before = s.sent.length;
    const page = await storefront.getReviewPage(query);
    expect(page.summary.count).toBe(1);
    expect(page.reviews.map((r) => r.content.title)).toEqual(['Lovely <b>boots</b>']);
    const html = await storefront.getReviewFragment({ ...query, locale: 'de' });
    expect(typeof html).toBe('string');
    expect(html).toContain('<h3>Lovely &#60;b&#62;boots&#60;/b&#62;</h3>');
    const jsonLd = await storefront.getProductJsonLd({ ...query, name: 'Trail boot' });
    expect(jsonLd).toMatchObject({ '@type': 'Product', name: 'Trail boot' });
    const tokens = await visitors.createAccessToken({ grantType: 'anonymous', clientId: site.clientId });
    expect(tokens.token_type).toBe('Bearer');
    expect(sentSince(before).map((r) => r.split('?')[0])).toEqual([
      'GET /verdict/v1/embed/reviews',
      'GET /verdict/v1/embed/reviews.html',
      'GET /verdict/v1/embed/reviews.jsonld',
      'POST /oauth2/token',
    ]);
  });

  it('a visitor client is refused owner functions, and elevate() runs nested ones with the admin key', async () => {
    const site = await buildSite(s.t);
    const visitor = s.client(site, 'visitor', { adminApiKey: site.adminKey });
    expect((await verdictError(visitor.webhooks.list())).code).toBe('PERMISSION_DENIED');
    expect(await elevate(visitor.webhooks.list)()).toEqual({ webhooks: [] });
    expect((await elevate(visitor.settings.engagement.get)()).settings.reportThreshold).toBe(3);
    expect((await visitor.elevate(visitor.trash.list)({ limit: 1 })).reviews).toEqual([]);
  });
});
