/**
 * Signatures of outgoing deliveries: the `wix` format's RS256 JWT (claims exactly as `@wix/sdk` `webhooks.process()`
 * decodes them) and the `json` format's HMAC-SHA256 header. Key generation for the per-site key pair.
 */
import { createHmac } from 'node:crypto';
import { exportPKCS8, exportSPKI, generateKeyPair, importPKCS8, SignJWT } from 'jose';
import type { EventContext } from '../../contract/index.ts';

export interface KeyPairPem {
  privateKeyPem: string;
  publicKeyPem: string;
}

/** A fresh RSA-2048 key pair for RS256, as PKCS#8 / SPKI PEM. */
export async function generateSiteKeyPair(): Promise<KeyPairPem> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { modulusLength: 2048, extractable: true });
  return { privateKeyPem: await exportPKCS8(privateKey), publicKeyPem: await exportSPKI(publicKey) };
}

const JWT_TTL_SECONDS = 3600;

/** The issuer Wix puts in its webhook JWTs, which `AppStrategy.decodeJWT(token, true)` requires. */
export const WIX_ISSUER = 'wix.com';

/**
 * Parses a site's PKCS#8 PEM private key for RS256 signing. It costs far more than a signature, so the worker keeps
 * the result per site and key revision instead of parsing it for every delivery.
 */
export function importSigningKey(privateKeyPem: string): Promise<CryptoKey> {
  return importPKCS8(privateKeyPem, 'RS256');
}

/**
 * The `wix` body: a JWT whose `data` claim is a JSON string of `{ eventType, instanceId, identity, accountInfo,
 * data }`, where `identity` and `data` are themselves JSON strings (docs/wix-api.md §8). `iss` is `wix.com` and
 * `aud` the webhook's app id when it has one, the claims a receiver checking Wix's own claims expects. Takes the
 * private key as PEM or as parsed by {@link importSigningKey}.
 */
export async function signWixEvent(
  privateKey: string | CryptoKey,
  event: { eventType: string; bodyJson: string; context: EventContext; appId: string | null },
  now: Date,
): Promise<string> {
  const key = typeof privateKey === 'string' ? await importSigningKey(privateKey) : privateKey;
  const data = JSON.stringify({
    eventType: event.eventType,
    instanceId: event.context.instanceId,
    identity: JSON.stringify(event.context.identity),
    accountInfo: event.context.accountInfo,
    data: event.bodyJson,
  });
  const iat = Math.floor(now.getTime() / 1000);
  const jwt = new SignJWT({ data })
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT' })
    .setIssuer(WIX_ISSUER)
    .setIssuedAt(iat)
    .setExpirationTime(iat + JWT_TTL_SECONDS);
  if (event.appId !== null) jwt.setAudience(event.appId);
  return jwt.sign(key);
}

/**
 * The `json` body (and NATS data): the stored domain event with the site and the actor added at its top level
 * (`instanceId`, `accountInfo`, `identity`), so one receiver can serve many sites. Only adds fields.
 */
export function jsonEventBody(bodyJson: string, context: EventContext): string {
  const event = JSON.parse(bodyJson) as Record<string, unknown>;
  return JSON.stringify({
    ...event,
    instanceId: context.instanceId,
    accountInfo: context.accountInfo,
    identity: context.identity,
  });
}

/** `Verdict-Signature` of a `json` delivery: `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`. */
export function jsonSignature(secret: string, body: string, now: Date): string {
  const t = Math.floor(now.getTime() / 1000);
  const v1 = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
  return `t=${t},v1=${v1}`;
}
