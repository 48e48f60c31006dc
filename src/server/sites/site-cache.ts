/**
 * The in-process cache of what every request reads before any work: site rows (secret, settings), API keys by
 * hash, and the moderation rules every create evaluates (all namespaces of a site, parsed). All are dropped as soon as the change signal reports a change made by another process (SQLite: any commit
 * by another connection; PostgreSQL: a `NOTIFY` sent by the change's transaction), and read through while the signal
 * cannot vouch (PostgreSQL listener not connected). Writers in this process call `invalidate` after their commit.
 */
import type { ModerationRule } from '../../contract/index.ts';
import type { ChangeSignal } from '../db/change-signal.ts';
import type { Executor } from '../db/executor.ts';
import type { ApiKeyRow, SiteRow } from '../db/schema.ts';
import { moderationRepo } from '../moderation/moderation.repo.ts';
import { createReadThroughCache } from './read-through-cache.ts';
import { sitesRepo } from './sites.repo.ts';

/** A site's saved moderation rules by namespace; a namespace without any falls back to the site setting. */
export interface SiteRules {
  readonly siteId: string;
  readonly byNamespace: ReadonlyMap<string, ModerationRule[]>;
}

/** Reads a site's saved moderation rules, every namespace in one query. */
export async function loadSiteRules(db: Executor, siteId: string): Promise<SiteRules> {
  const rows = await moderationRepo.allRules(db, siteId);
  return { siteId, byNamespace: new Map(rows.map((r) => [r.namespace, JSON.parse(r.rules_json) as ModerationRule[]])) };
}

export interface SiteCache {
  get(siteId: string): Promise<SiteRow | undefined>;
  /**
   * The API key with this SHA-256 hash, revoked or not (the caller refuses a revoked one). A hash no key has is not
   * remembered, so a key created elsewhere works on its first request.
   */
  keyByHash(hash: string): Promise<ApiKeyRow | undefined>;
  /**
   * The site's saved moderation rules. Writers of rules announce the change like any other site change
   * (`announceChange` in their transaction, `invalidate` after commit), so a create never reads them from the
   * database while they are cached.
   */
  rules(siteId: string): Promise<SiteRules>;
  /** Drops the site's row, keys and rules, for a change this process has just committed to any of them. */
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
  const rules = createReadThroughCache<SiteRules>({
    load: (id) => loadSiteRules(db, id),
    signal,
    maxEntries: opts.maxSites ?? 10_000,
    ttlMs,
  });
  return {
    get: (siteId) => sites.get(siteId),
    keyByHash: (hash) => keys.get(hash),
    rules: async (siteId) => (await rules.get(siteId)) ?? { siteId, byNamespace: new Map() },
    invalidate(siteId) {
      sites.forget((s) => s.id === siteId);
      keys.forget((k) => k.site_id === siteId);
      rules.forget((r) => r.siteId === siteId);
    },
  };
}
