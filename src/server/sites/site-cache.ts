/**
 * A short-lived in-process cache of site rows (secret, settings), so the hot path does not read `sites` on every
 * request. Writers in this process invalidate it at once; other instances see a change within `ttlMs`.
 */
import type { SiteRow } from '../db/schema.ts';
import type { Executor } from './sites.repo.ts';
import { sitesRepo } from './sites.repo.ts';

export interface SiteCache {
  get(siteId: string): Promise<SiteRow | undefined>;
  invalidate(siteId: string): void;
}

export function createSiteCache(db: Executor, ttlMs = 30_000): SiteCache {
  const entries = new Map<string, { site: SiteRow; until: number }>();
  return {
    async get(siteId) {
      const now = Date.now();
      const hit = entries.get(siteId);
      if (hit && hit.until > now) return hit.site;
      const row = await sitesRepo.byId(db, siteId);
      if (row) entries.set(siteId, { site: row, until: now + ttlMs });
      return row;
    },
    invalidate(siteId) {
      entries.delete(siteId);
    },
  };
}
