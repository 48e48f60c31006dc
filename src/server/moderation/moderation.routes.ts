/**
 * Handlers of the moderation admin operations (catalogue: `src/contract/operations/moderation.ts`): a namespace's
 * rules, and the moderation audit log.
 */
import type { Handlers } from '../http/route.ts';
import { getModerationRules, queryModerationAudit, updateModerationRules } from './moderation.service.ts';

export const moderationHandlers = {
  getModerationRules: async (deps, req) => ({
    rules: await getModerationRules(deps, req.principal.siteId, req.query.namespace),
  }),
  updateModerationRules: async (deps, req) => ({
    rules: await updateModerationRules(deps, req.principal.siteId, req.body),
  }),
  queryModerationAudit: (deps, req) => queryModerationAudit(deps, req.principal.siteId, req.query),
} satisfies Partial<Handlers>;
