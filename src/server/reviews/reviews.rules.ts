/**
 * Pure review rules: media checks, the content fingerprint used for idempotent creates, PATCH/field-mask
 * application, and the relevance score. No I/O, no clock (time is a parameter).
 */
import {
  type FieldViolation,
  type Media,
  type ReviewContentInput,
  type ReviewUpdateInput,
  UPDATE_MASK_PATHS,
} from '../../contract/index.ts';
import type { ReviewRow } from '../db/schema.ts';
import { digest } from '../digest.ts';

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
  return digest('sha256', canonical, 'hex');
}

/** Normalizes a field mask given as an array, `{paths}` or a comma-separated string. */
export function normalizeMask(mask: unknown): string[] | undefined {
  if (mask === undefined || mask === null) return undefined;
  if (Array.isArray(mask)) return mask.map(String);
  if (typeof mask === 'string')
    return mask
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  if (typeof mask === 'object' && Array.isArray((mask as { paths?: unknown }).paths)) {
    return (mask as { paths: unknown[] }).paths.map(String);
  }
  return undefined;
}

export function maskViolations(
  mask: string[] | undefined,
  allowed: readonly string[],
  field: string,
): FieldViolation[] {
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
  if (input.reviewDate !== undefined && allowed('reviewDate'))
    next.reviewDate = new Date(input.reviewDate).toISOString();
  if (input.author && input.author.authorName !== undefined && allowed('author.authorName')) {
    next.authorName = input.author.authorName;
  }
  if (input.content)
    Object.assign(
      next,
      applyContent(current, input.content, (p) => allowed(p)),
    );
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

/** The half-life of relevance: a review's score halves with every year of age. */
export const RELEVANCE_HALF_LIFE_DAYS = 365;
/** Scores are sent rounded to 6 decimals: level k of 0…RELEVANCE_LEVELS is the score k / 1e6. */
export const RELEVANCE_LEVELS = 1_000_000;
/**
 * The quality a review with nothing to its credit (no text, media, votes or verification) is ranked with, instead
 * of 0, whose logarithm would be -Infinity. 2^-128 is far below the smallest quality anything earns (one character
 * of text: 0.0005 ≈ 2^-11) decayed over a century (2^-100), so such reviews still rank below every review that has
 * something, among themselves newest first, and their score rounds to 0 as before.
 */
export const RELEVANCE_QUALITY_FLOOR = 2 ** -128;
const DAY_MS = 86_400_000;

/** Whole UTC days since 1970-01-01: ages count calendar days, so a score stays the same all day. */
const utcDay = (d: Date): number => Math.floor(d.getTime() / DAY_MS);

/** The day whose scores a read at `now` carries: every `relevanceScore` is the same from one to the next. */
export const scoreDay = utcDay;
/** The rank a review of quality 1 dated on the day of `at` has; ranks and thresholds share this one term. */
const dayTerm = (at: Date): number => utcDay(at) / RELEVANCE_HALF_LIFE_DAYS;

/**
 * The part of relevance that does not decay, in [0, 1] (docs/product.md §3 decision 7):
 *
 *   quality = 0.50 · wilson(helpful, unhelpful) + 0.25 · min(1, textLength / 500)
 *           + 0.15 · min(1, mediaCount / 3)    + 0.10 · verified
 */
export function relevanceQuality(input: {
  helpful: number;
  unhelpful: number;
  textLength: number;
  mediaCount: number;
  verified: boolean;
}): number {
  return (
    0.5 * wilsonLowerBound(input.helpful, input.unhelpful) +
    0.25 * Math.min(1, input.textLength / 500) +
    0.15 * Math.min(1, input.mediaCount / 3) +
    0.1 * (input.verified ? 1 : 0)
  );
}

/**
 * The stored relevance rank: log2(quality) + reviewDay / 365, a value that never changes with time. The score at
 * any instant is quality · 2^(-ageDays / 365) = 2^(rank - today / 365), so ordering by rank is ordering by score at
 * every instant, and an index on the rank serves the relevance sort with no rescoring. A review dated after `now`
 * (the instant it is scored) counts as dated on that day: it can never rank above its own quality.
 */
export function relevanceRank(quality: number, reviewDate: Date, now: Date): number {
  const day = Math.min(utcDay(reviewDate), utcDay(now)) / RELEVANCE_HALF_LIFE_DAYS;
  return Math.log2(Math.max(quality, RELEVANCE_QUALITY_FLOOR)) + day;
}

/**
 * The lowest rank whose score at `now` is at least level `level` (1…RELEVANCE_LEVELS): the score k / 1e6 is
 * round6(2^(rank - today / 365)), and rounding reaches level k from (k - 0.5) / 1e6 on. Filters on `relevanceScore`
 * become comparisons with these bounds; `relevanceAt` is defined by them, so the two always agree.
 */
export function relevanceBound(level: number, now: Date): number {
  return boundAt(dayTerm(now), level);
}

/** `relevanceBound` for the day term `today` of an instant, computed once per read. */
const boundAt = (today: number, level: number): number => today + Math.log2((level - 0.5) / RELEVANCE_LEVELS);

/**
 * The score (the wire `relevanceScore`) of a review of rank `rank` at `now`: the highest level whose bound the rank
 * reaches, divided by 1e6, so in [0, 1] and constant during a UTC day. It equals round6(quality · 0.5^(ageDays / 365)),
 * clamped to 1 if the clock reads a day before the one the review was scored on.
 */
export function relevanceAt(rank: number, now: Date): number {
  const today = dayTerm(now);
  // An estimate (exp is several times cheaper than a fractional power of 2); it is off by one at most where
  // rounding meets the logarithm, and the bounds decide.
  let level = Math.round(Math.min(1, Math.exp((rank - today) * Math.LN2)) * RELEVANCE_LEVELS);
  while (level < RELEVANCE_LEVELS && rank >= boundAt(today, level + 1)) level++;
  while (level > 0 && rank < boundAt(today, level)) level--;
  return level / RELEVANCE_LEVELS;
}

/**
 * Relevance in [0, 1] of a review at `now`: its quality (`relevanceQuality`) halved every 365 whole UTC days of
 * age, rounded to 6 decimals. So it rises with helpful votes (strictly, below saturation) and falls with unhelpful
 * ones, rises with text, media and a verified purchase, halves every year of age, and stays within [0, 1]. What is
 * stored is the rank, which does not decay (`relevanceRank`); this is the score read from it (`relevanceAt`).
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
  return relevanceAt(relevanceRank(relevanceQuality(input), input.reviewDate, input.now), input.now);
}

/**
 * The relevance rank to store for a review row scored at `now` (docs/product.md §3 decision 7): it does not decay,
 * so it is written on every write and vote and never rewritten as time passes; `relevanceAt`
 * turns it into the score at the instant of a read. Votes, the import and every write path store it the same way.
 */
export function score(
  row: Pick<ReviewRow, 'found_helpful' | 'found_unhelpful' | 'title' | 'body' | 'verified' | 'review_date'>,
  now: Date,
  media: readonly Media[],
): number {
  const quality = relevanceQuality({
    helpful: row.found_helpful,
    unhelpful: row.found_unhelpful,
    textLength: (row.title?.length ?? 0) + (row.body?.length ?? 0),
    mediaCount: media.length,
    verified: row.verified === 1,
  });
  return relevanceRank(quality, new Date(row.review_date), now);
}
