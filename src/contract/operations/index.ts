/**
 * The catalogue of operations: every operation of the HTTP API, each with its name, method, paths, request and
 * response schemas, the errors it may answer and who may call it. The server mounts it (a handler per name), the
 * permission check, `/openapi.json` and the security tests read it, and the typed `call()` client is derived
 * from it (types only: browser code imports `routes.ts`, `paths.ts` and `call.ts`, never this module). See README.md.
 */

import { type ErrorCode, isErrorCode } from '../error-codes.ts';
import { NOT_FOUND_KEYWORD } from '../review.ts';
import { contactOperations } from './contacts.ts';
import { dashboardOperations } from './dashboard.ts';
import type { Access, Operation } from './define.ts';
import { engagementOperations } from './engagement.ts';
import { moderationOperations } from './moderation.ts';
import { ownerOperations } from './owner.ts';
import { type OperationRoute, pathsOf } from './paths.ts';
import { publicOperations } from './public.ts';
import { reviewOperations } from './reviews.ts';
import type * as ROUTES from './routes.ts';
import { verdictOperations } from './verdict.ts';
import { webhookOperations } from './webhooks.ts';

export type { Access, Operation, OperationSpec, Produces } from './define.ts';
export { API_PREFIXES, type Method, type OperationRoute, pathsOf, requestPath } from './paths.ts';

import type { OperationName } from './names.ts';

export type { OperationName } from './names.ts';

/**
 * Every operation by name. The compiler checks that each name of `routes.ts` has exactly one entry, and that the
 * entry carries that name's method and path.
 */
export const OPERATIONS = {
  ...reviewOperations,
  ...contactOperations,
  ...verdictOperations,
  ...webhookOperations,
  ...moderationOperations,
  ...ownerOperations,
  ...engagementOperations,
  ...publicOperations,
  ...dashboardOperations,
} as const satisfies { readonly [K in OperationName]: (typeof ROUTES)[K] & Operation };

/** The catalogue's type, by name: what the server's handlers and the `call()` client are typed from. */
export type Catalogue = typeof OPERATIONS;

// An entry under a name that is not in `routes.ts` (a misspelling in an area file) is a type error here.
type Unrouted = Exclude<keyof Catalogue, OperationName>;
const everyEntryRouted: [Unrouted] extends [never] ? true : Unrouted = true;
void everyEntryRouted;

/** Whether `name` is an operation of the catalogue. */
export function isOperationName(name: string): name is OperationName {
  return Object.hasOwn(OPERATIONS, name);
}

/** Every operation name, in catalogue order. */
export const OPERATION_NAMES: readonly OperationName[] = Object.keys(OPERATIONS).filter(isOperationName);

/** The catalogue entry of `name`, typed as the common shape (for code that walks every operation). */
export function operation(name: OperationName): Operation {
  return OPERATIONS[name];
}

/** Who may call `name` (the permission matrix row). */
export function accessOf(name: OperationName): Access {
  return OPERATIONS[name].access;
}

/** Codes any operation may answer whatever it is: refused input, a body too large or not JSON, and faults. */
export const ERRORS_OF_EVERY_OPERATION = [
  'INVALID_ARGUMENT',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'INTERNAL_ERROR',
  'SERVICE_UNAVAILABLE',
] as const satisfies readonly ErrorCode[];

/** Codes of an operation that needs credentials: none or bad ones, or ones that may not call it. */
export const ERRORS_OF_AUTHENTICATED_OPERATIONS = [
  'UNAUTHENTICATED',
  'PERMISSION_DENIED',
] as const satisfies readonly ErrorCode[];

/** Codes of an authenticated POST: an `Idempotency-Key` reused with another request, or still in flight. */
export const ERRORS_OF_IDEMPOTENT_POSTS = [
  'IDEMPOTENCY_KEY_REUSED',
  'IDEMPOTENCY_KEY_IN_USE',
] as const satisfies readonly ErrorCode[];

/** The not-found codes of an operation's id path parameters (`IdParam`), answered before validation. */
export function pathIdErrors(op: Operation): ErrorCode[] {
  const out: ErrorCode[] = [];
  for (const schema of Object.values<unknown>(op.params?.properties ?? {})) {
    if (typeof schema !== 'object' || schema === null || !(NOT_FOUND_KEYWORD in schema)) continue;
    const answer: unknown = schema[NOT_FOUND_KEYWORD];
    if (typeof answer === 'object' && answer !== null && 'code' in answer && isErrorCode(answer.code)) {
      out.push(answer.code);
    }
  }
  return out;
}

/**
 * Every code `name` may answer with: its own (`errors`), its id parameters' not-found codes, the codes of every
 * operation, and those its access, method and rate limit bring (credentials, idempotency keys, 429). A test holds
 * the server to this list.
 */
export function possibleErrors(name: OperationName): ErrorCode[] {
  return [...new Set([...documentedErrors(name), ...ERRORS_OF_EVERY_OPERATION])];
}

/**
 * The codes `/openapi.json` lists for `name`: all of `possibleErrors` except those every operation may answer
 * (413, 415, 500, 503), which the document's description states once.
 */
export function documentedErrors(name: OperationName): ErrorCode[] {
  const op = operation(name);
  const authenticated = op.access.public !== true;
  return [
    ...new Set<ErrorCode>([
      'INVALID_ARGUMENT',
      ...(authenticated ? ERRORS_OF_AUTHENTICATED_OPERATIONS : []),
      ...pathIdErrors(op),
      ...op.errors,
      ...(authenticated && op.method === 'POST' ? ERRORS_OF_IDEMPOTENT_POSTS : []),
      ...(op.rateLimit ? (['TOO_MANY_REQUESTS'] as const) : []),
    ]),
  ];
}

/** Every path `name` answers on (its canonical path first, then the aliases of its API prefix). */
export function operationPaths(name: OperationName): string[] {
  const route: OperationRoute = OPERATIONS[name];
  return pathsOf(route);
}
