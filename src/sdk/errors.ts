/**
 * The one error class of the SDK: every non-200 answer of the server becomes a `VerdictError` carrying the Wix
 * error body's parts (docs/wix-api.md §9.1) and the `X-Wix-Request-Id` header.
 */
import { ERROR_CODES, type ErrorCode } from '../contract/error-codes.ts';
import type { FieldViolation } from '../contract/errors.ts';

export type { ErrorCode, FieldViolation };

/** A server error code, or `HTTP_<status>` when the answer did not carry a Wix error body (a proxy error page). */
export type VerdictErrorCode = ErrorCode | `HTTP_${number}`;

export interface VerdictErrorInit {
  status: number;
  code: VerdictErrorCode;
  message: string;
  fieldViolations?: FieldViolation[];
  data?: Record<string, unknown>;
  requestId?: string;
}

export class VerdictError extends Error {
  override readonly name = 'VerdictError';
  /** HTTP status of the answer. */
  readonly status: number;
  /** `applicationError.code`, or `INVALID_ARGUMENT` for a validation error. */
  readonly code: VerdictErrorCode;
  /** Every violated field of a validation error (empty otherwise). */
  readonly fieldViolations: FieldViolation[];
  /** `applicationError.data`, e.g. `{ reviewId }` of the existing review on `REVIEW_ALREADY_EXISTS`. */
  readonly data: Record<string, unknown> | undefined;
  /** `X-Wix-Request-Id` of the answer: quote it when reporting a problem. */
  readonly requestId: string | undefined;

  constructor(init: VerdictErrorInit) {
    super(init.message);
    this.status = init.status;
    this.code = init.code;
    this.fieldViolations = init.fieldViolations ?? [];
    this.data = init.data;
    this.requestId = init.requestId;
  }
}

const isErrorCode = (v: unknown): v is ErrorCode => (ERROR_CODES as readonly unknown[]).includes(v);
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Builds the error from a non-200 answer's status, parsed body (anything) and request id. */
export function errorFromResponse(status: number, body: unknown, requestId: string | undefined): VerdictError {
  const message = isRecord(body) && typeof body.message === 'string' ? body.message : `HTTP ${status}`;
  const details = isRecord(body) && isRecord(body.details) ? body.details : undefined;
  const validation = details && isRecord(details.validationError) ? details.validationError : undefined;
  const app = details && isRecord(details.applicationError) ? details.applicationError : undefined;
  if (validation && Array.isArray(validation.fieldViolations)) {
    const fieldViolations = validation.fieldViolations.filter(
      (v): v is FieldViolation => isRecord(v) && typeof v.field === 'string' && typeof v.description === 'string',
    );
    return new VerdictError({ status, code: 'INVALID_ARGUMENT', message, fieldViolations, requestId });
  }
  if (app && isErrorCode(app.code)) {
    return new VerdictError({
      status,
      code: app.code,
      message: typeof app.description === 'string' ? app.description : message,
      data: isRecord(app.data) ? app.data : undefined,
      requestId,
    });
  }
  return new VerdictError({ status, code: `HTTP_${status}`, message, requestId });
}
