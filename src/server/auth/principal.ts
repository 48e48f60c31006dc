/** Who is calling: resolved once per request by the auth hook, then passed to every service call. */
import type { Scope, UserRole } from '../../contract/index.ts';

export type Principal =
  | { kind: 'ADMIN'; siteId: string; keyId: string }
  | { kind: 'APP'; siteId: string; keyId: string; appId: string | null; scopes: readonly Scope[] }
  | { kind: 'MEMBER'; siteId: string; contactId: string }
  | {
      kind: 'VISITOR';
      siteId: string;
      visitorId: string;
      contactId: string;
      /**
       * Keyed hash of the network and day the identity was minted from (never the address); absent on tokens
       * minted before mint marks existed. Reports weigh visitors by it (docs/rate-limits.md).
       */
      mintMark?: string;
    }
  /** A dashboard user signed in with a session cookie (docs/adr/0014); the role is read afresh on every request. */
  | { kind: 'USER'; siteId: string; userId: string; role: UserRole; sessionId: string };

/** A stable string naming the caller, for idempotency records and logs (never contains a secret). */
export function principalKey(p: Principal): string {
  switch (p.kind) {
    case 'ADMIN':
    case 'APP':
      return `${p.kind.toLowerCase()}:${p.keyId}`;
    case 'MEMBER':
      return `member:${p.contactId}`;
    case 'VISITOR':
      return `visitor:${p.visitorId}`;
    case 'USER':
      return `user:${p.userId}`;
  }
}

/** The contact a visitor or member acts as; undefined for keys. */
export function ownContactId(p: Principal): string | undefined {
  return p.kind === 'MEMBER' || p.kind === 'VISITOR' ? p.contactId : undefined;
}
