/**
 * The operations anyone may call without credentials: the visitor token exchange, and the review page of a
 * product (published reviews only) as JSON for the widget, as an HTML fragment and as schema.org JSON-LD. The
 * site is named in the request by its public client id.
 */
import { TokenRequest, TokenResponse } from '../auth.ts';
import {
  JsonLdQuery,
  ProductJsonLd,
  ReviewFragment,
  ReviewFragmentQuery,
  ReviewPageData,
  ReviewPageQuery,
} from '../embed.ts';
import { type Operation, PUBLIC } from './define.ts';
import * as routes from './routes.ts';

const tag = 'review page';

export const publicOperations = {
  createAccessToken: {
    ...routes.createAccessToken,
    summary: 'Exchange a site client id for anonymous visitor tokens (or refresh them)',
    tag: 'auth',
    access: PUBLIC,
    body: TokenRequest,
    response: TokenResponse,
    // An unknown client id, or a refresh token that is invalid or of another site.
    errors: ['UNAUTHENTICATED'],
    rateLimit: 'tokens',
  },
  getReviewPage: {
    ...routes.getReviewPage,
    summary: 'Rating summary and first published reviews of an entity (public; the widget’s first request)',
    tag,
    access: PUBLIC,
    query: ReviewPageQuery,
    response: ReviewPageData,
    errors: ['SITE_NOT_FOUND'],
  },
  getReviewFragment: {
    ...routes.getReviewFragment,
    summary: 'The same as an HTML fragment to put inside <verdict-reviews> (public)',
    tag,
    access: PUBLIC,
    query: ReviewFragmentQuery,
    response: ReviewFragment,
    produces: 'text/html',
    errors: ['SITE_NOT_FOUND'],
  },
  getProductJsonLd: {
    ...routes.getProductJsonLd,
    summary: 'schema.org Product JSON-LD with AggregateRating and the latest published reviews (public)',
    tag,
    access: PUBLIC,
    query: JsonLdQuery,
    response: ProductJsonLd,
    produces: 'application/ld+json',
    errors: ['SITE_NOT_FOUND'],
  },
} as const satisfies Record<string, Operation>;
