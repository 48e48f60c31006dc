/**
 * The closed list of application error codes Verdict returns (kept schema-free in `error-codes.ts`), and the Wix
 * error body shape (docs/wix-api.md §9).
 */
import { type Static, Type } from 'typebox';

export { ERROR_CODES, ERROR_STATUS, type ErrorCode } from './error-codes.ts';

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
