/**
 * Wire schemas of the Wix Reviews REST API (`wix.reviews.v1.review`), in REST field names (`id`, `createdDate`).
 * Route validation, response serialization, `/openapi.json` and the TypeScript types all derive from these.
 */
import { type Static, Type } from 'typebox';
import type { ErrorCode } from './errors.ts';
import { ImportReport } from './import-report.ts';
import { LIMITS } from './limits.ts';

export { LIMITS };

export const GUID_PATTERN = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';

export const Guid = (description: string) =>
  Type.String({ pattern: GUID_PATTERN, description, examples: ['6c7c6f5e-0d5b-4d8e-9a55-4f2f3f0d7a11'] });

/**
 * The annotation an id path parameter carries: the 404 the server answers, before validation and without reading
 * the database, when the value is not in the id format (it then names nothing, whatever it holds).
 */
export const NOT_FOUND_KEYWORD = 'x-verdict-not-found';

/** What an id path parameter that names nothing is answered with. */
export interface NotFoundAnswer {
  code: ErrorCode;
  message: string;
}

/**
 * A path parameter naming a resource by its GUID. The server's route table answers a value in any other format
 * (a word, an SQL fragment, a NUL byte, 10,000 characters) with `notFound`, as it would an unknown GUID.
 */
export const IdParam = (description: string, notFound: NotFoundAnswer) =>
  Type.String({
    pattern: GUID_PATTERN,
    description,
    examples: ['6c7c6f5e-0d5b-4d8e-9a55-4f2f3f0d7a11'],
    [NOT_FOUND_KEYWORD]: notFound,
  });

/** `:reviewId` on every review route. */
export const ReviewIdParams = Type.Object({
  reviewId: IdParam('Review id (GUID).', { code: 'REVIEW_NOT_FOUND', message: 'Review not found' }),
});

export const ModerationStatus = Type.Union(
  [
    Type.Literal('UNKNOWN'),
    Type.Literal('APPROVED'),
    Type.Literal('IN_MODERATION'),
    Type.Literal('REJECTED'),
    Type.Literal('SUBMITTED'),
  ],
  { description: 'Only APPROVED reviews are public.' },
);
export type ModerationStatus = Static<typeof ModerationStatus>;

export const OriginType = Type.Union([Type.Literal('UNKNOWN'), Type.Literal('ORGANIC'), Type.Literal('APP')]);
export type OriginType = Static<typeof OriginType>;

export const Image = Type.Object(
  {
    id: Type.Optional(Type.String({ maxLength: 500, description: 'Media id.' })),
    url: Type.Optional(Type.String({ maxLength: 2048, description: 'Image URL.' })),
    height: Type.Optional(Type.Integer({ minimum: 0, description: 'Original height in pixels.' })),
    width: Type.Optional(Type.Integer({ minimum: 0, description: 'Original width in pixels.' })),
    altText: Type.Optional(Type.Union([Type.String({ maxLength: 1000 }), Type.Null()])),
    filename: Type.Optional(Type.Union([Type.String({ maxLength: 1000 }), Type.Null()])),
  },
  { description: 'An image attached to a review.' },
);

export const VideoResolution = Type.Object({
  url: Type.Optional(Type.String({ maxLength: 2048 })),
  height: Type.Optional(Type.Integer({ minimum: 0 })),
  width: Type.Optional(Type.Integer({ minimum: 0 })),
  poster: Type.Optional(Image),
  format: Type.Optional(Type.String({ maxLength: 50 })),
});

export const Video = Type.Object(
  {
    id: Type.Optional(Type.String({ maxLength: 500, description: 'Media id.' })),
    url: Type.Optional(Type.String({ maxLength: 2048, description: 'Video URL.' })),
    resolutions: Type.Optional(Type.Array(VideoResolution, { maxItems: 20 })),
    filename: Type.Optional(Type.Union([Type.String({ maxLength: 1000 }), Type.Null()])),
    posters: Type.Optional(Type.Array(Image, { maxItems: 20 })),
  },
  { description: 'A video attached to a review.' },
);

export const Media = Type.Object(
  { image: Type.Optional(Image), video: Type.Optional(Video) },
  { description: 'One of `image` or `video`.' },
);
export type Media = Static<typeof Media>;

const Title = Type.String({ maxLength: LIMITS.titleMaxLength, description: 'Review title.', examples: ['Great fit'] });
const Body = Type.String({
  maxLength: LIMITS.bodyMaxLength,
  description: 'Review text (plain text).',
  examples: ['Comfortable and warm.'],
});
const Rating = Type.Integer({ minimum: 1, maximum: 5, description: 'Star rating, 1 to 5.', examples: [5] });
const MediaList = Type.Array(Media, { maxItems: LIMITS.mediaMaxItems, description: 'Up to 10 images or videos.' });

/** Review content as returned on the wire. */
export const ReviewContent = Type.Object({
  title: Type.Optional(Title),
  body: Type.Optional(Body),
  media: MediaList,
  rating: Rating,
});

/** Review content as accepted from a client: every field optional so PATCH semantics can apply. */
export const ReviewContentInput = Type.Object({
  title: Type.Optional(Type.Union([Title, Type.Null()])),
  body: Type.Optional(Type.Union([Body, Type.Null()])),
  media: Type.Optional(MediaList),
  rating: Type.Optional(Rating),
});
export type ReviewContentInput = Static<typeof ReviewContentInput>;

export const Namespace = Type.String({
  minLength: 1,
  maxLength: LIMITS.namespaceMaxLength,
  description: 'Namespace of the reviewed entity.',
  examples: ['stores'],
});
export const EntityId = Type.String({
  minLength: 1,
  maxLength: LIMITS.entityIdMaxLength,
  description: 'Id of the reviewed entity (e.g. a product id).',
  examples: ['prod-123'],
});
const AuthorName = Type.String({ maxLength: LIMITS.authorNameMaxLength, description: 'Display name of the author.' });

export const Review = Type.Object(
  {
    id: Type.String({ description: 'Review id (GUID).' }),
    namespace: Type.String(),
    entityId: Type.String(),
    content: ReviewContent,
    createdDate: Type.String({ format: 'date-time' }),
    updatedDate: Type.String({ format: 'date-time' }),
    author: Type.Object({
      contactId: Type.Optional(Type.String()),
      authorName: Type.Optional(Type.String()),
    }),
    reply: Type.Optional(
      Type.Object({
        message: Type.String(),
        createdDate: Type.String({ format: 'date-time' }),
        updatedDate: Type.String({ format: 'date-time' }),
      }),
    ),
    foundHelpful: Type.Integer(),
    foundUnhelpful: Type.Integer(),
    helpfulness: Type.Integer({ description: 'foundHelpful - foundUnhelpful.' }),
    moderation: Type.Object({ moderationStatus: ModerationStatus, manuallyChanged: Type.Boolean() }),
    revision: Type.String({ pattern: '^-?\\d+$', description: 'Optimistic-concurrency counter, a digit string.' }),
    verified: Type.Boolean(),
    origin: Type.Object({ type: OriginType, appId: Type.Optional(Type.String()) }),
    reviewDate: Type.String({ format: 'date-time' }),
    relevanceScore: Type.Number(),
    publishCount: Type.Integer(),
  },
  { description: 'A review in Wix REST shape.' },
);
export type Review = Static<typeof Review>;

/** Fields a client may send when creating a review; read-only fields are accepted and ignored. */
export const ReviewCreateInput = Type.Object({
  id: Type.Optional(Guid('Client-supplied id for idempotent imports.')),
  namespace: Namespace,
  entityId: EntityId,
  content: Type.Intersect([ReviewContentInput, Type.Object({ rating: Rating })]),
  author: Type.Optional(
    Type.Object({
      contactId: Type.Optional(Type.Union([Guid('Contact id of the author.'), Type.Null()])),
      authorName: Type.Optional(Type.Union([AuthorName, Type.Null()])),
    }),
  ),
  reviewDate: Type.Optional(Type.String({ format: 'date-time', description: 'When the review was written.' })),
});
export type ReviewCreateInput = Static<typeof ReviewCreateInput>;

export const CreateReviewRequest = Type.Object({ review: ReviewCreateInput });

/** bulkCreateReview items: author.contactId is required, rating is not (docs/wix-api.md §4.3). */
export const BulkReviewCreateInput = Type.Object({
  id: Type.Optional(Guid('Client-supplied id for idempotent imports.')),
  namespace: Namespace,
  entityId: EntityId,
  content: ReviewContentInput,
  author: Type.Object({
    contactId: Guid('Contact id of the author.'),
    authorName: Type.Optional(Type.Union([AuthorName, Type.Null()])),
  }),
  reviewDate: Type.Optional(Type.String({ format: 'date-time' })),
});
export type BulkReviewCreateInput = Static<typeof BulkReviewCreateInput>;

export const BulkCreateReviewRequest = Type.Object({
  reviews: Type.Array(BulkReviewCreateInput, { minItems: 1, maxItems: LIMITS.bulkCreateMaxItems }),
  returnEntity: Type.Optional(Type.Boolean()),
});

export const ReviewUpdateInput = Type.Object({
  id: Type.Optional(Type.String()),
  revision: Type.String({ pattern: '^-?\\d+$', description: 'Current revision; a stale one is refused with 409.' }),
  namespace: Type.Optional(Namespace),
  entityId: Type.Optional(EntityId),
  content: Type.Optional(ReviewContentInput),
  author: Type.Optional(
    Type.Object({
      contactId: Type.Optional(Type.Union([Type.String(), Type.Null()])),
      authorName: Type.Optional(Type.Union([AuthorName, Type.Null()])),
    }),
  ),
  reviewDate: Type.Optional(Type.String({ format: 'date-time' })),
});
export type ReviewUpdateInput = Static<typeof ReviewUpdateInput>;

/** Paths `updateReview` accepts in `fieldMask`. */
export const UPDATE_MASK_PATHS = [
  'namespace',
  'entityId',
  'content',
  'content.title',
  'content.body',
  'content.media',
  'content.rating',
  'author',
  'author.authorName',
  'reviewDate',
] as const;

export const UpdateReviewRequest = Type.Object({
  review: ReviewUpdateInput,
  fieldMask: Type.Optional(
    Type.Union([
      Type.Array(Type.String(), { maxItems: 20 }),
      Type.Object({ paths: Type.Array(Type.String(), { maxItems: 20 }) }),
      Type.String({ maxLength: 500 }),
    ]),
  ),
});

export const UpdateReviewContentRequest = Type.Object({
  reviewId: Type.Optional(Type.String()),
  content: ReviewContentInput,
  fieldMask: Type.Optional(
    Type.Union([
      Type.Array(Type.String(), { maxItems: 20 }),
      Type.Object({ paths: Type.Array(Type.String(), { maxItems: 20 }) }),
      Type.String({ maxLength: 500 }),
    ]),
  ),
});

export const CreateReviewAndContactRequest = Type.Object({
  namespace: Namespace,
  entityId: EntityId,
  name: Type.Optional(Type.String({ minLength: 1, maxLength: LIMITS.authorNameMaxLength })),
  email: Type.Optional(Type.String({ format: 'email', maxLength: 320 })),
  content: Type.Intersect([ReviewContentInput, Type.Object({ rating: Rating })]),
});
export type CreateReviewAndContactRequest = Static<typeof CreateReviewAndContactRequest>;

export const SetReplyRequest = Type.Object({
  reviewId: Type.Optional(Type.String()),
  message: Type.String({ minLength: 1, maxLength: LIMITS.replyMaxLength, description: 'The owner reply.' }),
});

export const UpdateModerationStatusRequest = Type.Object({
  reviewId: Type.Optional(Type.String()),
  status: Type.Union([Type.Literal('APPROVED'), Type.Literal('REJECTED')], {
    description: 'APPROVED or REJECTED; the other statuses cannot be set.',
  }),
});

export const Filter = Type.Record(Type.String(), Type.Unknown(), {
  description:
    'Wix API query-language filter (docs/query.md). Verdict extensions: `reviewDate` and `updatedDate` ranges, and ' +
    '`reported` (`true`: the review has an open abuse report), for callers that may read reports only.',
  examples: [{ entityId: 'prod-123', 'content.rating': { $gte: 4 } }],
});

/** The filter of query and count: the official SDK's types allow `null` there, which means no filter. */
const NullableFilter = Type.Union([Filter, Type.Null()]);

export const SortItem = Type.Object({
  fieldName: Type.String({ maxLength: 100 }),
  order: Type.Optional(Type.Union([Type.Literal('ASC'), Type.Literal('DESC')])),
});

const Search = Type.String({
  maxLength: 200,
  description: 'Verdict extension: full-text search over title and body; every word must match, the last as a prefix.',
  examples: ['warm comfortable'],
});

/** Closed at the top level (an unknown property is a 400): these are the properties the official SDK sends. */
export const QueryReviewsRequest = Type.Object(
  {
    query: Type.Optional(
      Type.Object({
        filter: Type.Optional(NullableFilter),
        search: Type.Optional(Search),
        sort: Type.Optional(Type.Array(SortItem, { maxItems: 5 })),
        cursorPaging: Type.Optional(
          Type.Object({
            limit: Type.Optional(Type.Integer({ minimum: 0, maximum: LIMITS.queryMaxLimit })),
            cursor: Type.Optional(Type.Union([Type.String({ maxLength: 16_000 }), Type.Null()])),
          }),
        ),
      }),
    ),
    returnPrivateReviews: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type QueryReviewsRequest = Static<typeof QueryReviewsRequest>;

/** Closed at the top level, like `QueryReviewsRequest`. */
export const CountReviewsRequest = Type.Object(
  {
    filter: Type.Optional(NullableFilter),
    search: Type.Optional(Search),
    includePrivateReviews: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const BulkFilterRequest = Type.Object({ filter: Filter });
export const BulkModerateRequest = Type.Object({
  filter: Filter,
  status: Type.Union([Type.Literal('APPROVED'), Type.Literal('REJECTED')]),
});

export const ReviewResponse = Type.Object({ review: Review });

export const QueryReviewsResponse = Type.Object({
  reviews: Type.Array(Review),
  metadata: Type.Object({
    count: Type.Integer(),
    cursors: Type.Object({
      next: Type.Union([Type.String(), Type.Null()]),
      prev: Type.Union([Type.String(), Type.Null()]),
    }),
  }),
});
export type QueryReviewsResponse = Static<typeof QueryReviewsResponse>;

export const ApplicationErrorBody = Type.Object({
  code: Type.String(),
  description: Type.String(),
  data: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
});

export const BulkCreateReviewResponse = Type.Object({
  results: Type.Array(
    Type.Object({
      itemMetadata: Type.Object({
        id: Type.Optional(Type.String()),
        originalIndex: Type.Integer(),
        success: Type.Boolean(),
        error: Type.Optional(ApplicationErrorBody),
      }),
      review: Type.Optional(Review),
    }),
  ),
  bulkActionMetadata: Type.Object({
    totalSuccesses: Type.Integer(),
    totalFailures: Type.Integer(),
    undetailedFailures: Type.Integer(),
  }),
});
export type BulkCreateReviewResponse = Static<typeof BulkCreateReviewResponse>;

export const JobIdResponse = Type.Object({ jobId: Type.String() });

/** `:jobId` of the job status route. */
export const JobIdParams = Type.Object({
  jobId: IdParam('Job id (GUID), from a bulk operation.', { code: 'JOB_NOT_FOUND', message: 'Job not found' }),
});

export const JobStatus = Type.Union([
  Type.Literal('PENDING'),
  Type.Literal('RUNNING'),
  Type.Literal('COMPLETED'),
  Type.Literal('FAILED'),
]);
export type JobStatus = Static<typeof JobStatus>;

export const Job = Type.Object({
  id: Type.String(),
  kind: Type.String({ examples: ['BULK_DELETE_REVIEWS'] }),
  status: JobStatus,
  processed: Type.Integer(),
  succeeded: Type.Integer(),
  failed: Type.Integer(),
  error: Type.Optional(Type.String()),
  createdDate: Type.String({ format: 'date-time' }),
  updatedDate: Type.String({ format: 'date-time' }),
  completedDate: Type.Optional(Type.String({ format: 'date-time' })),
  /** An import job's reconciliation report, once it has completed. */
  result: Type.Optional(ImportReport),
  progress: Type.Optional(
    Type.Object(
      {
        unit: Type.Literal('BYTES'),
        done: Type.Integer({ minimum: 0 }),
        total: Type.Integer({ minimum: 0 }),
      },
      {
        description:
          "How far through its input the job is, when it knows its input's size: an import job's upload, in bytes " +
          'read (`done` reaches `total` when the file has been read). Absent for bulk jobs.',
      },
    ),
  ),
});
export type Job = Static<typeof Job>;
