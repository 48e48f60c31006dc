/**
 * The Redis connection the rate limits share counts through. Commands are never queued while disconnected and time
 * out quickly, so a lost Redis turns into the in-memory fallback at once instead of requests that wait; the client
 * keeps reconnecting in the background. Each connection and each failed attempt is reported to `onState`.
 */
import type { Redis } from 'ioredis';
import { lazyRequire } from '../lazy-require.ts';

const loadIoredis = lazyRequire<typeof import('ioredis')>('ioredis');

/** How long one Redis command may take before the request falls back to in-memory counts. */
export const REDIS_COMMAND_TIMEOUT_MS = 250;

export type RedisState = { up: true } | { up: false; err: unknown };

/** Connects (in the background) to `url`. Close it with `disconnect()`. */
export function createRedisClient(url: string, onState: (state: RedisState) => void): Redis {
  const redis = new (loadIoredis().Redis)(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
    connectTimeout: 2000,
    // Reconnect with backoff from 100 ms to 5 s, for as long as the process runs.
    retryStrategy: (times) => Math.min(100 * 2 ** Math.min(times, 6), 5000),
  });
  redis.on('ready', () => onState({ up: true }));
  // Every failed (re)connection attempt is an `error`; without a listener ioredis would print each one.
  redis.on('error', (err: unknown) => onState({ up: false, err }));
  return redis;
}
