/**
 * The outbox read side without a table lock (docs/adr/0009-outbox-horizon.md): the event feed and the webhook
 * fan-out never hand out a position past an event that commits later, a waiting reader never makes a writer wait,
 * and a commit wakes a waiting long-poll at once (far sooner than the fallback poll). Transactions held open here
 * are driven on connections of their own, statement by statement.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/server/config.ts';
import { readEvents } from '../../src/server/outbox/events-feed.service.ts';
import { createOutboxHorizon, HELD_WARN_MS } from '../../src/server/outbox/outbox.horizon.ts';
import { FALLBACK_POLL_MS, type OutboxWatch } from '../../src/server/outbox/outbox.watch.ts';
import { createWebhookWorker } from '../../src/server/webhooks/webhooks.worker.ts';
import { buildSite, call, reviewBody, startTestApp, type TestApp, waitFor } from '../support/app.ts';
import { testClock } from '../support/clock.ts';
import { dialects, type TestDb, writeFromAnotherProcess } from '../support/databases.ts';
import { startReceiver } from '../support/webhook-receiver.ts';

const CREATED = 'wix.reviews.v1.review_created';
const postgres = dialects().find((d) => d.name === 'postgres');

/** An outbox row for `siteId` whose event body names it `label`. */
function eventRow(siteId: string, label: string): unknown[] {
  const id = randomUUID();
  const body = { id, entityFqdn: 'wix.reviews.v1.review', slug: 'created', entityId: label, label };
  return [siteId, id, CREATED, 'created', label, 1, JSON.stringify(body), new Date().toISOString()];
}

const INSERT = `insert into outbox_events (site_id, id, event_type, slug, entity_id, entity_event_sequence, body_json, created_at)
  values ($1, $2, $3, $4, $5, $6, $7, $8) returning position`;

const labels = (events: { event: Record<string, unknown> }[]) => events.map((e) => e.event.label);

const watchOf = (t: TestApp): OutboxWatch => {
  const w = t.deps.outboxWatch;
  if (!w) throw new Error('the app has no outbox watch');
  return w;
};

describe.skipIf(!postgres)('outbox horizon on postgres', () => {
  let db: TestDb;
  let t: TestApp;
  const clients: pg.Client[] = [];
  /** A connection of its own, for a transaction the test drives statement by statement. */
  const session = async () => {
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    clients.push(c);
    return c;
  };
  const insert = async (c: pg.Client, siteId: string, label: string) =>
    Number((await c.query<{ position: string }>(INSERT, eventRow(siteId, label))).rows[0]?.position);

  beforeAll(async () => {
    db = await (postgres as NonNullable<typeof postgres>).open();
    t = await startTestApp(db, { webhookPollIntervalMs: 10 });
    // The fan-out is driven by hand below.
    await t.webhookWorker.stop();
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
    await t.close();
    await db.dispose();
  });

  it('never hands out a position past an event that commits later, and delivers it once committed', async () => {
    const site = await buildSite(t);
    const start = (await readEvents(t.deps, site.siteId, {})).position;
    const late = await session();
    const early = await session();
    // `early` takes the older transaction id but the higher position: a reader that trusted transaction ids
    // below the snapshot's xmin would hand out its position and skip `late`'s.
    await early.query('begin');
    await early.query('select pg_current_xact_id()');
    await late.query('begin');
    const lowPosition = await insert(late, site.siteId, 'late');
    const highPosition = await insert(early, site.siteId, 'early');
    expect(highPosition).toBeGreaterThan(lowPosition);
    await early.query('commit');

    const first = await readEvents(t.deps, site.siteId, { after: start });
    expect(first).toEqual({ events: [], position: start });

    await late.query('commit');
    const next = await readEvents(t.deps, site.siteId, { after: first.position, waitSeconds: 10 });
    const rest = next.events.length < 2 ? await readEvents(t.deps, site.siteId, { after: next.position }) : undefined;
    expect(labels([...next.events, ...(rest?.events ?? [])])).toEqual(['late', 'early']);
  });

  it('fans out neither event while the lower one is in flight, then both', async () => {
    const site = await buildSite(t);
    const receiver = await startReceiver();
    try {
      const hook = await call(t.app, 'POST', '/verdict/v1/webhooks', {
        auth: site.adminKey,
        body: { webhook: { url: receiver.url, eventTypes: [CREATED], format: 'json' } },
      });
      expect(hook.status).toBe(200);
      const worker = createWebhookWorker({ ...t.deps, config: t.deps.config as Config, log: t.app.log });
      // Past everything committed so far.
      while ((await worker.fanOut()) > 0);
      const late = await session();
      const early = await session();
      await early.query('begin');
      await early.query('select pg_current_xact_id()');
      await late.query('begin');
      await insert(late, site.siteId, 'late');
      await insert(early, site.siteId, 'early');
      await early.query('commit');

      // It does not wait for `late` either: a fan-out round returns at once.
      const began = performance.now();
      while ((await worker.fanOut()) > 0);
      expect(performance.now() - began).toBeLessThan(2000);
      const deliveredFor = async () =>
        (
          await t.deps.db
            .selectFrom('webhook_deliveries')
            .innerJoin('outbox_events', (j) =>
              j
                .onRef('outbox_events.site_id', '=', 'webhook_deliveries.site_id')
                .onRef('outbox_events.id', '=', 'webhook_deliveries.event_id'),
            )
            .select('outbox_events.entity_id')
            .where('webhook_deliveries.site_id', '=', site.siteId)
            .orderBy('webhook_deliveries.event_position')
            .execute()
        ).map((r) => r.entity_id);
      expect(await deliveredFor()).toEqual([]);

      await late.query('commit');
      await waitFor('both events fanned out', async () => {
        await worker.fanOut();
        const got = await deliveredFor();
        return got.length === 2 ? got : undefined;
      });
      expect(await deliveredFor()).toEqual(['late', 'early']);
    } finally {
      await receiver.close();
    }
  });

  it('after=end never starts past an event still in flight: it is read from that position once committed', async () => {
    const site = await buildSite(t);
    const c = await session();
    await insert(c, site.siteId, 'old');
    await c.query('begin');
    await insert(c, site.siteId, 'in flight');
    const other = await session();
    await insert(other, site.siteId, 'committed above it');
    const end = await readEvents(t.deps, site.siteId, { after: 'end' });
    expect(end.events).toEqual([]);
    await c.query('commit');
    const got = await readEvents(t.deps, site.siteId, { after: end.position, waitSeconds: 10 });
    const rest = got.events.length < 2 ? await readEvents(t.deps, site.siteId, { after: got.position }) : undefined;
    // The event above the gap committed before the call, but the end could not pass the gap below it.
    expect(labels([...got.events, ...(rest?.events ?? [])])).toEqual(['in flight', 'committed above it']);
  });

  it('reads past a position left by a rolled-back write', async () => {
    const site = await buildSite(t);
    const start = (await readEvents(t.deps, site.siteId, {})).position;
    const c = await session();
    await c.query('begin');
    await insert(c, site.siteId, 'rolled back');
    await c.query('rollback');
    await insert(c, site.siteId, 'kept');
    const got = await readEvents(t.deps, site.siteId, { after: start, waitSeconds: 10 });
    expect(labels(got.events)).toEqual(['kept']);
  });

  it('names the open transaction once it has held the horizon back past the warning time, and only once', async () => {
    const site = await buildSite(t);
    const time = testClock('2026-12-05T08:00:00Z');
    const warnings: { obj: Record<string, unknown>; msg: string }[] = [];
    const horizon = createOutboxHorizon(t.deps.db, time.clock);
    horizon.setLog({ warn: (obj, msg) => warnings.push({ obj: obj as Record<string, unknown>, msg }) });
    const holder = await session();
    const pid = Number((await holder.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]?.pid);
    const other = await session();
    await holder.query('begin');
    const held = await insert(holder, site.siteId, 'held');
    const above = await insert(other, site.siteId, 'committed above');

    const first = await horizon.current();
    expect(first).toBeLessThan(held);
    time.advance(HELD_WARN_MS - 1);
    expect(await horizon.current()).toBe(first);
    expect(warnings).toEqual([]);

    time.advance(2);
    expect(await horizon.current()).toBe(first);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.msg).toMatch(/held back by an open transaction/);
    expect(warnings[0]?.obj.heldForMs).toBeGreaterThan(HELD_WARN_MS);
    expect((warnings[0]?.obj.oldestTransactions as { pid: number }[] | undefined)?.map((r) => r.pid)).toContain(pid);
    time.advance(HELD_WARN_MS * 2);
    await horizon.current();
    expect(warnings).toHaveLength(1);

    await holder.query('commit');
    expect(await horizon.current()).toBeGreaterThanOrEqual(above);
  });

  it('lets a writer through while long-polls wait and another write is in flight (lock_timeout 100 ms)', async () => {
    const site = await buildSite(t);
    const other = await buildSite(t);
    const start = (await readEvents(t.deps, site.siteId, {})).position;
    const inFlight = await session();
    await inFlight.query('begin');
    await insert(inFlight, site.siteId, 'in flight');
    const abort = new AbortController();
    const polls = Array.from({ length: 3 }, () =>
      readEvents(t.deps, site.siteId, { after: start, waitSeconds: 20, signal: abort.signal }),
    );
    try {
      await waitFor('three long-polls waiting', async () => (watchOf(t).waiting() >= 3 ? true : undefined));
      const worker = createWebhookWorker({ ...t.deps, config: t.deps.config as Config, log: t.app.log });
      const writer = await session();
      for (let i = 0; i < 5; i++) {
        await worker.fanOut();
        await writer.query('begin');
        await writer.query("set local lock_timeout = '100ms'");
        await insert(writer, other.siteId, `write ${i}`);
        await writer.query('commit');
      }
      await inFlight.query('commit');
      const answers = await Promise.all(polls);
      for (const a of answers) expect(labels(a.events)).toEqual(['in flight']);
    } finally {
      abort.abort();
      await Promise.allSettled(polls);
    }
  });
});

describe.each(dialects())('outbox wake-ups on $name', (dialect) => {
  let db: TestDb;
  let t: TestApp;
  beforeAll(async () => {
    db = await dialect.open();
    t = await startTestApp(db);
    // PostgreSQL: wake-ups travel on the change signal's listener connection.
    await waitFor('the change signal to be live', async () => (t.changes.epoch() !== undefined ? true : undefined));
  });
  afterAll(async () => {
    await t.close();
    await db.dispose();
  });

  it('answers a waiting long-poll soon after a commit, far sooner than the fallback poll', async () => {
    const site = await buildSite(t);
    const start = (await call(t.app, 'GET', '/verdict/v1/events', { auth: site.adminKey })).body.position as string;
    const poll = call(t.app, 'GET', `/verdict/v1/events?after=${start}&waitSeconds=20`, { auth: site.adminKey });
    await waitFor('the long-poll to wait', async () => (watchOf(t).waiting() >= 1 ? true : undefined));
    const created = await call(t.app, 'POST', '/reviews/v1/reviews', { auth: site.adminKey, body: reviewBody() });
    expect(created.status).toBe(200);
    const committed = performance.now();
    const res = await poll;
    const latency = performance.now() - committed;
    expect(res.body.events[0]?.eventType).toBe(CREATED);
    expect(latency).toBeLessThan(FALLBACK_POLL_MS / 3);
  });

  it("does not wake another site's long-poll", async () => {
    const mine = await buildSite(t);
    const theirs = await buildSite(t);
    const start = (await call(t.app, 'GET', '/verdict/v1/events', { auth: mine.adminKey })).body.position as string;
    const abort = new AbortController();
    const poll = readEvents(t.deps, mine.siteId, { after: start, waitSeconds: 20, signal: abort.signal });
    let answered = false;
    void poll.then(() => {
      answered = true;
    });
    await waitFor('the long-poll to wait', async () => (watchOf(t).waiting() >= 1 ? true : undefined));
    await call(t.app, 'POST', '/reviews/v1/reviews', { auth: theirs.adminKey, body: reviewBody() });
    // Another site's commit leaves it waiting (still parked once that commit's wake-ups have gone round)...
    await waitFor('the other site to have events', async () => {
      const r = await readEvents(t.deps, theirs.siteId, {});
      return r.events.length > 0 ? true : undefined;
    });
    expect(answered).toBe(false);
    expect(watchOf(t).waiting()).toBe(1);
    // ...and its own answers it.
    await call(t.app, 'POST', '/reviews/v1/reviews', { auth: mine.adminKey, body: reviewBody() });
    expect((await poll).events.length).toBeGreaterThan(0);
  });
});

const sqlite = dialects().find((d) => d.name === 'sqlite');

describe.skipIf(!sqlite)('outbox wake-ups from another process on sqlite', () => {
  it('answers a waiting long-poll soon after another connection commits events', async () => {
    const db = await (sqlite as NonNullable<typeof sqlite>).open();
    const t = await startTestApp(db);
    try {
      const site = await buildSite(t);
      const poll = readEvents(t.deps, site.siteId, { after: 'p0', waitSeconds: 20 });
      await waitFor('the long-poll to wait', async () => (watchOf(t).waiting() >= 1 ? true : undefined));
      await writeFromAnotherProcess(
        db.url.slice('sqlite:'.length),
        `insert into outbox_events (site_id, id, event_type, slug, entity_id, entity_event_sequence, body_json, created_at)
         values (?, ?, ?, ?, ?, ?, ?, ?)`,
        eventRow(site.siteId, 'from the CLI'),
      );
      // Taken once the other process has exited, a little after its commit.
      const committed = performance.now();
      const res = await poll;
      expect(labels(res.events)).toEqual(['from the CLI']);
      expect(performance.now() - committed).toBeLessThan(FALLBACK_POLL_MS / 3);
    } finally {
      await t.close();
      await db.dispose();
    }
  });
});
