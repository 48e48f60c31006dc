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
  /** The key's last four characters (null on keys made before they were kept). */
  last_four: string | null;
}

export interface ContactsTable {
  site_id: string;
  id: string;
  name: string | null;
  email: string | null;
  email_normalized: string | null;
  created_at: string;
  updated_at: string;
  /** Contacts v4 `info.name.first` / `.last`; null for contacts made by createReviewAndContact (name only). */
  name_first: string | null;
  name_last: string | null;
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
  /**
   * log2(quality) + reviewDay / 365: relevance without its age decay, so it never changes with time and one index
   * serves the relevance sort. The wire `relevanceScore` is computed from it at read time (reviews.rules.ts).
   */
  relevance_rank: number;
  /** Open abuse reports on the review, kept by the review unit of work (the queue's `reported` filter). */
  open_reports: Generated<number>;
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
  /** JSON of the event's `identity` (who made the change); null on events written before it was recorded. */
  identity_json: string | null;
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
  /** What the job leaves besides its counts, as JSON (an import's report); null until then. */
  result_json: string | null;
  /** An import job's upload size in bytes; null for other jobs. */
  bytes_total: number | null;
  /** How many bytes of the upload the import has read; null for other jobs. */
  bytes_read: number | null;
}

/** The file of an import job, kept until the job has run. */
export interface JobUploadsTable {
  site_id: string;
  job_id: string;
  content: string;
  created_at: string;
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

export interface ModerationRulesTable {
  site_id: string;
  namespace: string;
  version: number;
  rules_json: string;
  updated_at: string;
}

export interface ModerationRulesVersionsTable {
  site_id: string;
  namespace: string;
  version: number;
  rules_json: string;
  /** Who saved it (the audit actor's kind and id); null for versions saved before they were recorded. */
  actor_kind: string | null;
  actor_id: string | null;
  created_at: string;
}

export interface ModerationAuditTable {
  site_id: string;
  id: string;
  review_id: string;
  actor_kind: string;
  actor_id: string | null;
  from_status: string;
  to_status: string;
  reason: string;
  created_at: string;
}

export interface WebhooksTable {
  site_id: string;
  id: string;
  url: string;
  event_types_json: string;
  format: 'wix' | 'json';
  secret: string;
  /** The receiving app's id: the `aud` claim of `wix`-format JWTs; null sends none. */
  app_id: string | null;
  created_at: string;
  updated_at: string;
}

export interface WebhookKeysTable {
  site_id: string;
  private_key_pem: string;
  public_key_pem: string;
  created_at: string;
}

export interface WebhookDeliveriesTable {
  site_id: string;
  id: string;
  /** A webhook id, or `nats` for the JetStream publisher. */
  webhook_id: string;
  event_id: string;
  event_position: number;
  event_type: string;
  status: 'PENDING' | 'DELIVERED' | 'DEAD';
  attempts: number;
  next_attempt_at: string | null;
  /** Start of the retry window (creation, or the last manual redelivery). */
  window_started_at: string;
  last_status: number | null;
  last_error: string | null;
  locked_by: string | null;
  locked_until: string | null;
  delivered_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface WebhookFanoutTable {
  id: string;
  position: number;
  updated_at: string;
}

/** Per site, the highest outbox position purged by retention (a feed position below it has lost events). */
export interface OutboxPurgedTable {
  site_id: string;
  position: number;
  updated_at: string;
}

export interface ReviewVotesTable {
  site_id: string;
  review_id: string;
  voter_id: string;
  vote: 'HELPFUL' | 'UNHELPFUL';
  created_at: string;
  updated_at: string;
}

export interface ReviewReportsTable {
  site_id: string;
  id: string;
  review_id: string;
  reporter_id: string;
  reporter_kind: string;
  /** A visitor reporter's mint mark (keyed hash of the network and day it was minted from); null for members. */
  reporter_mint_mark: string | null;
  review_author_id: string | null;
  reason: string;
  text: string | null;
  status: 'OPEN' | 'DISMISSED';
  created_at: string;
  dismissed_at: string | null;
}

export interface EngagementSettingsTable {
  site_id: string;
  report_threshold: number;
  updated_at: string;
}

export interface PrivacyAuditTable {
  site_id: string;
  id: string;
  kind: 'ERASE_CONTACT' | 'EXPORT_CONTACT';
  actor_kind: string;
  actor_id: string | null;
  /** Counts only (reviews, votes, reports erased); never the contact's id or data. */
  summary_json: string;
  created_at: string;
}

/** A named lease on periodic work: the instance `holder` does it, and no other takes it before `expires_at`. */
export interface LeasesTable {
  name: string;
  holder: string;
  expires_at: string;
}

/** A dashboard user of one site (docs/adr/0014). `password_hash` is `scrypt$N$r$p$salt$hash` (base64url). */
export interface UsersTable {
  site_id: string;
  id: string;
  email: string;
  email_normalized: string;
  role: 'owner' | 'moderator';
  password_hash: string;
  created_at: string;
  updated_at: string;
}

/** A signed-in session: only the SHA-256 of its token is kept. */
export interface UserSessionsTable {
  token_hash: string;
  site_id: string;
  id: string;
  user_id: string;
  /** The synchronizer token unsafe requests of this session must carry in `x-csrf-token`. */
  csrf_token: string;
  created_at: string;
  /** Moved forward (coarsely) by use; the session ends when idle past the configured time. */
  last_seen_at: string;
  /** The absolute end of the session, whatever its use. */
  expires_at: string;
  /** A summary of the browser that signed in ("Firefox 133 on Linux"), never the full header; null before 0501. */
  user_agent: string | null;
  /** The client's network at sign-in (IPv4 /24, IPv6 /64), never the address; null before 0501. */
  client_network: string | null;
}

/** Failed sign-ins per (site, e-mail) in the current window; `site_id` is '' for a sign-in that named no site. */
export interface SignInFailuresTable {
  site_id: string;
  email_normalized: string;
  failures: number;
  window_started_at: string;
  locked_until: string | null;
}

/** What happened to users and sessions: sign-ins, lockouts, sign-outs, users made, changed or removed. */
export interface UserAuditTable {
  site_id: string;
  id: string;
  action: string;
  actor_kind: string;
  actor_id: string | null;
  subject_user_id: string | null;
  /** Never a password, token or hash. */
  detail_json: string;
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
  job_uploads: JobUploadsTable;
  idempotency_keys: IdempotencyKeysTable;
  webhooks: WebhooksTable;
  webhook_keys: WebhookKeysTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_fanout: WebhookFanoutTable;
  moderation_rules: ModerationRulesTable;
  moderation_audit: ModerationAuditTable;
  moderation_rules_versions: ModerationRulesVersionsTable;
  review_votes: ReviewVotesTable;
  review_reports: ReviewReportsTable;
  engagement_settings: EngagementSettingsTable;
  privacy_audit: PrivacyAuditTable;
  outbox_purged: OutboxPurgedTable;
  leases: LeasesTable;
  users: UsersTable;
  user_sessions: UserSessionsTable;
  sign_in_failures: SignInFailuresTable;
  user_audit: UserAuditTable;
}

export type SiteRow = Selectable<SitesTable>;
export type UserRow = Selectable<UsersTable>;
export type UserSessionRow = Selectable<UserSessionsTable>;
export type ApiKeyRow = Selectable<ApiKeysTable>;
export type ContactRow = Selectable<ContactsTable>;
export type ReviewRow = Selectable<ReviewsTable>;
export type NewReviewRow = Insertable<ReviewsTable>;
export type ReviewRowPatch = Updateable<ReviewsTable>;
export type EntitySummaryRow = Selectable<EntitySummariesTable>;
export type JobRow = Selectable<JobsTable>;
export type ModerationRulesRow = Selectable<ModerationRulesTable>;
export type ModerationAuditRow = Selectable<ModerationAuditTable>;
export type ModerationRulesVersionRow = Selectable<ModerationRulesVersionsTable>;
export type WebhookRow = Selectable<WebhooksTable>;
export type WebhookDeliveryRow = Selectable<WebhookDeliveriesTable>;
export type ReviewVoteRow = Selectable<ReviewVotesTable>;
export type ReviewReportRow = Selectable<ReviewReportsTable>;
