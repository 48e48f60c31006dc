/**
 * Builds Wix domain-event envelopes (docs/wix-api.md §8) for one review change. Pure apart from id generation; event ids
 * are time-ordered (ADR 0005).
 */
import {
  ENTITY_FQDN,
  type EnvelopeBase,
  type ModerationStatus,
  type Review,
  type ReviewDomainEvent,
} from '../../contract/index.ts';
import { timeOrderedId } from '../ids.ts';

export type EventSpec =
  | { slug: 'created' }
  | { slug: 'updated' }
  | { slug: 'deleted' }
  | { slug: 'moderation_status_changed'; previous: ModerationStatus }
  | { slug: 'review_published' };

/**
 * Envelopes for `specs`, numbered from `firstSequence` (the per-review entityEventSequence). `modifiedFields`
 * (see `outbox.rules.ts`) goes into an `updated` event beside `currentEntity`.
 */
export function buildEvents(
  review: Review,
  specs: readonly EventSpec[],
  firstSequence: number,
  at: string,
  opts: { anonymize?: boolean; modifiedFields?: Record<string, unknown> } = {},
): ReviewDomainEvent[] {
  const ms = Date.parse(at);
  return specs.map((spec, i) => {
    // The payload is assigned onto a fresh envelope rather than spread together with it: V8 copies a spread object
    // with a conditional key through its slow path, several microseconds per event (three per create).
    const base: EnvelopeBase = {
      id: timeOrderedId(ms),
      entityFqdn: ENTITY_FQDN,
      entityId: review.id,
      eventTime: at,
      entityEventSequence: String(firstSequence + i),
    };
    if (opts.anonymize) base.triggeredByAnonymizeRequest = true;
    switch (spec.slug) {
      case 'created':
        return Object.assign(base, { slug: spec.slug, createdEvent: { entity: review } });
      case 'updated':
        return Object.assign(base, {
          slug: spec.slug,
          updatedEvent: opts.modifiedFields
            ? { currentEntity: review, modifiedFields: opts.modifiedFields }
            : { currentEntity: review },
        });
      case 'deleted':
        return Object.assign(base, { slug: spec.slug, deletedEvent: { deletedEntity: review } });
      case 'moderation_status_changed':
        return Object.assign(base, {
          slug: spec.slug,
          actionEvent: { body: { review, previousModerationStatus: spec.previous } },
        });
      case 'review_published':
        return Object.assign(base, { slug: spec.slug, actionEvent: { body: { review } } });
    }
    const unknown: never = spec;
    throw new Error(`no event for ${JSON.stringify(unknown)}`);
  });
}

/**
 * `JSON.stringify(event)` for an event `buildEvents` made, byte for byte, with the review it carries given already
 * serialised (`reviewJson`): a create's three events carry the same review, and serialising it once instead of three
 * times is most of the cost of their stored bodies. The keys are written in the order `buildEvents` gives them
 * (outbox.events.test.ts holds the two to each other).
 */
export function eventJson(e: ReviewDomainEvent, reviewJson: string): string {
  const head =
    `{"id":${JSON.stringify(e.id)},"entityFqdn":${JSON.stringify(e.entityFqdn)},` +
    `"entityId":${JSON.stringify(e.entityId)},"eventTime":${JSON.stringify(e.eventTime)},` +
    `"entityEventSequence":${JSON.stringify(e.entityEventSequence)},` +
    (e.triggeredByAnonymizeRequest === undefined
      ? ''
      : `"triggeredByAnonymizeRequest":${JSON.stringify(e.triggeredByAnonymizeRequest)},`) +
    `"slug":${JSON.stringify(e.slug)},`;
  switch (e.slug) {
    case 'created':
      return `${head}"createdEvent":{"entity":${reviewJson}}}`;
    case 'updated': {
      const fields = e.updatedEvent.modifiedFields;
      const modified = fields === undefined ? '' : `,"modifiedFields":${JSON.stringify(fields)}`;
      return `${head}"updatedEvent":{"currentEntity":${reviewJson}${modified}}}`;
    }
    case 'deleted':
      return `${head}"deletedEvent":{"deletedEntity":${reviewJson}}}`;
    case 'moderation_status_changed':
      return `${head}"actionEvent":{"body":{"review":${reviewJson},"previousModerationStatus":${JSON.stringify(e.actionEvent.body.previousModerationStatus)}}}}`;
    case 'review_published':
      return `${head}"actionEvent":{"body":{"review":${reviewJson}}}}`;
  }
}

/** The review an event carries. */
export function eventReview(e: ReviewDomainEvent): Review {
  switch (e.slug) {
    case 'created':
      return e.createdEvent.entity;
    case 'updated':
      return e.updatedEvent.currentEntity;
    case 'deleted':
      return e.deletedEvent.deletedEntity;
    case 'moderation_status_changed':
    case 'review_published':
      return e.actionEvent.body.review;
  }
}
