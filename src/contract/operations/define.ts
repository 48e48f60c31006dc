/**
 * The shape of one catalogue entry — its row of `routes.ts` (where it is served) plus everything else about it —
 * and the access rules several operations share (the permission matrix of docs/product.md §2).
 */
import type { TObject, TSchema } from 'typebox';
import type { Scope } from '../auth.ts';
import type { ErrorCode } from '../error-codes.ts';
import type { RateLimitedAction } from '../limits.ts';
import type { OperationRoute } from './paths.ts';

/**
 * Who may call an operation at all. Row-level rules ("own reviews only", private reviews) are the service's.
 * - `visitor`, `member`: anonymous visitor tokens and member tokens;
 * - `appScopes`: an app key needs at least one of these scopes (empty: apps may not call);
 * - `admin`: the site owner's key; true unless said (false for the few operations only a shopper performs);
 * - `public`: open to every caller with or without credentials (the site is then named in the request itself);
 * - `moderator`: a dashboard user of role moderator may call it (an owner user may call what `admin` allows);
 * - `session`: only a signed-in dashboard user, whatever its role, may call it (no key or token).
 */
export interface Access {
  readonly visitor: boolean;
  readonly member: boolean;
  readonly appScopes: readonly Scope[];
  readonly admin?: boolean;
  readonly public?: boolean;
  readonly moderator?: boolean;
  readonly session?: boolean;
}

/** Reading published reviews and summaries: every caller of the site, apps with any reviews scope, moderators. */
export const READ = {
  visitor: true,
  member: true,
  appScopes: ['reviews.read', 'reviews.read_private', 'reviews.manage', 'reviews.moderate'],
  moderator: true,
} as const satisfies Access;
/** Writing a review as oneself: visitors and members (as themselves), apps that manage reviews, the owner. */
export const AUTHOR = { visitor: true, member: true, appScopes: ['reviews.manage'] } as const satisfies Access;
/** Changing any review: apps with reviews.manage and the owner. */
export const MANAGE = { visitor: false, member: false, appScopes: ['reviews.manage'] } as const satisfies Access;
/** Moderation decisions: apps that moderate or manage, the owner and moderators. */
export const MODERATE = {
  visitor: false,
  member: false,
  appScopes: ['reviews.moderate', 'reviews.manage'],
  moderator: true,
} as const satisfies Access;
/**
 * What a moderator does to the queue besides deciding (replies, deleting, the trash): apps that manage reviews,
 * the owner and moderators.
 */
export const CURATE = {
  visitor: false,
  member: false,
  appScopes: ['reviews.manage'],
  moderator: true,
} as const satisfies Access;
/** The site owner only (admin key). */
export const OWNER = { visitor: false, member: false, appScopes: [] } as const satisfies Access;
/** A shopper's voice (votes, reports): one per visitor or member, never by a key (docs/product.md §2). */
export const SHOPPER = { visitor: true, member: true, appScopes: [], admin: false } as const satisfies Access;
/** Any signed-in dashboard user about their own session and password; never a key or token. */
export const SESSION = {
  visitor: false,
  member: false,
  appScopes: [],
  admin: false,
  session: true,
} as const satisfies Access;
/** Open to anyone, with or without credentials; shows only what any visitor may see. */
export const PUBLIC = { visitor: true, member: true, appScopes: [], public: true } as const satisfies Access;

/** Media types an operation's 200 body may have besides JSON (the review page's HTML and JSON-LD, metrics). */
export type Produces =
  | 'application/json'
  | 'text/html'
  | 'application/ld+json'
  | 'text/plain'
  | 'application/x-ndjson'
  | 'text/csv'
  | 'application/xml';

/**
 * One operation of the catalogue, apart from its route. `errors` lists the codes particular to the operation; the
 * codes every operation may answer (validation, credentials, rate limits, idempotency, faults) are added by
 * `possibleErrors` in `index.ts` from the other fields, and the not-found code of each id path parameter from
 * `params`.
 */
export interface OperationSpec {
  /** One line for `/openapi.json`. */
  readonly summary: string;
  /** The OpenAPI tag that groups it in the reference. */
  readonly tag: string;
  readonly access: Access;
  readonly params?: TObject;
  readonly query?: TObject;
  readonly body?: TSchema;
  /** The 200 body. */
  readonly response: TSchema;
  /** The 200 body's media type (or the types it may have, by request); JSON unless said. */
  readonly produces?: Produces | readonly Produces[];
  /** Media types the request body may have besides JSON (a raw upload); the body is then read as text. */
  readonly consumes?: readonly ('text/csv' | 'application/x-ndjson' | 'text/plain' | 'application/octet-stream')[];
  readonly errors: readonly ErrorCode[];
  /** The budget each call counts against, per client network and per site (docs/rate-limits.md). */
  readonly rateLimit?: RateLimitedAction;
  /**
   * The largest body accepted, in bytes, or `bulk` / `upload` for the configured bulk or upload limit; the server
   * default otherwise.
   */
  readonly bodyLimit?: number | 'bulk' | 'upload';
}

/** A catalogue entry: where the operation is served (its row of `routes.ts`) and everything else about it. */
export type Operation = OperationRoute & OperationSpec;
