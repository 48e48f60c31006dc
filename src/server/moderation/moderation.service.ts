/**
 * Moderation rules per site and namespace (read, replace with a version check, resolve for a review) and the
 * moderation audit log (entries built here, written by the reviews service in the transaction of each status
 * change, read here by review and by time range).
 */
import {
  type AuditActor,
  type FieldViolation,
  MODERATION_LIMITS,
  type ModerationAuditEntry,
  type ModerationAuditQuery,
  type ModerationAuditResponse,
  type ModerationRule,
  type ModerationRules,
  type ModerationStatus,
  type UpdateModerationRulesRequest,
} from '../../contract/index.ts';
import type { Principal } from '../auth/principal.ts';
import type { ModerationAuditRow, ModerationRulesRow } from '../db/schema.ts';
import { type DbDeps, iso } from '../deps.ts';
import { AppError, invalid, isUniqueViolation } from '../errors.ts';
import { timeOrderedId } from '../ids.ts';
import type { SiteCache } from '../sites/site-cache.ts';
import { parseSettings } from '../sites/sites.service.ts';
import { moderationRepo } from './moderation.repo.ts';
import { checkRules, rulesFromSettings } from './moderation.rules.ts';

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

/** The rules that apply to one namespace: its own, or those derived from the site moderation setting. */
export async function rulesFor(deps: ModerationDeps, siteId: string, namespace: string): Promise<ModerationRule[]> {
  const row = await moderationRepo.rules(deps.db, siteId, namespace);
  return row ? (JSON.parse(row.rules_json) as ModerationRule[]) : settingsRules(deps, siteId);
}

/**
 * The rules of every namespace of a site, for an edit that may move a review to another namespace: a lookup that
 * falls back to the site moderation setting. Two reads, whatever the namespace turns out to be.
 */
export async function ruleBook(deps: ModerationDeps, siteId: string): Promise<(namespace: string) => ModerationRule[]> {
  const [rows, fallback] = await Promise.all([moderationRepo.allRules(deps.db, siteId), settingsRules(deps, siteId)]);
  const byNamespace = new Map(rows.map((r) => [r.namespace, JSON.parse(r.rules_json) as ModerationRule[]]));
  return (namespace) => byNamespace.get(namespace) ?? fallback;
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
 * increments its version. With `expectedVersion` (0 = none saved yet), a stale caller gets 409 REVISION_MISMATCH;
 * without it, the last writer wins.
 */
export async function updateModerationRules(
  deps: ModerationDeps,
  siteId: string,
  input: UpdateModerationRulesRequest,
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
    if (current) {
      if (await moderationRepo.replaceRules(deps.db, row, version)) return toRules(row);
    } else {
      try {
        await moderationRepo.insertRules(deps.db, row);
        return toRules(row);
      } catch (err) {
        if (!isUniqueViolation(err)) throw err;
      }
    }
    // Lost a race with another writer: a versioned caller is now stale; an unversioned one tries again.
    if (input.expectedVersion !== undefined) {
      const now = await moderationRepo.rules(deps.db, siteId, input.namespace);
      throw versionMismatch(now?.version ?? 0);
    }
  }
  throw new AppError('conflict', 'REVISION_MISMATCH', 'The moderation rules are changing too fast; try again');
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
