/**
 * Import by upload (`POST /verdict/v1/imports`, a job) and export as a download (`GET /verdict/v1/exports`): the
 * file is imported by the job worker with the CLI's import, its progress and reconciliation report read through
 * getJob; a second upload of the same file creates nothing; a dry run writes nothing; the export streams the
 * site's reviews as an attachment; bad input lists every problem; sites are kept apart.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { IMPORT_JOB_KIND, type JobProgress, runImportJob } from '../../src/server/imports/import.job.ts';
import { jobsRepo } from '../../src/server/jobs/jobs.repo.ts';
import { pendingJobRow } from '../../src/server/jobs/jobs.service.ts';
import { buildSite, call, entityId, startTestApp, type TestApp, type TestSite, waitFor } from '../support/app.ts';
import { dialects, type TestDb } from '../support/databases.ts';

const IMPORTS = '/verdict/v1/imports';
const EXPORTS = '/verdict/v1/exports';
const UPLOAD_LIMIT = 64 * 1024;

describe.each(dialects())('import by upload and export as a download on $name', (dialect) => {
  let db: TestDb;
  let t: TestApp;
  beforeAll(async () => {
    db = await dialect.open();
    t = await startTestApp(db, { uploadBodyLimitBytes: UPLOAD_LIMIT });
  });
  afterAll(async () => {
    await t.close();
    await db.dispose();
  });

  const ndjson = (rows: unknown[]) => `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`;

  async function upload(site: TestSite, file: string, query: string, type = 'application/x-ndjson') {
    const res = await call(t.app, 'POST', `${IMPORTS}?${query}`, {
      auth: site.adminKey,
      rawBody: file,
      headers: { 'content-type': type },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body.jobId as string;
  }

  const finished = (site: TestSite, jobId: string) =>
    waitFor(`import job ${jobId}`, async () => {
      const res = await call(t.app, 'GET', `/verdict/v1/jobs/${jobId}`, { auth: site.adminKey });
      expect(res.status).toBe(200);
      return res.body.job.status === 'COMPLETED' || res.body.job.status === 'FAILED' ? res.body.job : undefined;
    });

  it('imports an uploaded NDJSON file as a job: counts, the reconciliation report, and the reviews in place', async () => {
    const site = await buildSite(t);
    const entity = entityId();
    const file = ndjson([
      {
        entityId: entity,
        content: { rating: 5, title: 'Lovely' },
        reviewDate: '2024-01-01T10:00:00Z',
        author: { name: 'Ann' },
      },
      { entityId: entity, content: { rating: 3 }, reviewDate: '2024-01-02T10:00:00Z', author: { name: 'Bøb' } },
      { entityId: entity, content: { rating: 9 }, reviewDate: 'yesterday' },
    ]);
    const jobId = await upload(site, file, 'format=verdict');
    // The job knows its total from the start: the upload's size in bytes (not characters).
    const bytes = Buffer.byteLength(file, 'utf8');
    expect(bytes).toBeGreaterThan(file.length);
    const early = (await call(t.app, 'GET', `/verdict/v1/jobs/${jobId}`, { auth: site.adminKey })).body.job;
    expect(early.progress).toEqual({ unit: 'BYTES', done: expect.any(Number), total: bytes });
    const job = await finished(site, jobId);
    expect(job).toMatchObject({ kind: 'IMPORT_REVIEWS', status: 'COMPLETED', processed: 3, succeeded: 2, failed: 1 });
    expect(job.progress).toEqual({ unit: 'BYTES', done: bytes, total: bytes });
    expect(job.result).toMatchObject({
      dryRun: false,
      rowsRead: 3,
      created: 2,
      skipped: 0,
      failed: 1,
      entities: 1,
      matching: 1,
      mismatches: [],
      indexesRebuilt: false,
    });
    expect(job.result.errors).toEqual([
      {
        line: 3,
        violations: expect.arrayContaining([
          expect.objectContaining({ field: 'content.rating' }),
          expect.objectContaining({ field: 'reviewDate' }),
        ]),
      },
    ]);
    const summary = await call(t.app, 'GET', `/verdict/v1/ratings/summary?namespace=stores&entityId=${entity}`, {
      auth: site.adminKey,
    });
    expect(summary.body.summary).toMatchObject({ count: 2, average: 4 });
    // The file is not kept once its job has run.
    const left = await t.deps.db.selectFrom('job_uploads').select('job_id').where('job_id', '=', jobId).execute();
    expect(left).toEqual([]);

    // The same file again creates nothing.
    const again = await finished(site, await upload(site, file, 'format=verdict'));
    expect(again.result).toMatchObject({ created: 0, skipped: 2, failed: 1 });
  });

  /**
   * Stores a dry-run import job of `file` with its upload, claimed by the test (a lease far ahead), so the app's own
   * worker leaves it alone and the test runs it directly.
   */
  async function storeClaimedJob(site: TestSite, file: string) {
    const now = new Date().toISOString();
    const job = {
      ...pendingJobRow(
        { kind: 'ADMIN', siteId: site.siteId, keyId: 'k' },
        IMPORT_JOB_KIND,
        { format: 'verdict', namespace: 'stores', dryRun: true },
        now,
      ),
      status: 'RUNNING',
      locked_by: 'this test',
      locked_until: '2999-01-01T00:00:00.000Z',
      bytes_total: Buffer.byteLength(file),
      bytes_read: 0,
    };
    await jobsRepo.insert(t.deps.db, job);
    await jobsRepo.insertUpload(t.deps.db, { site_id: site.siteId, job_id: job.id, content: file, created_at: now });
    return job;
  }

  it('records the bytes of the file read with each step of the rows read, so a big import shows how far it is', async () => {
    const site = await buildSite(t);
    const entity = entityId();
    const file = ndjson(
      Array.from({ length: 4000 }, (_, i) => ({
        entityId: entity,
        content: { rating: (i % 5) + 1, title: `Review ${i}` },
        reviewDate: '2024-01-01T10:00:00Z',
      })),
    );
    // Bigger than this app's upload limit: the job is stored and run here directly, as the worker would run it.
    const job = await storeClaimedJob(site, file);
    const patches: Parameters<JobProgress>[0][] = [];
    await runImportJob({ ...t.deps, log: t.app.log }, job, async (patch) => {
      patches.push(patch);
      return true;
    });
    const steps = patches.filter((p) => p.status === undefined);
    expect(steps.length).toBeGreaterThan(1);
    const read = steps.map((p) => p.bytes_read ?? -1);
    expect(read).toEqual([...read].sort((a, b) => a - b));
    expect(read[0]).toBeGreaterThan(0);
    expect(read[0]).toBeLessThan(job.bytes_total);
    expect(patches.at(-1)).toMatchObject({ status: 'COMPLETED', processed: 4000, bytes_read: job.bytes_total });
  });

  it('finishes a job and deletes its file in one transaction: a file that cannot be deleted leaves the job to run again', async () => {
    const site = await buildSite(t);
    const file = ndjson([{ entityId: entityId(), content: { rating: 4 }, reviewDate: '2024-01-01T10:00:00Z' }]);
    const job = await storeClaimedJob(site, file);
    const progress: JobProgress = (patch, executor = t.deps.db) => jobsRepo.progress(executor, job, 'this test', patch);
    const refused = vi.spyOn(jobsRepo, 'deleteUpload').mockRejectedValue(new Error('the file cannot be deleted'));
    try {
      await expect(runImportJob({ ...t.deps, log: t.app.log }, job, progress)).rejects.toThrow('cannot be deleted');
    } finally {
      refused.mockRestore();
    }
    // Neither COMPLETED nor FAILED was kept without the file's deletion: the job is still running, its file in place.
    expect((await jobsRepo.get(t.deps.db, site.siteId, job.id))?.status).toBe('RUNNING');
    expect(await jobsRepo.upload(t.deps.db, site.siteId, job.id)).toMatchObject({ content: file });

    await runImportJob({ ...t.deps, log: t.app.log }, job, progress);
    expect((await jobsRepo.get(t.deps.db, site.siteId, job.id))?.status).toBe('COMPLETED');
    expect(await jobsRepo.upload(t.deps.db, site.siteId, job.id)).toBeUndefined();
  });

  it('checks without writing on a dry run, and reads CSV of another platform', async () => {
    const site = await buildSite(t);
    const entity = entityId();
    const csv = `title,body,rating,review_date,reviewer_name,reviewer_email,product_id,curated\nGood,Nice,4,2025-03-02 10:12:00 UTC,Ann,ann@example.com,${entity},ok\n`;
    const dry = await finished(site, await upload(site, csv, 'format=judgeme&dryRun=true&namespace=shop', 'text/csv'));
    expect(dry.result).toMatchObject({ dryRun: true, rowsRead: 1, created: 1, failed: 0 });
    const none = await call(t.app, 'GET', `/verdict/v1/ratings/summary?namespace=shop&entityId=${entity}`, {
      auth: site.adminKey,
    });
    expect(none.body.summary.count).toBe(0);
    const real = await finished(site, await upload(site, csv, 'format=judgeme&namespace=shop', 'text/csv'));
    expect(real.result).toMatchObject({ dryRun: false, created: 1, matching: 1 });
    const one = await call(t.app, 'GET', `/verdict/v1/ratings/summary?namespace=shop&entityId=${entity}`, {
      auth: site.adminKey,
    });
    expect(one.body.summary).toMatchObject({ count: 1, average: 4 });
  });

  it('takes the file as one JSON string too (how the typed client sends a body)', async () => {
    const site = await buildSite(t);
    const file = ndjson([{ entityId: entityId(), content: { rating: 4 }, reviewDate: '2024-05-01' }]);
    const res = await call(t.app, 'POST', `${IMPORTS}?format=verdict`, { auth: site.adminKey, body: file });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect((await finished(site, res.body.jobId)).result.created).toBe(1);
  });

  it('lists every problem of a bad upload (Wix-shaped 400), and refuses other media types and oversized files', async () => {
    const site = await buildSite(t);
    const post = (query: string, body: string | Buffer, type = 'text/csv') =>
      call(t.app, 'POST', `${IMPORTS}${query}`, {
        auth: site.adminKey,
        rawBody: body,
        headers: { 'content-type': type },
      });
    const bad = await post(`?format=excel&dryRun=maybe&namespace=${'n'.repeat(40)}`, 'a,b\n');
    expect(bad.status).toBe(400);
    expect(bad.body.details.validationError.fieldViolations.map((v: { field: string }) => v.field).sort()).toEqual(
      expect.arrayContaining([
        expect.stringContaining('format'),
        expect.stringContaining('dryRun'),
        expect.stringContaining('namespace'),
      ]),
    );
    const empty = await post('?format=verdict', '  \n');
    expect(empty.status).toBe(400);
    expect(empty.body.details.validationError.fieldViolations).toEqual([expect.objectContaining({ field: 'body' })]);
    const latin1 = await post('?format=verdict', Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a]));
    expect(latin1.status).toBe(400);
    expect(latin1.body.details.validationError.fieldViolations).toEqual([
      expect.objectContaining({ violatedRule: 'INVALID_ENCODING' }),
    ]);
    const xml = await post('?format=verdict', '<reviews/>', 'application/xml');
    expect(xml.status).toBe(415);
    const big = await post('?format=verdict', 'x'.repeat(UPLOAD_LIMIT + 1));
    expect(big.status).toBe(413);
    expect(big.body.details.applicationError.code).toBe('PAYLOAD_TOO_LARGE');
    // Raw text stays refused where no operation takes it.
    const elsewhere = await call(t.app, 'POST', '/reviews/v1/reviews', {
      auth: site.adminKey,
      rawBody: 'a,b',
      headers: { 'content-type': 'text/csv' },
    });
    expect(elsewhere.status).toBe(415);
    const jobs = await t.deps.db.selectFrom('jobs').select('id').where('site_id', '=', site.siteId).execute();
    expect(jobs).toEqual([]);
  });

  it('exports the live reviews as a download: NDJSON and CSV in the import format, and a Google feed', async () => {
    const site = await buildSite(t);
    const entity = entityId();
    const file = ndjson([
      {
        entityId: entity,
        content: { rating: 5, title: 'Tom & Jerry <3' },
        reviewDate: '2024-01-01T10:00:00Z',
        author: { name: 'Ann' },
      },
      { entityId: entity, content: { rating: 2 }, reviewDate: '2024-01-02T10:00:00Z', status: 'IN_MODERATION' },
    ]);
    expect((await finished(site, await upload(site, file, 'format=verdict'))).status).toBe('COMPLETED');

    const nd = await t.app.inject({
      method: 'GET',
      url: `${EXPORTS}?format=ndjson`,
      headers: { authorization: site.adminKey },
    });
    expect(nd.statusCode).toBe(200);
    expect(nd.headers['content-type']).toBe('application/x-ndjson; charset=utf-8');
    expect(nd.headers['content-disposition']).toMatch(/^attachment; filename="reviews-\d{4}-\d{2}-\d{2}\.ndjson"$/);
    const rows = nd.body
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(rows.map((r) => [r.entityId, r.content.rating, r.status])).toEqual([
      [entity, 5, 'APPROVED'],
      [entity, 2, 'IN_MODERATION'],
    ]);

    const csv = await t.app.inject({
      method: 'GET',
      url: `${EXPORTS}?format=csv`,
      headers: { authorization: site.adminKey },
    });
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.headers['content-disposition']).toMatch(/\.csv"$/);
    const lines = csv.body.trim().split('\n');
    expect(lines[0]?.startsWith('id,namespace,entity_id,')).toBe(true);
    expect(lines).toHaveLength(3);

    const feed = await t.app.inject({
      method: 'GET',
      url: `${EXPORTS}?format=google&publisher=${encodeURIComponent('Shop & Co')}&productUrl=${encodeURIComponent('https://shop.example/p/{entityId}')}`,
      headers: { authorization: site.adminKey },
    });
    expect(feed.statusCode).toBe(200);
    expect(feed.headers['content-type']).toBe('application/xml; charset=utf-8');
    // Published reviews only, text escaped.
    expect(feed.body.match(/<review>/g)).toHaveLength(1);
    expect(feed.body).toContain('Tom &amp; Jerry &lt;3');
    expect(feed.body).toContain('Shop &amp; Co');
  });

  it('lists every problem of a bad export request (Wix-shaped 400)', async () => {
    const site = await buildSite(t);
    const unknown = await call(t.app, 'GET', `${EXPORTS}?format=xlsx`, { auth: site.adminKey });
    expect(unknown.status).toBe(400);
    expect(unknown.body.details.validationError.fieldViolations).toEqual([
      expect.objectContaining({ field: expect.stringContaining('format') }),
    ]);
    const feed = await call(t.app, 'GET', `${EXPORTS}?format=google`, { auth: site.adminKey });
    expect(feed.status).toBe(400);
    expect(feed.body.details.validationError.fieldViolations.map((v: { field: string }) => v.field)).toEqual([
      'query.publisher',
      'query.productUrl',
    ]);
    const badUrl = await call(t.app, 'GET', `${EXPORTS}?format=google&publisher=P&productUrl=javascript:alert(1)`, {
      auth: site.adminKey,
    });
    expect(badUrl.status).toBe(400);
    expect(badUrl.body.details.validationError.fieldViolations).toEqual([
      expect.objectContaining({ field: 'query.productUrl' }),
    ]);
  });

  it("keeps sites apart: another site's export holds none of these reviews, and its owner cannot read the job", async () => {
    const site = await buildSite(t);
    const other = await buildSite(t);
    const entity = entityId();
    const jobId = await upload(
      site,
      ndjson([{ entityId: entity, content: { rating: 4 }, reviewDate: '2024-01-01' }]),
      'format=verdict',
    );
    await finished(site, jobId);
    const job = await call(t.app, 'GET', `/verdict/v1/jobs/${jobId}`, { auth: other.adminKey });
    expect(job.status).toBe(404);
    expect(job.body.details.applicationError.code).toBe('JOB_NOT_FOUND');
    const theirs = await t.app.inject({
      method: 'GET',
      url: `${EXPORTS}?format=ndjson`,
      headers: { authorization: other.adminKey },
    });
    expect(theirs.statusCode).toBe(200);
    expect(theirs.body).not.toContain(entity);
  });

  it('refuses visitors and apps, whatever their scopes', async () => {
    const site = await buildSite(t);
    for (const auth of [
      await site.visitorToken(),
      await site.appKey(['reviews.manage', 'reviews.moderate', 'reviews.read_private']),
    ]) {
      const up = await call(t.app, 'POST', `${IMPORTS}?format=verdict`, {
        auth,
        rawBody: '{"entityId":"x","content":{"rating":4},"reviewDate":"2024-01-01"}\n',
        headers: { 'content-type': 'application/x-ndjson' },
      });
      expect(up.status).toBe(403);
      const down = await call(t.app, 'GET', `${EXPORTS}?format=ndjson`, { auth });
      expect(down.status).toBe(403);
      expect(down.body.details.applicationError.code).toBe('PERMISSION_DENIED');
    }
  });
});
