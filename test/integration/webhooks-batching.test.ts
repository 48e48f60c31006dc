/**
 * Webhook delivery in batches: a round claims its deliveries with their events, webhooks and key revisions in one
 * query (two on SQLite), parses each site's signing key once across rounds, and records outcomes in batches — the
 * statements of a round do not grow with the number of deliveries. Key parsing is counted through the signing
 * module's parse function.
 */
import type {
  KyselyPlugin,
  PluginTransformQueryArgs,
  PluginTransformResultArgs,
  QueryResult,
  RootOperationNode,
  UnknownRow,
} from 'kysely';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Config } from '../../src/server/config.ts';
import { importSigningKey } from '../../src/server/webhooks/webhooks.signing.ts';
import { createWebhookWorker } from '../../src/server/webhooks/webhooks.worker.ts';
import { buildSite, call, reviewBody, startTestApp, type TestApp, type TestSite, waitFor } from '../support/app.ts';
import { dialects, type TestDb } from '../support/databases.ts';
import { type Receiver, startReceiver } from '../support/webhook-receiver.ts';

vi.mock('../../src/server/webhooks/webhooks.signing.ts', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../src/server/webhooks/webhooks.signing.ts')>();
  return { ...original, importSigningKey: vi.fn(original.importSigningKey) };
});

const CREATED = 'wix.reviews.v1.review_created';

/** Counts the statements run through the database handle it is plugged into. */
function statementCounter(): KyselyPlugin & { count: number } {
  return {
    count: 0,
    transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
      this.count++;
      return args.node;
    },
    async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
      return args.result;
    },
  };
}

describe.each(dialects())('webhook delivery batches on $name', (dialect) => {
  let db: TestDb;
  let t: TestApp;
  let receiver: Receiver;
  beforeAll(async () => {
    db = await dialect.open();
    t = await startTestApp(db, { webhookBatchSize: 50 });
    await t.webhookWorker.stop();
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await receiver.close();
    await t.close();
    await db.dispose();
  });

  async function register(site: TestSite, format: 'wix' | 'json') {
    const res = await call(t.app, 'POST', '/verdict/v1/webhooks', {
      auth: site.adminKey,
      body: { webhook: { url: receiver.url, eventTypes: [CREATED], format } },
    });
    expect(res.status).toBe(200);
  }

  /** Holds every answer until `n` requests have arrived, then answers them together. */
  function answerTogether(n: number) {
    let release: () => void = () => {};
    const all = new Promise<void>((resolve) => {
      release = resolve;
    });
    receiver.respond = async (_req, index) => {
      if (index + 1 >= n) release();
      await all;
      return { status: 200 };
    };
  }

  it('sends a batch in a fixed number of statements and parses each signing key once', async () => {
    const a = await buildSite(t);
    const b = await buildSite(t);
    await register(a, 'wix');
    await register(a, 'json');
    await register(b, 'wix');
    // The sites' key pairs exist before the rounds counted here (reading the public key makes them).
    for (const s of [a, b]) {
      expect((await call(t.app, 'GET', '/verdict/v1/webhooks/public-key', { auth: s.adminKey })).status).toBe(200);
    }
    const counter = statementCounter();
    const worker = createWebhookWorker({
      ...t.deps,
      db: t.deps.db.withPlugin(counter),
      config: t.deps.config as Config,
      log: t.app.log,
    });
    const parsed = vi.mocked(importSigningKey);
    parsed.mockClear();

    const round = async (reviewsPerSite: number) => {
      const before = receiver.received.length;
      const deliveries = reviewsPerSite * 3;
      for (let i = 0; i < reviewsPerSite; i++) {
        for (const s of [a, b]) {
          expect(
            (await call(t.app, 'POST', '/reviews/v1/reviews', { auth: s.adminKey, body: reviewBody() })).status,
          ).toBe(200);
        }
      }
      await waitFor('the events to be fanned out', async () => ((await worker.fanOut()) === 0 ? true : undefined));
      answerTogether(before + deliveries);
      counter.count = 0;
      await worker.drain();
      expect(receiver.received.length - before).toBe(deliveries);
      return counter.count;
    };

    // 15 deliveries: one look at the outbox, the claim (two statements on SQLite), one read of both keys, and the
    // outcomes in a few statements; one at a time it was three reads and a mark each (60).
    const first = await round(5);
    expect(first).toBeLessThanOrEqual(10);
    expect(parsed).toHaveBeenCalledTimes(2);

    // Twice as many deliveries, no more statements (the keys come from the cache), and no key parsed again.
    const second = await round(10);
    expect(second).toBeLessThanOrEqual(10);
    expect(parsed).toHaveBeenCalledTimes(2);

    const rows = await t.deps.db
      .selectFrom('webhook_deliveries')
      .select(['status', 'attempts', 'locked_by'])
      .where('site_id', 'in', [a.siteId, b.siteId])
      .execute();
    expect(rows).toHaveLength(45);
    expect(rows.every((r) => r.status === 'DELIVERED' && r.attempts === 1 && r.locked_by === null)).toBe(true);
  });
});
