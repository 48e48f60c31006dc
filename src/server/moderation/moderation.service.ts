/**
 * Moderation rules per site and namespace (read, replace with a version check, resolve for a review) and the
 * moderation audit log (entries built here, written by the reviews service in the transaction of each status
 * change, read here by review and by time range).
 */
import {
  type AuditActor,
  type FieldViolation,
  type ListModerationRuleVersionsQuery,
  MODERATION_LIMITS,
  type ModerationAuditEntry,
  type ModerationAuditQuery,
  type ModerationAuditResponse,
  type ModerationPreview,
  type ModerationRule,
  type ModerationRules,
  type ModerationRulesVersion,
  type ModerationRulesVersionSummary,
  type ModerationStatus,
  type PageMetadata,
  type PreviewModerationRulesRequest,
  type UpdateModerationRulesRequest,
} from '../../contract/index.ts';
import type { Principal } from '../auth/principal.ts';
import { announceChange } from '../db/change-signal.ts';
import type { ModerationAuditRow, ModerationRulesRow, ModerationRulesVersionRow } from '../db/schema.ts';
import { type DbDeps, iso } from '../deps.ts';
import { AppError, invalid, isUniqueViolation } from '../errors.ts';
import { timeOrderedId } from '../ids.ts';
import { listPage } from '../query/list-cursor.ts';
import type { SiteCache } from '../sites/site-cache.ts';
import { parseSettings } from '../sites/sites.service.ts';
import { moderationRepo } from './moderation.repo.ts';
import { checkRules, evaluateRules, rulesFromSettings } from './moderation.rules.ts';

export interface ModerationDeps extends DbDeps {
  sites: SiteCache;
}

/** One status decision, as the reviews service records it. */
export interface AuditDecision {
  actor: AuditActor;
  from: ModerationStatus;
  to: ModerationStatus;
  reason: string;
}

/** The actor an audit entry names for a caller: its kind and key id, contact id or user id (never a secret). */
export function auditActor(p: Principal): AuditActor {
  switch (p.kind) {
    case 'USER':
      return { kind: 'USER', id: p.userId };
    case 'ADMIN':
    case 'APP':
      return { kind: p.kind, id: p.keyId };
    case 'MEMBER':
    case 'VISITOR':
      return { kind: p.kind, id: p.contactId };
  }
}

/**
 * The audit row of one decision about `reviewId`, at `now`. Its id is time-ordered, so two entries written in the
 * same millisecond by this process keep their order under the (created_at, id) sort.
 */
export function auditRow(siteId: string, reviewId: string, d: AuditDecision, now: string): ModerationAuditRow {
  return {
    site_id: siteId,
    id: timeOrderedId(Date.parse(now)),
    review_id: reviewId,
    actor_kind: d.actor.kind,
    actor_id: d.actor.id ?? null,
    from_status: d.from,
    to_status: d.to,
    reason: d.reason,
    created_at: now,
  };
}

/** Appends audit rows in the caller's transaction (the one that makes the decisions they record). */
export const appendAudit = (db: DbDeps['db'], rows: readonly ModerationAuditRow[]): Promise<void> =>
  moderationRepo.appendAudit(db, rows);

/**
 * Erasure of a contact, in the erasure's transaction: the audit entries about its reviews go, and those it made as a
 * visitor or member keep their kind and lose its id.
 */
export async function forgetAuditOf(
  db: DbDeps['db'],
  siteId: string,
  reviewIds: readonly string[],
  actorId: string,
): Promise<void> {
  await moderationRepo.deleteAuditOf(db, siteId, reviewIds);
  await moderationRepo.clearActor(db, siteId, actorId);
}

async function settingsRules(deps: ModerationDeps, siteId: string): Promise<ModerationRule[]> {
  const site = await deps.sites.get(siteId);
  if (!site) throw new AppError('not_found', 'SITE_NOT_FOUND', 'Site not found');
  return rulesFromSettings(parseSettings(site));
}

/**
 * The rules that apply to one namespace: its own, or those derived from the site moderation setting. Both come from
 * the site cache (sites/site-cache.ts), which every writer of rules or settings invalidates, on every instance.
 */
export async function rulesFor(deps: ModerationDeps, siteId: string, namespace: string): Promise<ModerationRule[]> {
  const own = (await deps.sites.rules(siteId)).byNamespace.get(namespace);
  return own ?? settingsRules(deps, siteId);
}

/**
 * The rules of every namespace of a site, for an edit that may move a review to another namespace: a lookup that
 * falls back to the site moderation setting.
 */
export async function ruleBook(deps: ModerationDeps, siteId: string): Promise<(namespace: string) => ModerationRule[]> {
  const [saved, fallback] = await Promise.all([deps.sites.rules(siteId), settingsRules(deps, siteId)]);
  return (namespace) => saved.byNamespace.get(namespace) ?? fallback;
}

function toRules(row: ModerationRulesRow): ModerationRules {
  return {
    namespace: row.namespace,
    rules: JSON.parse(row.rules_json) as ModerationRule[],
    version: row.version,
    source: 'RULES',
    updatedDate: row.updated_at,
  };
}

/** getModerationRules: the namespace's rules, or (version 0, source SITE_SETTINGS) those the site setting implies. */
export async function getModerationRules(
  deps: ModerationDeps,
  siteId: string,
  namespace: string,
): Promise<ModerationRules> {
  const row = await moderationRepo.rules(deps.db, siteId, namespace);
  if (row) return toRules(row);
  return {
    namespace,
    rules: await settingsRules(deps, siteId),
    version: 0,
    source: 'SITE_SETTINGS',
    updatedDate: null,
  };
}

const versionMismatch = (current: number) =>
  new AppError('conflict', 'REVISION_MISMATCH', 'The moderation rules have changed since the expected version', {
    data: { currentVersion: current },
  });

const MAX_ATTEMPTS = 5;

/**
 * updateModerationRules: validates every rule (listing every violation), then replaces the namespace's rules and
 * increments its version, recording the new version with who saved it in the same transaction. With
 * `expectedVersion` (0 = none saved yet), a stale caller gets 409 REVISION_MISMATCH; without it, the last writer
 * wins.
 */
export async function updateModerationRules(
  deps: ModerationDeps,
  siteId: string,
  input: UpdateModerationRulesRequest,
  actor: AuditActor,
): Promise<ModerationRules> {
  const { violations, rules } = checkRules(input.rules);
  if (violations.length > 0) throw invalid(violations);
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const current = await moderationRepo.rules(deps.db, siteId, input.namespace);
    const version = current?.version ?? 0;
    if (input.expectedVersion !== undefined && input.expectedVersion !== version) throw versionMismatch(version);
    const row: ModerationRulesRow = {
      site_id: siteId,
      namespace: input.namespace,
      version: version + 1,
      rules_json: JSON.stringify(rules),
      updated_at: iso(deps.clock()),
    };
    const saved = await deps.db
      .transaction()
      .execute(async (trx) => {
        if (current) {
          if (!(await moderationRepo.replaceRules(trx, row, version))) return false;
        } else {
          await moderationRepo.insertRules(trx, row);
        }
        // Other instances drop their cached rules when this commits (the site cache's signal).
        await announceChange(trx, deps.dialect, siteId);
        await moderationRepo.insertVersion(trx, {
          site_id: siteId,
          namespace: row.namespace,
          version: row.version,
          rules_json: row.rules_json,
          actor_kind: actor.kind,
          actor_id: actor.id ?? null,
          created_at: row.updated_at,
        });
        return true;
      })
      .catch((err: unknown) => {
        if (!isUniqueViolation(err)) throw err;
        return false;
      });
    if (saved) {
      deps.sites.invalidate(siteId);
      return toRules(row);
    }
    // Lost a race with another writer: a versioned caller is now stale; an unversioned one tries again.
    if (input.expectedVersion !== undefined) {
      const now = await moderationRepo.rules(deps.db, siteId, input.namespace);
      throw versionMismatch(now?.version ?? 0);
    }
  }
  throw new AppError('conflict', 'REVISION_MISMATCH', 'The moderation rules are changing too fast; try again');
}

/**
 * previewModerationRules: what the rules engine would decide for a sample review, with the given rules (checked
 * as a replace would check them) or the namespace's current ones. Nothing is written.
 */
export async function previewModerationRules(
  deps: ModerationDeps,
  siteId: string,
  input: PreviewModerationRulesRequest,
): Promise<ModerationPreview> {
  let rules: ModerationRule[];
  let source: ModerationPreview['source'];
  if (input.rules !== undefined) {
    const checked = checkRules(input.rules);
    if (checked.violations.length > 0) throw invalid(checked.violations);
    rules = checked.rules;
    source = 'REQUEST';
  } else {
    const current = await getModerationRules(deps, siteId, input.namespace);
    rules = current.rules;
    source = current.source;
  }
  const { review } = input;
  const decision = evaluateRules(
    rules,
    { title: review.title ?? null, body: review.body ?? null, rating: review.rating, media: review.media ?? [] },
    { authorOpenReports: review.authorOpenReports ?? 0 },
  );
  const matched = decision.index !== undefined ? rules[decision.index] : undefined;
  return {
    status: decision.status,
    reason: decision.reason,
    matchedRule: matched && decision.index !== undefined ? { index: decision.index, rule: matched } : null,
    rules,
    source,
  };
}

const versionActor = (row: Pick<ModerationRulesVersionRow, 'actor_kind' | 'actor_id'>): AuditActor | null =>
  row.actor_kind === null
    ? null
    : { kind: row.actor_kind as AuditActor['kind'], ...(row.actor_id !== null ? { id: row.actor_id } : {}) };

/**
 * listModerationRuleVersions: the namespace's saved versions, newest first, paged by a signed cursor bound to the
 * namespace (list-cursor.ts); without a cursor, `before` (a version number, the older way to page) starts the page.
 */
export async function listModerationRuleVersions(
  deps: Pick<DbDeps, 'db'> & { sites: Pick<SiteCache, 'get'> },
  siteId: string,
  query: ListModerationRuleVersionsQuery,
): Promise<{ versions: ModerationRulesVersionSummary[]; metadata: PageMetadata }> {
  const page = await listPage(
    deps,
    siteId,
    {
      list: 'moderationRuleVersions',
      scope: query.namespace,
      filter: null,
      cursor: query.cursor,
      limit: query.limit !== undefined ? Number(query.limit) : MODERATION_LIMITS.auditDefaultLimit,
      cursorField: 'query.cursor',
    },
    (_filter, after, limit) =>
      moderationRepo.versions(deps.db, siteId, query.namespace, {
        before: after ? Number(after[0]) : query.before !== undefined ? Number(query.before) : undefined,
        limit,
      }),
    (row) => [row.version],
  );
  const versions = page.rows.map((row) => ({
    version: row.version,
    ruleCount: (JSON.parse(row.rules_json) as unknown[]).length,
    actor: versionActor(row),
    createdDate: row.created_at,
  }));
  return { versions, metadata: { count: versions.length, cursors: { next: page.next } } };
}

/** getModerationRuleVersion: one saved version of the namespace's rules. */
export async function getModerationRuleVersion(
  deps: Pick<DbDeps, 'db'>,
  siteId: string,
  namespace: string,
  version: number,
): Promise<ModerationRulesVersion> {
  const row = await moderationRepo.version(deps.db, siteId, namespace, version);
  if (!row) {
    throw new AppError('not_found', 'MODERATION_RULES_VERSION_NOT_FOUND', 'No such version of these moderation rules');
  }
  return {
    namespace: row.namespace,
    version: row.version,
    rules: JSON.parse(row.rules_json) as ModerationRule[],
    actor: versionActor(row),
    createdDate: row.created_at,
  };
}

function toEntry(row: ModerationAuditRow): ModerationAuditEntry {
  return {
    id: row.id,
    reviewId: row.review_id,
    actor: { kind: row.actor_kind as AuditActor['kind'], ...(row.actor_id !== null ? { id: row.actor_id } : {}) },
    from: row.from_status as ModerationStatus,
    to: row.to_status as ModerationStatus,
    reason: row.reason,
    createdDate: row.created_at,
  };
}

const encodeAuditCursor = (row: ModerationAuditRow): string =>
  Buffer.from(JSON.stringify([row.created_at, row.id])).toString('base64url');

function decodeAuditCursor(cursor: string): [string, string] | null {
  try {
    const v: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && typeof v[1] === 'string') return [v[0], v[1]];
  } catch {
    // fall through: not a cursor this service wrote
  }
  return null;
}

const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * queryModerationAudit: the site's audit entries, oldest first, optionally of one review and within [from, to),
 * paged by an opaque cursor (the same filters must be passed with it). Bad dates or cursors list every violation.
 */
export async function queryModerationAudit(
  deps: Pick<DbDeps, 'db'>,
  siteId: string,
  query: ModerationAuditQuery,
): Promise<ModerationAuditResponse> {
  const violations: FieldViolation[] = [];
  const time = (value: string | undefined, field: string): string | undefined => {
    if (value === undefined) return undefined;
    if (!ISO_DATE_TIME.test(value) || Number.isNaN(Date.parse(value))) {
      violations.push({ field, description: 'must be an ISO-8601 date-time', violatedRule: 'FORMAT' });
      return undefined;
    }
    return new Date(value).toISOString();
  };
  const from = time(query.from, 'query.from');
  const to = time(query.to, 'query.to');
  if (from !== undefined && to !== undefined && from >= to) {
    violations.push({ field: 'query.to', description: 'must be after query.from', violatedRule: 'INVALID_ARGUMENT' });
  }
  const after = query.cursor !== undefined ? decodeAuditCursor(query.cursor) : undefined;
  if (after === null) {
    violations.push({ field: 'query.cursor', description: 'is not a valid cursor', violatedRule: 'INVALID_ARGUMENT' });
  }
  if (violations.length > 0) throw invalid(violations);
  const limit = query.limit !== undefined ? Number(query.limit) : MODERATION_LIMITS.auditDefaultLimit;
  // One row more than asked tells whether there is a next page.
  const rows = await moderationRepo.audit(deps.db, siteId, {
    reviewId: query.reviewId,
    from,
    to,
    after: after ?? undefined,
    limit: limit + 1,
  });
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    entries: page.map(toEntry),
    metadata: { count: page.length, cursors: { next: rows.length > limit && last ? encodeAuditCursor(last) : null } },
  };
}
