/**
 * Sites (tenants), their settings and their API keys. Keys are random, shown once, stored as SHA-256 hashes,
 * and carry a prefix that tells their kind (`vdt_admin_…`, `vdt_app_…`).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import {
  API_KEYS_DEFAULT_LIMIT,
  DEFAULT_SITE_SETTINGS,
  type ListApiKeysQuery,
  type PageMetadata,
  type Scope,
  type SiteSettings,
} from '../../contract/index.ts';
import { announceChange } from '../db/change-signal.ts';
import type { ApiKeyRow, SiteRow } from '../db/schema.ts';
import { type DbDeps, iso } from '../deps.ts';
import { digest } from '../digest.ts';
import { AppError, isUniqueViolation } from '../errors.ts';
import { listOldestFirst } from '../query/list-cursor.ts';
import type { SiteCache } from './site-cache.ts';
import { sitesRepo } from './sites.repo.ts';

export const DEFAULT_SITE_NAME = 'default';

/**
 * What a change to a site or its keys needs: the database, and the cache of the process making it when it has one
 * (a server does; the CLI does not), which is invalidated at once. Other processes learn of the change from the
 * change signal: the commit itself on SQLite, a notification sent in the same transaction on PostgreSQL.
 */
export type SiteWriteDeps = DbDeps & { sites?: Pick<SiteCache, 'invalidate'> };

export const hashKey = (key: string): string => digest('sha256', key, 'hex');

export interface CreatedKey {
  key: string;
  row: ApiKeyRow;
}

/** Creates an API key; the plaintext is returned once and never stored. */
export async function createApiKey(
  deps: DbDeps,
  siteId: string,
  opts: { kind: 'admin' | 'app'; name: string; scopes?: Scope[]; appId?: string | null },
): Promise<CreatedKey> {
  const key = `vdt_${opts.kind}_${randomBytes(32).toString('base64url')}`;
  const row: ApiKeyRow = {
    site_id: siteId,
    id: randomUUID(),
    kind: opts.kind,
    name: opts.name,
    display_prefix: key.slice(0, opts.kind === 'admin' ? 16 : 14),
    key_hash: hashKey(key),
    scopes_json: JSON.stringify(opts.kind === 'admin' ? [] : (opts.scopes ?? [])),
    app_id: opts.kind === 'app' ? (opts.appId ?? randomUUID()) : null,
    created_at: iso(deps.clock()),
    revoked_at: null,
    last_four: key.slice(-4),
  };
  await sitesRepo.insertKey(deps.db, row);
  return { key, row };
}

/** Creates a site with default settings and its first admin key, in one transaction. Names are unique. */
export async function createSite(deps: DbDeps, name: string): Promise<{ site: SiteRow; adminKey: string }> {
  const site: SiteRow = {
    id: randomUUID(),
    name,
    client_id: randomUUID(),
    token_secret: randomBytes(32).toString('base64url'),
    settings_json: JSON.stringify(DEFAULT_SITE_SETTINGS),
    created_at: iso(deps.clock()),
  };
  return deps.db.transaction().execute(async (trx) => {
    await sitesRepo.insert(trx, site);
    const { key } = await createApiKey({ ...deps, db: trx }, site.id, { kind: 'admin', name: 'initial admin key' });
    return { site, adminKey: key };
  });
}

/**
 * What a command prints once when it created the default site: its ids and the admin key that is never shown again,
 * with a first request to try when the server's base URL is known.
 */
export function newDefaultSiteBanner(
  site: Pick<SiteRow, 'id' | 'client_id'>,
  adminKey: string,
  baseUrl?: string,
): string {
  return [
    'Verdict created the default site.',
    `  site id:    ${site.id}`,
    `  client id:  ${site.client_id}   (public; visitors exchange it at POST /oauth2/token)`,
    `  admin key:  ${adminKey}`,
    'The admin key is shown only this once. Store it now; create more with `verdict keys create`.',
    ...(baseUrl ? [`Try it:  curl -H "Authorization: ${adminKey}" ${baseUrl}/verdict/v1/site/settings`] : []),
  ].join('\n');
}

/**
 * Returns the default site, creating it (and a one-time admin key) on first start. When several instances start
 * at once on one database, exactly one creates it; the others read it.
 */
export async function ensureDefaultSite(deps: DbDeps): Promise<{ site: SiteRow; adminKey?: string }> {
  const existing = await sitesRepo.byName(deps.db, DEFAULT_SITE_NAME);
  if (existing) return { site: existing };
  try {
    return await createSite(deps, DEFAULT_SITE_NAME);
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    const winner = await sitesRepo.byName(deps.db, DEFAULT_SITE_NAME);
    if (!winner) throw err;
    return { site: winner };
  }
}

export function parseSettings(site: SiteRow): SiteSettings {
  return JSON.parse(site.settings_json) as SiteSettings;
}

export async function getSiteSettings(deps: DbDeps, siteId: string): Promise<SiteSettings> {
  const site = await sitesRepo.byId(deps.db, siteId);
  if (!site) throw new AppError('not_found', 'SITE_NOT_FOUND', 'Site not found');
  return parseSettings(site);
}

/** Replaces the site's settings (validated by the route schema); every instance's site cache drops the old ones. */
export async function updateSiteSettings(
  deps: SiteWriteDeps,
  siteId: string,
  settings: SiteSettings,
): Promise<SiteSettings> {
  const normalized: SiteSettings = {
    moderation: { mode: settings.moderation.mode, heldRatings: [...settings.moderation.heldRatings].sort() },
  };
  await deps.db.transaction().execute(async (trx) => {
    await sitesRepo.updateSettings(trx, siteId, JSON.stringify(normalized));
    await announceChange(trx, deps.dialect, siteId);
  });
  deps.sites?.invalidate(siteId);
  return normalized;
}

/** Every key of the site, oldest first (the command line's list). */
export const listApiKeys = (deps: DbDeps, siteId: string): Promise<ApiKeyRow[]> => sitesRepo.listKeys(deps.db, siteId);

/** listApiKeys over HTTP: a page of the site's keys, oldest first, paged by a signed cursor (list-cursor.ts). */
export async function listApiKeysPage(
  deps: DbDeps & { sites: Pick<SiteCache, 'get'> },
  siteId: string,
  query: ListApiKeysQuery,
): Promise<{ rows: ApiKeyRow[]; metadata: PageMetadata }> {
  return listOldestFirst(deps, siteId, 'apiKeys', query, API_KEYS_DEFAULT_LIMIT, (after, limit) =>
    sitesRepo.keysPage(deps.db, siteId, after, limit),
  );
}

/**
 * Revokes a key; false when the site has no active key with this id. The key is refused from the next request on,
 * by this process and by every other one sharing the database (see `SiteWriteDeps`).
 */
export async function revokeApiKey(deps: SiteWriteDeps, siteId: string, keyId: string): Promise<boolean> {
  const revoked = await deps.db.transaction().execute(async (trx) => {
    const done = await sitesRepo.revokeKey(trx, siteId, keyId, iso(deps.clock()));
    if (done) await announceChange(trx, deps.dialect, siteId);
    return done;
  });
  if (revoked) deps.sites?.invalidate(siteId);
  return revoked;
}
