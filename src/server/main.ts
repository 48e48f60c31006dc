/**
 * Composition root of `verdict serve`: config → database → migrations → default site → HTTP server and job worker,
 * with graceful shutdown (stop accepting, finish in-flight requests, stop the worker, close the database).
 * An unreachable database at start is waited for (DATABASE_STARTUP_TIMEOUT_MS, db/startup.ts); once running, a
 * rejected promise nobody handled is logged, never fatal (every background loop also catches its own faults).
 */
import { type AppContext, createApp } from './app.ts';
import type { Config } from './config.ts';
import { openDatabase } from './db/database.ts';
import { migrateToLatest } from './db/migrate.ts';
import { acquireServerLock } from './db/server-lock.ts';
import { retryUntilReachable } from './db/startup.ts';
import { systemClock } from './deps.ts';
import { purgeExpiredKeys } from './idempotency/idempotency.service.ts';
import { type MetricsServer, serveMetrics } from './metrics/metrics.ts';
import { ensureDefaultSite, newDefaultSiteBanner } from './sites/sites.service.ts';
import { purgeEndedSessions, sitesWithoutUsers } from './users/users.service.ts';

export interface RunningServer {
  ctx: AppContext;
  url: string;
  /** The separate metrics listener's base URL, when METRICS_PORT is set. */
  metricsUrl?: string | undefined;
  close(): Promise<void>;
}

export async function startServer(
  config: Config,
  out: (line: string) => void = console.log,
  warn: (line: string) => void = console.error,
): Promise<RunningServer> {
  // Before anything is opened: a second server on the same SQLite file stops here (ServerLockedError).
  const lock = acquireServerLock(config.databaseUrl);
  const database = openDatabase(config.databaseUrl, {
    statementTimeoutMs: config.databaseStatementTimeoutMs,
    lockTimeoutMs: config.databaseLockTimeoutMs,
    connectTimeoutMs: config.databaseConnectTimeoutMs,
    poolTimeoutMs: config.databasePoolTimeoutMs,
    sqliteCacheMb: config.sqliteCacheMb,
    sqliteMmapMb: config.sqliteMmapMb,
    sqliteWriterThread: config.sqliteWriterThread,
  });
  try {
    // Migrating is the first use of the database, and idempotent: it is what waits for the database to come up.
    await retryUntilReachable(() => migrateToLatest(database.db), {
      timeoutMs: config.databaseStartupTimeoutMs,
      databaseUrl: config.databaseUrl,
      onWait: warn,
    });
  } catch (err) {
    await database.close();
    lock.release();
    throw err;
  }
  const ctx = await createApp(database, config, { clock: systemClock });
  const { site, adminKey } = await ensureDefaultSite(ctx.deps);
  if (adminKey) {
    // PUBLIC_BASE_URL when set (the address clients use behind a proxy), else this server on localhost; with
    // PORT=0 the port is not known until listening, so the example is left out.
    const base =
      config.publicBaseUrl?.replace(/\/+$/, '') ?? (config.port === 0 ? undefined : `http://localhost:${config.port}`);
    out(`\n${newDefaultSiteBanner(site, adminKey, base)}\n`);
  }
  await logFirstOwnerHint(ctx);
  const address = await ctx.app.listen({ port: config.port, host: config.host });
  const metricsServer: MetricsServer | undefined =
    config.metricsPort === undefined
      ? undefined
      : await serveMetrics(ctx.metrics, config.metricsHost, config.metricsPort, ctx.app.log);
  // A safety net: a promise rejected with no handler would end the process (Node's default).
  const onUnhandled = (err: unknown) => ctx.app.log.error({ err }, 'unhandled rejection; the server keeps running');
  process.on('unhandledRejection', onUnhandled);
  ctx.worker.start();
  ctx.webhookWorker.start();
  const optimize = () =>
    database.optimize().catch((err: unknown) => ctx.app.log.error({ err }, 'planner statistics refresh failed'));
  // In the background: on a large database, refreshing statistics must not delay accepting requests.
  void optimize();
  const purge = setInterval(() => {
    purgeExpiredKeys(ctx.deps).catch((err: unknown) => ctx.app.log.error({ err }, 'idempotency purge failed'));
    purgeEndedSessions(ctx.deps).catch((err: unknown) => ctx.app.log.error({ err }, 'session purge failed'));
    void optimize();
  }, 10 * 60_000);
  purge.unref();

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      clearInterval(purge);
      await metricsServer?.close();
      await ctx.app.close();
      await ctx.worker.stop();
      await ctx.webhookWorker.stop();
      await database.close();
      lock.release();
      process.off('unhandledRejection', onUnhandled);
    })();
    return closing;
  };
  return { ctx, url: address, metricsUrl: metricsServer?.url, close };
}

/**
 * Tells the operator how to make the first dashboard owner of each site that has no user yet (a fresh install):
 * the dashboard has no sign-up page, so this is the way in.
 */
async function logFirstOwnerHint(ctx: Pick<AppContext, 'app' | 'deps'>): Promise<void> {
  const sites = await sitesWithoutUsers(ctx.deps);
  for (const site of sites) {
    ctx.app.log.info(
      { siteId: site.id },
      `Site "${site.name}" has no dashboard user yet; create its first owner with: verdict users create --site ${site.id} --email <e-mail> --role owner (the password is read from standard input)`,
    );
  }
}
