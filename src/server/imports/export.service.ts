/**
 * `verdict export`: a site's live reviews in Verdict's import format (docs/product.md §8), as NDJSON or CSV, read in
 * primary-key pages so a million reviews are never held at once. A file exported here and imported into another
 * site or database gives the same reviews with the same ids (GUID source ids are kept as review ids).
 *
 * `google` is the Google product review feed (XML schema 2.4): the published reviews only, each linked to its
 * product page by a URL template, the entity id given as the product's SKU.
 */
import { stringify } from 'csv-stringify/sync';
import type { Media } from '../../contract/index.ts';
import type { DbDeps } from '../deps.ts';
import { lazyRequire } from '../lazy-require.ts';
import { importRepo } from './import.repo.ts';

export type ExportFormat = 'ndjson' | 'csv' | 'google';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['ndjson', 'csv', 'google'];

/** What the Google feed needs that Verdict does not hold. */
export interface FeedOptions {
  /** The publisher's name (the shop). */
  publisher: string;
  /** The product page of an entity: `{entityId}` (URL-encoded) and `{namespace}` are replaced. */
  productUrl: string;
}

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
  'contact_first_name',
  'contact_last_name',
  'found_helpful',
  'found_unhelpful',
  'created_date',
] as const;

/** Verdict's moderation statuses as the import format names them: anything not decided yet awaits moderation. */
const exportStatus = (s: string): 'APPROVED' | 'IN_MODERATION' | 'REJECTED' =>
  s === 'APPROVED' || s === 'REJECTED' ? s : 'IN_MODERATION';

/**
 * The author's own contact name (Contacts v4 first and last), which may differ from the review's author name; a
 * contact made before first and last names were kept has its name as the first one, as the Contacts API shows it.
 */
const contactNameOf = (r: ExportRow): { first: string | null; last: string | null } => ({
  first: r.contact_first_name ?? r.contact_name,
  last: r.contact_last_name,
});

const mediaUrls = (media: readonly Media[]): string =>
  media
    .flatMap((m) => ('image' in m && m.image?.url ? [m.image.url] : 'video' in m && m.video?.url ? [m.video.url] : []))
    .join(' ');

/** The XML writer, loaded by the first Google feed export. */
const loadXmlbuilder = lazyRequire<typeof import('xmlbuilder2')>('xmlbuilder2');
const fragment = () => loadXmlbuilder().fragment();

const productUrlOf = (template: string, namespace: string, entityId: string) =>
  template
    .replaceAll('{entityId}', encodeURIComponent(entityId))
    .replaceAll('{namespace}', encodeURIComponent(namespace));

const FEED_HEAD = (publisher: string) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<feed xmlns:vc="http://www.w3.org/2007/XMLSchema-versioning" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:noNamespaceSchemaLocation="http://www.google.com/shopping/reviews/schema/product/2.4/product_reviews.xsd">\n<version>2.4</version>\n${fragment().ele('publisher').ele('name').txt(publisher).up().up().end()}\n<reviews>\n`;
const FEED_TAIL = '</reviews>\n</feed>\n';

/** One published review as a feed `<review>` element (xmlbuilder2 escapes the text and drops what XML cannot hold). */
function feedReview(r: ExportRow, feed: FeedOptions): string {
  const url = productUrlOf(feed.productUrl, r.namespace, r.entity_id);
  const review = fragment().ele('review');
  review.ele('review_id').txt(r.id);
  const reviewer = review.ele('reviewer');
  if (r.author_name) reviewer.ele('name').txt(r.author_name);
  else reviewer.ele('name', { is_anonymous: 'true' }).txt('Anonymous');
  review.ele('review_timestamp').txt(r.review_date);
  if (r.title) review.ele('title').txt(r.title);
  review.ele('content').txt(r.body ?? r.title ?? '');
  review.ele('review_url', { type: 'group' }).txt(url);
  review.ele('ratings').ele('overall', { min: '1', max: '5' }).txt(String(r.rating));
  const product = review.ele('products').ele('product');
  product.ele('product_ids').ele('skus').ele('sku').txt(r.entity_id);
  product.ele('product_url').txt(url);
  return `${review.end()}\n`;
}

type ExportRow = Awaited<ReturnType<typeof importRepo.exportPage>>[number];

/** Yields the export's text in pieces (a header, then a page of rows at a time). */
export async function* exportReviews(
  deps: DbDeps,
  siteId: string,
  format: ExportFormat,
  feed?: FeedOptions,
): AsyncGenerator<string> {
  if (format === 'google' && !feed)
    throw new RangeError('the Google feed needs a publisher name and a product URL template');
  if (format === 'csv') yield stringify([CSV_COLUMNS as unknown as string[]]);
  if (format === 'google' && feed) yield FEED_HEAD(feed.publisher);
  let after: string | undefined;
  for (;;) {
    const rows = await importRepo.exportPage(deps.db, siteId, after, PAGE);
    if (rows.length === 0) break;
    if (format === 'google' && feed) {
      // Only published reviews belong in a public feed.
      yield rows
        .filter((r) => r.moderation_status === 'APPROVED')
        .map((r) => feedReview(r, feed))
        .join('');
      if (rows.length < PAGE) break;
      after = rows[rows.length - 1]?.id;
      continue;
    }
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
          contactNameOf(r).first ?? '',
          contactNameOf(r).last ?? '',
          Number(r.found_helpful),
          Number(r.found_unhelpful),
          r.created_at,
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
              ...(contactNameOf(r).first !== null ? { contactFirstName: contactNameOf(r).first } : {}),
              ...(contactNameOf(r).last !== null ? { contactLastName: contactNameOf(r).last } : {}),
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
            foundHelpful: Number(r.found_helpful),
            foundUnhelpful: Number(r.found_unhelpful),
            createdDate: r.created_at,
          }),
        )
        .join('\n')
        .concat('\n');
    }
    if (rows.length < PAGE) break;
    after = rows[rows.length - 1]?.id;
  }
  if (format === 'google') yield FEED_TAIL;
}
