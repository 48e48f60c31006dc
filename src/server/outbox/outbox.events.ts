/**
 * Builds Wix domain-event envelopes (docs/wix-api.md §8) for one review change. Pure apart from id generation; event ids
 * are time-ordered (ADR 0005).
 */
import { ENTITY_FQDN, type EnvelopeBase, type ModerationStatus, type Review, type ReviewDomainEvent } from '../../contract/index.ts';
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
    const base: EnvelopeBase = {
      id: timeOrderedId(ms),
      entityFqdn: ENTITY_FQDN,
      entityId: review.id,
      eventTime: at,
      entityEventSequence: String(firstSequence + i),
      ...(opts.anonymize ? { triggeredByAnonymizeRequest: true } : {}),
    };
    switch (spec.slug) {
      case 'created':
        return { ...base, slug: 'created', createdEvent: { entity: review } };
      case 'updated':
        return {
          ...base,
          slug: 'updated',
          updatedEvent: {
            currentEntity: review,
            ...(opts.modifiedFields ? { modifiedFields: opts.modifiedFields } : {}),
          },
        };
      case 'deleted':
        return { ...base, slug: 'deleted', deletedEvent: { deletedEntity: review } };
      case 'moderation_status_changed':
        return {
          ...base,
          slug: 'moderation_status_changed',
          actionEvent: { body: { review, previousModerationStatus: spec.previous } },
        };
      case 'review_published':
        return { ...base, slug: 'review_published', actionEvent: { body: { review } } };
    }
  });
}
