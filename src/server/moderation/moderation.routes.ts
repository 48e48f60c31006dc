/**
 * The moderation admin API under `/verdict/v1/moderation`: read and replace a namespace's rules (owner only), and
 * read the moderation audit log by review or by time range (owner, and apps that may moderate).
 */
import {
  ErrorBody,
  GetModerationRulesQuery,
  ModerationAuditQuery,
  ModerationAuditResponse,
  ModerationRulesResponse,
  UpdateModerationRulesRequest,
} from '../../contract/index.ts';
import { type RouteDef, route } from '../http/route.ts';
import { getModerationRules, queryModerationAudit, updateModerationRules } from './moderation.service.ts';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };

export const moderationRoutes: RouteDef[] = [
  route({
    operation: 'getModerationRules',
    method: 'GET',
    path: '/moderation/rules',
    summary: "A namespace's moderation rules (derived from the site setting until rules are saved)",
    schema: { querystring: GetModerationRulesQuery, response: { 200: ModerationRulesResponse, ...errors } },
    handler: async (deps, req) => ({
      rules: await getModerationRules(deps, req.principal.siteId, req.query.namespace),
    }),
  }),
  route({
    operation: 'updateModerationRules',
    method: 'PUT',
    path: '/moderation/rules',
    summary: "Replace a namespace's moderation rules; the version increases by 1 (stale expectedVersion → 409)",
    schema: { body: UpdateModerationRulesRequest, response: { 200: ModerationRulesResponse, ...errors } },
    handler: async (deps, req) => ({ rules: await updateModerationRules(deps, req.principal.siteId, req.body) }),
  }),
  route({
    operation: 'queryModerationAudit',
    method: 'GET',
    path: '/moderation/audit',
    summary: 'Moderation decisions, oldest first, by review and/or time range, with cursor paging',
    schema: { querystring: ModerationAuditQuery, response: { 200: ModerationAuditResponse, ...errors } },
    handler: (deps, req) => queryModerationAudit(deps, req.principal.siteId, req.query),
  }),
];
