/**
 * The review page: public routes a shop's product page (or its server) reads without credentials — the first page
 * of an entity's published reviews with its summary (JSON for the widget, an HTML fragment for server-rendered
 * pages) and schema.org JSON-LD for crawlers. The site is named by its public client id.
 */
import { type Static, Type } from 'typebox';
import type { ReportReason } from './engagement.ts';
import { EMBED_FIRST_PAGE_SIZE, type REPORT_REASONS } from './limits.ts';
import { EntityId, Namespace, Review } from './review.ts';
import { RatingSummary } from './summaries.ts';

// The plain list in limits.ts and the schema must name the same reasons.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const reasonsAgree: Same<(typeof REPORT_REASONS)[number], ReportReason> = true;
void reasonsAgree;

const Site = Type.String({
  minLength: 1,
  maxLength: 100,
  description: "The site's public client id (the one visitors exchange at POST /oauth2/token).",
  examples: ['c3f519bb-af0e-4988-9220-0bee4be36263'],
});

export const ReviewPageQuery = Type.Object({ site: Site, namespace: Namespace, entityId: EntityId });
export type ReviewPageQuery = Static<typeof ReviewPageQuery>;

/** What the widget renders first: the summary and the first published reviews by relevance, with the next cursor. */
export const ReviewPageData = Type.Object(
  {
    summary: RatingSummary,
    reviews: Type.Array(Review, { maxItems: EMBED_FIRST_PAGE_SIZE }),
    nextCursor: Type.Union([Type.String(), Type.Null()], {
      description: 'Cursor for POST /reviews/v1/reviews/query (with a visitor token); null when there is no more.',
    }),
  },
  { description: 'First page of published reviews of one entity, by relevance, with its rating summary.' },
);
export type ReviewPageData = Static<typeof ReviewPageData>;

export const ReviewFragmentQuery = Type.Object({
  ...ReviewPageQuery.properties,
  locale: Type.Optional(
    Type.String({
      pattern: '^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$',
      maxLength: 35,
      description: 'BCP 47 tag for dates and numbers (default en).',
    }),
  ),
});
export type ReviewFragmentQuery = Static<typeof ReviewFragmentQuery>;

export const ReviewFragment = Type.String({
  description:
    'HTML fragment (summary and first reviews) to place inside <verdict-reviews>; it carries the same data as JSON in a <script type="application/json" data-verdict-page> element, which the widget reuses.',
});

export const JsonLdQuery = Type.Object({
  ...ReviewPageQuery.properties,
  name: Type.String({ minLength: 1, maxLength: 300, description: 'Product name, as the shop shows it.' }),
  url: Type.Optional(
    Type.String({ maxLength: 2048, pattern: '^https?://', description: 'Canonical product page URL.' }),
  ),
});
export type JsonLdQuery = Static<typeof JsonLdQuery>;

const Rating = Type.Object({
  '@type': Type.Literal('Rating'),
  ratingValue: Type.Number(),
  bestRating: Type.Number(),
  worstRating: Type.Number(),
});

/** schema.org JSON-LD of a product with its rating and latest published reviews (Google review snippets). */
export const ProductJsonLd = Type.Object(
  {
    '@context': Type.Literal('https://schema.org'),
    '@type': Type.Literal('Product'),
    name: Type.String(),
    url: Type.Optional(Type.String()),
    aggregateRating: Type.Optional(
      Type.Object({
        '@type': Type.Literal('AggregateRating'),
        ratingValue: Type.Number(),
        reviewCount: Type.Integer(),
        bestRating: Type.Number(),
        worstRating: Type.Number(),
      }),
    ),
    review: Type.Array(
      Type.Object({
        '@type': Type.Literal('Review'),
        author: Type.Object({ '@type': Type.Literal('Person'), name: Type.String() }),
        datePublished: Type.String(),
        name: Type.Optional(Type.String()),
        reviewBody: Type.Optional(Type.String()),
        reviewRating: Rating,
      }),
    ),
  },
  { description: 'Only published reviews appear; an entity without reviews has no aggregateRating.' },
);
export type ProductJsonLd = Static<typeof ProductJsonLd>;
