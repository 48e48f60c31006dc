/**
 * Signatures of outgoing deliveries: the `wix` format's RS256 JWT (claims exactly as `@wix/sdk` `webhooks.process()`
 * decodes them) and the `json` format's HMAC-SHA256 header. Key generation for the per-site key pair.
 */
import { createHmac } from 'node:crypto';
import { exportPKCS8, exportSPKI, generateKeyPair, importPKCS8, SignJWT } from 'jose';

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

/**
 * The `wix` body: a JWT whose `data` claim is a JSON string of `{ eventType, instanceId, identity, data }`, where
 * `identity` and `data` are themselves JSON strings (docs/wix-api.md §8). `instanceId` is the site id; the outbox does
 * not record who made the change, so the identity is UNKNOWN.
 */
export async function signWixEvent(
  privateKeyPem: string,
  event: { eventType: string; siteId: string; bodyJson: string },
  now: Date,
): Promise<string> {
  const key = await importPKCS8(privateKeyPem, 'RS256');
  const data = JSON.stringify({
    eventType: event.eventType,
    instanceId: event.siteId,
    identity: JSON.stringify({ identityType: 'UNKNOWN' }),
    data: event.bodyJson,
  });
  const iat = Math.floor(now.getTime() / 1000);
  return new SignJWT({ data })
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT' })
    .setIssuer('verdict')
    .setIssuedAt(iat)
    .setExpirationTime(iat + JWT_TTL_SECONDS)
    .sign(key);
}

/** `Verdict-Signature` of a `json` delivery: `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`. */
export function jsonSignature(secret: string, body: string, now: Date): string {
  const t = Math.floor(now.getTime() / 1000);
  const v1 = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
  return `t=${t},v1=${v1}`;
}
