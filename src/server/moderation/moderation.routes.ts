/**
 * Handlers of the moderation admin operations (catalogue: `src/contract/operations/moderation.ts`): a namespace's
 * rules, their saved versions and a preview of what they decide, and the moderation audit log.
 */
import type { Handlers } from '../http/route.ts';
import {
  auditActor,
  getModerationRules,
  getModerationRuleVersion,
  listModerationRuleVersions,
  previewModerationRules,
  queryModerationAudit,
  updateModerationRules,
} from './moderation.service.ts';

export const moderationHandlers = {
  getModerationRules: async (deps, req) => ({
    rules: await getModerationRules(deps, req.principal.siteId, req.query.namespace),
  }),
  updateModerationRules: async (deps, req) => ({
    rules: await updateModerationRules(deps, req.principal.siteId, req.body, auditActor(req.principal)),
  }),
  previewModerationRules: async (deps, req) => ({
    preview: await previewModerationRules(deps, req.principal.siteId, req.body),
  }),
  listModerationRuleVersions: async (deps, req) => listModerationRuleVersions(deps, req.principal.siteId, req.query),
  getModerationRuleVersion: async (deps, req) => ({
    version: await getModerationRuleVersion(
      deps,
      req.principal.siteId,
      req.query.namespace,
      Number(req.params.version),
    ),
  }),
  queryModerationAudit: (deps, req) => queryModerationAudit(deps, req.principal.siteId, req.query),
} satisfies Partial<Handlers>;
