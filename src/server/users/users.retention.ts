/**
 * Retention of the dashboard's user tables: `user_audit` entries older than USER_AUDIT_RETENTION_DAYS are deleted in
 * bounded batches (one statement and transaction each, oldest first, through the `created_at` index), and sessions
 * that have ended and failure counts that no longer count are deleted (`purgeEndedSessions`). Both run from the
 * maintenance loop under its `user-purge` lease (engagement/maintenance.ts), on the app's clock; both are
 * idempotent.
 */
import { type DbDeps, iso } from '../deps.ts';
import { yieldToEventLoop } from '../polling-loop.ts';
import { usersRepo } from './users.repo.ts';

const DAY_MS = 86_400_000;
/** Audit entries deleted per statement: bounded work and a short transaction on either dialect. */
export const AUDIT_PURGE_BATCH = 500;

/**
 * Deletes the audit entries of every site written more than `retentionDays` before `now`; returns how many. A
 * retention of 0 keeps every entry. Stops between batches when `shouldStop` says so.
 */
export async function purgeUserAudit(
  deps: DbDeps,
  now: Date,
  retentionDays: number,
  opts: { batchSize?: number; shouldStop?: () => boolean } = {},
): Promise<number> {
  if (retentionDays <= 0) return 0;
  const cutoff = iso(new Date(now.getTime() - retentionDays * DAY_MS));
  const batchSize = opts.batchSize ?? AUDIT_PURGE_BATCH;
  let purged = 0;
  for (;;) {
    if (opts.shouldStop?.()) return purged;
    await yieldToEventLoop();
    const n = await usersRepo.deleteAuditBefore(deps.db, cutoff, batchSize);
    purged += n;
    // Fewer than a batch: nothing older is left (a batch may exceed its size by entries sharing its last time).
    if (n < batchSize) return purged;
  }
}
