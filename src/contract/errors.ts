/**
 * The closed list of application error codes Verdict returns, and the Wix error body shape (docs/wix-api.md §9).
 */
import { type Static, Type } from 'typebox';

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
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export const FieldViolation = Type.Object({
  field: Type.String({ description: 'Dotted path of the offending field.', examples: ['review.content.rating'] }),
  description: Type.String({ examples: ['must be <= 5'] }),
  violatedRule: Type.Optional(Type.String({ examples: ['MAX'] })),
  data: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
});
export type FieldViolation = Static<typeof FieldViolation>;

export const ErrorBody = Type.Object(
  {
    message: Type.String(),
    details: Type.Union([
      Type.Object({
        applicationError: Type.Object({
          code: Type.String(),
          description: Type.String(),
          data: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
        }),
      }),
      Type.Object({ validationError: Type.Object({ fieldViolations: Type.Array(FieldViolation) }) }),
    ]),
  },
  { description: 'Wix error body; the request id is in the X-Wix-Request-Id header.' },
);
export type ErrorBody = Static<typeof ErrorBody>;
