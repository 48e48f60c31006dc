/**
 * `@verdict/sdk`: the Velo-style TypeScript client of Verdict. Code written for `wix-reviews.v2` changes its import
 * and set-up only:
 *
 * ```ts
 * import { createClient } from '@verdict/sdk';
 * const { reviews } = createClient({ baseUrl: 'https://reviews.example.com', auth: { apiKey: process.env.VERDICT_KEY! } });
 * const review = await reviews.createReview({ namespace: 'stores', entityId, content: { rating: 5 } });
 * ```
 *
 * or, keeping Velo's module form, `import reviews from '@verdict/sdk'` (or `import { reviews } …`) after one
 * `configure({ baseUrl, auth })`.
 *
 * Runs in Node 20 and browsers: `fetch` and WebCrypto only. The Node file position store is in `@verdict/sdk/node`.
 */

import { type ClientOptions, createClient, elevate as elevateOf, type VerdictClient } from './client.ts';
import type { ReviewsModule } from './reviews.ts';

export type { AccountInfo, EventIdentity } from '../contract/events.ts';
export type { RatingSummary, ReportReason, VoteValue } from '../contract/index.ts';
export type {
  AdminModules,
  EngagementSettingsModule,
  MetricsModule,
  ModerationAuditModule,
  ModerationModule,
  ModerationRulesModule,
  ModerationRuleVersionsModule,
  PrivacyModule,
  ReportsModule,
  SettingsModule,
  SiteSettingsModule,
  TrashModule,
  WebhookDeliveriesModule,
  WebhooksModule,
} from './admin.ts';
export { type ClientOptions, createClient, type VerdictClient } from './client.ts';
export type { DashboardAuditModule, DashboardModule, DashboardUsersModule } from './dashboard.ts';
export { VerdictError, type VerdictErrorCode } from './errors.ts';
export {
  type EventContextWire,
  type EventFeed,
  type EventFeedOptions,
  type EventHandler,
  type EventMetadata,
  memoryPositionStore,
  type PositionStore,
  type ReviewCreatedEvent,
  type ReviewDeletedEvent,
  type ReviewEventMap,
  type ReviewModerationStatusChangedEvent,
  type ReviewPublishedEvent,
  type ReviewUpdatedEvent,
  toVeloEvent,
  type VeloReviewEvent,
} from './events.ts';
export type { ClientAuth, VisitorTokens } from './http.ts';
export type {
  ContactsModule,
  JobsModule,
  RatingsModule,
  ShopModules,
  StorefrontModule,
  VisitorsModule,
} from './modules.ts';
export type {
  ExportsModule,
  ImportOptions,
  ImportsModule,
  InsightsModule,
  KeysModule,
  OwnerDataModules,
} from './owner-data.ts';
export type {
  EmptyField,
  EqField,
  InField,
  RangeField,
  ReviewQueryFields,
  ReviewsQueryBuilder,
  ReviewsQueryResult,
  SortField,
} from './query-builder.ts';
export type { AbuseReport, ReviewsModule } from './reviews.ts';
export type * from './types.ts';
export {
  SIGNATURE_HEADER,
  type VerifiedWebhook,
  verifyJsonWebhook,
  verifyWebhook,
  verifyWixWebhook,
  WebhookVerificationError,
} from './webhooks.ts';

const NOT_CONFIGURED =
  'The default reviews module has no server yet: call configure({ baseUrl, auth }) first, or use createClient().';

let configured: VerdictClient | undefined;

function defaultClient(): VerdictClient {
  if (!configured) throw new Error(NOT_CONFIGURED);
  return configured;
}

/**
 * Sets the client behind the default `reviews` module (`import reviews from '@verdict/sdk'`) and returns it, e.g.
 * to start its event feed. Calling it again replaces the client for later calls; stop the old client's feed first.
 */
export function configure(options: ClientOptions): VerdictClient {
  configured = createClient(options);
  return configured;
}

/** The name of each function of the default `reviews` module, so `elevate()` can find the configured twin. */
const defaultNames = new WeakMap<object, string>();

/**
 * The module of the default client: one function per function of a client's `reviews`, each calling the
 * configured client's at call time. So `import reviews …`, destructuring and `elevate(reviews.setReply)` all work
 * at module load, before `configure()` runs; a call before it throws.
 */
function defaultReviewsModule(): ReviewsModule {
  // A client is only a set of closures until its first call, so one that never calls lists the function names.
  const template: Record<string, unknown> = {
    ...createClient({ baseUrl: 'http://localhost', auth: { apiKey: 'unconfigured' } }).reviews,
  };
  const module: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(template)) {
    if (typeof value !== 'function') continue;
    const call = (...args: unknown[]): unknown => {
      const target: Record<string, unknown> = { ...defaultClient().reviews };
      const fn = target[name];
      if (typeof fn !== 'function') throw new TypeError(`reviews.${name} is not a function of the configured client`);
      return fn(...args);
    };
    defaultNames.set(call, name);
    module[name] = call;
  }
  // Every key of the template is a function of ReviewsModule, and each stands in for its namesake.
  return module as unknown as ReviewsModule;
}

/**
 * The Velo `reviews` module bound to the client set by `configure()`: `import reviews from '@verdict/sdk'` or
 * `import { reviews } from '@verdict/sdk'`, as code written for `wix-reviews.v2` imports it.
 */
export const reviews: ReviewsModule = defaultReviewsModule();

export default reviews;

/**
 * Returns a function making the same call as `fn` with the admin credentials of its client — for a function of the
 * default `reviews` module, of the client `configure()` set at call time. The drop-in for `wix-auth`'s `elevate`.
 * Security: an elevated function reachable by visitors lets any visitor make the call as the site owner.
 */
export function elevate<F extends (...args: never[]) => unknown>(fn: F): F {
  const name = defaultNames.get(fn);
  if (name === undefined) return elevateOf(fn);
  const call = (...args: never[]): unknown => {
    const target: Record<string, unknown> = { ...defaultClient().reviews };
    const twin = target[name];
    if (typeof twin !== 'function') throw new TypeError(`reviews.${name} is not a function of the configured client`);
    return elevateOf(twin as F)(...args);
  };
  return call as F;
}
