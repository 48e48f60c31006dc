/**
 * Engagement and data care (Verdict extensions, docs/product.md §2–4): helpfulness votes, abuse reports, the trash of
 * deleted reviews, GDPR erase/export of a contact, per-site engagement settings, and the subset of Wix Contacts v4
 * that reviews need (docs/wix-api.md §12). Voter and reporter ids never appear on the wire.
 */
import { type Static, Type } from 'typebox';
import { IdParam, Review } from './review.ts';

export const ENGAGEMENT_LIMITS = {
  reportTextMaxLength: 1000,
  defaultReportThreshold: 3,
  maxReportThreshold: 1000,
  trashDefaultLimit: 50,
  trashMaxLimit: 100,
  reportsDefaultLimit: 100,
  reportsMaxLimit: 1000,
  contactsDefaultLimit: 50,
  contactsMaxLimit: 1000,
  /** A contacts cursor carries its e-mail filter (up to 100 addresses), so it may be long. */
  contactsCursorMaxLength: 48_000,
} as const;

export const VoteValue = Type.Union([Type.Literal('HELPFUL'), Type.Literal('UNHELPFUL'), Type.Literal('NONE')], {
  description: 'HELPFUL or UNHELPFUL casts or changes the caller’s vote; NONE withdraws it.',
  examples: ['HELPFUL'],
});
export type VoteValue = Static<typeof VoteValue>;

export const CastVoteRequest = Type.Object({ vote: VoteValue }, { additionalProperties: false });
export type CastVoteRequest = Static<typeof CastVoteRequest>;

export const CastVoteResponse = Type.Object({
  vote: VoteValue,
  review: Review,
});
export type CastVoteResponse = Static<typeof CastVoteResponse>;

export const ReportReason = Type.Union(
  [
    Type.Literal('SPAM'),
    Type.Literal('OFFENSIVE'),
    Type.Literal('IRRELEVANT'),
    Type.Literal('FAKE'),
    Type.Literal('OTHER'),
  ],
  { description: 'Why the review is reported.', examples: ['SPAM'] },
);
export type ReportReason = Static<typeof ReportReason>;

export const ReportStatus = Type.Union([Type.Literal('OPEN'), Type.Literal('DISMISSED')], {
  description: 'OPEN reports count toward the site threshold; the owner dismisses them.',
});

export const ReportReviewRequest = Type.Object(
  {
    reason: ReportReason,
    text: Type.Optional(
      Type.String({
        maxLength: ENGAGEMENT_LIMITS.reportTextMaxLength,
        description: 'Optional free text from the reporter.',
        examples: ['This is an advert for another shop.'],
      }),
    ),
  },
  { additionalProperties: false },
);
export type ReportReviewRequest = Static<typeof ReportReviewRequest>;

export const AbuseReport = Type.Object({
  id: Type.String({ description: 'Report id.' }),
  reviewId: Type.String(),
  reason: ReportReason,
  text: Type.Optional(Type.String()),
  status: ReportStatus,
  reporterKind: Type.Union([Type.Literal('VISITOR'), Type.Literal('MEMBER')], {
    description: 'Who reported (the reporter’s id is never exposed).',
  }),
  createdDate: Type.String(),
  dismissedDate: Type.Optional(Type.String()),
});
export type AbuseReport = Static<typeof AbuseReport>;

export const ReportReviewResponse = Type.Object({ report: AbuseReport });

export const ListReportsQuery = Type.Object({
  status: Type.Optional(ReportStatus),
  limit: Type.Optional(
    Type.String({ pattern: `^(?:[1-9]\\d{0,2}|1000)$`, description: 'Page size, 1–1000 (default 100).' }),
  ),
});
export type ListReportsQuery = Static<typeof ListReportsQuery>;

export const ListReportsResponse = Type.Object({
  reports: Type.Array(AbuseReport),
  metadata: Type.Object({ count: Type.Integer(), openCount: Type.Integer() }),
});
export type ListReportsResponse = Static<typeof ListReportsResponse>;

export const DismissReportsResponse = Type.Object({
  dismissed: Type.Integer({ description: 'How many open reports were dismissed.' }),
});

export const TrashQuery = Type.Object({
  limit: Type.Optional(Type.String({ pattern: '^(?:[1-9]\\d?|100)$', description: 'Page size, 1–100 (default 50).' })),
  cursor: Type.Optional(Type.String({ maxLength: 512, description: 'metadata.cursors.next of the previous page.' })),
});
export type TrashQuery = Static<typeof TrashQuery>;

export const TrashedReview = Type.Object({
  review: Review,
  deletedDate: Type.String(),
  purgeDate: Type.String({ description: 'When the background worker purges it for good.' }),
});
export type TrashedReview = Static<typeof TrashedReview>;

export const TrashResponse = Type.Object({
  reviews: Type.Array(TrashedReview),
  metadata: Type.Object({
    count: Type.Integer(),
    cursors: Type.Object({ next: Type.Union([Type.String(), Type.Null()]) }),
  }),
});
export type TrashResponse = Static<typeof TrashResponse>;

export const EngagementSettings = Type.Object(
  {
    reportThreshold: Type.Integer({
      minimum: 1,
      maximum: ENGAGEMENT_LIMITS.maxReportThreshold,
      description: 'Open reports that send a published review back to IN_MODERATION (default 3).',
      examples: [3],
    }),
  },
  { additionalProperties: false },
);
export type EngagementSettings = Static<typeof EngagementSettings>;
export const EngagementSettingsResponse = Type.Object({ settings: EngagementSettings });

export const EraseContactResponse = Type.Object({
  erased: Type.Object({
    contact: Type.Boolean({ description: 'Whether a contact row existed.' }),
    reviews: Type.Integer(),
    votes: Type.Integer(),
    reports: Type.Integer(),
  }),
});
export type EraseContactResponse = Static<typeof EraseContactResponse>;

// --- Contacts v4 subset (docs/wix-api.md §12) ---

export const ContactEmail = Type.Object({
  id: Type.Optional(Type.String()),
  tag: Type.Optional(
    Type.Union([Type.Literal('UNTAGGED'), Type.Literal('MAIN'), Type.Literal('HOME'), Type.Literal('WORK')]),
  ),
  email: Type.String({ maxLength: 254, examples: ['ann@example.com'] }),
  primary: Type.Optional(Type.Boolean()),
});

export const ContactName = Type.Object({
  first: Type.Optional(Type.String({ maxLength: 100 })),
  last: Type.Optional(Type.String({ maxLength: 100 })),
});

export const ContactInfoInput = Type.Object({
  name: Type.Optional(ContactName),
  emails: Type.Optional(Type.Object({ items: Type.Array(ContactEmail, { maxItems: 1 }) })),
});

export const CreateContactRequest = Type.Object({
  info: ContactInfoInput,
  allowDuplicates: Type.Optional(Type.Boolean({ description: 'Accepted for compatibility; must not be true.' })),
});
export type CreateContactRequest = Static<typeof CreateContactRequest>;

export const Contact = Type.Object({
  id: Type.String(),
  revision: Type.Integer(),
  createdDate: Type.String(),
  updatedDate: Type.String(),
  primaryInfo: Type.Object({ email: Type.Optional(Type.String()) }),
  info: Type.Object({
    name: Type.Optional(ContactName),
    emails: Type.Object({ items: Type.Array(ContactEmail) }),
  }),
  source: Type.Object({ sourceType: Type.String() }),
});
export type Contact = Static<typeof Contact>;

export const ContactResponse = Type.Object({ contact: Contact });

/** `:contactId` of the Contacts routes. */
export const ContactIdParams = Type.Object({
  contactId: IdParam('Contact id (GUID).', { code: 'CONTACT_NOT_FOUND', message: 'Contact not found' }),
});

/** `:contactId` of GDPR erase and export, which answer for everything held about a person, not only a contact row. */
export const DataSubjectParams = Type.Object({
  contactId: IdParam('Contact id (GUID) of the person.', {
    code: 'CONTACT_NOT_FOUND',
    message: 'Nothing is held about this contact',
  }),
});

/**
 * Closed at the top level (an unknown property is a 400). `fieldsets` is Wix's projection of the contact; Verdict
 * always returns its whole (minimal) contact, so it is accepted and has no effect.
 */
export const QueryContactsRequest = Type.Object(
  {
    query: Type.Optional(
      Type.Object({
        filter: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
        paging: Type.Optional(
          Type.Object({
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: ENGAGEMENT_LIMITS.contactsMaxLimit })),
            offset: Type.Optional(Type.Integer({ minimum: 0 })),
          }),
        ),
        cursorPaging: Type.Optional(
          Type.Object(
            {
              limit: Type.Optional(Type.Integer({ minimum: 1, maximum: ENGAGEMENT_LIMITS.contactsMaxLimit })),
              cursor: Type.Optional(
                Type.Union([
                  Type.String({
                    minLength: 1,
                    maxLength: ENGAGEMENT_LIMITS.contactsCursorMaxLength,
                    description: '`pagingMetadata.cursors.next` of the previous page; the filter comes with it.',
                  }),
                  Type.Null(),
                ]),
              ),
            },
            { description: 'Instead of `paging`: pages by cursor, stable while contacts are added.' },
          ),
        ),
      }),
    ),
    fieldsets: Type.Optional(
      Type.Array(Type.String({ maxLength: 50 }), {
        maxItems: 10,
        description: 'Accepted for compatibility; the whole contact is always returned.',
        examples: [['FULL']],
      }),
    ),
  },
  { additionalProperties: false },
);
export type QueryContactsRequest = Static<typeof QueryContactsRequest>;

export const QueryContactsResponse = Type.Object({
  contacts: Type.Array(Contact),
  pagingMetadata: Type.Object({
    count: Type.Integer(),
    offset: Type.Optional(Type.Integer({ description: 'The offset of an offset-paged request.' })),
    total: Type.Integer({ description: 'Contacts matching the filter.' }),
    hasNext: Type.Boolean(),
    cursors: Type.Object({
      next: Type.Union([Type.String(), Type.Null()], {
        description: 'The cursor of the next page (also after an offset-paged page); null on the last page.',
      }),
    }),
  }),
});
export type QueryContactsResponse = Static<typeof QueryContactsResponse>;

export const ContactExport = Type.Object({
  contact: Type.Union([Contact, Type.Null()]),
  reviews: Type.Array(Review, { description: "The contact's live reviews, in every status." }),
  deletedReviews: Type.Array(TrashedReview),
  votes: Type.Array(
    Type.Object({ reviewId: Type.String(), vote: VoteValue, createdDate: Type.String(), updatedDate: Type.String() }),
  ),
  reports: Type.Array(AbuseReport),
});
export type ContactExport = Static<typeof ContactExport>;
