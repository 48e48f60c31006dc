/**
 * An in-process token bucket per key (PRODUCT.md §10 rate limits). Per instance: with several instances behind a
 * load balancer each keeps its own buckets, so the effective limit is multiplied by the instance count; sharing
 * buckets through Redis is future work (docs/engagement.md). Time comes from the injected clock.
 */
import type { Clock } from '../deps.ts';

export interface BucketSpec {
  /** Burst size: requests allowed at once from a full bucket. */
  capacity: number;
  /** Tokens added per second, up to `capacity`. */
  refillPerSecond: number;
}

export type Take = { ok: true; remaining: number } | { ok: false; retryAfterSeconds: number };

export interface RateLimiter {
  /** Takes one token from `key`'s bucket, or says how long until one is available. */
  take(key: string): Take;
}

/** Buckets kept at most; the least recently used is dropped first (a dropped bucket is simply full again). */
const MAX_KEYS = 100_000;

export function createRateLimiter(spec: BucketSpec, clock: Clock): RateLimiter {
  const buckets = new Map<string, { tokens: number; at: number }>();
  return {
    take(key) {
      const now = clock().getTime();
      const b = buckets.get(key) ?? { tokens: spec.capacity, at: now };
      buckets.delete(key);
      const tokens = Math.min(spec.capacity, b.tokens + (Math.max(0, now - b.at) / 1000) * spec.refillPerSecond);
      if (buckets.size >= MAX_KEYS) {
        const oldest = buckets.keys().next().value;
        if (oldest !== undefined) buckets.delete(oldest);
      }
      if (tokens < 1) {
        buckets.set(key, { tokens, at: now });
        return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - tokens) / spec.refillPerSecond)) };
      }
      buckets.set(key, { tokens: tokens - 1, at: now });
      return { ok: true, remaining: Math.floor(tokens - 1) };
    },
  };
}
