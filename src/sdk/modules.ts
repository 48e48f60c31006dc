/**
 * The shop-facing modules beside `reviews`: rating summaries, contacts (Wix Contacts v4 names, plus member tokens),
 * bulk jobs, and the public storefront operations (the review page, its HTML fragment, product JSON-LD) with the
 * visitor token exchange. Thin wrappers of the catalogue's operations: arguments and answers are typed from it.
 */
import type { RatingSummary } from '../contract/index.ts';
import type { CallOutput } from '../contract/operations/call.ts';
import type { Transport } from './http.ts';
import type { BodyOf, QueryOf } from './operation-types.ts';
import { jobFromRest } from './transform.ts';
import type { Job } from './types.ts';

export interface RatingsModule {
  /** Count, average and 1-5 histogram of the approved reviews of one entity. */
  getRatingSummary(namespace: string, entityId: string): Promise<RatingSummary>;
  /** Summaries of up to 100 entities of one namespace, in the order asked. */
  batchRatingSummaries(namespace: string, entityIds: string[]): Promise<{ summaries: RatingSummary[] }>;
}

export interface ContactsModule {
  /** Restricted (admin key). Creates a contact from a name and/or an email; CONTACT_ALREADY_EXISTS when the email is taken. */
  createContact(
    info: BodyOf<'createContact'>['info'],
    options?: Omit<BodyOf<'createContact'>, 'info'>,
  ): Promise<CallOutput<'createContact'>>;
  /** Restricted (admin key). A contact by id. */
  getContact(contactId: string): Promise<CallOutput<'getContact'>>;
  /** Restricted (admin key). Contacts by email (`info.emails.email` or `primaryInfo.email` in `query.filter`), paged. */
  queryContacts(request?: BodyOf<'queryContacts'>): Promise<CallOutput<'queryContacts'>>;
  /**
   * Restricted (admin key). Mints a short-lived token for a logged-in member (the contact id of the member); hand
   * it to the member's browser as `auth: { memberToken }`.
   */
  createMemberToken(contactId: string, options?: { ttlSeconds?: number }): Promise<CallOutput<'createMemberToken'>>;
}

export interface JobsModule {
  /** Restricted. Status of a bulk job (`bulkDeleteReviews`, `bulkUpdateModerationStatus`). */
  getJob(jobId: string): Promise<Job>;
}

/** Public: sent without credentials, so a visitor client does not fetch a token for them. */
export interface StorefrontModule {
  /** The rating summary and first published reviews of an entity (`site` is the site's public client id). */
  getReviewPage(query: QueryOf<'getReviewPage'>): Promise<CallOutput<'getReviewPage'>>;
  /** The same as an HTML fragment (text) to place inside `<verdict-reviews>`, for server-side rendering. */
  getReviewFragment(query: QueryOf<'getReviewFragment'>): Promise<CallOutput<'getReviewFragment'>>;
  /** schema.org Product JSON-LD with AggregateRating and the latest published reviews, for the product page. */
  getProductJsonLd(query: QueryOf<'getProductJsonLd'>): Promise<CallOutput<'getProductJsonLd'>>;
}

/** Public: sent without credentials. */
export interface VisitorsModule {
  /**
   * Exchanges the site's public client id for anonymous visitor tokens, or refreshes them (`grantType`
   * `refresh_token`). A client created with `auth: { anonymous }` does this itself; this is for code that keeps
   * visitor tokens on its own.
   */
  createAccessToken(request: BodyOf<'createAccessToken'>): Promise<CallOutput<'createAccessToken'>>;
}

export interface ShopModules {
  ratings: RatingsModule;
  contacts: ContactsModule;
  jobs: JobsModule;
  storefront: StorefrontModule;
  visitors: VisitorsModule;
}

/** The modules over `transport` (the client's credentials) and `open` (no credentials, for public operations). */
export function shopModules(transport: Transport, open: Transport): ShopModules {
  const { call } = transport;
  return {
    ratings: {
      getRatingSummary: async (namespace, entityId) =>
        (await call('getRatingSummary', { query: { namespace, entityId } })).summary,
      batchRatingSummaries: (namespace, entityIds) => call('batchRatingSummaries', { body: { namespace, entityIds } }),
    },
    contacts: {
      createContact: (info, options = {}) => call('createContact', { body: { ...options, info } }),
      getContact: (contactId) => call('getContact', { params: { contactId } }),
      queryContacts: (request = {}) => call('queryContacts', { body: request }),
      createMemberToken: (contactId, options = {}) => call('createMemberToken', { body: { contactId, ...options } }),
    },
    jobs: {
      getJob: async (jobId) => jobFromRest((await call('getJob', { params: { jobId } })).job),
    },
    storefront: {
      getReviewPage: (query) => open.call('getReviewPage', { query }),
      getReviewFragment: (query) => open.call('getReviewFragment', { query }),
      getProductJsonLd: (query) => open.call('getProductJsonLd', { query }),
    },
    visitors: {
      createAccessToken: (request) => open.call('createAccessToken', { body: request }),
    },
  };
}
