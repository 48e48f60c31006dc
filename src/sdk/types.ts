/**
 * Velo/SDK-shaped types of the Verdict client: the REST shapes of `src/contract` with the official SDK's renames
 * (`id` → `_id`, `createdDate` → `_createdDate`, `updatedDate` → `_updatedDate`), timestamps as `Date` and media as
 * `wix:image://` / `wix:video://` strings (docs/wix-api.md §2).
 */
import type { ImportReport, JobStatus, ModerationStatus, OriginType } from '../contract/index.ts';

export type { JobStatus, ModerationStatus, OriginType };

/** One media item: exactly one of `image` or `video`, as a `wix:image://v1/…` / `wix:video://v1/…` string or a URL. */
export interface MediaItem {
  image?: string;
  video?: string;
}

export interface ReviewContent {
  title?: string;
  body?: string;
  media: MediaItem[];
  /** 1 to 5. */
  rating: number;
}

export interface Reply {
  message: string;
  _createdDate: Date;
  _updatedDate: Date;
}

/** A review as every read method returns it. */
export interface Review {
  _id: string;
  namespace: string;
  entityId: string;
  content: ReviewContent;
  _createdDate: Date;
  _updatedDate: Date;
  author: { contactId?: string; authorName?: string };
  reply?: Reply;
  foundHelpful: number;
  foundUnhelpful: number;
  helpfulness: number;
  moderation: { moderationStatus: ModerationStatus; manuallyChanged: boolean };
  /** Optimistic-concurrency counter (digit string); pass it back to `updateReview`. */
  revision: string;
  verified: boolean;
  origin: { type: OriginType; appId?: string };
  reviewDate: Date;
  relevanceScore: number;
  publishCount: number;
}

/** Content as accepted on create and update: every field optional; `null` clears a title or body on update. */
export interface ReviewContentInput {
  title?: string | null;
  body?: string | null;
  media?: MediaItem[];
  rating?: number;
}

/** What `createReview` takes. Read-only fields of `Review` are not part of it. */
export interface CreateReviewInput {
  /** A client-chosen GUID makes the create idempotent (imports). */
  _id?: string;
  namespace: string;
  entityId: string;
  content: ReviewContentInput & { rating: number };
  author?: { contactId?: string | null; authorName?: string | null };
  reviewDate?: Date;
}

/** One `bulkCreateReview` item: `author.contactId` is required, `content.rating` is not (docs/wix-api.md §4.3). */
export interface BulkCreateReviewInput {
  _id?: string;
  namespace: string;
  entityId: string;
  content: ReviewContentInput;
  author: { contactId: string; authorName?: string | null };
  reviewDate?: Date;
}

/** What `updateReview` takes: `revision` is required; only fields present change (PATCH). */
export interface UpdateReviewInput {
  revision: string;
  namespace?: string;
  entityId?: string;
  content?: ReviewContentInput;
  /** `author.contactId` is immutable; only `authorName` can change. */
  author?: { authorName?: string | null };
  reviewDate?: Date;
}

export interface UpdateReviewOptions {
  /** Limits the update to these paths (e.g. `['content.title']`). */
  fieldMask?: string[];
}

export interface UpdateReviewContentOptions {
  content: ReviewContentInput;
  fieldMask?: string[];
}

export interface CreateReviewAndContactOptions {
  /** Author name; with `email`, creates the contact when the caller is not one yet. */
  name?: string;
  email?: string;
}

export interface GetReviewOptions {
  /** Also return an unpublished review (callers allowed to read it: owner, app with read_private, its own author). */
  returnPrivateReviews?: boolean;
}

export interface QueryReviewsOptions {
  returnPrivateReviews?: boolean;
}

/** A Wix query-language filter, with Velo field names (`_id`, `_createdDate`) and `Date` values allowed. */
export type ReviewFilter = Record<string, unknown>;

export interface CountReviewsOptions {
  filter?: ReviewFilter;
  includePrivateReviews?: boolean;
}

export interface BulkCreateReviewOptions {
  /** Return each created review in `results[].review`. */
  returnEntity?: boolean;
}

export interface ApplicationError {
  code: string;
  description: string;
  data?: Record<string, unknown>;
}

export interface BulkReviewResult {
  itemMetadata: { _id?: string; originalIndex: number; success: boolean; error?: ApplicationError };
  review?: Review;
}

export interface BulkCreateReviewResponse {
  results: BulkReviewResult[];
  bulkActionMetadata: { totalSuccesses: number; totalFailures: number; undetailedFailures: number };
}

export interface BulkDeleteReviewsOptions {
  filter: ReviewFilter;
}

export interface BulkUpdateModerationStatusOptions {
  filter: ReviewFilter;
  status: 'APPROVED' | 'REJECTED';
}

/** A bulk job as `jobs.getJob` returns it. */
export interface Job {
  _id: string;
  kind: string;
  status: JobStatus;
  processed: number;
  succeeded: number;
  failed: number;
  error?: string;
  _createdDate: Date;
  _updatedDate: Date;
  completedDate?: Date;
  /** An import job's reconciliation report, once the job has finished. */
  result?: ImportReport;
  /** An import job's progress through its upload, in bytes read. */
  progress?: { unit: 'BYTES'; done: number; total: number };
}
