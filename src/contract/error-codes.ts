/**
 * The closed list of application error codes and the HTTP status each is answered with (docs/adr/0004-error-codes.md),
 * as plain data with no schema library behind it, so browser code (the SDK, the widget) can import it without
 * bundling TypeBox. `errors.ts` re-exports it beside the error body schema.
 */

/** Every code Verdict returns in `details.applicationError.code` (`INVALID_ARGUMENT` also for field violations). */
export const ERROR_CODES = [
  'UNAUTHENTICATED',
  'PERMISSION_DENIED',
  'INVALID_ARGUMENT',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'REVIEW_NOT_FOUND',
  'REVIEW_ALREADY_EXISTS',
  'REVISION_MISMATCH',
  'CONTACT_REQUIRED',
  'JOB_NOT_FOUND',
  'WEBHOOK_NOT_FOUND',
  'WEBHOOK_DELIVERY_NOT_FOUND',
  'SITE_NOT_FOUND',
  'API_KEY_NOT_FOUND',
  'MODERATION_RULES_VERSION_NOT_FOUND',
  'ROUTE_NOT_FOUND',
  'IDEMPOTENCY_KEY_REUSED',
  'IDEMPOTENCY_KEY_IN_USE',
  'TOO_MANY_TO_COUNT',
  'REPORT_ALREADY_EXISTS',
  'CONTACT_NOT_FOUND',
  'CONTACT_ALREADY_EXISTS',
  'TOO_MANY_REQUESTS',
  'INTERNAL_ERROR',
  'FEED_POSITION_EXPIRED',
  'SERVICE_UNAVAILABLE',
  'USER_NOT_FOUND',
  'USER_ALREADY_EXISTS',
  'LAST_OWNER',
  'SESSION_NOT_FOUND',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/**
 * The HTTP status of each code: one code is always answered with the same status, so a client (and the catalogue
 * of operations, which derives each operation's documented statuses from its codes) can rely on it.
 */
export const ERROR_STATUS: { readonly [C in ErrorCode]: number } = {
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  INVALID_ARGUMENT: 400,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  REVIEW_NOT_FOUND: 404,
  REVIEW_ALREADY_EXISTS: 409,
  REVISION_MISMATCH: 409,
  CONTACT_REQUIRED: 400,
  JOB_NOT_FOUND: 404,
  WEBHOOK_NOT_FOUND: 404,
  WEBHOOK_DELIVERY_NOT_FOUND: 404,
  SITE_NOT_FOUND: 404,
  API_KEY_NOT_FOUND: 404,
  MODERATION_RULES_VERSION_NOT_FOUND: 404,
  ROUTE_NOT_FOUND: 404,
  IDEMPOTENCY_KEY_REUSED: 409,
  IDEMPOTENCY_KEY_IN_USE: 409,
  TOO_MANY_TO_COUNT: 400,
  REPORT_ALREADY_EXISTS: 409,
  CONTACT_NOT_FOUND: 404,
  CONTACT_ALREADY_EXISTS: 409,
  TOO_MANY_REQUESTS: 429,
  INTERNAL_ERROR: 500,
  FEED_POSITION_EXPIRED: 410,
  SERVICE_UNAVAILABLE: 503,
  USER_NOT_FOUND: 404,
  USER_ALREADY_EXISTS: 409,
  LAST_OWNER: 409,
  SESSION_NOT_FOUND: 404,
};

/** Whether `value` is one of the closed list of codes. */
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_STATUS, value);
}
