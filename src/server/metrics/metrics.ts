/**
 * Prometheus metrics of one app instance, in a registry of its own (never prom-client's global one, so several apps
 * in one process — the tests — keep separate figures): request durations by route pattern and status, database
 * connections, the outbox backlog of the webhook fan-out, webhook deliveries and bulk jobs by state, and the default
 * Node process metrics. Database figures are read at scrape time; a failed read is logged and leaves the last value.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyBaseLogger } from 'fastify';
import { Counter, collectDefaultMetrics, Gauge, Histogram, type LabelValues, Registry } from 'prom-client';
import type { DbStats } from '../db/database.ts';
import type { DbDeps } from '../deps.ts';
import { jobsRepo } from '../jobs/jobs.repo.ts';
import { deliveriesRepo } from '../webhooks/webhooks.repo.ts';

/** Seconds; from a cached read (1 ms) to a slow bulk request or a long-poll (25 s). */
const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** The label of requests that matched no route (never the raw URL, which would make one series per path). */
export const UNMATCHED_ROUTE = '(unmatched)';

export interface Metrics {
  readonly registry: Registry;
  /**
   * Records one answered request. On the hot path: the series of a (method, route, status) is looked up once and
   * kept, so later requests pay one Map lookup and the histogram's bucket update.
   */
  observeRequest(method: string, route: string, status: number, seconds: number): void;
  /** Counts one read of the cache of public reads by kind (embed, query, summary…) and outcome (hit, miss, bypass). */
  countPageRead(kind: string, outcome: string): void;
  /** The text exposition of every metric; a database figure that cannot be read is logged to `log` and kept. */
  scrape(log: FastifyBaseLogger): Promise<string>;
}

export interface MetricsDeps extends Pick<DbDeps, 'db' | 'clock'> {
  /** The database's connection figures (database.ts), when it reports them. */
  dbStats?: (() => DbStats) | undefined;
  /** What the cache of public reads holds now, read at scrape time. */
  pageCacheSize?: () => { entries: number; bytes: number } | undefined;
}

export function createMetrics(deps: MetricsDeps): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  // The logger of the scrape in progress (the caller's: the app's or the metrics listener's).
  let log: FastifyBaseLogger | undefined;

  /** A gauge whose value is read at scrape time; a failure is logged and the previous value is kept. */
  const gauge = (name: string, help: string, labelNames: string[], read: (g: Gauge) => Promise<void> | void) =>
    new Gauge({
      name,
      help,
      labelNames,
      registers,
      async collect() {
        try {
          await read(this);
        } catch (err) {
          log?.warn({ err, metric: name }, 'metric read failed; the last value is kept');
        }
      },
    });

  const duration = new Histogram({
    name: 'verdict_http_request_duration_seconds',
    help: 'Time from receiving a request to sending its answer, by method, route pattern and status code.',
    labelNames: ['method', 'route', 'status_code'],
    buckets: DURATION_BUCKETS,
    registers,
  });

  const stats = deps.dbStats;
  if (stats?.().dialect === 'postgres') {
    gauge(
      'verdict_db_pool_connections',
      'PostgreSQL pool connections by state: total, idle, and callers waiting for one.',
      ['state'],
      (g) => {
        const s = stats();
        if (s.dialect !== 'postgres') return;
        g.set({ state: 'total' }, s.total);
        g.set({ state: 'idle' }, s.idle);
        g.set({ state: 'waiting' }, s.waiting);
      },
    );
  } else if (stats) {
    gauge(
      'verdict_sqlite_wal_bytes',
      'Size of the SQLite write-ahead log (checkpointed in the background).',
      [],
      (g) => {
        const s = stats();
        if (s.dialect === 'sqlite') g.set(s.walBytes);
      },
    );
  }

  // One query serves both outbox gauges: a scrape collects them concurrently, so the second joins the read the first
  // started. The read is shared only while it is in flight; the next scrape always reads again, so a scrape never
  // reports a backlog older than itself.
  let lag: Promise<{ count: number; oldest: string | null }> | undefined;
  const readLag = () => {
    if (lag === undefined) {
      const read = deliveriesRepo.fanOutLag(deps.db);
      lag = read;
      const settle = () => {
        if (lag === read) lag = undefined;
      };
      read.then(settle, settle);
    }
    return lag;
  };
  gauge('verdict_outbox_unhandled_events', 'Outbox events the webhook fan-out has not reached yet.', [], async (g) => {
    g.set((await readLag()).count);
  });
  gauge(
    'verdict_outbox_oldest_unhandled_age_seconds',
    'Age of the oldest event the fan-out has not reached (0 when none).',
    [],
    async (g) => {
      const { oldest } = await readLag();
      g.set(oldest === null ? 0 : Math.max(0, (deps.clock().getTime() - Date.parse(oldest)) / 1000));
    },
  );
  gauge(
    'verdict_webhook_deliveries',
    'Webhook (and NATS) deliveries by state: PENDING, DELIVERED, DEAD.',
    ['state'],
    async (g) => {
      const counts = await deliveriesRepo.countByStatus(deps.db);
      for (const [state, n] of Object.entries(counts)) g.set({ state }, n);
    },
  );
  gauge('verdict_job_queue_depth', 'Bulk jobs waiting (PENDING) or being run (RUNNING).', ['state'], async (g) => {
    const depth = await jobsRepo.queueDepth(deps.db);
    g.set({ state: 'PENDING' }, depth.pending);
    g.set({ state: 'RUNNING' }, depth.running);
  });

  const pageReads = new Counter({
    name: 'verdict_page_cache_reads_total',
    help: 'Reads of the cache of public reads by kind and outcome: hit (from memory), miss (rendered and kept), bypass (rendered while the change signal cannot vouch).',
    labelNames: ['kind', 'outcome'],
    registers,
  });
  const pageSeries = new Map<string, { inc(): void }>();
  const pageSize = deps.pageCacheSize;
  if (pageSize) {
    gauge('verdict_page_cache_entries', 'Answers held by the cache of public reads.', [], (g) => {
      g.set(pageSize()?.entries ?? 0);
    });
    gauge('verdict_page_cache_bytes', 'Bytes of answers held by the cache of public reads.', [], (g) => {
      g.set(pageSize()?.bytes ?? 0);
    });
  }

  const series = new Map<string, { observe(v: number): void }>();
  return {
    registry,
    observeRequest(method, route, status, seconds) {
      const key = `${method} ${status} ${route}`;
      let child = series.get(key);
      if (child === undefined) {
        const labels: LabelValues<string> = { method, route, status_code: status };
        child = duration.labels(labels);
        series.set(key, child);
      }
      child.observe(seconds);
    },
    countPageRead(kind, outcome) {
      const key = `${kind} ${outcome}`;
      let child = pageSeries.get(key);
      if (child === undefined) {
        child = pageReads.labels({ kind, outcome });
        pageSeries.set(key, child);
      }
      child.inc();
    },
    async scrape(scrapeLog) {
      log = scrapeLog;
      return registry.metrics();
    },
  };
}

/** A metrics listener of its own (METRICS_PORT): serves `GET /metrics` without credentials, nothing else. */
export interface MetricsServer {
  url: string;
  close(): Promise<void>;
}

/**
 * Starts the separate metrics listener on `host:port` (port 0 picks a free one). It has no authentication: bind it
 * to an address only the scraper reaches (the default is 127.0.0.1).
 */
export async function serveMetrics(
  metrics: Metrics,
  host: string,
  port: number,
  log: FastifyBaseLogger,
): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' || path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found; metrics are at GET /metrics\n');
      return;
    }
    metrics.scrape(log).then(
      (text) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
      (err: unknown) => {
        log.error({ err }, 'metrics scrape failed');
        res.writeHead(500, { 'content-type': 'text/plain' }).end('Internal error\n');
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${shown}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
