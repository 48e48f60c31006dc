/**
 * The maintenance loop, one per server instance: purges the trash past its retention and outbox events past theirs
 * (outbox/outbox.retention.ts, claimed by one instance at a time) hourly, and recomputes every
 * live review's relevance score so age decay shows in sorts (at start, then daily). Both passes are idempotent and
 * safe beside other instances and live writes: purge deletes only rows still deleted before the cutoff, and a
 * recomputed score is written only if the review's revision and vote counts are those it was computed from.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Media } from '../../contract/index.ts';
import type { DbDeps } from '../deps.ts';
import { purgeOutbox } from '../outbox/outbox.retention.ts';
import { score } from '../reviews/reviews.service.ts';
import { yieldToEventLoop } from '../polling-loop.ts';
import { engagementRepo } from './engagement.repo.ts';
import { purgeTrash } from './trash.service.ts';

const RESCORE_BATCH = 500;
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/**
 * Recomputes the relevance score of every live review at `now` (all sites), in primary-key batches of one
 * transaction each; writes only scores that changed. Returns how many were rewritten.
 */
export async function recomputeRelevance(
  deps: Pick<DbDeps, 'db'>,
  now: Date,
  shouldStop: () => boolean = () => false,
): Promise<number> {
  let after: [string, string] | undefined;
  let changed = 0;
  for (;;) {
    // Between batches, so a shutdown does not wait for a pass over every review, and requests get their turn.
    if (shouldStop()) return changed;
    await yieldToEventLoop();
    const rows = await engagementRepo.liveBatch(deps.db, after, RESCORE_BATCH);
    const stale = rows.flatMap((row) => {
      const next = score(row, now, JSON.parse(row.media_json) as Media[]);
      return Math.abs(next - row.relevance_score) > 1e-9 ? [{ row, next }] : [];
    });
    if (stale.length > 0) {
      await deps.db.transaction().execute(async (trx) => {
        for (const s of stale) if (await engagementRepo.setRelevance(trx, s.row, s.next)) changed++;
      });
    }
    const last = rows[rows.length - 1];
    if (!last || rows.length < RESCORE_BATCH) return changed;
    after = [last.site_id, last.id];
  }
}

export interface Maintenance {
  start(): void;
  /** Stops the timer and waits for a pass in progress. */
  stop(): Promise<void>;
  /** One pass now: purge the trash and the outbox, and rescore when due (always on the first pass). */
  runOnce(): Promise<{ purged: number; rescored: number; outboxPurged: number }>;
}

export function createMaintenance(
  deps: DbDeps & {
    trashRetentionDays: number;
    log: FastifyBaseLogger;
    intervalMs?: number;
    /** OUTBOX_RETENTION_DAYS; 0 or absent keeps every event. */
    outboxRetentionDays?: number;
  },
): Maintenance {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  let stopped = false;
  let lastRescore: number | undefined;

  async function runOnce() {
    const now = deps.clock();
    const purged = await purgeTrash(deps, now, deps.trashRetentionDays);
    const outboxPurged = await purgeOutbox(deps, now, deps.outboxRetentionDays ?? 0, { shouldStop: () => stopped });
    let rescored = 0;
    if (lastRescore === undefined || now.getTime() - lastRescore >= DAY_MS) {
      rescored = await recomputeRelevance(deps, now, () => stopped);
      if (!stopped) lastRescore = now.getTime();
    }
    return { purged, rescored, outboxPurged };
  }

  function tick() {
    if (stopped) return;
    running = runOnce()
      .catch((err: unknown) => deps.log.error({ err }, 'maintenance pass failed'))
      .finally(() => {
        running = undefined;
        if (!stopped) {
          timer = setTimeout(tick, deps.intervalMs ?? HOUR_MS);
          timer.unref();
        }
      });
  }

  return {
    start() {
      if (timer || running || stopped) return;
      tick();
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
    runOnce,
  };
}
