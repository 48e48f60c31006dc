/**
 * `Idempotency-Key` on POST: the first request with a key claims it; its response (any status below 500) is
 * stored and replayed to every retry with the same key and body; a different body with the same key is refused;
 * a retry while the first is still running is told to wait. Keys live 24 hours.
 *
 * The claim and the stored response are separate writes from the operation itself: a crash between the
 * operation's commit and the response record lets one retry run the operation again, where uniqueness rules
 * (one review per author, client ids) turn it into a 409 rather than a duplicate.
 */
import { createHash } from 'node:crypto';
import type { DbDeps } from '../deps.ts';
import { iso } from '../deps.ts';
import { AppError, isUniqueViolation } from '../errors.ts';
import { idempotencyRepo } from './idempotency.repo.ts';

const LOCK_MS = 60_000;
export const IDEMPOTENCY_TTL_MS = 24 * 3600_000;

export type Claim = { kind: 'claimed' } | { kind: 'replay'; statusCode: number; body: string };

/**
 * The fingerprint of a request: SHA-256 over the method, the route and the body as `JSON.stringify` writes it (so
 * fingerprints stored before this was written still match). The body is walked with an explicit stack and fed to
 * the hash piece by piece, so no nesting depth can overflow the call stack.
 */
export function requestHash(method: string, route: string, body: unknown): string {
  const hash = createHash('sha256').update(`${method} ${route}\n`);
  // Each entry is a value still to write, or punctuation already decided.
  const stack: ({ value: unknown } | string)[] = [{ value: body ?? null }];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    if (typeof item === 'string') {
      hash.update(item);
      continue;
    }
    const v = item.value;
    if (Array.isArray(v)) {
      stack.push(']');
      for (let i = v.length - 1; i >= 0; i--) {
        // JSON.stringify writes a missing or non-JSON array element as null.
        const el: unknown = v[i];
        stack.push({ value: el === undefined || typeof el === 'function' || typeof el === 'symbol' ? null : el });
        if (i > 0) stack.push(',');
      }
      hash.update('[');
    } else if (typeof v === 'object' && v !== null) {
      const entries = Object.entries(v).filter(
        ([, x]) => x !== undefined && typeof x !== 'function' && typeof x !== 'symbol',
      );
      stack.push('}');
      for (let i = entries.length - 1; i >= 0; i--) {
        const [k, x] = entries[i] as [string, unknown];
        stack.push({ value: x });
        stack.push(`${i > 0 ? ',' : ''}${JSON.stringify(k)}:`);
      }
      hash.update('{');
    } else {
      hash.update(JSON.stringify(v) ?? 'null');
    }
  }
  return hash.digest('hex');
}

export async function claimKey(
  deps: DbDeps,
  siteId: string,
  principal: string,
  key: string,
  hash: string,
): Promise<Claim> {
  const ref = { siteId, principal, key };
  const now = deps.clock();
  const lockedUntil = iso(new Date(now.getTime() + LOCK_MS));
  try {
    await idempotencyRepo.insertClaim(deps.db, ref, hash, lockedUntil, iso(now));
    return { kind: 'claimed' };
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
  }
  const row = await idempotencyRepo.find(deps.db, ref);
  if (!row) return claimKey(deps, siteId, principal, key, hash);
  if (row.request_hash !== hash) {
    throw new AppError('conflict', 'IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was used with a different request');
  }
  if (row.status_code !== null && row.response_json !== null) {
    return { kind: 'replay', statusCode: row.status_code, body: row.response_json };
  }
  // The first attempt died without an answer once its lock has passed: take the key over, unless a retry did.
  if (row.locked_until > iso(now) || !(await idempotencyRepo.takeOver(deps.db, ref, row.locked_until, lockedUntil))) {
    throw new AppError('conflict', 'IDEMPOTENCY_KEY_IN_USE', 'A request with this Idempotency-Key is still running');
  }
  return { kind: 'claimed' };
}

/** Stores the answer for replay, or releases the key when the request failed on the server side. */
export async function completeKey(
  deps: DbDeps,
  siteId: string,
  principal: string,
  key: string,
  statusCode: number,
  body: string,
): Promise<void> {
  const ref = { siteId, principal, key };
  if (statusCode >= 500) await idempotencyRepo.remove(deps.db, ref);
  else await idempotencyRepo.storeAnswer(deps.db, ref, statusCode, body);
}

/**
 * Drops, in the caller's transaction, the records of requests made by these callers (`principalKey` strings) and
 * those whose stored response contains `text` (GDPR erasure: a replay must not echo an erased person). The second
 * part is a substring scan, kept on purpose: what a response names is not known here, and the table holds one
 * site's last 24 hours of keyed POSTs at most, read through the primary key's site prefix.
 */
export async function forgetRecords(
  db: DbDeps['db'],
  siteId: string,
  principals: readonly string[],
  text: string,
): Promise<void> {
  await idempotencyRepo.removeByCallersOrText(db, siteId, principals, text);
}

export async function purgeExpiredKeys(deps: DbDeps): Promise<void> {
  await idempotencyRepo.removeCreatedBefore(deps.db, iso(new Date(deps.clock().getTime() - IDEMPOTENCY_TTL_MS)));
}
