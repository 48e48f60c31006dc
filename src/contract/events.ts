/**
 * Wix domain-event envelope for `wix.reviews.v1.review` (fact sheet §8). The outbox stores exactly this body.
 */
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
