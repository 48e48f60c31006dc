/**
 * The background loop that runs bulk jobs, one per server instance. It claims a job with a lease, processes
 * matching reviews in keyset batches of 100, each batch in one review unit of work with the same changes as the
 * single-review operations (so summaries, events and audit stay exact), records progress after every batch, and
 * renews its lease as it goes.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import { type EventIdentity, UNKNOWN_IDENTITY } from '../../contract/index.ts';
import type { JobRow, ReviewRow } from '../db/schema.ts';
import { iso } from '../deps.ts';
import { AppError, unavailableReason } from '../errors.ts';
import { IMPORT_JOB_KIND, runImportJob } from '../imports/import.job.ts';
import { createPollingLoop, type PollingLoop, yieldToEventLoop } from '../polling-loop.ts';
import { parseFilter } from '../query/filter.ts';
import { resolveAt } from '../query/relevance.ts';
import { reviewsRepo } from '../reviews/reviews.repo.ts';
import { deletion, moderationMutation, type ReviewsDeps } from '../reviews/reviews.service.ts';
import { type ReviewChange, runReviewWrite } from '../reviews/unit-of-work.ts';
import { jobsRepo } from './jobs.repo.ts';
import type { JobParams } from './jobs.service.ts';

const BATCH = 100;
const LEASE_MS = 60_000;

/** What became of one review of a batch: changed (or already as asked), gone meanwhile, or failed. */
type Outcome = 'done' | 'gone' | 'failed';

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
    // The job's changes are its creator's act, named in their events as the creator.
    const identity = params.identity ?? UNKNOWN_IDENTITY;
    const cursor = job.cursor ? (JSON.parse(job.cursor) as [string, string]) : undefined;
    // Checked when the job was started, against what its creator may filter on.
    const parsed = parseFilter(params.filter, 'filter', { reports: true }).node;
    // A relevanceScore condition compares with the scores at this batch's clock reading.
    const node = parsed && resolveAt(parsed, deps.clock());
    const matches = await reviewsRepo.matching(deps.db, job.site_id, node, cursor, BATCH);
    const ids = matches.map((r) => r.id);

    let { processed, succeeded, failed } = job;
    let outcomes: Outcome[];
    try {
      outcomes = await applyBatch(job, params, identity, ids);
    } catch (err) {
      // The database busy or away: the batch stops here and is retried from its last recorded cursor.
      if (unavailableReason(err)) throw err;
      // Something in the batch failed: each review on its own, so only the one that fails counts as failed.
      outcomes = [];
      for (const id of ids) {
        try {
          outcomes.push(...(await applyBatch(job, params, identity, [id])));
        } catch (e) {
          if (unavailableReason(e)) throw e;
          if (!(e instanceof AppError)) deps.log.error({ err: e, jobId: job.id, reviewId: id }, 'bulk job item failed');
          outcomes.push('failed');
        }
      }
    }
    for (const outcome of outcomes) {
      processed++;
      if (outcome === 'done') succeeded++;
      if (outcome === 'failed') failed++;
    }
    const last = matches[matches.length - 1];
    const done = matches.length < BATCH;
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
    Object.assign(job, {
      cursor: last ? JSON.stringify([last.created_at, last.id]) : job.cursor,
      processed,
      succeeded,
      failed,
    });
    if (!ok) return 'lost';
    return done ? 'done' : 'more';
  }

  /**
   * One batch of the job's reviews in one unit of work: locked together, each deleted or moved to the job's status
   * from its current state. A review deleted since the batch was read is simply gone (neither done nor failed).
   */
  function applyBatch(
    job: JobRow,
    params: JobParams,
    identity: EventIdentity,
    ids: readonly string[],
  ): Promise<Outcome[]> {
    return runReviewWrite(deps, { siteId: job.site_id, identity }, async (w) => {
      const rows = await w.lock(ids);
      const changes: { row: ReviewRow; change: ReviewChange }[] = [];
      const status = params.status;
      const audit = { actor: { kind: 'JOB', id: job.id }, reason: `BULK_JOB:${job.id}` } as const;
      const outcomes = ids.map((id): Outcome => {
        const row = rows.get(id);
        if (!row) return 'gone';
        if (job.kind === 'BULK_DELETE_REVIEWS') changes.push({ row, change: deletion(row, w.now) });
        else if (status && row.moderation_status !== status) {
          changes.push({ row, change: moderationMutation(row, status, w.now, audit) });
        }
        return 'done';
      });
      await w.changeMany(changes);
      return outcomes;
    });
  }

  async function runOne(): Promise<boolean> {
    const job = await jobsRepo.claim(deps.db, deps.dialect, worker, iso(deps.clock()), leaseUntil());
    if (!job) return false;
    const params = JSON.parse(job.params_json) as JobParams;
    try {
      if (job.kind === IMPORT_JOB_KIND) {
        await runImportJob(deps, job, (patch, db = deps.db) =>
          jobsRepo.progress(db, job, worker, {
            ...patch,
            updated_at: iso(deps.clock()),
            locked_until: leaseUntil(),
          }),
        );
        return true;
      }
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
