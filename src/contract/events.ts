/**
 * Wix domain-event envelope for `wix.reviews.v1.review` (docs/wix-api.md §8). The outbox stores exactly this body.
 */
import { type Static, Type } from 'typebox';
import type { ModerationStatus, Review } from './review.ts';

export const ENTITY_FQDN = 'wix.reviews.v1.review';

export const EVENT_TYPES = {
  created: 'wix.reviews.v1.review_created',
  updated: 'wix.reviews.v1.review_updated',
  deleted: 'wix.reviews.v1.review_deleted',
  moderation_status_changed: 'wix.reviews.v1.review_moderation_status_changed',
  review_published: 'wix.reviews.v1.review_review_published',
} as const;
export type EventSlug = keyof typeof EVENT_TYPES;

export interface EnvelopeBase {
  id: string;
  entityFqdn: typeof ENTITY_FQDN;
  entityId: string;
  eventTime: string;
  entityEventSequence: string;
  triggeredByAnonymizeRequest?: boolean;
}

export type ReviewDomainEvent =
  | (EnvelopeBase & { slug: 'created'; createdEvent: { entity: Review } })
  | (EnvelopeBase & { slug: 'updated'; updatedEvent: { currentEntity: Review; modifiedFields?: Record<string, unknown> } })
  | (EnvelopeBase & { slug: 'deleted'; deletedEvent: { deletedEntity: Review } })
  | (EnvelopeBase & {
      slug: 'moderation_status_changed';
      actionEvent: { body: { review: Review; previousModerationStatus: ModerationStatus } };
    })
  | (EnvelopeBase & { slug: 'review_published'; actionEvent: { body: { review: Review } } });


/**
 * The admin event feed (`GET /verdict/v1/events`): events after an opaque position, oldest first, for replay,
 * backfill and the SDK's event handlers. `position` of the response is where the next call continues.
 */
export const EventFeedQuery = Type.Object({
  after: Type.Optional(Type.String({ maxLength: 100, description: 'Opaque position from a previous response; omit to start at the beginning.' })),
  limit: Type.Optional(Type.String({ pattern: '^(100|[1-9][0-9]?)$', description: '1-100, default 100.' })),
  waitSeconds: Type.Optional(
    Type.String({ pattern: '^([0-9]|1[0-9]|2[0-5])$', description: 'Long-poll: wait up to this many seconds (0-25) for a first event.' }),
  ),
});
export const FeedEvent = Type.Object({
  position: Type.String({ description: 'Opaque position of this event.' }),
  eventType: Type.String({ examples: ['wix.reviews.v1.review_created'] }),
  event: Type.Record(Type.String(), Type.Unknown(), { description: 'The Wix domain-event envelope.' }),
});
export const EventFeedResponse = Type.Object({
  events: Type.Array(FeedEvent),
  position: Type.String({ description: 'Pass as `after` to continue after the last event returned.' }),
});
export type EventFeedResponse = Static<typeof EventFeedResponse>;
