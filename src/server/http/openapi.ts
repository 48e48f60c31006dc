/**
 * The Fastify route schema of a catalogue operation: what Ajv validates, what the response serializer uses and
 * what `@fastify/swagger` turns into `/openapi.json` (operationId = the operation name). Error statuses come from
 * the codes the operation may answer, each status described by its codes.
 */
import { ERROR_STATUS, ErrorBody, type ErrorCode } from '../../contract/index.ts';
import {
  type Access,
  documentedErrors,
  type OperationName,
  operation,
  type Produces,
} from '../../contract/operations/index.ts';

/** The document-wide description: what every operation may answer beyond its own list. */
export const OPENAPI_DESCRIPTION =
  'Self-hosted implementation of the Wix Reviews API (wix.reviews.v1). Success is always HTTP 200; errors carry the ' +
  'Wix body and X-Wix-Request-Id. Besides the statuses listed per operation, any operation may answer 413 ' +
  'PAYLOAD_TOO_LARGE, 415 UNSUPPORTED_MEDIA_TYPE, 500 INTERNAL_ERROR or 503 SERVICE_UNAVAILABLE (with Retry-After).';

const BODY_DESCRIPTIONS: Record<Produces, string> = {
  'application/json': 'Default Response',
  'text/html': 'HTML fragment',
  'application/ld+json': 'JSON-LD',
  'text/plain': 'Plain text',
  'application/x-ndjson': 'NDJSON, one object per line',
  'text/csv': 'CSV with a header line',
  'application/xml': 'XML',
};

const ERROR_BODY_DESCRIPTION = 'Wix error body; the request id is in the X-Wix-Request-Id header.';

/** The error responses of an operation: one Wix error body per status, described by the codes it carries. */
function errorResponses(codes: readonly ErrorCode[]): Record<number, object> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) {
    const status = ERROR_STATUS[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const out: Record<number, object> = {};
  for (const [status, list] of [...byStatus].sort(([a], [b]) => a - b)) {
    out[status] = { ...ErrorBody, description: `${list.join(', ')}. ${ERROR_BODY_DESCRIPTION}` };
  }
  return out;
}

/**
 * The credentials an operation takes, when they differ from the document's default (the Authorization header):
 * none for public operations, the dashboard session alone for a user's own session and password, and either for
 * operations a dashboard user (owner or moderator) may call.
 */
export function securityOf(access: Access): object[] | undefined {
  if (access.public) return [];
  if (access.session) return [{ session: [] }];
  if ((access.admin ?? true) || access.moderator) return [{ authorization: [] }, { session: [] }];
  return undefined;
}

/** Fastify's `schema` option of `name`'s route. */
export function routeSchema(name: OperationName): Record<string, unknown> {
  const op = operation(name);
  const produces: readonly Produces[] = [op.produces ?? 'application/json'].flat();
  const ok =
    produces.length === 1 && produces[0] === 'application/json'
      ? op.response
      : {
          description: produces.map((type) => BODY_DESCRIPTIONS[type]).join(', or '),
          content: Object.fromEntries(produces.map((type) => [type, { schema: op.response }])),
        };
  return {
    operationId: name,
    summary: op.summary,
    tags: [op.tag],
    // The document's default requires the Authorization header; see `securityOf` for the others.
    ...(securityOf(op.access) ? { security: securityOf(op.access) } : {}),
    ...(op.params ? { params: op.params } : {}),
    ...(op.query ? { querystring: op.query } : {}),
    ...(op.body ? { body: op.body } : {}),
    ...(op.consumes ? { consumes: ['application/json', ...op.consumes] } : {}),
    response: { 200: ok, ...errorResponses(documentedErrors(name)) },
  };
}
