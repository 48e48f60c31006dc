/**
 * `verdict/sdk`: the Velo-style TypeScript client of Verdict. Code written for `wix-reviews.v2` changes its import
 * and set-up only:
 *
 * ```ts
 * import { createClient } from 'verdict/sdk';
 * const { reviews } = createClient({ baseUrl: 'https://reviews.example.com', auth: { apiKey: process.env.VERDICT_KEY! } });
 * const review = await reviews.createReview({ namespace: 'stores', entityId, content: { rating: 5 } });
 * ```
 *
 * Runs in Node 20 and browsers: `fetch` and WebCrypto only. The Node file position store is in `verdict/sdk/node`.
 */

export type { AccountInfo, EventIdentity } from '../contract/events.ts';
export type { RatingSummary, ReportReason, VoteValue } from '../contract/index.ts';
export {
  type ClientOptions,
  type ContactsModule,
  createClient,
  elevate,
  type JobsModule,
  type RatingsModule,
  type VerdictClient,
} from './client.ts';
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
