/**
 * Outbox retention: events older than OUTBOX_RETENTION_DAYS are deleted once every target is done with them — the
 * webhook fan-out has passed them and none of their deliveries is still PENDING (each was DELIVERED or is DEAD).
 * Their finished delivery rows go with them. The purge walks the outbox in position order in bounded batches, one
 * transaction each, and only one instance purges at a time (the claim in outbox.repo.ts). Each site keeps the
 * highest position purged, so the feed can refuse a position that has lost events instead of skipping them.
 */
import { type DbDeps, iso } from '../deps.ts';
import { yieldToEventLoop } from '../polling-loop.ts';
import { deliveriesRepo } from '../webhooks/webhooks.repo.ts';
import { outboxRepo } from './outbox.repo.ts';

const DAY_MS = 86_400_000;
/** Events looked at per transaction: bounded work, and `in (…)` lists well under either driver's parameter limit. */
export const PURGE_BATCH = 500;

/**
 * Deletes the events older than `retentionDays` (before `now`) that every target is done with; returns how many.
 * A retention of 0 keeps every event. Returns early (0 further) when another instance holds the purge claim or
 * `shouldStop` says so.
 */
export async function purgeOutbox(
  deps: DbDeps,
  now: Date,
  retentionDays: number,
  opts: { batchSize?: number; shouldStop?: () => boolean } = {},
): Promise<number> {
  if (retentionDays <= 0) return 0;
  const cutoff = iso(new Date(now.getTime() - retentionDays * DAY_MS));
  const batchSize = opts.batchSize ?? PURGE_BATCH;
  let after = 0;
  let purged = 0;
  for (;;) {
    if (opts.shouldStop?.()) return purged;
    await yieldToEventLoop();
    const step = await deps.db.transaction().execute(async (tx) => {
      if (!(await outboxRepo.claimPurge(tx, deps.dialect))) return undefined;
      // Only what the fan-out has passed: every delivery of those events exists already.
      const cursor = await deliveriesRepo.fanOutCursor(tx);
      const rows = await outboxRepo.after(tx, after, cursor, batchSize);
      const old = rows.filter((r) => r.created_at < cutoff);
      const pending = await deliveriesRepo.pendingPositions(
        tx,
        old.map((r) => r.position),
      );
      const done = old.filter((r) => !pending.has(r.position));
      const positions = done.map((r) => r.position);
      await deliveriesRepo.deleteFinishedForPositions(tx, positions);
      await outboxRepo.deletePositions(tx, positions);
      const highest = new Map<string, number>();
      for (const r of done) highest.set(r.site_id, Math.max(highest.get(r.site_id) ?? 0, r.position));
      const at = iso(deps.clock());
      for (const [siteId, position] of highest) await outboxRepo.markPurged(tx, siteId, position, at);
      return {
        purged: done.length,
        last: rows[rows.length - 1]?.position,
        // Positions follow write order, so past the first event inside the retention nothing older follows.
        reachedRetained: old.length < rows.length,
      };
    });
    if (step === undefined) return purged;
    purged += step.purged;
    if (step.last === undefined || step.reachedRetained) return purged;
    after = step.last;
  }
}
