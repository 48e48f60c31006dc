/**
 * The moderation admin operations under `/verdict/v1/moderation`: a namespace's rules (owner only) and the
 * moderation audit log by review or by time range (owner, and apps that moderate).
 */
import {
  GetModerationRulesQuery,
  ModerationAuditQuery,
  ModerationAuditResponse,
  ModerationRulesResponse,
  UpdateModerationRulesRequest,
} from '../moderation.ts';
import { type Operation, OWNER } from './define.ts';
import * as routes from './routes.ts';

const tag = 'moderation';

export const moderationOperations = {
  getModerationRules: {
    ...routes.getModerationRules,
    summary: "A namespace's moderation rules (derived from the site setting until rules are saved)",
    tag,
    access: OWNER,
    query: GetModerationRulesQuery,
    response: ModerationRulesResponse,
    errors: ['SITE_NOT_FOUND'],
  },
  updateModerationRules: {
    ...routes.updateModerationRules,
    summary: "Replace a namespace's moderation rules; the version increases by 1 (stale expectedVersion → 409)",
    tag,
    access: OWNER,
    body: UpdateModerationRulesRequest,
    response: ModerationRulesResponse,
    errors: ['SITE_NOT_FOUND', 'REVISION_MISMATCH'],
  },
  queryModerationAudit: {
    ...routes.queryModerationAudit,
    summary: 'Moderation decisions, oldest first, by review and/or time range, with cursor paging',
    tag,
    // The audit log names reviews in every status, so it is for those who moderate them.
    access: { visitor: false, member: false, appScopes: ['reviews.moderate'], moderator: true },
    query: ModerationAuditQuery,
    response: ModerationAuditResponse,
    errors: [],
  },
} as const satisfies Record<string, Operation>;
