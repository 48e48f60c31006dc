/**
 * Verification of the HS256 JWTs Verdict issues, on node:crypto. jose (which signs them) verifies through WebCrypto:
 * an asynchronous HMAC job on the thread pool, about a fifth of the server's CPU for a visitor's read of one review.
 * A synchronous `createHmac` with a kept key and `timingSafeEqual` does the same check in a few microseconds.
 *
 * Stricter than a general JWT library on purpose: the protected header must be exactly the one Verdict writes
 * (`{"alg":"HS256"}`), so no other algorithm, `crit` or unencoded payload can reach the check, and `exp` is required.
 * The claims are checked as jose checks them (`iss`; `exp`, `nbf`, `iat` in whole seconds, no leeway). Pure: the
 * caller passes the key and the time.
 */
import { createHmac, type KeyObject, timingSafeEqual } from 'node:crypto';

/** The protected header of every token Verdict signs (jose's `{ alg: 'HS256' }`), base64url. */
export const HS256_HEADER = Buffer.from(JSON.stringify({ alg: 'HS256' })).toString('base64url');

const SIGNATURE = /^[A-Za-z0-9_-]{43}$/;

/** A token split into its parts, with the payload parsed but nothing verified yet. */
export interface ParsedToken {
  header: string;
  payloadPart: string;
  signature: string;
  payload: Record<string, unknown>;
}

/** Why a token was refused: `expired` is told apart so the client can be told to refresh. */
export type Hs256Refusal = 'malformed' | 'signature' | 'expired' | 'claims';

/**
 * Splits a compact JWT and parses its payload, without verifying anything (the caller needs the payload's site id
 * to pick the key). Undefined when it is not three parts with a JSON object as payload.
 */
export function parseToken(token: string): ParsedToken | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  const [header = '', payloadPart = '', signature = ''] = parts;
  try {
    const payload: unknown = JSON.parse(Buffer.from(payloadPart, 'base64url').toString('utf8'));
    if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) return undefined;
    return { header, payloadPart, signature, payload: payload as Record<string, unknown> };
  } catch {
    return undefined;
  }
}

const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/**
 * Verifies a parsed token's signature with `key` and its claims at `now`: `ok` with the payload, or the refusal.
 * The signature is compared in constant time; the claims are read only once it matches.
 */
export function verifyHs256(
  token: ParsedToken,
  key: KeyObject,
  opts: { issuer: string; now: Date },
): { ok: true; payload: Record<string, unknown> } | { ok: false; refusal: Hs256Refusal } {
  if (token.header !== HS256_HEADER || !SIGNATURE.test(token.signature)) return { ok: false, refusal: 'malformed' };
  const expected = createHmac('sha256', key).update(`${token.header}.${token.payloadPart}`).digest();
  const given = Buffer.from(token.signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, refusal: 'signature' };
  return checkClaims(token.payload, opts);
}

/**
 * The claims of a payload whose signature has been verified, at `now`: `iss`, and `exp`, `nbf`, `iat` in whole
 * seconds without leeway. Also what a token verified earlier is checked against again at each later use.
 */
export function checkClaims(
  p: Record<string, unknown>,
  opts: { issuer: string; now: Date },
): { ok: true; payload: Record<string, unknown> } | { ok: false; refusal: Hs256Refusal } {
  const now = Math.floor(opts.now.getTime() / 1000);
  if (p.iss !== opts.issuer) return { ok: false, refusal: 'claims' };
  if (p.iat !== undefined && !isNumber(p.iat)) return { ok: false, refusal: 'claims' };
  if (p.nbf !== undefined && (!isNumber(p.nbf) || p.nbf > now)) return { ok: false, refusal: 'claims' };
  if (!isNumber(p.exp)) return { ok: false, refusal: 'claims' };
  if (p.exp <= now) return { ok: false, refusal: 'expired' };
  return { ok: true, payload: p };
}
