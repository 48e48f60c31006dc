/**
 * Row types of every table, as Kysely sees them. Timestamps are ISO-8601 UTC strings with milliseconds
 * (fixed width, so they sort as text on both dialects); booleans are 0/1 integers; JSON is stored as text.
 */
import type { Generated, Insertable, Selectable, Updateable } from 'kysely';

export interface SitesTable {
  id: string;
  name: string;
  client_id: string;
  token_secret: string;
  settings_json: string;
  created_at: string;
}

export interface ApiKeysTable {
  site_id: string;
  id: string;
  kind: 'admin' | 'app';
  name: string;
  display_prefix: string;
  key_hash: string;
  scopes_json: string;
  app_id: string | null;
  created_at: string;
  revoked_at: string | null;
}

export interface ContactsTable {
  site_id: string;
  id: string;
  name: string | null;
  email: string | null;
  email_normalized: string | null;
  created_at: string;
  updated_at: string;
}

export interface ReviewsTable {
  site_id: string;
  id: string;
  namespace: string;
  entity_id: string;
  contact_id: string | null;
  author_name: string | null;
  title: string | null;
  body: string | null;
  media_json: string;
  rating: number;
  reply_message: string | null;
  reply_created_at: string | null;
  reply_updated_at: string | null;
  found_helpful: number;
  found_unhelpful: number;
  helpfulness: number;
  moderation_status: string;
  manually_changed: number;
  revision: number;
  verified: number;
  origin_type: string;
  origin_app_id: string | null;
  review_date: string;
  relevance_score: number;
  publish_count: number;
  event_sequence: number;
  content_hash: string;
  created_at: string;
  updated_at: string;
  deleted_at: string | null;
}

export interface EntitySummariesTable {
  site_id: string;
  namespace: string;
  entity_id: string;
  review_count: number;
  rating_sum: number;
  r1: number;
  r2: number;
  r3: number;
  r4: number;
  r5: number;
  updated_at: string;
}

export interface OutboxEventsTable {
  position: Generated<number>;
  site_id: string;
  id: string;
  event_type: string;
  slug: string;
  entity_id: string;
  entity_event_sequence: number;
  body_json: string;
  created_at: string;
}

export interface JobsTable {
  site_id: string;
  id: string;
  kind: string;
  status: string;
  params_json: string;
  cursor: string | null;
  processed: number;
  succeeded: number;
  failed: number;
  error: string | null;
  locked_by: string | null;
  locked_until: string | null;
  created_at: string;
  updated_at: string;
  completed_at: string | null;
}

export interface IdempotencyKeysTable {
  site_id: string;
  principal: string;
  idem_key: string;
  request_hash: string;
  status_code: number | null;
  response_json: string | null;
  locked_until: string;
  created_at: string;
}

export interface Database {
  sites: SitesTable;
  api_keys: ApiKeysTable;
  contacts: ContactsTable;
  reviews: ReviewsTable;
  entity_summaries: EntitySummariesTable;
  outbox_events: OutboxEventsTable;
  jobs: JobsTable;
  idempotency_keys: IdempotencyKeysTable;
}

export type SiteRow = Selectable<SitesTable>;
export type ApiKeyRow = Selectable<ApiKeysTable>;
export type ContactRow = Selectable<ContactsTable>;
export type ReviewRow = Selectable<ReviewsTable>;
export type NewReviewRow = Insertable<ReviewsTable>;
export type ReviewRowPatch = Updateable<ReviewsTable>;
export type EntitySummaryRow = Selectable<EntitySummariesTable>;
export type JobRow = Selectable<JobsTable>;
