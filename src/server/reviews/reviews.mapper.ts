/** Row ⇄ wire. The wire shape always carries every field the SDK types guarantee (docs/wix-api.md §5.1). */
import type { Media, ModerationStatus, OriginType, Review } from '../../contract/index.ts';
import type { ReviewRow } from '../db/schema.ts';
import { relevanceAt } from './reviews.rules.ts';

/**
 * The columns `toReview` reads. A page read selects only these: every other column of `reviews` (site, deletion,
 * fingerprint, event sequence) would be read and converted for each row and then dropped.
 */
export const REVIEW_WIRE_COLUMNS = [
  'id',
  'namespace',
  'entity_id',
  'contact_id',
  'author_name',
  'title',
  'body',
  'media_json',
  'rating',
  'reply_message',
  'reply_created_at',
  'reply_updated_at',
  'found_helpful',
  'found_unhelpful',
  'helpfulness',
  'moderation_status',
  'manually_changed',
  'revision',
  'verified',
  'origin_type',
  'origin_app_id',
  'review_date',
  'relevance_rank',
  'publish_count',
  'created_at',
  'updated_at',
] as const satisfies readonly (keyof ReviewRow)[];

/** What a review's wire shape is made from. */
export type ReviewWireRow = Pick<ReviewRow, (typeof REVIEW_WIRE_COLUMNS)[number]>;

/** No media, as stored: most reviews have none, and this needs no parse. */
const NO_MEDIA = '[]';

/**
 * The wire shape of a review row as of `now`: `relevanceScore` is the stored rank's score at that instant (it decays
 * with age), so a read, a write's answer and an event each say the score at their own moment.
 */
export function toReview(row: ReviewWireRow, now: Date): Review {
  const review: Review = {
    id: row.id,
    namespace: row.namespace,
    entityId: row.entity_id,
    content: { media: row.media_json === NO_MEDIA ? [] : (JSON.parse(row.media_json) as Media[]), rating: row.rating },
    createdDate: row.created_at,
    updatedDate: row.updated_at,
    author: {},
    foundHelpful: row.found_helpful,
    foundUnhelpful: row.found_unhelpful,
    helpfulness: row.helpfulness,
    moderation: {
      moderationStatus: row.moderation_status as ModerationStatus,
      manuallyChanged: row.manually_changed === 1,
    },
    revision: String(row.revision),
    verified: row.verified === 1,
    origin: { type: row.origin_type as OriginType },
    reviewDate: row.review_date,
    relevanceScore: relevanceAt(row.relevance_rank, now),
    publishCount: row.publish_count,
  };
  if (row.title !== null) review.content.title = row.title;
  if (row.body !== null) review.content.body = row.body;
  if (row.contact_id !== null) review.author.contactId = row.contact_id;
  if (row.author_name !== null) review.author.authorName = row.author_name;
  if (row.origin_app_id !== null) review.origin.appId = row.origin_app_id;
  if (row.reply_message !== null && row.reply_created_at !== null && row.reply_updated_at !== null) {
    review.reply = { message: row.reply_message, createdDate: row.reply_created_at, updatedDate: row.reply_updated_at };
  }
  return review;
}
