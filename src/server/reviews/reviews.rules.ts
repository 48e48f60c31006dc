/**
 * Pure review rules: media checks, the content fingerprint used for idempotent creates, PATCH/field-mask
 * application, and the relevance score. No I/O, no clock (time is a parameter).
 */
import { createHash } from 'node:crypto';
import {
  type FieldViolation,
  type Media,
  type ReviewContentInput,
  type ReviewUpdateInput,
  UPDATE_MASK_PATHS,
} from '../../contract/index.ts';

const URL_PATTERN = /^(https?:\/\/|wix:(image|video):\/\/)/i;

/** Each media item holds exactly one of image/video, and that one names an id or a URL. */
export function mediaViolations(media: readonly Media[] | undefined, path: string): FieldViolation[] {
  const out: FieldViolation[] = [];
  (media ?? []).forEach((m, i) => {
    const at = `${path}[${i}]`;
    const kinds = [m.image, m.video].filter((x) => x !== undefined);
    if (kinds.length !== 1) {
      out.push({ field: at, description: 'must hold exactly one of image or video', violatedRule: 'ONE_OF' });
      return;
    }
    const item = (m.image ?? m.video) as { id?: string; url?: string };
    const kind = m.image ? 'image' : 'video';
    if (!item.id && !item.url) {
      out.push({ field: `${at}.${kind}`, description: 'must have an id or a url', violatedRule: 'REQUIRED_FIELD' });
    }
    if (item.url !== undefined && !URL_PATTERN.test(item.url)) {
      out.push({ field: `${at}.${kind}.url`, description: 'must be an http(s) or wix: URL', violatedRule: 'FORMAT' });
    }
  });
  return out;
}

/** Canonical fingerprint of what a client sent on create, so a replayed create with the same id is recognized. */
export function contentFingerprint(input: {
  namespace: string;
  entityId: string;
  contactId: string | null;
  title: string | null;
  body: string | null;
  media: readonly Media[];
  rating: number;
}): string {
  const canonical = JSON.stringify([
    input.namespace,
    input.entityId,
    input.contactId,
    input.title,
    input.body,
    input.media,
    input.rating,
  ]);
  return createHash('sha256').update(canonical).digest('hex');
}

/** Normalizes a field mask given as an array, `{paths}` or a comma-separated string. */
export function normalizeMask(mask: unknown): string[] | undefined {
  if (mask === undefined || mask === null) return undefined;
  if (Array.isArray(mask)) return mask.map(String);
  if (typeof mask === 'string') return mask.split(',').map((s) => s.trim()).filter(Boolean);
  if (typeof mask === 'object' && Array.isArray((mask as { paths?: unknown }).paths)) {
    return (mask as { paths: unknown[] }).paths.map(String);
  }
  return undefined;
}

export function maskViolations(mask: string[] | undefined, allowed: readonly string[], field: string): FieldViolation[] {
  return (mask ?? [])
    .filter((p) => !allowed.includes(p))
    .map((p) => ({ field, description: `unsupported field mask path "${p}"`, violatedRule: 'INVALID_ENUM_VALUE' }));
}

/** The editable state of a review, in domain terms. */
export interface Editable {
  namespace: string;
  entityId: string;
  authorName: string | null;
  title: string | null;
  body: string | null;
  media: Media[];
  rating: number;
  reviewDate: string;
}

/** Whether a field mask lets `path` change: no mask allows everything; a parent path covers its children. */
export const maskAllows =
  (mask: readonly string[] | undefined) =>
  (path: string): boolean =>
    mask === undefined || mask.includes(path) || mask.some((m) => path.startsWith(`${m}.`));

/**
 * Applies an updateReview PATCH: a field changes only when present in the request and, with a mask, named by it.
 */
export function applyUpdate(current: Editable, input: ReviewUpdateInput, mask: string[] | undefined): Editable {
  const allowed = maskAllows(mask);
  const next: Editable = { ...current };
  if (input.namespace !== undefined && allowed('namespace')) next.namespace = input.namespace;
  if (input.entityId !== undefined && allowed('entityId')) next.entityId = input.entityId;
  if (input.reviewDate !== undefined && allowed('reviewDate')) next.reviewDate = new Date(input.reviewDate).toISOString();
  if (input.author && input.author.authorName !== undefined && allowed('author.authorName')) {
    next.authorName = input.author.authorName;
  }
  if (input.content) Object.assign(next, applyContent(current, input.content, (p) => allowed(p)));
  return next;
}

/** Applies a content change (updateReviewContent, or the content part of updateReview). */
export function applyContent(
  current: Editable,
  content: ReviewContentInput,
  allowed: (path: string) => boolean,
): Pick<Editable, 'title' | 'body' | 'media' | 'rating'> {
  return {
    title: content.title !== undefined && allowed('content.title') ? content.title : current.title,
    body: content.body !== undefined && allowed('content.body') ? content.body : current.body,
    media: content.media !== undefined && allowed('content.media') ? content.media : current.media,
    rating: content.rating !== undefined && allowed('content.rating') ? content.rating : current.rating,
  };
}

export const UPDATE_MASK = UPDATE_MASK_PATHS;
export const CONTENT_MASK = ['content', 'content.title', 'content.body', 'content.media', 'content.rating'] as const;

/** Lower bound of the Wilson score interval (95 %) for the share of helpful votes. */
export function wilsonLowerBound(helpful: number, unhelpful: number): number {
  const n = helpful + unhelpful;
  if (n === 0) return 0;
  const z = 1.96;
  const p = helpful / n;
  return (p + (z * z) / (2 * n) - z * Math.sqrt((p * (1 - p) + (z * z) / (4 * n)) / n)) / (1 + (z * z) / n);
}

/**
 * Relevance in [0, 1] (docs/product.md §3 decision 7), the one definition used on every write, vote and recompute:
 *
 *   quality = 0.50 · wilson(helpful, unhelpful) + 0.25 · min(1, textLength / 500)
 *           + 0.15 · min(1, mediaCount / 3)    + 0.10 · verified
 *   score   = round6(quality · 0.5^(ageDays / 365))      ageDays = whole days since reviewDate (≥ 0)
 *
 * So it rises with helpful votes (strictly, below saturation) and falls with unhelpful ones, rises with text,
 * media and a verified purchase, halves every year of age, and stays within [0, 1]. Stored scores age with the
 * clock, so the maintenance loop recomputes them at start and daily (src/server/engagement/maintenance.ts).
 */
export function relevanceScore(input: {
  helpful: number;
  unhelpful: number;
  textLength: number;
  mediaCount: number;
  verified: boolean;
  reviewDate: Date;
  now: Date;
}): number {
  const quality =
    0.5 * wilsonLowerBound(input.helpful, input.unhelpful) +
    0.25 * Math.min(1, input.textLength / 500) +
    0.15 * Math.min(1, input.mediaCount / 3) +
    0.1 * (input.verified ? 1 : 0);
  // Whole days: a score stays the same all day, so a recompute pass rewrites only what really changed.
  const ageDays = Math.max(0, Math.floor((input.now.getTime() - input.reviewDate.getTime()) / 86_400_000));
  const decay = 0.5 ** (ageDays / 365);
  return Math.round(quality * decay * 1e6) / 1e6;
}
