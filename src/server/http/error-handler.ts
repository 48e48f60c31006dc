/**
 * The one error handler: AppError → its Wix body and status; Fastify's own client errors (validation, bad JSON,
 * body too large, wrong media type) → Wix-shaped 4xx; a passing database fault (lock or busy timeout, lost or
 * refused connection; `unavailableReason` decides) → 503 `SERVICE_UNAVAILABLE` with `Retry-After`; anything else
 * → generic 500, detail only in the log.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, invalid, unavailable, unavailableReason } from '../errors.ts';
import { toFieldViolations } from './validation.ts';

export function toAppError(err: FastifyError): AppError | null {
  if (err instanceof AppError) return err;
  if (err.validation) {
    return invalid(toFieldViolations(err.validation, err.validationContext ?? 'body'));
  }
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AppError('too_large', 'PAYLOAD_TOO_LARGE', 'Request body is too large');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AppError('unsupported', 'UNSUPPORTED_MEDIA_TYPE', 'Request body must be application/json');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return invalid([{ field: 'body', description: 'must not be empty', violatedRule: 'REQUIRED_FIELD' }]);
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return invalid([
        { field: 'body', description: 'does not match Content-Length', violatedRule: 'INVALID_ARGUMENT' },
      ]);
  }
  if (err instanceof SyntaxError || err.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
    return invalid([{ field: 'body', description: 'is not valid JSON', violatedRule: 'INVALID_JSON' }]);
  }
  const reason = unavailableReason(err);
  if (reason) return unavailable(reason, err);
  return null;
}

export function errorHandler(err: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const app = toAppError(err);
  if (app) {
    // A 503 is a fault of the moment (the database is busy or away), logged as a warning; other 5xx are errors.
    if (app.status === 503) request.log.warn({ err }, 'request failed: service unavailable');
    else if (app.status >= 500) request.log.error({ err }, 'request failed');
    if (app.opts.headers) void reply.headers(app.opts.headers);
    void reply.code(app.status).send(app.toBody());
    return;
  }
  request.log.error({ err }, 'unexpected error');
  const internal = new AppError('internal', 'INTERNAL_ERROR', 'Internal error.');
  void reply.code(500).send(internal.toBody());
}
