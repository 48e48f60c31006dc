/**
 * Pure rules of the event envelope: who made a change (`identity`, from the acting principal), the site's context
 * (`instanceId`, `accountInfo`) and the `modifiedFields` of an update (docs/webhooks.md, "Identity and metadata").
 * No I/O, no clock.
 */
import {
  type AccountInfo,
  type EventContext,
  EventIdentity,
  type Review,
  UNKNOWN_IDENTITY,
} from '../../contract/index.ts';
import type { Principal } from '../auth/principal.ts';
import { digest } from '../digest.ts';

/**
 * The `wixUserId` of a site's owner: a GUID derived from the site id, so it stays the same across admin keys
 * (rotating a key does not turn the owner into someone else) and names no key. A dashboard user is named by its
 * own id.
 */
export function ownerUserId(siteId: string): string {
  const h = digest('sha256', `verdict-site-owner:${siteId}`, 'hex');
  // RFC 9562 layout: version 8 (custom), variant 10.
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${((Number.parseInt(h[16] ?? '0', 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * The identity of the principal that made a change: a visitor by its visitor id, a member by its member (contact)
 * id, an admin key as the site owner (`WIX_USER`), a dashboard user (owner or moderator) as `WIX_USER` with its
 * user id, an app key by its app id (the key id when the key names no app).
 */
export function eventIdentity(p: Principal): EventIdentity {
  switch (p.kind) {
    case 'VISITOR':
      return { identityType: 'ANONYMOUS_VISITOR', anonymousVisitorId: p.visitorId };
    case 'MEMBER':
      return { identityType: 'MEMBER', memberId: p.contactId };
    case 'ADMIN':
      return { identityType: 'WIX_USER', wixUserId: ownerUserId(p.siteId) };
    case 'USER':
      return { identityType: 'WIX_USER', wixUserId: p.userId };
    case 'APP':
      return { identityType: 'APP', appId: p.appId ?? p.keyId };
  }
}

const IDENTITY_TYPES = new Set(EventIdentity.anyOf.map((s) => s.properties.identityType.const));

/** A stored identity (`outbox_events.identity_json`); UNKNOWN for events written before it was recorded. */
export function parseIdentity(json: string | null | undefined): EventIdentity {
  if (!json) return UNKNOWN_IDENTITY;
  try {
    const v = JSON.parse(json) as { identityType?: unknown };
    return typeof v === 'object' && v !== null && IDENTITY_TYPES.has(v.identityType as never)
      ? (v as EventIdentity)
      : UNKNOWN_IDENTITY;
  } catch {
    return UNKNOWN_IDENTITY;
  }
}

/** `accountInfo` of a site's events: the site, and its owner as the account. */
export function accountInfo(siteId: string): AccountInfo {
  return { accountId: ownerUserId(siteId), siteId };
}

/** The metadata sent beside a stored event: the site as `instanceId`, its account, and who made the change. */
export function eventContext(siteId: string, identityJson: string | null | undefined): EventContext {
  return { instanceId: siteId, identity: parseIdentity(identityJson), accountInfo: accountInfo(siteId) };
}

/** Fields every update touches; listing them would hide what the caller actually changed. */
const BOOKKEEPING = new Set(['revision', 'updatedDate', 'relevanceScore']);
/** Paths reported whole even though their value is an object: a reply is set, replaced or removed as one. */
const WHOLE = new Set(['reply']);

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function diff(before: unknown, after: unknown, path: string, out: Record<string, unknown>): void {
  if (path !== '' && (WHOLE.has(path) || !isPlainObject(before) || !isPlainObject(after))) {
    // Arrays (media) and scalars compare by value; the previous value is reported, null when it was absent.
    if (JSON.stringify(before) !== JSON.stringify(after)) out[path] = before ?? null;
    return;
  }
  const b = before as Record<string, unknown>;
  const a = after as Record<string, unknown>;
  for (const key of new Set([...Object.keys(b), ...Object.keys(a)])) {
    const sub = path === '' ? key : `${path}.${key}`;
    if (path === '' && BOOKKEEPING.has(key)) continue;
    diff(b[key], a[key], sub, out);
  }
}

/**
 * `updatedEvent.modifiedFields`: every field path that differs between the review before and after an update
 * (`content.title`, `reply`, `moderation.moderationStatus`, …), each with its value before the update (null when it
 * had none), as Wix sends it. `revision`, `updatedDate` and `relevanceScore` change with every update and are left
 * out.
 */
export function modifiedFields(before: Review, after: Review): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  diff(before, after, '', out);
  return out;
}
