/**
 * Import by upload and export as a download (the HTTP face of `verdict import` / `verdict export`): the request
 * and report shapes. The reader, its formats and the reconciliation are documented in src/server/imports/README.md.
 */
import { type Static, Type } from 'typebox';
import { Namespace } from './review.ts';

export const StartImportQuery = Type.Object({
  format: Type.Union(
    [
      Type.Literal('verdict'),
      Type.Literal('wix'),
      Type.Literal('judgeme'),
      Type.Literal('yotpo'),
      Type.Literal('woocommerce'),
      Type.Literal('shopify'),
    ],
    { description: 'The platform that wrote the file.' },
  ),
  namespace: Type.Optional({
    ...Namespace,
    description: 'The namespace of rows whose file names none (default stores).',
  }),
  dryRun: Type.Optional(
    Type.Union([Type.Literal('true'), Type.Literal('false')], {
      description: 'true: check every row and report, writing nothing.',
    }),
  ),
});
export type StartImportQuery = Static<typeof StartImportQuery>;

export const ImportFile = Type.String({
  description:
    'The file itself (UTF-8): CSV, NDJSON or a JSON array, sent as text/csv, application/x-ndjson, text/plain or ' +
    'application/octet-stream (or as one JSON string). Up to UPLOAD_BODY_LIMIT_BYTES (50 MB by default).',
});

export { ImportReport } from './import-report.ts';

export const ExportReviewsQuery = Type.Object({
  format: Type.Union([Type.Literal('ndjson'), Type.Literal('csv'), Type.Literal('google')], {
    description:
      "ndjson or csv: the site's live reviews in Verdict's import format; google: the published ones as a Google product review feed.",
  }),
  publisher: Type.Optional(
    Type.String({ minLength: 1, maxLength: 200, description: "google: the publisher's name (the shop)." }),
  ),
  productUrl: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 2000,
      description: 'google: the product page URL template; `{entityId}` and `{namespace}` are replaced.',
      examples: ['https://shop.example/products/{entityId}'],
    }),
  ),
});
export type ExportReviewsQuery = Static<typeof ExportReviewsQuery>;

export const ExportFile = Type.String({
  description: 'The export, streamed as an attachment (Content-Disposition).',
});
