/** Queries on `jobs`, including the lease-based claim that keeps two instances off the same job. */
import { sql } from 'kysely';
import type { Dialect } from '../db/database.ts';
import type { Executor } from '../db/executor.ts';
import type { JobRow, JobUploadsTable } from '../db/schema.ts';

export const jobsRepo = {
  insert: async (db: Executor, row: JobRow): Promise<void> => {
    await db.insertInto('jobs').values(row).execute();
  },

  insertUpload: async (db: Executor, row: JobUploadsTable): Promise<void> => {
    await db.insertInto('job_uploads').values(row).execute();
  },

  upload: (db: Executor, siteId: string, jobId: string): Promise<JobUploadsTable | undefined> =>
    db
      .selectFrom('job_uploads')
      .selectAll()
      .where('site_id', '=', siteId)
      .where('job_id', '=', jobId)
      .executeTakeFirst(),

  deleteUpload: async (db: Executor, siteId: string, jobId: string): Promise<void> => {
    await db.deleteFrom('job_uploads').where('site_id', '=', siteId).where('job_id', '=', jobId).execute();
  },

  get: (db: Executor, siteId: string, id: string): Promise<JobRow | undefined> =>
    db.selectFrom('jobs').selectAll().where('site_id', '=', siteId).where('id', '=', id).executeTakeFirst(),

  /**
   * Claims the oldest runnable job (pending, or running with an expired lease) for `worker` until `leaseUntil`.
   * PostgreSQL skips rows another instance is claiming; SQLite serializes writers anyway.
   */
  async claim(
    db: Executor,
    dialect: Dialect,
    worker: string,
    now: string,
    leaseUntil: string,
  ): Promise<JobRow | undefined> {
    const lock = dialect === 'postgres' ? sql`for update skip locked` : sql``;
    const result = await sql<JobRow>`
      update jobs set status = 'RUNNING', locked_by = ${worker}, locked_until = ${leaseUntil}, updated_at = ${now}
      where (site_id, id) in (
        select site_id, id from jobs
        where status = 'PENDING' or (status = 'RUNNING' and locked_until < ${now})
        order by created_at limit 1 ${lock}
      )
      returning *`.execute(db);
    return result.rows[0];
  },

  /** Records progress while the lease is still ours; false when the lease was lost. */
  async progress(
    db: Executor,
    job: Pick<JobRow, 'site_id' | 'id'>,
    worker: string,
    patch: Partial<
      Pick<
        JobRow,
        | 'cursor'
        | 'processed'
        | 'succeeded'
        | 'failed'
        | 'status'
        | 'error'
        | 'completed_at'
        | 'locked_until'
        | 'updated_at'
        | 'result_json'
        | 'bytes_read'
      >
    >,
  ): Promise<boolean> {
    const r = await db
      .updateTable('jobs')
      .set(patch)
      .where('site_id', '=', job.site_id)
      .where('id', '=', job.id)
      .where('locked_by', '=', worker)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  },

  /** Jobs waiting or running, all sites (the queue depth for `/metrics`). */
  async queueDepth(db: Executor): Promise<{ pending: number; running: number }> {
    const rows = await db
      .selectFrom('jobs')
      .select(['status', (eb) => eb.fn.countAll<number | string>().as('n')])
      .where('status', 'in', ['PENDING', 'RUNNING'])
      .groupBy('status')
      .execute();
    const n = (status: string) => Number(rows.find((r) => r.status === status)?.n ?? 0);
    return { pending: n('PENDING'), running: n('RUNNING') };
  },
};
