/**
 * AppError carries a public message and a closed error code; the HTTP error handler turns it into the Wix body.
 * Anything that is not an AppError is reported as a generic 500 with the detail only in the log.
 */
import type { ErrorBody, ErrorCode, FieldViolation } from '../contract/index.ts';

export type ErrorKind =
  | 'invalid'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'too_large'
  | 'unsupported'
  | 'rate_limited'
  | 'gone'
  | 'internal'
  | 'unavailable';

const STATUS: Record<ErrorKind, number> = {
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  too_large: 413,
  unsupported: 415,
  rate_limited: 429,
  gone: 410,
  internal: 500,
  unavailable: 503,
};

export class AppError extends Error {
  constructor(
    readonly kind: ErrorKind,
    readonly code: ErrorCode,
    readonly publicMessage: string,
    readonly opts: {
      violations?: FieldViolation[];
      data?: Record<string, unknown>;
      cause?: unknown;
      /** Response headers the error carries (e.g. `Retry-After` on 429). */
      headers?: Record<string, string>;
    } = {},
  ) {
    super(publicMessage, { cause: opts.cause });
  }

  get status(): number {
    return STATUS[this.kind];
  }

  /** The Wix-shaped body: validation errors list every violation, others carry an applicationError. */
  toBody(): ErrorBody {
    if (this.opts.violations && this.opts.violations.length > 0) {
      return { message: this.publicMessage, details: { validationError: { fieldViolations: this.opts.violations } } };
    }
    return {
      message: this.publicMessage,
      details: {
        applicationError: {
          code: this.code,
          description: this.publicMessage,
          ...(this.opts.data ? { data: this.opts.data } : {}),
        },
      },
    };
  }
}

/** A 400 listing every violation. */
export function invalid(violations: FieldViolation[], message = 'Invalid request'): AppError {
  return new AppError('invalid', 'INVALID_ARGUMENT', message, { violations });
}

export const notFound = (what = 'Review'): AppError =>
  new AppError('not_found', what === 'Review' ? 'REVIEW_NOT_FOUND' : 'JOB_NOT_FOUND', `${what} not found`);

export const forbidden = (message = 'Permission denied'): AppError =>
  new AppError('forbidden', 'PERMISSION_DENIED', message);

/** True when a driver error is a unique-key violation, on either dialect. */
export function isUniqueViolation(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { code?: unknown };
  return e.code === '23505' || e.code === 'SQLITE_CONSTRAINT_UNIQUE' || e.code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/**
 * Why the database could not serve a statement just now, when that is a passing condition a client should retry:
 * `busy` (a lock or the busy timeout, a statement timeout, a serialization failure or deadlock that escaped its
 * retries, no free connection) or `unreachable` (no connection could be made, or the one in use was lost).
 * Undefined for every other error, which stays a 500. The one place that decides which driver errors are 503s;
 * the table is in README's "Behaviour under faults".
 */
export type UnavailableReason = 'busy' | 'unreachable';

/** SQLSTATE codes that mean "try again shortly", by reason. Class 08 (connection exception) is matched as a class. */
const BUSY_SQLSTATES = new Set([
  '55P03', // lock_not_available: lock_timeout expired
  '57014', // query_canceled: statement_timeout expired (or an operator cancelled the statement)
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '53300', // too_many_connections
  '53200', // out_of_memory
]);
const UNREACHABLE_SQLSTATES = new Set([
  '57P01', // admin_shutdown: the backend was terminated (pg_terminate_backend, a restart)
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now: starting up, shutting down, in recovery
  '57P05', // idle_session_timeout
  '25006', // read_only_sql_transaction: a write reached a standby (during a failover)
]);
/** Socket and DNS errors of a connection that cannot be made or was lost. */
const UNREACHABLE_ERRNOS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
/** node-postgres' own errors for a connection that timed out or broke; they carry no code. */
const UNREACHABLE_MESSAGES = [
  'timeout exceeded when trying to connect',
  'Connection terminated',
  'not queryable',
  'Query read timeout',
];

/**
 * An error raised while a connection to the database was being made: whatever the server answered (refused,
 * not accepting connections, too many clients), the request could not reach its data. database.ts raises it.
 */
export class DatabaseConnectError extends Error {
  /** `busy` when every pooled connection stayed in use for the whole wait (load); `unreachable` otherwise. */
  constructor(
    cause: unknown,
    readonly reason: UnavailableReason = 'unreachable',
  ) {
    super(`could not connect to the database: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

/** Classifies a driver error (or one in its `cause` chain) as a passing unavailability; see {@link UnavailableReason}. */
export function unavailableReason(err: unknown): UnavailableReason | undefined {
  for (let e = err, depth = 0; typeof e === 'object' && e !== null && depth < 5; depth++) {
    if (e instanceof DatabaseConnectError) return e.reason;
    const { code, message } = e as { code?: unknown; message?: unknown };
    if (typeof code === 'string') {
      if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return 'busy';
      if (BUSY_SQLSTATES.has(code)) return 'busy';
      if (UNREACHABLE_SQLSTATES.has(code) || /^08[0-9A-Z]{3}$/.test(code) || UNREACHABLE_ERRNOS.has(code)) {
        return 'unreachable';
      }
    }
    if (typeof message === 'string' && UNREACHABLE_MESSAGES.some((m) => message.includes(m))) return 'unreachable';
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Seconds a client is asked to wait before retrying, by reason. */
const RETRY_AFTER_SECONDS: Record<UnavailableReason, number> = { busy: 1, unreachable: 5 };

/** The 503 for a passing unavailability: `SERVICE_UNAVAILABLE` with a `Retry-After` header. */
export function unavailable(reason: UnavailableReason, cause?: unknown): AppError {
  const message =
    reason === 'busy'
      ? 'The service is busy; try again shortly'
      : 'The service cannot reach its database; try again shortly';
  return new AppError('unavailable', 'SERVICE_UNAVAILABLE', message, {
    cause,
    headers: { 'Retry-After': String(RETRY_AFTER_SECONDS[reason]) },
  });
}
