/**
 * Handlers of import by upload and export as a download (catalogue: `src/contract/operations/owner.ts`). The
 * import is a job (import.job.ts); the export streams from export.service.ts page by page, as an attachment.
 */
import { Readable } from 'node:stream';
import type { FieldViolation } from '../../contract/index.ts';
import { invalid } from '../errors.ts';
import type { Handlers } from '../http/route.ts';
import { type ExportFormat, exportReviews } from './export.service.ts';
import { enqueueImport } from './import.job.ts';

const DOWNLOADS: Record<ExportFormat, { type: string; extension: string }> = {
  ndjson: { type: 'application/x-ndjson; charset=utf-8', extension: 'ndjson' },
  csv: { type: 'text/csv; charset=utf-8', extension: 'csv' },
  google: { type: 'application/xml; charset=utf-8', extension: 'xml' },
};

export const importHandlers = {
  startImport: async (deps, req) => {
    if (req.body.trim() === '') {
      throw invalid([{ field: 'body', description: 'must hold the file to import', violatedRule: 'REQUIRED_FIELD' }]);
    }
    const jobId = await enqueueImport(deps, req.principal, req.body, {
      format: req.query.format,
      namespace: req.query.namespace ?? 'stores',
      dryRun: req.query.dryRun === 'true',
    });
    return { jobId };
  },
  exportReviews: async (deps, req) => {
    const { format, publisher, productUrl } = req.query;
    if (format === 'google') {
      const violations: FieldViolation[] = [];
      if (publisher === undefined) {
        violations.push({
          field: 'query.publisher',
          description: 'is required for the google feed',
          violatedRule: 'REQUIRED_FIELD',
        });
      }
      if (productUrl === undefined) {
        violations.push({
          field: 'query.productUrl',
          description: 'is required for the google feed',
          violatedRule: 'REQUIRED_FIELD',
        });
      } else if (!/^https?:\/\/[^\s/]+/i.test(productUrl)) {
        violations.push({ field: 'query.productUrl', description: 'must be an http(s) URL', violatedRule: 'FORMAT' });
      }
      if (violations.length > 0) throw invalid(violations);
    }
    const feed = format === 'google' && publisher && productUrl ? { publisher, productUrl } : undefined;
    const pieces = exportReviews(deps, req.principal.siteId, format, feed);
    const download = DOWNLOADS[format];
    const day = deps.clock().toISOString().slice(0, 10);
    return req.http.reply
      .header('content-type', download.type)
      .header('content-disposition', `attachment; filename="reviews-${day}.${download.extension}"`)
      .header('cache-control', 'no-store')
      .send(Readable.from(pieces));
  },
} satisfies Partial<Handlers>;
