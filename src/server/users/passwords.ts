/**
 * Password hashes of dashboard users: scrypt from node:crypto (memory-hard, no dependency), a random 16-byte salt per
 * hash, and the cost parameters written into the stored string (`scrypt$N$r$p$salt$hash`, base64url), so raising
 * the cost later leaves existing hashes verifiable. Hashes are compared in constant time.
 */
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

export interface ScryptParams {
  /** CPU and memory cost, a power of two: memory is about 128 · N · r bytes (32 MiB at the default). */
  N: number;
  r: number;
  p: number;
}

/** The cost new hashes are made with: about 32 MiB and tens of milliseconds per hash. */
export const DEFAULT_SCRYPT: ScryptParams = { N: 2 ** 15, r: 8, p: 1 };

const KEY_LENGTH = 32;
const SALT_LENGTH = 16;
/** The largest parameters a stored hash may name (a forged row must not make verification take the machine). */
const MAX_N = 2 ** 20;
const MAX_R = 32;
const MAX_P = 16;

function derive(password: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(
      password.normalize('NFC'),
      salt,
      KEY_LENGTH,
      // Node refuses anything above maxmem (32 MiB by default, exactly the default cost): leave room.
      { N: params.N, r: params.r, p: params.p, maxmem: 256 * params.N * params.r + 1024 * 1024 },
      (err, key) => (err ? reject(err) : resolve(key)),
    );
  });
}

/** The stored form of `password`, with a fresh salt. */
export async function hashPassword(password: string, params: ScryptParams = DEFAULT_SCRYPT): Promise<string> {
  const salt = randomBytes(SALT_LENGTH);
  const key = await derive(password, salt, params);
  return ['scrypt', params.N, params.r, params.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

function parse(stored: string): { params: ScryptParams; salt: Buffer; key: Buffer } | undefined {
  const [scheme, n, r, p, salt, key, ...rest] = stored.split('$');
  if (scheme !== 'scrypt' || rest.length > 0 || !salt || !key) return undefined;
  const params = { N: Number(n), r: Number(r), p: Number(p) };
  const valid =
    Number.isSafeInteger(params.N) &&
    params.N > 1 &&
    params.N <= MAX_N &&
    (params.N & (params.N - 1)) === 0 &&
    Number.isSafeInteger(params.r) &&
    params.r >= 1 &&
    params.r <= MAX_R &&
    Number.isSafeInteger(params.p) &&
    params.p >= 1 &&
    params.p <= MAX_P;
  return valid ? { params, salt: Buffer.from(salt, 'base64url'), key: Buffer.from(key, 'base64url') } : undefined;
}

/** Whether `password` matches `stored`; false for a stored value that is not a hash this module made. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parse(stored);
  if (!parsed || parsed.key.length !== KEY_LENGTH) return false;
  const key = await derive(password, parsed.salt, parsed.params);
  return timingSafeEqual(key, parsed.key);
}

let decoy: Promise<string> | undefined;
/**
 * Spends the time of one verification at the default cost and answers false: a sign-in for an e-mail that has no
 * user takes as long as one with a wrong password, so the answer's timing does not tell which it was.
 */
export async function verifyDecoy(password: string): Promise<false> {
  decoy ??= hashPassword('verdict-decoy-password');
  await verifyPassword(password, await decoy);
  return false;
}
