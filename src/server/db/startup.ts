/**
 * Start-up against a database that is not there yet (a server booting beside its database, a failover under way):
 * the first step that needs the database is retried with backoff until it succeeds or the start-up time is spent.
 */
import { unavailableReason } from '../errors.ts';

/**
 * The database a DATABASE_URL names, for messages: PostgreSQL host, port and database name, never the user's
 * password (nor the rest of the URL); SQLite the file.
 */
export function describeDatabaseTarget(url: string): string {
  if (url.startsWith('sqlite:')) return `SQLite file ${url.slice('sqlite:'.length) || ':memory:'}`;
  try {
    // Without the credentials, which are never shown (and with them, a URL with no host does not parse).
    const u = new URL(url.replace(/^([a-z]+:\/\/)[^/@]*@/, '$1'));
    // A socket directory may come as ?host=/path instead of the URL's host.
    const host = u.searchParams.get('host') || decodeURIComponent(u.hostname) || 'localhost';
    const port = u.searchParams.get('port') || u.port || '5432';
    const database = decodeURIComponent(u.pathname.replace(/^\//, '')) || '(default)';
    return `PostgreSQL database "${database}" on ${host}:${port}`;
  } catch {
    return 'PostgreSQL (DATABASE_URL could not be parsed)';
  }
}

/** SQLSTATE of an error or of one in its cause chain. */
function sqlState(err: unknown): string | undefined {
  for (let e = err, depth = 0; typeof e === 'object' && e !== null && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * Whether waiting cannot help: bad credentials (class 28) or a database that does not exist (3D000) are
 * configuration errors, reported at once rather than after the whole start-up time.
 */
function needsOperator(err: unknown): boolean {
  const state = sqlState(err);
  return state !== undefined && (state.startsWith('28') || state === '3D000');
}

export interface StartupRetryOptions {
  /** The whole time allowed; 0 tries once. */
  timeoutMs: number;
  /** The DATABASE_URL, named (without its password) in the final error. */
  databaseUrl: string;
  /** Told once, at the first failure, that start-up is waiting for the database. */
  onWait?: (message: string) => void;
  /** First delay between attempts; doubles up to `maxDelayMs`, with jitter. */
  minDelayMs?: number;
  maxDelayMs?: number;
}

/**
 * Runs `step` (open, migrate: anything idempotent) until it succeeds. A failure that means the database is
 * unreachable or busy (`unavailableReason`) is retried with backoff until `timeoutMs` has passed; then, or at once
 * for any other failure, it throws an Error naming the database target, with the last failure as its cause.
 */
export async function retryUntilReachable<T>(step: () => Promise<T>, opts: StartupRetryOptions): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs;
  const minDelay = opts.minDelayMs ?? 100;
  const maxDelay = opts.maxDelayMs ?? 5000;
  const target = describeDatabaseTarget(opts.databaseUrl);
  for (let attempt = 1; ; attempt++) {
    try {
      return await step();
    } catch (err) {
      const transient = unavailableReason(err) !== undefined && !needsOperator(err);
      const left = deadline - Date.now();
      if (!transient || left <= 0) {
        const seconds = Math.round(opts.timeoutMs / 100) / 10;
        const message = transient
          ? `Cannot reach the ${target}; gave up after ${seconds} s (DATABASE_STARTUP_TIMEOUT_MS)`
          : `Cannot start on the ${target}`;
        throw new Error(message, { cause: err });
      }
      if (attempt === 1) {
        const why = err instanceof Error ? err.message : String(err);
        opts.onWait?.(`Waiting for the ${target} (${why}); retrying for up to ${Math.round(left / 1000)} s`);
      }
      const delay = Math.min(maxDelay, minDelay * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2);
      await new Promise((resolve) => setTimeout(resolve, Math.min(delay, left)));
    }
  }
}
