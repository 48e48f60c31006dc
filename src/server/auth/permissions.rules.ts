/**
 * The permission check: who may call each operation at all, read from the catalogue of operations
 * (`src/contract/operations`, the matrix of docs/product.md §2), and the row-level read scope of private reviews.
 * The auth hook calls `isAllowed` before any handler runs. Pure: no I/O.
 */
import { accessOf, type OperationName } from '../../contract/operations/index.ts';
import type { Principal } from './principal.ts';

/** An operation of the catalogue: the unit the permission matrix grants. */
export type Operation = OperationName;

/** Whether `p` may call `op` at all (row-level rules such as "own reviews only" are applied by the service). */
export function isAllowed(p: Principal, op: Operation): boolean {
  const rule = accessOf(op);
  if (rule.public) return true;
  if (rule.session) return p.kind === 'USER';
  switch (p.kind) {
    // An owner may do what the admin key may; a moderator what is marked for moderators.
    case 'USER':
      return p.role === 'owner' ? (rule.admin ?? true) : rule.moderator === true;
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
 * Whether `p` may see which reviews have open abuse reports, and so filter on them (`reported`): exactly the callers
 * that may list a review's reports.
 */
export const mayReadReports = (p: Principal): boolean => isAllowed(p, 'listReviewReports');

/**
 * How much of the unpublished review set a caller may read when it asks for private reviews:
 * everything (owner, dashboard users, app with reviews.read_private or reviews.manage), or only its own reviews
 * (visitor, member).
 */
export function privateReadScope(p: Principal): 'all' | 'own' | 'none' {
  switch (p.kind) {
    case 'ADMIN':
    case 'USER':
      return 'all';
    case 'APP':
      return p.scopes.includes('reviews.read_private') || p.scopes.includes('reviews.manage') ? 'all' : 'none';
    case 'MEMBER':
    case 'VISITOR':
      return 'own';
  }
}
