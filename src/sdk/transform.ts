/**
 * REST ⇄ Velo conversions, the same the official SDK applies (docs/wix-api.md §2): `id`/`createdDate`/`updatedDate`
 * renamed with a leading underscore, ISO timestamps ⇄ `Date`, media objects ⇄ `wix:image://` / `wix:video://`
 * strings, and Velo field names in filters and sorts renamed before they are sent.
 */
import type {
  BulkReviewCreateInput as RestBulkCreateInput,
  BulkCreateReviewResponse as RestBulkCreateReviewResponse,
  ReviewCreateInput as RestCreateInput,
  Job as RestJob,
  Media as RestMedia,
  Review as RestReview,
} from '../contract/index.ts';
import type {
  BulkCreateReviewInput,
  BulkCreateReviewResponse,
  CreateReviewInput,
  Job,
  MediaItem,
  Review,
  ReviewContentInput,
  UpdateReviewInput,
} from './types.ts';

type RestImage = NonNullable<RestMedia['image']>;
type RestVideo = NonNullable<RestMedia['video']>;

/** Velo names the official SDK renames in filter keys and sort field names. */
const FIELD_RENAMES: Record<string, string> = { _id: 'id', _createdDate: 'createdDate', _updatedDate: 'updatedDate' };

export const restFieldName = (field: string): string => FIELD_RENAMES[field] ?? field;

const toDate = (iso: string): Date => new Date(iso);

/** REST image → `wix:image://v1/<id>/<filename>#originWidth=…&originHeight=…`, or its URL when it has no id. */
export function imageToVelo(image: RestImage): string | undefined {
  const name = image.filename || image.altText;
  const file = name ? `/${encodeURIComponent(name)}` : '';
  return image.id
    ? `wix:image://v1/${image.id}${file}#originWidth=${image.width}&originHeight=${image.height}`
    : image.url;
}

/** REST video → `wix:video://v1/<id>/<filename>#posterUri=…`, or its URL when it has no id. */
export function videoToVelo(video: RestVideo): string | undefined {
  const file = video.filename ? `/${encodeURIComponent(video.filename)}` : '';
  let poster = '';
  const p = video.posters?.[1] ?? video.posters?.[0];
  if (p) {
    const posterId = p.id || (p.url ? p.url.slice(p.url.lastIndexOf('/') + 1) : '');
    if (posterId) poster = `#posterUri=${posterId}&posterWidth=${p.width}&posterHeight=${p.height}`;
  }
  return video.id ? `wix:video://v1/${video.id}${file}${poster}` : video.url;
}

function splitWixUri(
  value: string,
  kind: 'image' | 'video',
): { id: string; name: string | undefined; params: URLSearchParams } {
  const prefix = `wix:${kind}://v1/`;
  const hashAt = value.indexOf('#');
  const path = value.slice(prefix.length, hashAt === -1 ? undefined : hashAt);
  const params = new URLSearchParams(hashAt === -1 ? '' : value.slice(hashAt + 1));
  const [id = '', name] = path.split('/');
  return { id, name: name ? decodeURIComponent(name) : undefined, params };
}

/**
 * `wix:image://…` → REST image with id, size, and (when the URI names a file) filename, altText and the URI as url,
 * exactly as the official SDK sends it; any other string → `{ url }`.
 */
export function imageToRest(value: string): RestImage {
  if (!value.startsWith('wix:image://v1/')) return { url: value };
  const { id, name, params } = splitWixUri(value, 'image');
  const image: RestImage = { id, height: Number(params.get('originHeight')), width: Number(params.get('originWidth')) };
  return name ? { ...image, altText: name, filename: name, url: value } : image;
}

/** `wix:video://…` → REST video with id and filename; any other string → `{ url }`. */
export function videoToRest(value: string): RestVideo {
  if (!value.startsWith('wix:video://v1/')) return { url: value };
  const { id, name } = splitWixUri(value, 'video');
  return name ? { id, filename: name } : { id };
}

function mediaToVelo(media: RestMedia[]): MediaItem[] {
  return media.map((m) => {
    const out: MediaItem = {};
    const image = m.image ? imageToVelo(m.image) : undefined;
    const video = m.video ? videoToVelo(m.video) : undefined;
    if (image !== undefined) out.image = image;
    if (video !== undefined) out.video = video;
    return out;
  });
}

function mediaToRest(media: MediaItem[]): RestMedia[] {
  return media.map((m) => {
    const out: RestMedia = {};
    if (m.image !== undefined) out.image = imageToRest(m.image);
    if (m.video !== undefined) out.video = videoToRest(m.video);
    return out;
  });
}

/** A REST review → the Velo review. */
export function reviewFromRest(r: RestReview): Review {
  const { id, createdDate, updatedDate, reply, content, reviewDate, ...rest } = r;
  const review: Review = {
    ...rest,
    _id: id,
    content: { ...content, media: mediaToVelo(content.media) },
    _createdDate: toDate(createdDate),
    _updatedDate: toDate(updatedDate),
    reviewDate: toDate(reviewDate),
  };
  if (reply) {
    review.reply = {
      message: reply.message,
      _createdDate: toDate(reply.createdDate),
      _updatedDate: toDate(reply.updatedDate),
    };
  }
  return review;
}

/** Velo content → REST content: media strings become media objects; every other field (a required rating too) stays. */
export function contentToRest<C extends ReviewContentInput>(content: C): Omit<C, 'media'> & { media?: RestMedia[] } {
  const { media, ...rest } = content;
  return media === undefined ? rest : { ...rest, media: mediaToRest(media) };
}

/** `_id` and `reviewDate` of a create input, in REST names and shapes. */
function createMeta(_id: string | undefined, reviewDate: Date | undefined): { id?: string; reviewDate?: string } {
  return {
    ...(_id !== undefined ? { id: _id } : {}),
    ...(reviewDate !== undefined ? { reviewDate: reviewDate.toISOString() } : {}),
  };
}

/** The REST body of `createReview`'s `review`. */
export function createInputToRest(input: CreateReviewInput): RestCreateInput {
  const { _id, reviewDate, content, ...rest } = input;
  return { ...rest, ...createMeta(_id, reviewDate), content: contentToRest(content) };
}

/** The REST body of one `bulkCreateReview` item. */
export function bulkInputToRest(input: BulkCreateReviewInput): RestBulkCreateInput {
  const { _id, reviewDate, content, ...rest } = input;
  return { ...rest, ...createMeta(_id, reviewDate), content: contentToRest(content) };
}

/** The REST body of `updateReview`'s `review`, with the id injected as the official SDK does. */
export function updateInputToRest(id: string, input: UpdateReviewInput) {
  const { reviewDate, content, ...rest } = input;
  return {
    ...rest,
    id,
    ...(reviewDate !== undefined ? { reviewDate: reviewDate.toISOString() } : {}),
    ...(content !== undefined ? { content: contentToRest(content) } : {}),
  };
}

export function bulkCreateFromRest(r: RestBulkCreateReviewResponse): BulkCreateReviewResponse {
  return {
    bulkActionMetadata: r.bulkActionMetadata,
    results: r.results.map(({ itemMetadata, review }) => {
      const { id, ...meta } = itemMetadata;
      return {
        itemMetadata: id !== undefined ? { ...meta, _id: id } : meta,
        ...(review ? { review: reviewFromRest(review) } : {}),
      };
    }),
  };
}

export function jobFromRest(j: RestJob): Job {
  const { id, createdDate, updatedDate, completedDate, ...rest } = j;
  return {
    ...rest,
    _id: id,
    _createdDate: toDate(createdDate),
    _updatedDate: toDate(updatedDate),
    ...(completedDate !== undefined ? { completedDate: toDate(completedDate) } : {}),
  };
}

/** A filter value as sent: `Date` → ISO string, arrays and nested operators converted deeply. */
function valueToRest(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (value === undefined) return null;
  if (Array.isArray(value)) return value.map(valueToRest);
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = k.startsWith('$') ? filterOrValue(k, v) : valueToRest(v);
    return out;
  }
  return value;
}

function filterOrValue(op: string, v: unknown): unknown {
  if (op === '$and' || op === '$or') return Array.isArray(v) ? v.map((f) => filterToRest(f)) : v;
  if (op === '$not') return filterToRest(v);
  return valueToRest(v);
}

/**
 * A filter with Velo names and values → the REST filter: `_id`/`_createdDate`/`_updatedDate` keys renamed (also
 * inside `$and`/`$or`/`$not`), `Date` values as ISO strings.
 */
export function filterToRest(filter: unknown): Record<string, unknown> {
  if (typeof filter !== 'object' || filter === null || Array.isArray(filter)) return {};
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(filter)) {
    out[k.startsWith('$') ? k : restFieldName(k)] = k.startsWith('$') ? filterOrValue(k, v) : valueToRest(v);
  }
  return out;
}
