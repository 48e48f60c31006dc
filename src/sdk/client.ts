/**
 * `createClient`: one Verdict client with the Velo-style modules (`reviews`, `ratings`, `contacts`, `jobs`), the
 * event feed behind the `on…` handlers, `call()` for any operation of the catalogue in its REST shape, and
 * `elevate()` — the `wix-auth` function that re-runs a restricted call with the client's admin credentials.
 */

import type { RatingSummary } from '../contract/index.ts';
import type { Call, CallOutput } from '../contract/operations/call.ts';
import type { OperationName } from '../contract/operations/names.ts';
import { EventFeed, ReviewEventHandlers } from './events.ts';
import {
  apiKeyCredentials,
  type ClientAuth,
  type Credentials,
  memberCredentials,
  Transport,
  type TransportOptions,
  visitorCredentials,
} from './http.ts';
import { type ReviewsModule, reviewsModule } from './reviews.ts';
import { jobFromRest } from './transform.ts';
import type { Job } from './types.ts';

export interface ClientOptions {
  /** Where Verdict runs, e.g. `https://reviews.example.com`. */
  baseUrl: string;
  /** Who the client acts as: an API key, a member token, or an anonymous visitor. */
  auth: ClientAuth;
  /**
   * An admin (or app) API key for `elevate()` and the event feed when `auth` is a visitor or member. Defaults to
   * `auth.apiKey`. Backend code only: a key in a browser bundle gives every visitor full access.
   */
  adminApiKey?: string;
  /** Sent as `wix-site-id`; the server refuses credentials of another site. */
  siteId?: string;
  /** The fetch to use (default: the global one). */
  fetch?: typeof fetch;
}

export interface RatingsModule {
  /** Count, average and 1-5 histogram of the approved reviews of one entity. */
  getRatingSummary(namespace: string, entityId: string): Promise<RatingSummary>;
  /** Summaries of up to 100 entities of one namespace, in the order asked. */
  batchRatingSummaries(namespace: string, entityIds: string[]): Promise<{ summaries: RatingSummary[] }>;
}

export interface ContactsModule {
  /**
   * Restricted (admin key). Mints a short-lived token for a logged-in member (the contact id of the member); hand
   * it to the member's browser as `auth: { memberToken }`.
   */
  createMemberToken(contactId: string, options?: { ttlSeconds?: number }): Promise<CallOutput<'createMemberToken'>>;
}

export interface JobsModule {
  /** Restricted. Status of a bulk job (`bulkDeleteReviews`, `bulkUpdateModerationStatus`). */
  getJob(jobId: string): Promise<Job>;
}

export interface VerdictClient {
  reviews: ReviewsModule;
  ratings: RatingsModule;
  contacts: ContactsModule;
  jobs: JobsModule;
  /** Starts and stops the event feed behind `reviews.onReview…` handlers. */
  events: EventFeed;
  /**
   * Any operation of the catalogue by name, with the client's credentials: REST names and shapes (`id`, ISO
   * dates), input and answer typed from the catalogue, errors as `VerdictError`. For the operations the modules do
   * not wrap yet, e.g. `call('listTrash', { query: { limit: '10' } })`. `elevate(client.call)` makes it as the owner.
   */
  call: Call<OperationName>;
  /**
   * Returns a function making the same call with the client's admin credentials (like `wix-auth`'s `elevate`).
   * Throws at call time when no admin credentials are configured. Never expose an elevated function to visitors:
   * anyone who can reach it can make the call as the site owner.
   */
  elevate<F extends (...args: never[]) => unknown>(fn: F): F;
}

interface Modules {
  reviews: ReviewsModule;
  ratings: RatingsModule;
  contacts: ContactsModule;
  jobs: JobsModule;
}

const MODULE_NAMES: readonly (keyof Modules)[] = ['reviews', 'ratings', 'contacts', 'jobs'];

/** For each SDK function: the same function of the client's elevated modules (built on first use). */
const elevated = new WeakMap<object, () => unknown>();

function ratingsModule({ call }: Transport): RatingsModule {
  return {
    getRatingSummary: async (namespace, entityId) =>
      (await call('getRatingSummary', { query: { namespace, entityId } })).summary,
    batchRatingSummaries: (namespace, entityIds) => call('batchRatingSummaries', { body: { namespace, entityIds } }),
  };
}

function contactsModule({ call }: Transport): ContactsModule {
  return {
    createMemberToken: (contactId, options = {}) => call('createMemberToken', { body: { contactId, ...options } }),
  };
}

function jobsModule({ call }: Transport): JobsModule {
  return {
    getJob: async (jobId) => jobFromRest((await call('getJob', { params: { jobId } })).job),
  };
}

function buildModules(transport: Transport, handlers: ReviewEventHandlers): Modules {
  return {
    reviews: reviewsModule(transport, handlers),
    ratings: ratingsModule(transport),
    contacts: contactsModule(transport),
    jobs: jobsModule(transport),
  };
}

const NO_ADMIN =
  'elevate(): this client has no admin credentials. Create it with auth: { apiKey } or adminApiKey (backend code only).';

/** Creates a client. Nothing is sent until the first call (a visitor client then fetches its token). */
export function createClient(options: ClientOptions): VerdictClient {
  const transportOptions: TransportOptions = {
    baseUrl: options.baseUrl,
    fetch: options.fetch ?? ((input, init) => globalThis.fetch(input, init)),
    ...(options.siteId ? { siteId: options.siteId } : {}),
  };
  const auth = options.auth;
  let credentials: Credentials;
  if ('apiKey' in auth) credentials = apiKeyCredentials(auth.apiKey);
  else if ('memberToken' in auth) credentials = memberCredentials(auth.memberToken);
  else credentials = visitorCredentials(transportOptions, auth.anonymous);

  const adminKey = options.adminApiKey ?? ('apiKey' in auth ? auth.apiKey : undefined);
  const handlers = new ReviewEventHandlers();
  const transport = new Transport(transportOptions, credentials);
  const modules = buildModules(transport, handlers);

  let adminTransport: Transport | undefined;
  const admin = (): Transport => {
    if (adminKey === undefined) throw new Error(NO_ADMIN);
    adminTransport ??= new Transport(transportOptions, apiKeyCredentials(adminKey));
    return adminTransport;
  };
  let adminModules: Modules | undefined;
  const elevatedModules = (): Modules => {
    adminModules ??= buildModules(admin(), handlers);
    return adminModules;
  };

  // Every function of every module is registered, so elevate() can find its elevated twin by identity.
  for (const name of MODULE_NAMES) {
    const mod: Record<string, unknown> = { ...modules[name] };
    for (const [fn, value] of Object.entries(mod)) {
      if (typeof value === 'function') {
        elevated.set(value, () => {
          const twin: Record<string, unknown> = { ...elevatedModules()[name] };
          return twin[fn];
        });
      }
    }
  }

  const call = transport.call;
  elevated.set(call, () => admin().call);

  return {
    ...modules,
    events: new EventFeed(admin, handlers),
    call,
    elevate: (fn) => elevate(fn),
  };
}

/**
 * Returns a function that makes the same call as `fn` (a function of a Verdict client's module) with that client's
 * admin credentials. The drop-in for `import { elevate } from 'wix-auth'`. Throws at call time when the client has
 * no admin credentials. Security: an elevated function reachable by visitors (a web method, an HTTP function) lets
 * any visitor make the call as the site owner — check who is calling before you call it.
 */
export function elevate<F extends (...args: never[]) => unknown>(fn: F): F {
  const twinOf = elevated.get(fn);
  if (!twinOf) throw new TypeError('elevate() takes a function of a Verdict client module, e.g. reviews.updateReview');
  const call = (...args: never[]): unknown => {
    const twin = twinOf();
    if (typeof twin !== 'function') throw new TypeError('elevate(): no elevated function found');
    return twin(...args);
  };
  return call as F;
}
