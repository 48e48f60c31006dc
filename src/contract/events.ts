/**
 * Wix domain-event envelope for `wix.reviews.v1.review` (docs/wix-api.md §8). The outbox stores exactly this body.
 */
import { type Static, Type } from 'typebox';
import type { ENTITY_FQDN } from './event-types.ts';
import type { ModerationStatus, Review } from './review.ts';

export { ENTITY_FQDN, EVENT_TYPES, type EventSlug } from './event-types.ts';

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
  | (EnvelopeBase & {
      slug: 'updated';
      updatedEvent: { currentEntity: Review; modifiedFields?: Record<string, unknown> };
    })
  | (EnvelopeBase & { slug: 'deleted'; deletedEvent: { deletedEntity: Review } })
  | (EnvelopeBase & {
      slug: 'moderation_status_changed';
      actionEvent: { body: { review: Review; previousModerationStatus: ModerationStatus } };
    })
  | (EnvelopeBase & { slug: 'review_published'; actionEvent: { body: { review: Review } } });

/**
 * Who made a change, as Wix's webhook envelope names it (docs/webhooks.md, "Identity"): a visitor, a member, the
 * site owner (`WIX_USER`), an app, or `UNKNOWN` for work Verdict does by itself.
 */
export const EventIdentity = Type.Union(
  [
    Type.Object({ identityType: Type.Literal('UNKNOWN') }),
    Type.Object({ identityType: Type.Literal('ANONYMOUS_VISITOR'), anonymousVisitorId: Type.String() }),
    Type.Object({ identityType: Type.Literal('MEMBER'), memberId: Type.String() }),
    Type.Object({ identityType: Type.Literal('WIX_USER'), wixUserId: Type.String() }),
    Type.Object({ identityType: Type.Literal('APP'), appId: Type.String() }),
  ],
  {
    description: 'Who made the change.',
    examples: [{ identityType: 'MEMBER', memberId: '6c7c6f5e-0d5b-4d8e-9a55-4f2f3f0d7a11' }],
  },
);
export type EventIdentity = Static<typeof EventIdentity>;

/** The identity of work nobody asked for at that moment (report threshold, maintenance). */
export const UNKNOWN_IDENTITY: EventIdentity = { identityType: 'UNKNOWN' };

/** The account an event belongs to, as Wix's envelope carries it: the site and its owner's account. */
export const AccountInfo = Type.Object(
  {
    accountId: Type.Optional(Type.String({ description: "The site owner's account id (the owner's `wixUserId`)." })),
    siteId: Type.Optional(Type.String({ description: 'The site the event belongs to.' })),
  },
  { description: 'The account and site of the event.' },
);
export type AccountInfo = Static<typeof AccountInfo>;

/**
 * The metadata Wix sends beside a domain event (`instanceId`, `identity`, `accountInfo`). Verdict's app instance
 * is the site, so `instanceId` is the site id.
 */
export interface EventContext {
  instanceId: string;
  identity: EventIdentity;
  accountInfo: AccountInfo;
}

/**
 * The admin event feed (`GET /verdict/v1/events`): events after an opaque position, oldest first, for replay,
 * backfill and the SDK's event handlers. `position` of the response is where the next call continues.
 */
export const EventFeedQuery = Type.Object({
  after: Type.Optional(
    Type.String({
      maxLength: 100,
      description:
        "Opaque position from a previous response; omit to start at the oldest event kept; `end` to start at the feed's current end (no event committed before the call; the response's `position` continues from there, and no event committed later is skipped).",
      examples: ['p2a', 'end'],
    }),
  ),
  limit: Type.Optional(Type.String({ pattern: '^(100|[1-9][0-9]?)$', description: '1-100, default 100.' })),
  waitSeconds: Type.Optional(
    Type.String({
      pattern: '^([0-9]|1[0-9]|2[0-5])$',
      description: 'Long-poll: wait up to this many seconds (0-25) for a first event.',
    }),
  ),
});
export const FeedEvent = Type.Object({
  position: Type.String({ description: 'Opaque position of this event.' }),
  eventType: Type.String({ examples: ['wix.reviews.v1.review_created'] }),
  event: Type.Record(Type.String(), Type.Unknown(), { description: 'The Wix domain-event envelope.' }),
  instanceId: Type.Optional(Type.String({ description: 'The site id (Verdict is its own app instance per site).' })),
  identity: Type.Optional(EventIdentity),
  accountInfo: Type.Optional(AccountInfo),
});
export const EventFeedResponse = Type.Object({
  events: Type.Array(FeedEvent),
  position: Type.String({ description: 'Pass as `after` to continue after the last event returned.' }),
});
export type EventFeedResponse = Static<typeof EventFeedResponse>;
