/**
 * Durable bulk jobs (bulkDeleteReviews, bulkUpdateModerationStatus): the request stores a job row and returns its
 * id; the worker runs it in batches, recording a keyset cursor so a crash resumes where it stopped.
 */
import { randomUUID } from 'node:crypto';
import type { EventIdentity, ImportReport, Job, JobStatus } from '../../contract/index.ts';
import { mayReadReports } from '../auth/permissions.rules.ts';
import type { Principal } from '../auth/principal.ts';
import type { JobRow } from '../db/schema.ts';
import { type DbDeps, iso } from '../deps.ts';
import { invalid, notFound } from '../errors.ts';
import { eventIdentity } from '../outbox/outbox.rules.ts';
import { parseFilter } from '../query/filter.ts';
import { jobsRepo } from './jobs.repo.ts';

export type JobKind = 'BULK_DELETE_REVIEWS' | 'BULK_MODERATE_REVIEWS';

export interface JobParams {
  filter: unknown;
  status?: 'APPROVED' | 'REJECTED';
  /** Who created the job: the identity of the events its changes write (absent on jobs stored before). */
  identity?: EventIdentity;
}

export interface JobsDeps extends DbDeps {
  /** Wakes the in-process worker so a new job starts at once rather than at the next poll. */
  wakeWorker: () => void;
}

/** A new job of `kind`, waiting for a worker; `params` is what its runner reads back. */
export function pendingJobRow(p: Principal, kind: string, params: object, now: string): JobRow {
  return {
    site_id: p.siteId,
    id: randomUUID(),
    kind,
    status: 'PENDING',
    params_json: JSON.stringify(params),
    cursor: null,
    processed: 0,
    succeeded: 0,
    failed: 0,
    error: null,
    locked_by: null,
    locked_until: null,
    created_at: now,
    updated_at: now,
    completed_at: null,
    result_json: null,
    bytes_total: null,
    bytes_read: null,
  };
}

/** Validates the filter and stores a pending job; nothing is changed until the worker runs it. */
export async function enqueueBulkJob(deps: JobsDeps, p: Principal, kind: JobKind, params: JobParams): Promise<string> {
  const parsed = parseFilter(params.filter, 'filter', { reports: mayReadReports(p) });
  if (parsed.violations.length > 0) throw invalid(parsed.violations);
  const row = pendingJobRow(p, kind, { ...params, identity: eventIdentity(p) } satisfies JobParams, iso(deps.clock()));
  await jobsRepo.insert(deps.db, row);
  deps.wakeWorker();
  return row.id;
}

export function toJob(row: JobRow): Job {
  return {
    id: row.id,
    kind: row.kind,
    status: row.status as JobStatus,
    processed: row.processed,
    succeeded: row.succeeded,
    failed: row.failed,
    ...(row.error ? { error: row.error } : {}),
    createdDate: row.created_at,
    updatedDate: row.updated_at,
    ...(row.completed_at ? { completedDate: row.completed_at } : {}),
    ...(row.result_json ? { result: JSON.parse(row.result_json) as ImportReport } : {}),
    ...(row.bytes_total !== null
      ? {
          progress: {
            unit: 'BYTES' as const,
            done: Math.min(row.bytes_read ?? 0, row.bytes_total),
            total: row.bytes_total,
          },
        }
      : {}),
  };
}

/** Whether `p` started the job of `row` (its stored identity names the same dashboard user). */
function startedBy(row: JobRow, p: Principal & { kind: 'USER' }): boolean {
  try {
    const identity = (JSON.parse(row.params_json) as JobParams).identity;
    return identity?.identityType === 'WIX_USER' && identity.wixUserId === p.userId;
  } catch {
    return false;
  }
}

/** A job of the caller's site; a moderator sees only the jobs it started (others are not found). */
export async function getJob(deps: Pick<DbDeps, 'db'>, p: Principal, id: string): Promise<Job> {
  const row = await jobsRepo.get(deps.db, p.siteId, id);
  if (!row || (p.kind === 'USER' && p.role === 'moderator' && !startedBy(row, p))) throw notFound('Job');
  return toJob(row);
}
