/**
 * The permission matrix of PRODUCT.md §2 as data, and the one function that reads it. Every route names its
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
  | 'updateSiteSettings';

interface Rule {
  visitor: boolean;
  member: boolean;
  /** App keys need at least one of these scopes; empty = apps may not call. */
  appScopes: readonly Scope[];
}

const READ: Rule = {
  visitor: true,
  member: true,
  appScopes: ['reviews.read', 'reviews.read_private', 'reviews.manage', 'reviews.moderate'],
};
const MANAGE: Rule = { visitor: false, member: false, appScopes: ['reviews.manage'] };
const MODERATE: Rule = { visitor: false, member: false, appScopes: ['reviews.moderate', 'reviews.manage'] };
const ADMIN_ONLY: Rule = { visitor: false, member: false, appScopes: [] };

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
};

/** Whether `p` may call `op` at all (row-level rules such as "own reviews only" are applied by the service). */
export function isAllowed(p: Principal, op: Operation): boolean {
  const rule = PERMISSIONS[op];
  switch (p.kind) {
    case 'ADMIN':
      return true;
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
