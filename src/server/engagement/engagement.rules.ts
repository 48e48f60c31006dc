/** Pure helpers of the engagement features: id checks, trash cursors and dates. No I/O, no clock. */
import { GUID_PATTERN, type Review, type ReviewDomainEvent } from '../../contract/index.ts';

const GUID = new RegExp(GUID_PATTERN);

/** Review and contact ids are GUIDs; anything else names nothing and is answered 404 before the database. */
export const isReviewId = (id: string): boolean => GUID.test(id);

/** An opaque trash cursor: the (deleted_at, id) of the last review of a page. */
export const encodeTrashCursor = (deletedAt: string, id: string): string =>
  Buffer.from(JSON.stringify([deletedAt, id])).toString('base64url');

/** The position a trash cursor names, or null when it is not one this service wrote. */
export function decodeTrashCursor(cursor: string): [string, string] | null {
  try {
    const v: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && typeof v[1] === 'string') return [v[0], v[1]];
  } catch {
    // not a cursor of ours
  }
  return null;
}

/**
 * A review's open reports, grouped the way the threshold counts them: members, and distinct visitor mint marks
 * (visitor identities minted from one network on one day share a mark).
 */
export interface ReportWeight {
  members: number;
  visitorGroups: number;
}

/** What one group of visitor identities weighs toward the threshold; a member's report weighs 1. */
export const VISITOR_GROUP_WEIGHT = 0.5;

/** The threshold weight of a review's open reports: 1 per member, ½ per visitor mint mark. */
export const reportWeight = (w: ReportWeight): number => w.members + w.visitorGroups * VISITOR_GROUP_WEIGHT;

/** Whether the open reports reach the site's threshold (compared in halves, so no rounding is involved). */
export const reachesReportThreshold = (w: ReportWeight, threshold: number): boolean =>
  2 * w.members + w.visitorGroups >= 2 * threshold;

const DAY_MS = 86_400_000;

/** When a review deleted at `deletedAt` is purged, given the retention in days. */
export const purgeDate = (deletedAt: string, retentionDays: number): string =>
  new Date(Date.parse(deletedAt) + retentionDays * DAY_MS).toISOString();

/** Reviews deleted before this instant are past the retention at `now`. */
export const purgeCutoff = (now: Date, retentionDays: number): string =>
  new Date(now.getTime() - retentionDays * DAY_MS).toISOString();

/**
 * A review with everything a person wrote or is named by removed (GDPR erasure): author, title, body, media and
 * the reply. Id, entity, rating, dates and statuses stay, so a consumer can still match and drop its copy.
 */
export function redactReview(review: Review): Review {
  const { reply: _reply, ...rest } = review;
  return { ...rest, author: {}, content: { media: [], rating: review.content.rating } };
}

/**
 * A stored event identity (`outbox_events.identity_json`) with an erased contact removed: an identity naming the
 * contact (as visitor or member) becomes UNKNOWN; any other is kept.
 */
export function redactIdentity(identityJson: string | null, contactId: string): string | null {
  if (identityJson === null) return null;
  const id = JSON.parse(identityJson) as { anonymousVisitorId?: unknown; memberId?: unknown };
  return id.anonymousVisitorId === contactId || id.memberId === contactId
    ? JSON.stringify({ identityType: 'UNKNOWN' })
    : identityJson;
}

/** A stored domain event with every review it carries redacted (same envelope, same ids and sequence). */
export function redactEvent(event: ReviewDomainEvent): ReviewDomainEvent {
  switch (event.slug) {
    case 'created':
      return { ...event, createdEvent: { entity: redactReview(event.createdEvent.entity) } };
    case 'updated':
      return {
        ...event,
        updatedEvent: {
          currentEntity: redactReview(event.updatedEvent.currentEntity),
          // The paths stay; the previous values (old text, old author name) go.
          ...(event.updatedEvent.modifiedFields
            ? {
                modifiedFields: Object.fromEntries(
                  Object.keys(event.updatedEvent.modifiedFields).map((path) => [path, null]),
                ),
              }
            : {}),
        },
      };
    case 'deleted':
      return { ...event, deletedEvent: { deletedEntity: redactReview(event.deletedEvent.deletedEntity) } };
    case 'moderation_status_changed':
      return {
        ...event,
        actionEvent: { body: { ...event.actionEvent.body, review: redactReview(event.actionEvent.body.review) } },
      };
    case 'review_published':
      return { ...event, actionEvent: { body: { review: redactReview(event.actionEvent.body.review) } } };
  }
}
