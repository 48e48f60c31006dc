/**
 * Handlers of the API key operations (catalogue: `src/contract/operations/owner.ts`): list, create (the plaintext
 * in the answer only) and revoke through the sites service, which drops the key from every instance's cache.
 */
import type { ApiKeyInfo, Scope } from '../../contract/index.ts';
import type { ApiKeyRow } from '../db/schema.ts';
import { AppError, invalid } from '../errors.ts';
import type { Handlers } from '../http/route.ts';
import { createApiKey, listApiKeysPage, revokeApiKey } from './sites.service.ts';

/** What a list may show of a key: never its hash, only what tells keys apart. */
export function toApiKeyInfo(row: ApiKeyRow): ApiKeyInfo {
  return {
    id: row.id,
    kind: row.kind,
    name: row.name,
    scopes: JSON.parse(row.scopes_json) as Scope[],
    appId: row.app_id,
    displayPrefix: row.display_prefix,
    lastFour: row.last_four,
    createdDate: row.created_at,
    revokedDate: row.revoked_at,
  };
}

export const keyHandlers = {
  listApiKeys: async (deps, req) => {
    const { rows, metadata } = await listApiKeysPage(deps, req.principal.siteId, req.query);
    return { keys: rows.map(toApiKeyInfo), metadata };
  },
  createApiKey: async (deps, req) => {
    const kind = req.body.kind ?? 'app';
    if (kind === 'admin' && req.body.scopes !== undefined) {
      throw invalid([
        {
          field: 'scopes',
          description: 'is not allowed on an admin key (it has every permission)',
          violatedRule: 'INVALID_ARGUMENT',
        },
      ]);
    }
    const { key, row } = await createApiKey(deps, req.principal.siteId, {
      kind,
      name: req.body.name,
      scopes: kind === 'app' ? (req.body.scopes ?? ['reviews.read']) : [],
    });
    return { key: toApiKeyInfo(row), secret: key };
  },
  revokeApiKey: async (deps, req) => {
    // Revoked already or never the site's: the same answer, so another site's key ids cannot be probed.
    if (!(await revokeApiKey(deps, req.principal.siteId, req.params.keyId))) {
      throw new AppError('not_found', 'API_KEY_NOT_FOUND', 'API key not found');
    }
    return {};
  },
} satisfies Partial<Handlers>;
