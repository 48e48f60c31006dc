/**
 * The background loop that runs bulk jobs, one per server instance. It claims a job with a lease, processes
 * matching reviews in keyset batches through the same mutation as the single-review operations (so summaries and
 * events stay exact), records progress after every batch, and renews its lease as it goes.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { Principal } from '../auth/principal.ts';
import { UNKNOWN_IDENTITY } from '../../contract/index.ts';
import type { JobRow } from '../db/schema.ts';
import { iso } from '../deps.ts';
import { AppError, unavailableReason } from '../errors.ts';
import { compileFilter, keysetCondition } from '../query/compile.ts';
import { parseFilter } from '../query/filter.ts';
import { visibleReviews } from '../query/query.service.ts';
import { resolveAt } from '../query/relevance.ts';
import { deletion, moderationMutation, mutateReview, type ReviewsDeps } from '../reviews/reviews.service.ts';
import { createPollingLoop, type PollingLoop, yieldToEventLoop } from '../polling-loop.ts';
import { jobsRepo } from './jobs.repo.ts';
import type { JobParams } from './jobs.service.ts';

const BATCH = 100;
const LEASE_MS = 60_000;

export interface JobWorker {
  start(): void;
  wake(): void;
  /** Stops after the current batch; resolves when the loop has exited. */
  stop(): Promise<void>;
  /** Runs until no runnable job is left (for the CLI and tests). */
  drain(): Promise<void>;
}

export function createJobWorker(deps: ReviewsDeps & { pollIntervalMs: number; log: FastifyBaseLogger }): JobWorker {
  const worker = `worker-${randomUUID()}`;
  // Assigned below; the batch steps read `loop.stopping` to end a long job between batches on shutdown.
  let loop: PollingLoop;

  const leaseUntil = () => iso(new Date(deps.clock().getTime() + LEASE_MS));

  async function runBatch(job: JobRow, params: JobParams): Promise<'more' | 'done' | 'lost'> {
    const admin: Principal = { kind: 'ADMIN', siteId: job.site_id, keyId: `job:${job.id}` };
    // The job's changes are its creator's act, named in their events as the creator.
    const identity = params.identity ?? UNKNOWN_IDENTITY;
    const parsed = parseFilter(params.filter, 'filter');
    // A relevanceScore condition compares with the scores at this batch's clock reading.
    const node = parsed.node && resolveAt(parsed.node, deps.clock());
    const cursor = job.cursor ? (JSON.parse(job.cursor) as [string, string]) : undefined;
    const keys = [
      { field: 'createdDate', column: 'created_at', order: 'ASC' },
      { field: 'id', column: 'id', order: 'ASC' },
    ] as const;
    let q = visibleReviews(deps.db.selectFrom('reviews').selectAll(), admin, true);
    if (node) q = q.where((eb) => compileFilter(eb, node));
    if (cursor) q = q.where((eb) => keysetCondition(eb, keys, cursor, 'next'));
    const rows = await q.orderBy('created_at').orderBy('id').limit(BATCH).execute();

    let { processed, succeeded, failed } = job;
    for (const row of rows) {
      try {
        if (job.kind === 'BULK_DELETE_REVIEWS') {
          await mutateReview(deps, job.site_id, identity, row.id, undefined, deletion);
        } else if (params.status && row.moderation_status !== params.status) {
          const status = params.status;
          const audit = { actor: { kind: 'JOB', id: job.id }, reason: `BULK_JOB:${job.id}` } as const;
          await mutateReview(deps, job.site_id, identity, row.id, undefined, (r, now) =>
            moderationMutation(r, status, now, audit),
          );
        }
        succeeded++;
      } catch (err) {
        // The database busy or away: the batch stops here and is retried from its last recorded cursor.
        if (unavailableReason(err)) throw err;
        // A review deleted meanwhile is simply gone; anything else counts as a failed item.
        if (!(err instanceof AppError && err.code === 'REVIEW_NOT_FOUND')) {
          failed++;
          if (!(err instanceof AppError)) deps.log.error({ err, jobId: job.id, reviewId: row.id }, 'bulk job item failed');
        }
      }
      processed++;
    }
    const last = rows[rows.length - 1];
    const done = rows.length < BATCH;
    const now = iso(deps.clock());
    const ok = await jobsRepo.progress(deps.db, job, worker, {
      cursor: last ? JSON.stringify([last.created_at, last.id]) : job.cursor,
      processed,
      succeeded,
      failed,
      updated_at: now,
      locked_until: leaseUntil(),
      ...(done ? { status: 'COMPLETED', completed_at: now } : {}),
    });
    Object.assign(job, { cursor: last ? JSON.stringify([last.created_at, last.id]) : job.cursor, processed, succeeded, failed });
    if (!ok) return 'lost';
    return done ? 'done' : 'more';
  }

  async function runOne(): Promise<boolean> {
    const job = await jobsRepo.claim(deps.db, deps.dialect, worker, iso(deps.clock()), leaseUntil());
    if (!job) return false;
    const params = JSON.parse(job.params_json) as JobParams;
    try {
      for (;;) {
        await yieldToEventLoop();
        const r = await runBatch(job, params);
        if (r !== 'more' || loop.stopping) break;
      }
    } catch (err) {
      // A passing fault is not the job's: the lease is given back (if the database takes it; otherwise it runs out)
      // and the job is claimed again and resumed from its last recorded batch once the loop retries after its backoff.
      if (unavailableReason(err)) {
        const expired = iso(new Date(deps.clock().getTime() - 1));
        await jobsRepo.progress(deps.db, job, worker, { locked_until: expired }).catch(() => false);
        throw err;
      }
      deps.log.error({ err, jobId: job.id }, 'bulk job failed');
      await jobsRepo.progress(deps.db, job, worker, {
        status: 'FAILED',
        error: 'The job stopped on an internal error',
        updated_at: iso(deps.clock()),
        completed_at: iso(deps.clock()),
      });
    }
    return true;
  }

  async function drain(): Promise<void> {
    while (!loop.stopping && (await runOne())) {
      // keep going while there is work
    }
  }

  loop = createPollingLoop({ name: 'job worker', intervalMs: deps.pollIntervalMs, log: deps.log, drain });

  return { start: () => loop.start(), wake: () => loop.wake(), stop: () => loop.stop(), drain };
}
