/**
 * The owner's data modules: API keys, import by upload, export as a download, and insights. Thin wrappers of the
 * catalogue's operations, typed from it, in REST shape. They need the admin key (insights also a moderator's
 * dashboard session); from a visitor or member client, wrap them in `elevate()`.
 */
import type { CallOutput } from '../contract/operations/call.ts';
import type { Transport } from './http.ts';
import { type BodyOf, type OptionsOf, type QueryOf, text } from './operation-types.ts';

export interface KeysModule {
  /**
   * The site's API keys, revoked ones included, oldest first: id, name, kind, scopes, dates and last four characters,
   * never a secret. Cursor paged: pass `metadata.cursors.next` as `cursor` for the next page.
   */
  list(options?: OptionsOf<'listApiKeys', 'limit'>): Promise<CallOutput<'listApiKeys'>>;
  /** Creates a key (an app key with `reviews.read` unless said); its plaintext is in this answer only. */
  create(request: BodyOf<'createApiKey'>): Promise<CallOutput<'createApiKey'>>;
  /** Revokes a key: every instance refuses it from its next request. */
  revoke(keyId: string): Promise<CallOutput<'revokeApiKey'>>;
}

/** The import options with `dryRun` as a boolean, as a caller thinks of it. */
export type ImportOptions = Omit<QueryOf<'startImport'>, 'dryRun'> & { dryRun?: boolean };

export interface ImportsModule {
  /**
   * Imports reviews from a file's text (CSV, NDJSON or a JSON array, as `format`'s platform wrote it). Answers
   * with a job id: follow it with `jobs.getJob`, whose result holds the reconciliation report.
   */
  start(file: string, options: ImportOptions): Promise<CallOutput<'startImport'>>;
}

export interface ExportsModule {
  /** The site's reviews as text: NDJSON or CSV in the import format, or a Google product review feed (XML). */
  download(options: QueryOf<'exportReviews'>): Promise<CallOutput<'exportReviews'>>;
}

export interface InsightsModule {
  /** Ratings of a namespace (or one entity) over a period, their course, top and lowest entities, holds. */
  get(options: OptionsOf<'getInsights', 'minReviews' | 'top'>): Promise<CallOutput<'getInsights'>>;
}

export interface OwnerDataModules {
  keys: KeysModule;
  imports: ImportsModule;
  exports: ExportsModule;
  insights: InsightsModule;
}

export function ownerDataModules({ call }: Transport): OwnerDataModules {
  return {
    keys: {
      list: (options = {}) => call('listApiKeys', { query: { ...options, limit: text(options.limit) } }),
      create: (request) => call('createApiKey', { body: request }),
      revoke: (keyId) => call('revokeApiKey', { params: { keyId } }),
    },
    imports: {
      // The file goes as one JSON string, which the server accepts beside the raw upload types.
      start: (file, { dryRun, ...options }) =>
        call('startImport', {
          query: { ...options, dryRun: dryRun === undefined ? undefined : dryRun ? 'true' : 'false' },
          body: file,
        }),
    },
    exports: {
      download: (options) => call('exportReviews', { query: options }),
    },
    insights: {
      get: (options) =>
        call('getInsights', { query: { ...options, minReviews: text(options.minReviews), top: text(options.top) } }),
    },
  };
}
