/**
 * `createClient`: one Verdict client with the Velo-style modules (`reviews`, `ratings`, `contacts`, `jobs`, the
 * owner's `webhooks`, `moderation`, `trash`, `reports`, `privacy`, `settings`, `metrics`, `keys`, `imports`,
 * `exports`, `insights`, `dashboard`, and the public `storefront` and `visitors`), the event feed behind the `on…` handlers, `call()` for any operation of the
 * catalogue in its REST shape, and `elevate()` — the `wix-auth` function that re-runs a restricted call with the
 * client's admin credentials.
 */

import type { Call } from '../contract/operations/call.ts';
import type { OperationName } from '../contract/operations/names.ts';
import {
  type AdminModules,
  adminModules,
  type MetricsModule,
  type ModerationModule,
  type PrivacyModule,
  type ReportsModule,
  type SettingsModule,
  type TrashModule,
  type WebhooksModule,
} from './admin.ts';
import { type DashboardModule, dashboardModule } from './dashboard.ts';
import { type EventFeed, eventFeed, ReviewEventHandlers } from './events.ts';
import {
  apiKeyCredentials,
  type ClientAuth,
  type Credentials,
  memberCredentials,
  noCredentials,
  Transport,
  type TransportOptions,
  visitorCredentials,
} from './http.ts';
import {
  type ContactsModule,
  type JobsModule,
  type RatingsModule,
  type ShopModules,
  type StorefrontModule,
  shopModules,
  type VisitorsModule,
} from './modules.ts';
import {
  type ExportsModule,
  type ImportsModule,
  type InsightsModule,
  type KeysModule,
  type OwnerDataModules,
  ownerDataModules,
} from './owner-data.ts';
import { type ReviewsModule, reviewsModule } from './reviews.ts';

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

export interface VerdictClient {
  reviews: ReviewsModule;
  ratings: RatingsModule;
  contacts: ContactsModule;
  jobs: JobsModule;
  /** Owner: webhooks and their delivery log. */
  webhooks: WebhooksModule;
  /** Owner: a namespace's moderation rules, and the audit log of moderation decisions. */
  moderation: ModerationModule;
  /** Deleted reviews and their restore. */
  trash: TrashModule;
  /** Abuse reports of a review, and their dismissal. */
  reports: ReportsModule;
  /** Owner: export and erase everything held about a person. */
  privacy: PrivacyModule;
  /** Owner: the site's moderation and engagement settings. */
  settings: SettingsModule;
  /** Owner: the Prometheus metrics scrape. */
  metrics: MetricsModule;
  /** Owner: the site's API keys. */
  keys: KeysModule;
  /** Owner: import reviews from another platform's export (a job). */
  imports: ImportsModule;
  /** Owner: the site's reviews as a file (text). */
  exports: ExportsModule;
  /** Owner: ratings and moderation figures over a period. */
  insights: InsightsModule;
  /** Dashboard users and their audit (owner); sign-in and the cookie session functions of the dashboard page. */
  dashboard: DashboardModule;
  /** Public, no credentials: the review page, its HTML fragment and product JSON-LD. */
  storefront: StorefrontModule;
  /** Public, no credentials: the visitor token exchange. */
  visitors: VisitorsModule;
  /** Starts and stops the event feed behind `reviews.onReview…` handlers, and reads it page by page. */
  events: EventFeed;
  /**
   * Any operation of the catalogue by name, with the client's credentials: REST names and shapes (`id`, ISO
   * dates), input and answer typed from the catalogue, errors as `VerdictError`, e.g.
   * `call('listTrash', { query: { limit: '10' } })`. `elevate(client.call)` makes it as the owner.
   */
  call: Call<OperationName>;
  /**
   * Returns a function making the same call with the client's admin credentials (like `wix-auth`'s `elevate`).
   * Throws at call time when no admin credentials are configured. Never expose an elevated function to visitors:
   * anyone who can reach it can make the call as the site owner.
   */
  elevate<F extends (...args: never[]) => unknown>(fn: F): F;
}

type Modules = { reviews: ReviewsModule; dashboard: DashboardModule } & ShopModules & AdminModules & OwnerDataModules;

/** For each SDK function: the same function of the client's elevated modules (built on first use). */
const elevated = new WeakMap<object, () => unknown>();

/** One member of a module (or nested module) by name. */
const member = (holder: unknown, key: string): unknown =>
  typeof holder === 'object' && holder !== null ? Reflect.get(holder, key) : undefined;

/**
 * Registers every function of `mod` (nested modules too, e.g. `webhooks.deliveries.list`) with the way to its twin
 * in the elevated modules, so elevate() can find it by identity.
 */
function registerTwins(mod: object, twinOf: () => unknown): void {
  for (const [key, value] of Object.entries(mod)) {
    if (typeof value === 'function') elevated.set(value, () => member(twinOf(), key));
    else if (typeof value === 'object' && value !== null) registerTwins(value, () => member(twinOf(), key));
  }
}

function buildModules(transport: Transport, open: Transport, handlers: ReviewEventHandlers): Modules {
  return {
    reviews: reviewsModule(transport, handlers),
    ...shopModules(transport, open),
    ...adminModules(transport),
    ...ownerDataModules(transport),
    dashboard: dashboardModule(transport, open),
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
  const open = new Transport(transportOptions, noCredentials());
  const modules = buildModules(transport, open, handlers);

  let adminTransport: Transport | undefined;
  const admin = (): Transport => {
    if (adminKey === undefined) throw new Error(NO_ADMIN);
    adminTransport ??= new Transport(transportOptions, apiKeyCredentials(adminKey));
    return adminTransport;
  };
  let elevatedSet: Modules | undefined;
  const elevatedModules = (): Modules => {
    elevatedSet ??= buildModules(admin(), open, handlers);
    return elevatedSet;
  };

  registerTwins(modules, elevatedModules);

  const call = transport.call;
  elevated.set(call, () => admin().call);

  return {
    ...modules,
    events: eventFeed(admin, handlers),
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
