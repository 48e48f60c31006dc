/**
 * Plain limits and enumerations with no schema library behind them, so that browser code (the widget) can import
 * them without bundling TypeBox. The schemas in `review.ts` and `engagement.ts` are built from these values.
 */

/** Limits from the Wix SDK schemas and the product rules. */
export const LIMITS = {
  titleMaxLength: 3000,
  bodyMaxLength: 3000,
  mediaMaxItems: 10,
  entityIdMaxLength: 36,
  namespaceMaxLength: 36,
  authorNameMaxLength: 100,
  replyMaxLength: 10_000,
  bulkCreateMaxItems: 100,
  queryDefaultLimit: 50,
  queryMaxLimit: 100,
  inMaxValues: 100,
} as const;

/** Longest e-mail address createReviewAndContact accepts. */
export const EMAIL_MAX_LENGTH = 320;

/** Why a visitor may report a review; the `ReportReason` schema lists the same values. */
export const REPORT_REASONS = ['SPAM', 'OFFENSIVE', 'IRRELEVANT', 'FAKE', 'OTHER'] as const;

/** Reviews in the first page of the embed routes (and the widget's first render); later pages come by cursor. */
export const EMBED_FIRST_PAGE_SIZE = 3;
/** Reviews per "load more" page of the widget. */
export const EMBED_PAGE_SIZE = 10;
/** Latest published reviews listed in the JSON-LD of an entity. */
export const JSONLD_REVIEW_COUNT = 5;

/**
 * The budgets a call can count against (docs/rate-limits.md): visitor token minting, review creates, helpfulness
 * votes, abuse reports and dashboard sign-in attempts. The catalogue of operations names each rate-limited operation's budget; the server's
 * configuration sets each budget's size.
 */
export const RATE_LIMITED_ACTIONS = ['tokens', 'creates', 'votes', 'reports', 'signins'] as const;
export type RateLimitedAction = (typeof RATE_LIMITED_ACTIONS)[number];
