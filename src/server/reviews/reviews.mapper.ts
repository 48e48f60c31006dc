/** Row ⇄ wire. The wire shape always carries every field the SDK types guarantee (fact sheet §5.1). */
import type { Media, ModerationStatus, OriginType, Review } from '../../contract/index.ts';
import type { ReviewRow } from '../db/schema.ts';

export function toReview(row: ReviewRow): Review {
  const review: Review = {
    id: row.id,
    namespace: row.namespace,
    entityId: row.entity_id,
    content: { media: JSON.parse(row.media_json) as Media[], rating: row.rating },
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
    relevanceScore: row.relevance_score,
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
