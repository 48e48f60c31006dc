/**
 * Import by upload: the HTTP face of `verdict import`. The request stores the file and a pending `IMPORT_REVIEWS`
 * job in one transaction and returns at once; the job worker runs the same import as the CLI on it, records the rows
 * read as it goes (getJob shows them) and leaves the reconciliation report as the job's result.
 *
 * The file waits in the database (`job_uploads`), not on the disk of the instance that took it, so whichever
 * instance claims the job can run it. A job interrupted by a crash or a lost database is claimed again once its
 * lease has run out and runs the file from its start: an import creates nothing twice (a row's review id comes from
 * its source identity and ids already present are skipped), so the second run completes the first.
 *
 * Unlike the CLI, the server keeps the review indexes in place (a thousand rows per transaction): an index rebuild
 * holds the write lock until it commits and would stall the shop's own writes.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import type { ExportReviewsQuery, ImportReport, StartImportQuery } from '../../contract/index.ts';
import type { Principal } from '../auth/principal.ts';
import type { Executor } from '../db/executor.ts';
import type { JobRow } from '../db/schema.ts';
import { type DbDeps, iso } from '../deps.ts';
import { unavailableReason } from '../errors.ts';
import { jobsRepo } from '../jobs/jobs.repo.ts';
import { type JobsDeps, pendingJobRow } from '../jobs/jobs.service.ts';
import { eventIdentity } from '../outbox/outbox.rules.ts';
import type { ExportFormat } from './export.service.ts';
import type { ImportFormat, ImportRow } from './import.formats.ts';
import { importReviews } from './import.service.ts';
import { readImportInWorker } from './read-in-worker.ts';

export const IMPORT_JOB_KIND = 'IMPORT_REVIEWS';

export interface ImportJobParams {
  format: ImportFormat;
  namespace: string;
  dryRun: boolean;
}

/**
 * A change to the job's row while this worker holds its lease; false once the lease is lost. `db`, when given, is the
 * transaction the change belongs to.
 */
export type JobProgress = (
  patch: Partial<
    Pick<
      JobRow,
      'processed' | 'succeeded' | 'failed' | 'status' | 'error' | 'completed_at' | 'result_json' | 'bytes_read'
    >
  >,
  db?: Executor,
) => Promise<boolean>;

/** Stores the file and a pending import job in one transaction and wakes the worker; returns the job id. */
export async function enqueueImport(
  deps: JobsDeps,
  p: Principal,
  file: string,
  params: ImportJobParams,
): Promise<string> {
  const now = iso(deps.clock());
  const row: JobRow = {
    ...pendingJobRow(p, IMPORT_JOB_KIND, { ...params, identity: eventIdentity(p) }, now),
    // The size of the upload as stored (UTF-8), which the reader reads back byte for byte.
    bytes_total: Buffer.byteLength(file, 'utf8'),
    bytes_read: 0,
  };
  await deps.db.transaction().execute(async (trx) => {
    await jobsRepo.insert(trx, row);
    await jobsRepo.insertUpload(trx, { site_id: p.siteId, job_id: row.id, content: file, created_at: now });
  });
  deps.wakeWorker();
  return row.id;
}

class LeaseLost extends Error {}

/** Stops reading as soon as the job's lease is known lost: another worker runs the job now. */
async function* untilLost(rows: AsyncIterable<ImportRow>, lost: () => boolean): AsyncGenerator<ImportRow> {
  for await (const row of rows) {
    if (lost()) throw new LeaseLost('the import job was taken over');
    yield row;
  }
}

/**
 * Runs one claimed import job to its end: COMPLETED with the report as its result, or FAILED (file gone, or an
 * error of the import itself); the file is deleted either way. A database fault is thrown to the worker, which gives
 * the lease back so the job runs again.
 */
export async function runImportJob(
  deps: DbDeps & { log: FastifyBaseLogger },
  job: JobRow,
  progress: JobProgress,
): Promise<void> {
  const params = JSON.parse(job.params_json) as ImportJobParams;
  // The job's end and the deletion of its file commit together: a job that reads finished has no file left, and a
  // job whose file could not be deleted is not finished (it runs again once its lease has run out).
  const finish = async (patch: Parameters<JobProgress>[0]) => {
    const now = iso(deps.clock());
    await deps.db.transaction().execute(async (trx) => {
      if (await progress({ ...patch, completed_at: now }, trx)) await jobsRepo.deleteUpload(trx, job.site_id, job.id);
    });
  };
  const upload = await jobsRepo.upload(deps.db, job.site_id, job.id);
  if (!upload) {
    await finish({ status: 'FAILED', error: 'The uploaded file is no longer stored; upload it again' });
    return;
  }
  // The reader runs on a thread of its own and reads a file: the upload is written to a private temporary one.
  const dir = await mkdtemp(join(tmpdir(), 'verdict-import-'));
  let lost = false;
  let failed = 0;
  // Bytes of the file the reader had read when it handed over the rows imported so far.
  let bytesRead = 0;
  let pending: Promise<unknown> = Promise.resolve();
  try {
    const path = join(dir, 'upload');
    await writeFile(path, upload.content);
    const rows = untilLost(
      readImportInWorker(path, { format: params.format, namespace: params.namespace }, (bytes) => {
        bytesRead = bytes;
      }),
      () => lost,
    );
    const report: ImportReport = await importReviews(deps, rows, {
      siteId: job.site_id,
      format: params.format,
      dryRun: params.dryRun,
      rebuildIndexes: false,
      onError: () => {
        failed++;
      },
      onProgress: ({ rows: read }) => {
        // One write at a time, in order; each renews the lease.
        pending = pending
          .then(() => progress({ processed: read, succeeded: read - failed, failed, bytes_read: bytesRead }))
          .then((ok) => {
            if (!ok) lost = true;
          })
          .catch((err: unknown) => deps.log.warn({ err, jobId: job.id }, 'import progress not recorded'));
      },
    });
    await pending;
    if (lost) return;
    await finish({
      status: 'COMPLETED',
      processed: report.rowsRead,
      succeeded: report.created + report.skipped,
      failed: report.failed,
      result_json: JSON.stringify(report),
      bytes_read: Buffer.byteLength(upload.content, 'utf8'),
    });
  } catch (err) {
    await pending;
    if (err instanceof LeaseLost) return;
    if (unavailableReason(err)) throw err;
    deps.log.error({ err, jobId: job.id }, 'import job failed');
    await finish({ status: 'FAILED', error: 'The import stopped on an internal error' });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

// The query's formats are the reader's, and the export's the export service's: a format added to one side only
// does not compile.
type Same<A, B> = [Exclude<A, B>, Exclude<B, A>] extends [never, never] ? true : false;
const sameImportFormats: Same<StartImportQuery['format'], ImportFormat> = true;
const sameExportFormats: Same<ExportReviewsQuery['format'], ExportFormat> = true;
void sameImportFormats;
void sameExportFormats;
