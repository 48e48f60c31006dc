/**
 * The names of the review entity and its event types (docs/wix-api.md §8), as plain data with no schema library
 * behind them, so browser code (the SDK's event handlers and webhook verification) can import them without
 * bundling TypeBox. `events.ts` re-exports them beside the envelope schemas.
 */

export const ENTITY_FQDN = 'wix.reviews.v1.review';

export const EVENT_TYPES = {
  created: 'wix.reviews.v1.review_created',
  updated: 'wix.reviews.v1.review_updated',
  deleted: 'wix.reviews.v1.review_deleted',
  moderation_status_changed: 'wix.reviews.v1.review_moderation_status_changed',
  review_published: 'wix.reviews.v1.review_review_published',
} as const;
export type EventSlug = keyof typeof EVENT_TYPES;
