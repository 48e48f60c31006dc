/**
 * The owner's data under `/verdict/v1`: API keys (the plaintext of a new key shown once), import by upload (a job;
 * its reconciliation report is in the job's result), export as a download, and insights for the dashboard.
 */

import { ExportFile, ExportReviewsQuery, ImportFile, StartImportQuery } from '../imports.ts';
import { InsightsQuery, InsightsResponse } from '../insights.ts';
import {
  ApiKeyIdParams,
  CreateApiKeyRequest,
  CreateApiKeyResponse,
  ListApiKeysQuery,
  ListApiKeysResponse,
  RevokeApiKeyResponse,
} from '../keys.ts';
import { JobIdResponse } from '../review.ts';
import { type Operation, OWNER } from './define.ts';
import * as routes from './routes.ts';

const tag = 'owner';

export const ownerOperations = {
  listApiKeys: {
    ...routes.listApiKeys,
    summary:
      "The site's API keys, revoked ones included, oldest first, cursor paged (never a secret: id, name, scopes, dates, last four)",
    tag,
    access: OWNER,
    query: ListApiKeysQuery,
    response: ListApiKeysResponse,
    errors: [],
  },
  createApiKey: {
    ...routes.createApiKey,
    summary: 'Create an API key; its plaintext is in this answer only (only its hash is stored)',
    tag,
    access: OWNER,
    body: CreateApiKeyRequest,
    response: CreateApiKeyResponse,
    errors: [],
  },
  revokeApiKey: {
    ...routes.revokeApiKey,
    summary: 'Revoke an API key; every instance refuses it from its next request',
    tag,
    access: OWNER,
    params: ApiKeyIdParams,
    response: RevokeApiKeyResponse,
    errors: [],
  },
  startImport: {
    ...routes.startImport,
    summary: 'Import reviews from an uploaded export (a job: progress and the reconciliation report through getJob)',
    tag,
    access: OWNER,
    query: StartImportQuery,
    body: ImportFile,
    consumes: ['text/csv', 'application/x-ndjson', 'text/plain', 'application/octet-stream'],
    bodyLimit: 'upload',
    response: JobIdResponse,
    errors: [],
  },
  exportReviews: {
    ...routes.exportReviews,
    summary: "Download the site's reviews: NDJSON or CSV in Verdict's import format, or a Google product review feed",
    tag,
    access: OWNER,
    query: ExportReviewsQuery,
    response: ExportFile,
    produces: ['application/x-ndjson', 'text/csv', 'application/xml'],
    errors: [],
  },
  getInsights: {
    ...routes.getInsights,
    summary: 'Ratings, their course over time, most reviewed and lowest rated entities, and moderation holds',
    tag,
    access: { ...OWNER, moderator: true },
    query: InsightsQuery,
    response: InsightsResponse,
    errors: [],
  },
} as const satisfies Record<string, Operation>;
