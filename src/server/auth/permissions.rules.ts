/**
 * The permission matrix of docs/product.md §2 as data, and the one function that reads it. Every route names its
 * operation; the auth hook calls `isAllowed` before the handler runs. Pure: no I/O.
 */
import type { Scope } from '../../contract/index.ts';
import type { Principal } from './principal.ts';

export type Operation =
  | 'getReview'
  | 'queryReviews'
  | 'countReviews'
  | 'createReview'
  | 'createReviewAndContact'
  | 'bulkCreateReview'
  | 'updateReview'
  | 'updateReviewContent'
  | 'deleteReview'
  | 'setReply'
  | 'removeReply'
  | 'updateModerationStatus'
  | 'bulkDeleteReviews'
  | 'bulkUpdateModerationStatus'
  | 'getJob'
  | 'readEvents'
  | 'getRatingSummary'
  | 'batchRatingSummaries'
  | 'createMemberToken'
  | 'getSiteSettings'
  | 'updateSiteSettings'
  | 'createWebhook'
  | 'listWebhooks'
  | 'getWebhook'
  | 'updateWebhook'
  | 'deleteWebhook'
  | 'listWebhookDeliveries'
  | 'redeliverWebhook'
  | 'getWebhookPublicKey'
  | 'getModerationRules'
  | 'updateModerationRules'
  | 'queryModerationAudit'
  | 'castVote'
  | 'reportReview'
  | 'listReviewReports'
  | 'dismissReviewReports'
  | 'listTrash'
  | 'restoreReview'
  | 'eraseContact'
  | 'exportContact'
  | 'getEngagementSettings'
  | 'updateEngagementSettings'
  | 'createContact'
  | 'getContact'
  | 'queryContacts'
  | 'readMetrics'
  | 'getReviewPage'
  | 'getReviewFragment'
  | 'getProductJsonLd';

interface Rule {
  visitor: boolean;
  member: boolean;
  /** App keys need at least one of these scopes; empty = apps may not call. */
  appScopes: readonly Scope[];
  /** False for the few operations only a shop visitor or member performs (votes, reports); default true. */
  admin?: boolean;
  /**
   * Open to every caller, with or without credentials (the shop's product page, its server, crawlers): the route
   * is public and names its site by the public client id; it shows only what any visitor may see.
   */
  public?: boolean;
}

const READ: Rule = {
  visitor: true,
  member: true,
  appScopes: ['reviews.read', 'reviews.read_private', 'reviews.manage', 'reviews.moderate'],
};
const MANAGE: Rule = { visitor: false, member: false, appScopes: ['reviews.manage'] };
const MODERATE: Rule = { visitor: false, member: false, appScopes: ['reviews.moderate', 'reviews.manage'] };
const ADMIN_ONLY: Rule = { visitor: false, member: false, appScopes: [] };
const PUBLIC: Rule = { visitor: true, member: true, appScopes: [], public: true };

export const PERMISSIONS: Record<Operation, Rule> = {
  getReview: READ,
  queryReviews: READ,
  countReviews: READ,
  createReview: { visitor: true, member: true, appScopes: ['reviews.manage'] },
  createReviewAndContact: { visitor: true, member: true, appScopes: ['reviews.manage'] },
  bulkCreateReview: MANAGE,
  updateReview: MANAGE,
  updateReviewContent: MANAGE,
  deleteReview: MANAGE,
  setReply: MANAGE,
  removeReply: MANAGE,
  updateModerationStatus: MODERATE,
  bulkDeleteReviews: MANAGE,
  bulkUpdateModerationStatus: MODERATE,
  getJob: { visitor: false, member: false, appScopes: ['reviews.manage', 'reviews.moderate'] },
  // Events carry unpublished reviews too (Wix: REVIEWS.READ_PRIVATE_REVIEWS).
  readEvents: { visitor: false, member: false, appScopes: ['reviews.read_private', 'reviews.manage'] },
  getRatingSummary: READ,
  batchRatingSummaries: READ,
  createMemberToken: ADMIN_ONLY,
  getSiteSettings: ADMIN_ONLY,
  updateSiteSettings: ADMIN_ONLY,
  createWebhook: ADMIN_ONLY,
  listWebhooks: ADMIN_ONLY,
  getWebhook: ADMIN_ONLY,
  updateWebhook: ADMIN_ONLY,
  deleteWebhook: ADMIN_ONLY,
  listWebhookDeliveries: ADMIN_ONLY,
  redeliverWebhook: ADMIN_ONLY,
  getWebhookPublicKey: ADMIN_ONLY,
  getModerationRules: ADMIN_ONLY,
  updateModerationRules: ADMIN_ONLY,
  // The audit log names reviews in every status, so it is for those who moderate them.
  queryModerationAudit: { visitor: false, member: false, appScopes: ['reviews.moderate'] },
  // Votes and reports are a shopper's voice (docs/product.md §2): one per visitor or member, never by a key.
  castVote: { visitor: true, member: true, appScopes: [], admin: false },
  reportReview: { visitor: true, member: true, appScopes: [], admin: false },
  // Reports are moderation material; restoring a deleted review is the reverse of deleteReview.
  listReviewReports: MODERATE,
  dismissReviewReports: MODERATE,
  listTrash: MANAGE,
  restoreReview: MANAGE,
  // Personal data of one person, and the minimal contacts resource: the owner only.
  eraseContact: ADMIN_ONLY,
  exportContact: ADMIN_ONLY,
  getEngagementSettings: ADMIN_ONLY,
  updateEngagementSettings: ADMIN_ONLY,
  createContact: ADMIN_ONLY,
  getContact: ADMIN_ONLY,
  queryContacts: ADMIN_ONLY,
  // Process-wide counts without site ids or content (see README, Metrics): any site's owner may scrape them.
  readMetrics: ADMIN_ONLY,
  // The review page of a product (published reviews only): anyone, with or without credentials.
  getReviewPage: PUBLIC,
  getReviewFragment: PUBLIC,
  getProductJsonLd: PUBLIC,
};

/** Whether `p` may call `op` at all (row-level rules such as "own reviews only" are applied by the service). */
export function isAllowed(p: Principal, op: Operation): boolean {
  const rule = PERMISSIONS[op];
  if (rule.public) return true;
  switch (p.kind) {
    case 'ADMIN':
      return rule.admin ?? true;
    case 'APP':
      return rule.appScopes.some((s) => p.scopes.includes(s));
    case 'MEMBER':
      return rule.member;
    case 'VISITOR':
      return rule.visitor;
  }
}

/**
 * How much of the unpublished review set a caller may read when it asks for private reviews:
 * everything (owner, app with reviews.read_private or reviews.manage), or only its own reviews (visitor, member).
 */
export function privateReadScope(p: Principal): 'all' | 'own' | 'none' {
  switch (p.kind) {
    case 'ADMIN':
      return 'all';
    case 'APP':
      return p.scopes.includes('reviews.read_private') || p.scopes.includes('reviews.manage') ? 'all' : 'none';
    case 'MEMBER':
    case 'VISITOR':
      return 'own';
  }
}
