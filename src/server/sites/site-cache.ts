/**
 * The in-process cache of what every request reads before any work: site rows (secret, settings) and API keys by
 * hash. Both are dropped as soon as the change signal reports a change made by another process (SQLite: any commit
 * by another connection; PostgreSQL: a `NOTIFY` sent by the change's transaction), and read through while the signal
 * cannot vouch (PostgreSQL listener not connected). Writers in this process call `invalidate` after their commit.
 */
import type { ChangeSignal } from '../db/change-signal.ts';
import type { ApiKeyRow, SiteRow } from '../db/schema.ts';
import { createReadThroughCache } from './read-through-cache.ts';
import type { Executor } from '../db/executor.ts';
import { sitesRepo } from './sites.repo.ts';

export interface SiteCache {
  get(siteId: string): Promise<SiteRow | undefined>;
  /**
   * The API key with this SHA-256 hash, revoked or not (the caller refuses a revoked one). A hash no key has is not
   * remembered, so a key created elsewhere works on its first request.
   */
  keyByHash(hash: string): Promise<ApiKeyRow | undefined>;
  /** Drops the site's row and keys, for a change this process has just committed to either. */
  invalidate(siteId: string): void;
}

export interface SiteCacheOptions {
  /** Bounds, in entries; when full, the entry stored first is dropped. */
  maxSites?: number;
  maxKeys?: number;
  /** The longest an entry is served; only matters for changes the signal does not see (see read-through-cache.ts). */
  ttlMs?: number;
}

export function createSiteCache(db: Executor, signal: ChangeSignal, opts: SiteCacheOptions = {}): SiteCache {
  const ttlMs = opts.ttlMs ?? 30_000;
  const sites = createReadThroughCache<SiteRow>({
    load: (id) => sitesRepo.byId(db, id),
    signal,
    maxEntries: opts.maxSites ?? 10_000,
    ttlMs,
  });
  const keys = createReadThroughCache<ApiKeyRow>({
    load: (hash) => sitesRepo.keyByHash(db, hash),
    signal,
    maxEntries: opts.maxKeys ?? 10_000,
    ttlMs,
  });
  return {
    get: (siteId) => sites.get(siteId),
    keyByHash: (hash) => keys.get(hash),
    invalidate(siteId) {
      sites.forget((s) => s.id === siteId);
      keys.forget((k) => k.site_id === siteId);
    },
  };
}
