/**
 * `verdict export`: a site's live reviews in Verdict's import format (PRODUCT.md §8), as NDJSON or CSV, read in
 * primary-key pages so a million reviews are never held at once. A file exported here and imported into another
 * site or database gives the same reviews with the same ids (GUID source ids are kept as review ids).
 */
import { stringify } from 'csv-stringify/sync';
import type { Media } from '../../contract/index.ts';
import type { DbDeps } from '../deps.ts';
import { importRepo } from './import.repo.ts';

export type ExportFormat = 'ndjson' | 'csv';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['ndjson', 'csv'];

const PAGE = 1000;

/** The Verdict format's CSV columns, in the order `verdict import` documents them (src/server/imports/README.md). */
const CSV_COLUMNS = [
  'id',
  'namespace',
  'entity_id',
  'author_name',
  'author_email',
  'contact_id',
  'title',
  'body',
  'rating',
  'review_date',
  'status',
  'reply',
  'reply_date',
  'verified',
  'media_urls',
] as const;

/** Verdict's moderation statuses as the import format names them: anything not decided yet awaits moderation. */
const exportStatus = (s: string): 'APPROVED' | 'IN_MODERATION' | 'REJECTED' =>
  s === 'APPROVED' || s === 'REJECTED' ? s : 'IN_MODERATION';

const mediaUrls = (media: readonly Media[]): string =>
  media.flatMap((m) => ('image' in m && m.image?.url ? [m.image.url] : 'video' in m && m.video?.url ? [m.video.url] : [])).join(' ');

/** Yields the export's text in pieces (a header, then a page of rows at a time). */
export async function* exportReviews(deps: DbDeps, siteId: string, format: ExportFormat): AsyncGenerator<string> {
  if (format === 'csv') yield stringify([CSV_COLUMNS as unknown as string[]]);
  let after: string | undefined;
  for (;;) {
    const rows = await importRepo.exportPage(deps.db, siteId, after, PAGE);
    if (rows.length === 0) return;
    const records = rows.map((r) => {
      const media = JSON.parse(r.media_json) as Media[];
      return { r, media, status: exportStatus(r.moderation_status) };
    });
    if (format === 'csv') {
      yield stringify(
        records.map(({ r, media, status }) => [
          r.id,
          r.namespace,
          r.entity_id,
          r.author_name ?? '',
          r.email ?? '',
          r.contact_id ?? '',
          r.title ?? '',
          r.body ?? '',
          r.rating,
          r.review_date,
          status,
          r.reply_message ?? '',
          r.reply_message ? (r.reply_created_at ?? '') : '',
          r.verified ? 'true' : 'false',
          mediaUrls(media),
        ]),
      );
    } else {
      yield records
        .map(({ r, media, status }) =>
          JSON.stringify({
            id: r.id,
            namespace: r.namespace,
            entityId: r.entity_id,
            author: {
              ...(r.contact_id ? { contactId: r.contact_id } : {}),
              ...(r.author_name ? { name: r.author_name } : {}),
              ...(r.email ? { email: r.email } : {}),
            },
            content: {
              ...(r.title !== null ? { title: r.title } : {}),
              ...(r.body !== null ? { body: r.body } : {}),
              rating: r.rating,
              ...(media.length > 0 ? { media } : {}),
            },
            reviewDate: r.review_date,
            status,
            ...(r.reply_message ? { reply: { message: r.reply_message, date: r.reply_created_at } } : {}),
            verified: r.verified === 1,
          }),
        )
        .join('\n')
        .concat('\n');
    }
    if (rows.length < PAGE) return;
    after = rows[rows.length - 1]?.id;
  }
}
