import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEvents } from '../../src/server/outbox/events-feed.service.ts';
import { buildSite, call, reviewBody, startTestApp, type TestApp, type TestSite, waitFor } from '../support/app.ts';
import { dialects, type TestDb } from '../support/databases.ts';

describe.each(dialects())('event feed on $name', (dialect) => {
  let db: TestDb;
  let t: TestApp;
  let site: TestSite;
  beforeAll(async () => {
    db = await dialect.open();
    t = await startTestApp(db);
    site = await buildSite(t);
  });
  afterAll(async () => {
    await t.close();
    await db.dispose();
  });

  const feed = (query: string, auth = site.adminKey) => call(t.app, 'GET', `/verdict/v1/events${query}`, { auth });

  it('returns every event of the site in order, in pages, continuing from the returned position', async () => {
    const start = (await feed('')).body.position as string;
    const a = await call(t.app, 'POST', '/reviews/v1/reviews', { auth: site.adminKey, body: reviewBody() });
    await call(t.app, 'PATCH', `/reviews/v1/reviews/${a.body.review.id}/reply`, {
      auth: site.adminKey,
      body: { message: 'Thanks' },
    });
    const first = await feed(`?after=${start}&limit=2`);
    expect(first.status).toBe(200);
    expect(first.body.events.map((e: { eventType: string }) => e.eventType)).toEqual([
      'wix.reviews.v1.review_created',
      'wix.reviews.v1.review_moderation_status_changed',
    ]);
    expect(first.body.events[0].event.createdEvent.entity.id).toBe(a.body.review.id);
    const rest = await feed(`?after=${first.body.position}`);
    expect(rest.body.events.map((e: { eventType: string }) => e.eventType)).toEqual([
      'wix.reviews.v1.review_review_published',
      'wix.reviews.v1.review_updated',
    ]);
    const none = await feed(`?after=${rest.body.position}`);
    expect(none.body).toEqual({ events: [], position: rest.body.position });
  });

  it("never shows another site's events", async () => {
    const other = await buildSite(t);
    await call(t.app, 'POST', '/reviews/v1/reviews', { auth: other.adminKey, body: reviewBody() });
    const mine = await feed('');
    const ids = new Set(mine.body.events.map((e: { event: { entityId: string } }) => e.event.entityId));
    const theirs = await feed('', other.adminKey);
    for (const e of theirs.body.events) expect(ids.has(e.event.entityId)).toBe(false);
    expect(theirs.body.events.length).toBe(3);
  });

  it('long-polls: a waiting call returns as soon as an event is written', async () => {
    const start = (await feed('')).body.position as string;
    const waiting = feed(`?after=${start}&waitSeconds=10`);
    await call(t.app, 'POST', '/reviews/v1/reviews', { auth: site.adminKey, body: reviewBody() });
    const res = await waiting;
    expect(res.body.events.length).toBeGreaterThan(0);
  });

  it('after=end returns none of the history, and the position it returns reads every event committed later', async () => {
    const events = (body: { events: { eventType: string; event: { entityId: string } }[] }) =>
      body.events.map((e) => `${e.eventType.replace('wix.reviews.v1.review_', '')} ${e.event.entityId}`);
    const old = await call(t.app, 'POST', '/reviews/v1/reviews', { auth: site.adminKey, body: reviewBody() });
    expect((await feed('')).body.events.length).toBeGreaterThan(0);
    const end = await feed('?after=end');
    expect(end.status).toBe(200);
    expect(end.body.events).toEqual([]);
    expect(end.body.position).toMatch(/^p[0-9a-z]+$/);
    // Nothing new yet: reading from the end gives nothing, and the same position.
    expect((await feed(`?after=${end.body.position}`)).body).toEqual({ events: [], position: end.body.position });

    const fresh = await call(t.app, 'POST', '/reviews/v1/reviews', { auth: site.adminKey, body: reviewBody() });
    const next = await feed(`?after=${end.body.position}`);
    expect(events(next.body)).toEqual([
      `created ${fresh.body.review.id}`,
      `moderation_status_changed ${fresh.body.review.id}`,
      `review_published ${fresh.body.review.id}`,
    ]);
    expect(JSON.stringify(next.body)).not.toContain(old.body.review.id);
    // A second end is past those too.
    expect((await feed('?after=end')).body.events).toEqual([]);
  });

  it('after=end with waitSeconds waits for the first event committed after the call', async () => {
    await call(t.app, 'POST', '/reviews/v1/reviews', { auth: site.adminKey, body: reviewBody() });
    const watch = t.deps.outboxWatch;
    if (!watch) throw new Error('the app has no outbox watch');
    const waiting = feed('?after=end&waitSeconds=10');
    // Once the call waits, it has found its end: the review written now is after it.
    await waitFor('the long-poll to wait', async () => (watch.waiting() >= 1 ? true : undefined));
    const fresh = await call(t.app, 'POST', '/reviews/v1/reviews', { auth: site.adminKey, body: reviewBody() });
    const res = await waiting;
    expect(res.status).toBe(200);
    expect(res.body.events.length).toBeGreaterThan(0);
    for (const e of res.body.events) expect(e.event.entityId).toBe(fresh.body.review.id);
    expect(res.body.events[0].eventType).toBe('wix.reviews.v1.review_created');
  });

  it('refuses a forged position, a limit over 100 and a wait over 25 s, naming each', async () => {
    const res = await feed('?after=12345&limit=101&waitSeconds=60');
    expect(res.status).toBe(400);
    expect(res.body.details.validationError.fieldViolations.map((v: { field: string }) => v.field).sort()).toEqual([
      'query.limit',
      'query.waitSeconds',
    ]);
    const bad = await feed('?after=zzz');
    expect(bad.status).toBe(400);
    expect(bad.body.details.validationError.fieldViolations[0].field).toBe('query.after');
  });
});

describe.each(dialects())('event feed shutdown on $name', (dialect) => {
  it('ends a waiting long-poll as soon as its signal aborts, with no events', { timeout: 10_000 }, async () => {
    const db = await dialect.open();
    const t = await startTestApp(db);
    try {
      const site = await buildSite(t);
      const abort = new AbortController();
      const waiting = readEvents(t.deps, site.siteId, { after: 'p0', waitSeconds: 25, signal: abort.signal });
      abort.abort();
      expect(await waiting).toEqual({ events: [], position: 'p0' });
    } finally {
      await t.close();
      await db.dispose();
    }
  });

  it('aborts the long-poll signal the feed route uses when the server starts closing', async () => {
    const db = await dialect.open();
    const t = await startTestApp(db);
    try {
      expect(t.deps.shutdown?.aborted).toBe(false);
    } finally {
      await t.close();
      await db.dispose();
    }
    expect(t.deps.shutdown?.aborted).toBe(true);
  });
});
