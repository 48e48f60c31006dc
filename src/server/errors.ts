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
  | 'internal';

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
