/**
 * The moderation admin operations under `/verdict/v1/moderation`: a namespace's rules, their saved versions and a
 * preview of what they decide (owner only), and the moderation audit log by review or by time range (owner, and
 * apps that moderate).
 */
import {
  GetModerationRulesQuery,
  GetModerationRulesVersionQuery,
  ListModerationRuleVersionsQuery,
  ListModerationRuleVersionsResponse,
  ModerationAuditQuery,
  ModerationAuditResponse,
  ModerationPreviewResponse,
  ModerationRulesResponse,
  ModerationRulesVersionParams,
  ModerationRulesVersionResponse,
  PreviewModerationRulesRequest,
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
  previewModerationRules: {
    ...routes.previewModerationRules,
    summary:
      'The status a sample review would get from the given rules (or the current ones), and the rule that matched',
    tag,
    access: OWNER,
    body: PreviewModerationRulesRequest,
    response: ModerationPreviewResponse,
    errors: ['SITE_NOT_FOUND'],
  },
  listModerationRuleVersions: {
    ...routes.listModerationRuleVersions,
    summary: "The saved versions of a namespace's rules, newest first, cursor paged, with who saved it and when",
    tag,
    access: OWNER,
    query: ListModerationRuleVersionsQuery,
    response: ListModerationRuleVersionsResponse,
    errors: [],
  },
  getModerationRuleVersion: {
    ...routes.getModerationRuleVersion,
    summary: "One saved version of a namespace's rules",
    tag,
    access: OWNER,
    params: ModerationRulesVersionParams,
    query: GetModerationRulesVersionQuery,
    response: ModerationRulesVersionResponse,
    errors: [],
  },
} as const satisfies Record<string, Operation>;
