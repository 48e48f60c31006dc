/**
 * Abuse reports: a visitor or member reports a published review once; at the site threshold (default 3, set with
 * `PUT /verdict/v1/engagement/settings`) the review returns to IN_MODERATION with audit reason REPORTED and a
 * moderation event; the owner lists and dismisses a review's reports; open reports feed HOLD_REPORTED_AUTHOR.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSite, call, contactId, reviewBody, startTestApp, type TestApp, type TestSite } from '../support/app.ts';
import { dialects, type TestDb } from '../support/databases.ts';

const NOT_FOUND = {
  message: 'Review not found',
  details: { applicationError: { code: 'REVIEW_NOT_FOUND', description: 'Review not found' } },
};

describe.each(dialects())('abuse reports on $name', (dialect) => {
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

  async function published(site: TestSite, body = reviewBody()) {
    const res = await call(t.app, 'POST', '/reviews/v1/reviews', { auth: site.adminKey, body });
    expect(res.status).toBe(200);
    return res.body.review;
  }
  const report = (id: string, auth: string, body: unknown = { reason: 'SPAM' }) =>
    call(t.app, 'POST', `/verdict/v1/reviews/${id}/reports`, { auth, body });
  const status = async (site: TestSite, id: string) =>
    (await call(t.app, 'GET', `/reviews/v1/reviews/${id}?returnPrivateReviews=true`, { auth: site.adminKey })).body
      .review;

  it('files a report and returns it without the reporter id', async () => {
    const site = await buildSite(t);
    const review = await published(site);
    const reporter = contactId();
    const res = await report(review.id, await site.memberToken(reporter), { reason: 'OFFENSIVE', text: 'Rude words' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      report: {
        id: expect.any(String),
        reviewId: review.id,
        reason: 'OFFENSIVE',
        text: 'Rude words',
        status: 'OPEN',
        reporterKind: 'MEMBER',
        createdDate: expect.any(String),
      },
    });
    expect(JSON.stringify(res.body)).not.toContain(reporter);
    const after = await status(site, review.id);
    expect(after.moderation.moderationStatus).toBe('APPROVED');
    expect(after.revision).toBe(review.revision);
  });

  it('refuses a second report by the same reporter with 409 REPORT_ALREADY_EXISTS', async () => {
    const site = await buildSite(t);
    const review = await published(site);
    const visitor = await site.visitorToken();
    expect((await report(review.id, visitor)).status).toBe(200);
    const again = await report(review.id, visitor, { reason: 'FAKE' });
    expect(again.status).toBe(409);
    expect(again.body).toEqual({
      message: 'You have already reported this review',
      details: {
        applicationError: { code: 'REPORT_ALREADY_EXISTS', description: 'You have already reported this review' },
      },
    });
  });

  it('lists every violation of a bad report: unknown reason and text over 1,000 characters', async () => {
    const site = await buildSite(t);
    const review = await published(site);
    const res = await report(review.id, await site.visitorToken(), { reason: 'BORING', text: 'x'.repeat(1001) });
    expect(res.status).toBe(400);
    const fields = res.body.details.validationError.fieldViolations.map((v: { field: string }) => v.field);
    expect(fields).toEqual(expect.arrayContaining(['reason', 'text']));
    expect(
      await t.deps.db.selectFrom('review_reports').select('id').where('review_id', '=', review.id).execute(),
    ).toEqual([]);
  });

  it('answers 404 for an unpublished, unknown or non-GUID review', async () => {
    const site = await buildSite(t);
    await site.setModeration({ mode: 'HOLD_ALL', heldRatings: [] });
    const held = await published(site);
    const visitor = await site.visitorToken();
    for (const id of [held.id, randomUUID(), 'nope']) {
      const res = await report(id, visitor);
      expect(res.status).toBe(404);
      expect(res.body).toEqual(NOT_FOUND);
    }
  });

  it('refuses reports from the owner and from apps (403)', async () => {
    const site = await buildSite(t);
    const review = await published(site);
    for (const auth of [site.adminKey, await site.appKey(['reviews.manage', 'reviews.moderate'])]) {
      const res = await report(review.id, auth);
      expect(res.status).toBe(403);
      expect(res.body.details.applicationError.code).toBe('PERMISSION_DENIED');
    }
  });

  it('returns a review to IN_MODERATION at the third member report, with an audit entry REPORTED and a moderation event', async () => {
    const site = await buildSite(t);
    const review = await published(site);
    for (let i = 0; i < 2; i++) {
      expect((await report(review.id, await site.memberToken(contactId()))).status).toBe(200);
    }
    expect((await status(site, review.id)).moderation.moderationStatus).toBe('APPROVED');
    expect((await report(review.id, await site.memberToken(contactId()))).status).toBe(200);
    const held = await status(site, review.id);
    expect(held.moderation).toEqual({ moderationStatus: 'IN_MODERATION', manuallyChanged: false });
    expect(held.revision).toBe(String(Number(review.revision) + 1));
    const audit = await call(t.app, 'GET', `/verdict/v1/moderation/audit?reviewId=${review.id}`, {
      auth: site.adminKey,
    });
    expect(audit.body.entries.at(-1)).toMatchObject({ from: 'APPROVED', to: 'IN_MODERATION', reason: 'REPORTED' });
    const events = await t.deps.db
      .selectFrom('outbox_events')
      .select(['slug', 'body_json'])
      .where('entity_id', '=', review.id)
      .orderBy('entity_event_sequence')
      .execute();
    const last = events.at(-1);
    expect(last?.slug).toBe('moderation_status_changed');
    expect(JSON.parse(last?.body_json ?? '{}').actionEvent.body.previousModerationStatus).toBe('APPROVED');
    const summary = await call(
      t.app,
      'GET',
      `/verdict/v1/ratings/summary?namespace=stores&entityId=${encodeURIComponent(review.entityId)}`,
      { auth: site.adminKey },
    );
    expect(summary.body.summary.count).toBe(0);
  });

  /** A visitor token minted through `POST /oauth2/token` by a client at `address`. */
  async function mintedFrom(site: TestSite, address: string): Promise<string> {
    const res = await call(t.app, 'POST', '/oauth2/token', {
      body: { clientId: site.clientId, grantType: 'anonymous' },
      remoteAddress: address,
    });
    expect(res.status).toBe(200);
    return res.body.access_token;
  }
  const mintMark = (token: string) =>
    JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')).mnt as string | undefined;

  it('does not let three visitor tokens minted from one address unpublish a review, even at threshold 1', async () => {
    const site = await buildSite(t);
    const review = await published(site);
    for (let i = 0; i < 3; i++)
      expect((await report(review.id, await mintedFrom(site, '203.0.113.9'))).status).toBe(200);
    expect((await status(site, review.id)).moderation.moderationStatus).toBe('APPROVED');
    await call(t.app, 'PUT', '/verdict/v1/engagement/settings', {
      auth: site.adminKey,
      body: { settings: { reportThreshold: 1 } },
    });
    // One more from the same address: still one group, weighing ½ < 1.
    expect((await report(review.id, await mintedFrom(site, '203.0.113.9'))).status).toBe(200);
    expect((await status(site, review.id)).moderation.moderationStatus).toBe('APPROVED');
    // A visitor from another network makes two groups: ½ + ½ reaches 1.
    expect((await report(review.id, await mintedFrom(site, '198.51.100.20'))).status).toBe(200);
    expect((await status(site, review.id)).moderation.moderationStatus).toBe('IN_MODERATION');
  });

  it('holds a review at six visitors from distinct addresses (½ each), not at five', async () => {
    const site = await buildSite(t);
    const review = await published(site);
    for (let i = 1; i <= 5; i++)
      expect((await report(review.id, await mintedFrom(site, `192.0.2.${i}`))).status).toBe(200);
    expect((await status(site, review.id)).moderation.moderationStatus).toBe('APPROVED');
    expect((await report(review.id, await mintedFrom(site, '192.0.2.6'))).status).toBe(200);
    expect((await status(site, review.id)).moderation.moderationStatus).toBe('IN_MODERATION');
  });

  it('adds members at full weight to visitor groups: two members and two visitor networks reach 3', async () => {
    const site = await buildSite(t);
    const review = await published(site);
    for (let i = 0; i < 2; i++) {
      expect((await report(review.id, await site.memberToken(contactId()))).status).toBe(200);
    }
    expect((await report(review.id, await mintedFrom(site, '192.0.2.77'))).status).toBe(200);
    expect((await status(site, review.id)).moderation.moderationStatus).toBe('APPROVED');
    expect((await report(review.id, await mintedFrom(site, '192.0.2.78'))).status).toBe(200);
    expect((await status(site, review.id)).moderation.moderationStatus).toBe('IN_MODERATION');
  });

  it('counts IPv6 visitors from one /64 once', async () => {
    const site = await buildSite(t);
    await call(t.app, 'PUT', '/verdict/v1/engagement/settings', {
      auth: site.adminKey,
      body: { settings: { reportThreshold: 1 } },
    });
    const review = await published(site);
    for (const address of ['2001:db8:1:1::1', '2001:db8:1:1::ffff']) {
      expect((await report(review.id, await mintedFrom(site, address))).status).toBe(200);
    }
    expect((await status(site, review.id)).moderation.moderationStatus).toBe('APPROVED');
    expect((await report(review.id, await mintedFrom(site, '2001:db8:1:2::1'))).status).toBe(200);
    expect((await status(site, review.id)).moderation.moderationStatus).toBe('IN_MODERATION');
  });

  it('marks a visitor token with a keyed hash of where it was minted, never the address, and keeps it on refresh', async () => {
    const site = await buildSite(t);
    const minted = await call(t.app, 'POST', '/oauth2/token', {
      body: { clientId: site.clientId, grantType: 'anonymous' },
      remoteAddress: '203.0.113.44',
    });
    const mark = mintMark(minted.body.access_token);
    expect(mark).toMatch(/^[A-Za-z0-9_-]{22}$/);
    for (const token of [minted.body.access_token, minted.body.refresh_token]) {
      expect(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')).not.toContain('203.0.113');
    }
    expect(mintMark(await mintedFrom(site, '203.0.113.44'))).toBe(mark);
    expect(mintMark(await mintedFrom(site, '203.0.113.45'))).not.toBe(mark);
    // Another site keys the hash with its own secret.
    expect(mintMark(await mintedFrom(await buildSite(t), '203.0.113.44'))).not.toBe(mark);
    const refreshed = await call(t.app, 'POST', '/oauth2/token', {
      body: { clientId: site.clientId, grantType: 'refresh_token', refreshToken: minted.body.refresh_token },
      remoteAddress: '198.51.100.99',
    });
    expect(refreshed.status).toBe(200);
    expect(mintMark(refreshed.body.access_token)).toBe(mark);
    const row = async (id: string) =>
      t.deps.db
        .selectFrom('review_reports')
        .select('reporter_mint_mark')
        .where('review_id', '=', id)
        .executeTakeFirst();
    const review = await published(site);
    expect((await report(review.id, refreshed.body.access_token)).status).toBe(200);
    expect(await row(review.id)).toEqual({ reporter_mint_mark: mark });
  });

  it('uses the site threshold from the engagement settings', async () => {
    const site = await buildSite(t);
    const got = await call(t.app, 'GET', '/verdict/v1/engagement/settings', { auth: site.adminKey });
    expect(got.body).toEqual({ settings: { reportThreshold: 3 } });
    const put = await call(t.app, 'PUT', '/verdict/v1/engagement/settings', {
      auth: site.adminKey,
      body: { settings: { reportThreshold: 1 } },
    });
    expect(put.status).toBe(200);
    expect(put.body).toEqual({ settings: { reportThreshold: 1 } });
    const review = await published(site);
    expect((await report(review.id, await site.memberToken(contactId()))).status).toBe(200);
    expect((await status(site, review.id)).moderation.moderationStatus).toBe('IN_MODERATION');
  });

  it('rejects a threshold of 0 with a field violation', async () => {
    const site = await buildSite(t);
    const res = await call(t.app, 'PUT', '/verdict/v1/engagement/settings', {
      auth: site.adminKey,
      body: { settings: { reportThreshold: 0 } },
    });
    expect(res.status).toBe(400);
    expect(res.body.details.validationError.fieldViolations.map((v: { field: string }) => v.field)).toEqual([
      'settings.reportThreshold',
    ]);
  });

  it('lets the owner and a moderating app list a review’s reports, and dismiss them', async () => {
    const site = await buildSite(t);
    const review = await published(site);
    for (const reason of ['SPAM', 'FAKE'])
      expect((await report(review.id, await site.visitorToken(), { reason })).status).toBe(200);
    const moderator = await site.appKey(['reviews.moderate']);
    const listed = await call(t.app, 'GET', `/verdict/v1/reviews/${review.id}/reports`, { auth: moderator });
    expect(listed.status).toBe(200);
    expect(listed.body.reports.map((r: { reason: string }) => r.reason)).toEqual(['SPAM', 'FAKE']);
    expect(listed.body.metadata).toEqual({ count: 2, openCount: 2 });
    const dismissed = await call(t.app, 'POST', `/verdict/v1/reviews/${review.id}/reports/dismiss`, {
      auth: site.adminKey,
    });
    expect(dismissed.body).toEqual({ dismissed: 2 });
    const after = await call(t.app, 'GET', `/verdict/v1/reviews/${review.id}/reports?status=DISMISSED`, {
      auth: site.adminKey,
    });
    expect(after.body.metadata).toEqual({ count: 2, openCount: 0 });
    expect(after.body.reports.every((r: { dismissedDate?: string }) => typeof r.dismissedDate === 'string')).toBe(true);
    // Dismissed reports no longer count: a third report does not reach the threshold.
    expect((await report(review.id, await site.visitorToken())).status).toBe(200);
    expect((await status(site, review.id)).moderation.moderationStatus).toBe('APPROVED');
  });

  it('rejects an unknown status filter and a limit over 1,000 when listing, naming both', async () => {
    const site = await buildSite(t);
    const review = await published(site);
    const res = await call(t.app, 'GET', `/verdict/v1/reviews/${review.id}/reports?status=CLOSED&limit=1001`, {
      auth: site.adminKey,
    });
    expect(res.status).toBe(400);
    const fields = res.body.details.validationError.fieldViolations.map((v: { field: string }) => v.field).join(' ');
    expect(fields).toContain('status');
    expect(fields).toContain('limit');
  });

  it('answers 404 when listing or dismissing the reports of an unknown review', async () => {
    const site = await buildSite(t);
    for (const [method, suffix] of [
      ['GET', ''],
      ['POST', '/dismiss'],
    ] as const) {
      const res = await call(t.app, method, `/verdict/v1/reviews/${randomUUID()}/reports${suffix}`, {
        auth: site.adminKey,
      });
      expect(res.status).toBe(404);
      expect(res.body).toEqual(NOT_FOUND);
    }
  });

  it("holds a reported author's next review under HOLD_REPORTED_AUTHOR", async () => {
    const site = await buildSite(t);
    const author = contactId();
    const review = await published(site, reviewBody({ author: { contactId: author, authorName: 'Troll' } }));
    const rules = await call(t.app, 'PUT', '/verdict/v1/moderation/rules', {
      auth: site.adminKey,
      body: { namespace: 'stores', rules: [{ type: 'HOLD_REPORTED_AUTHOR', minReports: 2 }, { type: 'APPROVE_ALL' }] },
    });
    expect(rules.status).toBe(200);
    const before = await published(site, reviewBody({ author: { contactId: author } }));
    expect(before.moderation.moderationStatus).toBe('APPROVED');
    for (let i = 0; i < 2; i++) expect((await report(review.id, await site.visitorToken())).status).toBe(200);
    const next = await call(t.app, 'POST', '/reviews/v1/reviews', {
      auth: site.adminKey,
      body: reviewBody({ author: { contactId: author } }),
    });
    expect(next.body.review.moderation.moderationStatus).toBe('IN_MODERATION');
    const other = await published(site);
    expect(other.moderation.moderationStatus).toBe('APPROVED');
  });
});
