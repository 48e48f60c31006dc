/**
 * Wires one application instance over an open database: change signal and site cache, authenticator, job worker
 * and the HTTP server. Used by `verdict serve` and by the tests, so both run the same assembly. The caller gives the
 * clock; it reaches every service, the authenticator, the workers and the maintenance loop from here, and the
 * dependencies are frozen once built, so a test passes the clock it needs at start instead of swapping it later.
 */
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { createAuthenticator } from './auth/authenticate.ts';
import type { Config } from './config.ts';
import { type ChangeSignal, createChangeSignal } from './db/change-signal.ts';
import type { Db } from './db/database.ts';
import type { Clock } from './deps.ts';
import { createMaintenance, type Maintenance } from './engagement/maintenance.ts';
import type { AppDeps } from './http/app-deps.ts';
import { buildServer, type ServerOptions } from './http/build-server.ts';
import { createJobWorker, type JobWorker } from './jobs/jobs.worker.ts';
import { createRateLimits } from './limits/rate-limits.ts';
import { createRedisClient } from './limits/redis.ts';
import { createMetrics, type Metrics } from './metrics/metrics.ts';
import { createOutboxWatch } from './outbox/outbox.watch.ts';
import { createPageCache, type PageCache } from './page-cache/page-cache.ts';
import { createSearchMerger } from './query/search-merge.ts';
import type { WriteHooks } from './reviews/unit-of-work.ts';
import { createSiteCache, type SiteCache } from './sites/site-cache.ts';
import { createNatsPublisher } from './webhooks/nats.publisher.ts';
import { createWebhookWorker, type WebhookWorker } from './webhooks/webhooks.worker.ts';

export interface AppContext {
  app: FastifyInstance;
  deps: AppDeps;
  worker: JobWorker;
  /** Delivers outbox events to webhooks (and NATS when configured); started and stopped with the server. */
  webhookWorker: WebhookWorker;
  /** Trash and outbox purges, each leased to one instance per period; started when ready, stopped on close. */
  maintenance: Maintenance;
  /** What other processes changed, for the site cache; started when the server is ready, closed when it closes. */
  changes: ChangeSignal;
  /** This instance's Prometheus registry; `/metrics` on the main port or a listener of its own (main.ts). */
  metrics: Metrics;
}

export async function createApp(
  database: Db,
  config: Config,
  opts: Omit<ServerOptions, 'closing'> & {
    /** The one clock of this instance: `systemClock` in `verdict serve`, a controlled one in tests. */
    clock: Clock;
    /** Replaces the signal made from `database` (tests); the app closes it with the server either way. */
    changes?: ChangeSignal;
  },
): Promise<AppContext> {
  const clock = opts.clock;
  const base = { db: database.db, dialect: database.dialect, clock };
  const changes = opts.changes ?? createChangeSignal(database.native);
  const siteCache = createSiteCache(database.db, changes);
  let pageCache: PageCache | undefined;
  // A site changed by this process (its secret signs the cursors a cached page carries) drops its pages too.
  const sites: SiteCache = {
    ...siteCache,
    invalidate(siteId) {
      siteCache.invalidate(siteId);
      pageCache?.forget(siteId, null);
    },
  };
  // The outbox's readers (event feed, webhook fan-out) share one horizon and are woken through the change signal.
  const outboxWatch = createOutboxWatch({ ...base, changes });
  let worker: JobWorker | undefined;
  // Redis (when configured) shares the rate-limit counts between instances; its state changes are logged once the
  // server's logger exists.
  let log: FastifyBaseLogger | undefined;
  let reported: boolean | undefined;
  const redis = config.redisUrl
    ? createRedisClient(config.redisUrl, (state) => {
        if (!log || state.up === reported) return;
        reported = state.up;
        if (state.up) log.info('Redis connected; rate limits are shared');
        else log.warn({ err: state.err }, 'Redis unreachable; rate limits are counted per instance until it is back');
      })
    : undefined;
  const limits = createRateLimits({
    config: config.rateLimits,
    keyPrefix: config.redisKeyPrefix,
    redis,
    log: { warn: (obj, msg) => log?.warn(obj, msg) },
  });
  const metrics = createMetrics({ ...base, dbStats: database.stats, pageCacheSize: () => pageCache?.size() });
  // Public reads kept as bytes until a review of their entity changes (docs/adr/0012-public-read-cache.md).
  pageCache =
    config.pageCacheEntries > 0
      ? createPageCache({
          signal: changes,
          maxEntries: config.pageCacheEntries,
          maxBytes: config.pageCacheMb * 1024 * 1024,
          count: (kind, outcome) => metrics.countPageRead(kind, outcome),
        })
      : undefined;
  const pages = pageCache;
  const closing = new AbortController();
  // Reactions to committed review writes (reviews/unit-of-work.ts), run in order after each commit; a hook's error
  // is logged, never the writer's.
  const writeHooks: WriteHooks = {
    ...(changes.origin ? { origin: changes.origin } : {}),
    // This process's writes drop their entities' pages before their callers get an answer.
    afterCommit: pages ? [(write) => pages.forget(write.siteId, write.entityIds)] : [],
    onError: (err) => log?.error({ err }, 'after-commit hook failed'),
  };
  // Frozen: a dependency is chosen here, once; assigning one later would reach only some of its readers.
  const deps: AppDeps = Object.freeze({
    ...base,
    writeHooks,
    sites,
    auth: createAuthenticator({
      ...base,
      sites,
      visitorTokenTtlSeconds: config.visitorTokenTtlSeconds,
      sessions: config,
    }),
    wakeWorker: () => worker?.wake(),
    config,
    limits,
    metrics,
    outboxWatch,
    ...(pages ? { pageCache: pages } : {}),
    changes,
    shutdown: closing.signal,
  });
  const app = await buildServer(deps, { ...opts, closing });
  log = app.log;
  outboxWatch.setLog(app.log);
  app.addHook('onClose', async () => outboxWatch.close());
  // Other instances' writes (PostgreSQL): each names the entities whose pages to drop.
  const unsubscribePages = pages
    ? changes.onEntityChanges?.((siteId, entityIds) => pages.forget(siteId, entityIds))
    : undefined;
  app.addHook('onClose', async () => unsubscribePages?.());
  if (redis) app.addHook('onClose', async () => redis.disconnect());
  // Connection faults the database layer survives (a pooled connection the server ended) go to the server's log.
  database.reportFaultsTo(app.log);
  // Until the signal is live (PostgreSQL: listener connected), the site cache reads through to the database.
  app.addHook('onReady', async () => changes.start(app.log));
  app.addHook('onClose', () => changes.close());
  // Trash, outbox and user-table purges: start with the server, stop when it closes.
  const maintenance = createMaintenance({
    ...base,
    trashRetentionDays: config.trashRetentionDays,
    outboxRetentionDays: config.outboxRetentionDays,
    userAuditRetentionDays: config.userAuditRetentionDays,
    sessions: config,
    log: app.log,
  });
  app.addHook('onReady', async () => maintenance.start());
  app.addHook('onClose', () => maintenance.stop());
  // SQLite's full-text index: merged between writes rather than inside them.
  if (base.dialect === 'sqlite') {
    const searchMerger = createSearchMerger({ db: base.db, log: app.log });
    app.addHook('onReady', async () => searchMerger.start());
    app.addHook('onClose', () => searchMerger.stop());
  }
  worker = createJobWorker({ ...deps, pollIntervalMs: config.jobPollIntervalMs, log: app.log });
  const webhookWorker = createWebhookWorker({
    ...base,
    config,
    log: app.log,
    publisher: config.natsUrl ? createNatsPublisher(config.natsUrl, config.natsStream) : undefined,
    outboxWatch,
  });
  return { app, deps, worker, webhookWorker, maintenance, changes, metrics };
}
