/**
 * Verifying Verdict webhooks with WebCrypto only (Node 20 and browsers/edge runtimes), for both delivery formats:
 * - `json`: the body is JSON; header `Verdict-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + "." + body)>`,
 *   refused outside a 5-minute window around now (replay protection).
 * - `wix`: the body is an RS256 JWT signed with the site's key, in the shape the official SDK's `webhooks.process()`
 *   reads (claim `data` = JSON string of `{ eventType, instanceId, identity, accountInfo, data }`, `data` the
 *   domain event). A `json` body carries `instanceId`, `accountInfo` and `identity` beside the event's fields.
 * Both return the Wix domain-event envelope, and the Velo event the matching `on…` handler would get.
 */
import { EVENT_TYPES } from '../contract/event-types.ts';
import type { AccountInfo, EventIdentity, EventSlug, ReviewDomainEvent } from '../contract/events.ts';
import { type EventContextWire, slugOfEventType, toVeloEvent, type VeloReviewEvent } from './events.ts';

/** Thrown when a webhook is not authentic, is outside the replay window, or is not a webhook at all. */
export class WebhookVerificationError extends Error {
  override readonly name = 'WebhookVerificationError';
}

export interface VerifiedWebhook {
  format: 'json' | 'wix';
  /** e.g. `wix.reviews.v1.review_created`. */
  eventType: string;
  /** The Wix domain-event envelope (REST names). */
  event: ReviewDomainEvent;
  /** The same event as the official SDK's handler of its type receives it; undefined for a non-review event type. */
  velo: VeloReviewEvent | undefined;
  /** The site (`instanceId`, `accountInfo.siteId`) and who made the change (`identity`), from either format. */
  instanceId?: string;
  identity?: EventIdentity;
  accountInfo?: AccountInfo;
}

export interface VerifyJsonOptions {
  /** Seconds a signature stays valid around now (default 300). */
  toleranceSeconds?: number;
  /** The clock (default: now). */
  now?: () => Date;
}

export const SIGNATURE_HEADER = 'Verdict-Signature';

const SLUGS = Object.keys(EVENT_TYPES).filter((k): k is EventSlug => k in EVENT_TYPES);
const encoder = new TextEncoder();
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function fail(message: string): never {
  throw new WebhookVerificationError(message);
}

function hexToBytes(hex: string): Uint8Array<ArrayBuffer> | undefined {
  if (!/^([0-9a-f]{2})+$/i.test(hex)) return undefined;
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

function base64ToBytes(b64: string): Uint8Array<ArrayBuffer> {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function base64UrlToBytes(s: string): Uint8Array<ArrayBuffer> {
  if (!/^[A-Za-z0-9_-]*$/.test(s)) fail('malformed JWT');
  const b64 = s.replace(/-/g, '+').replace(/_/g, '/');
  return base64ToBytes(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return fail(`${what} is not JSON`);
  }
}

function asDomainEvent(v: unknown, what: string): ReviewDomainEvent {
  if (
    !isRecord(v) ||
    typeof v.id !== 'string' ||
    typeof v.entityId !== 'string' ||
    typeof v.slug !== 'string' ||
    typeof v.eventTime !== 'string'
  ) {
    return fail(`${what} is not a Wix domain event`);
  }
  // The signature proved the server wrote it; the server writes only ReviewDomainEvent envelopes.
  return v as unknown as ReviewDomainEvent;
}

/** The envelope metadata found in a record (a `json` body, or a `wix` JWT's data), keeping only well-formed fields. */
function contextOf(v: Record<string, unknown>, identity: unknown): EventContextWire {
  return {
    ...(typeof v.instanceId === 'string' ? { instanceId: v.instanceId } : {}),
    ...(isRecord(identity) && typeof identity.identityType === 'string' ? { identity: identity as EventIdentity } : {}),
    ...(isRecord(v.accountInfo) ? { accountInfo: v.accountInfo as AccountInfo } : {}),
  };
}

function result(
  format: 'json' | 'wix',
  eventType: string,
  event: ReviewDomainEvent,
  context: EventContextWire,
): VerifiedWebhook {
  const velo = slugOfEventType(eventType) ? toVeloEvent(event, context) : undefined;
  const verified: VerifiedWebhook = { format, eventType, event, velo };
  if (context.instanceId !== undefined) verified.instanceId = context.instanceId;
  if (context.identity !== undefined) verified.identity = context.identity;
  if (context.accountInfo !== undefined) verified.accountInfo = context.accountInfo;
  return verified;
}

/**
 * Verifies a `json`-format webhook: `body` is the raw request body (exactly as received), `signature` the
 * `Verdict-Signature` header, `secret` the webhook's secret. Throws `WebhookVerificationError` when the signature
 * does not match or is older/newer than the tolerance.
 */
export async function verifyJsonWebhook(
  body: string,
  secret: string,
  signature: string | null | undefined,
  options: VerifyJsonOptions = {},
): Promise<VerifiedWebhook> {
  if (!signature) fail(`missing ${SIGNATURE_HEADER} header`);
  const parts = new Map<string, string[]>();
  for (const item of signature.split(',')) {
    const at = item.indexOf('=');
    if (at <= 0) continue;
    const k = item.slice(0, at).trim();
    parts.set(k, [...(parts.get(k) ?? []), item.slice(at + 1).trim()]);
  }
  const t = parts.get('t')?.[0];
  if (!t || !/^\d{1,12}$/.test(t)) fail(`${SIGNATURE_HEADER} has no timestamp`);
  const nowSec = Math.floor((options.now?.() ?? new Date()).getTime() / 1000);
  if (Math.abs(nowSec - Number(t)) > (options.toleranceSeconds ?? 300))
    fail('signature timestamp outside the tolerance');
  const key = await crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, [
    'verify',
  ]);
  const signed = encoder.encode(`${t}.${body}`);
  let ok = false;
  // Several v1 values are allowed (secret rotation); any one matching is enough.
  for (const hex of parts.get('v1') ?? []) {
    const mac = hexToBytes(hex);
    if (mac && (await crypto.subtle.verify('HMAC', key, mac, signed))) ok = true;
  }
  if (!ok) fail('signature does not match');
  // The body is the Wix domain event with the site and the actor beside its fields (docs/webhooks.md); its type
  // follows from its slug.
  const parsed = asDomainEvent(parseJson(body, 'body'), 'body');
  const { instanceId, accountInfo, identity, ...rest } = parsed as ReviewDomainEvent & Record<string, unknown>;
  const event = rest as unknown as ReviewDomainEvent;
  const slug = SLUGS.find((x) => x === event.slug);
  if (!slug) fail(`unknown event slug ${event.slug}`);
  return result('json', EVENT_TYPES[slug], event, contextOf({ instanceId, accountInfo }, identity));
}

/** The DER bytes of a PEM `PUBLIC KEY` (SPKI) block; a bare base64 key is accepted too. */
function pemToDer(pem: string): Uint8Array<ArrayBuffer> {
  const b64 = pem.replace(/-----(BEGIN|END) PUBLIC KEY-----/g, '').replace(/\s+/g, '');
  try {
    return base64ToBytes(b64);
  } catch {
    return fail('the public key is not a PEM SPKI key');
  }
}

/**
 * Verifies a `wix`-format webhook: `body` is the JWT, `publicKey` the site's PEM public key (the one given to
 * `AppStrategy({ publicKey })`). Checks the RS256 signature and `exp`/`nbf` when present.
 */
export async function verifyWixWebhook(
  body: string,
  publicKey: string,
  options: { now?: () => Date } = {},
): Promise<VerifiedWebhook> {
  const segments = body.trim().split('.');
  if (segments.length !== 3) fail('body is not a JWT');
  const [h = '', p = '', s = ''] = segments;
  const header = parseJson(new TextDecoder().decode(base64UrlToBytes(h)), 'JWT header');
  if (!isRecord(header) || header.alg !== 'RS256') fail('JWT is not RS256');
  const key = await crypto.subtle
    .importKey('spki', pemToDer(publicKey), { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, false, ['verify'])
    .catch(() => fail('the public key is not an RSA PEM SPKI key'));
  const valid = await crypto.subtle.verify('RSASSA-PKCS1-v1_5', key, base64UrlToBytes(s), encoder.encode(`${h}.${p}`));
  if (!valid) fail('JWT signature does not match');
  const claims = parseJson(new TextDecoder().decode(base64UrlToBytes(p)), 'JWT payload');
  if (!isRecord(claims)) return fail('JWT payload is not an object');
  const nowSec = Math.floor((options.now?.() ?? new Date()).getTime() / 1000);
  if (typeof claims.exp === 'number' && nowSec >= claims.exp) fail('JWT expired');
  if (typeof claims.nbf === 'number' && nowSec < claims.nbf) fail('JWT not yet valid');
  if (typeof claims.data !== 'string') fail('JWT has no data claim');
  const outer = parseJson(claims.data, 'JWT data');
  if (!isRecord(outer) || typeof outer.eventType !== 'string' || typeof outer.data !== 'string') {
    return fail('JWT data is not a webhook payload');
  }
  const identity = typeof outer.identity === 'string' ? parseJson(outer.identity, 'identity') : undefined;
  const event = asDomainEvent(parseJson(outer.data, 'event data'), 'event data');
  return result('wix', outer.eventType, event, contextOf(outer, identity));
}

/**
 * Verifies a webhook of either format: with `options.signature` (the `Verdict-Signature` header) it is the `json`
 * format and `key` is the webhook secret; without it, the `wix` format and `key` is the PEM public key.
 */
export function verifyWebhook(
  body: string,
  key: string,
  options: VerifyJsonOptions & { signature?: string | null } = {},
): Promise<VerifiedWebhook> {
  return options.signature !== undefined && options.signature !== null
    ? verifyJsonWebhook(body, key, options.signature, options)
    : verifyWixWebhook(body, key, options);
}
