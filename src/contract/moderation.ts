/**
 * Moderation rules and the moderation audit log (docs/product.md §4): the ordered rules of one site and namespace (first
 * match wins), the admin API that reads and replaces them, and the audit entries every status decision writes.
 */
import { type Static, Type } from 'typebox';
import { PageCursor, PageLimit, PageMetadata } from './paging.ts';
import { Media, ModerationStatus, Namespace, NOT_FOUND_KEYWORD, type NotFoundAnswer } from './review.ts';

export const MODERATION_LIMITS = {
  maxRules: 20,
  maxBlockedWords: 500,
  blockedWordMaxLength: 100,
  maxReportsThreshold: 1000,
  auditDefaultLimit: 50,
  auditMaxLimit: 100,
} as const;

export const RULE_TYPES = [
  'APPROVE_ALL',
  'HOLD_ALL',
  'HOLD_RATINGS',
  'HOLD_MEDIA',
  'HOLD_BLOCKED_WORDS',
  'HOLD_LINKS',
  'HOLD_REPORTED_AUTHOR',
] as const;
export type RuleType = (typeof RULE_TYPES)[number];

const RatingSet = Type.Array(Type.Integer({ minimum: 1, maximum: 5 }), {
  minItems: 1,
  maxItems: 5,
  uniqueItems: true,
  description: 'Ratings the rule holds.',
  examples: [[1, 2]],
});
const BlockedWords = Type.Array(
  Type.String({ minLength: 1, maxLength: MODERATION_LIMITS.blockedWordMaxLength, examples: ['spam'] }),
  {
    minItems: 1,
    maxItems: MODERATION_LIMITS.maxBlockedWords,
    description:
      'Words or phrases matched as whole words in title and body, ignoring case and accents (`spam` matches "SPAM!" and "spám", not "spammer").',
    examples: [['spam', 'free money']],
  },
);
const MinReports = Type.Integer({
  minimum: 1,
  maximum: MODERATION_LIMITS.maxReportsThreshold,
  description: 'Hold when the author has at least this many open abuse reports.',
  examples: [3],
});

/** One rule, discriminated by `type`. */
export const ModerationRule = Type.Union(
  [
    Type.Object({ type: Type.Literal('APPROVE_ALL') }, { description: 'Publish at once (moderation off).' }),
    Type.Object({ type: Type.Literal('HOLD_ALL') }, { description: 'Hold every review for moderation.' }),
    Type.Object(
      { type: Type.Literal('HOLD_RATINGS'), ratings: RatingSet },
      { description: 'Hold the listed ratings.' },
    ),
    Type.Object({ type: Type.Literal('HOLD_MEDIA') }, { description: 'Hold reviews with images or videos.' }),
    Type.Object(
      { type: Type.Literal('HOLD_BLOCKED_WORDS'), words: BlockedWords },
      { description: 'Hold when title or body contains a blocked word.' },
    ),
    Type.Object(
      { type: Type.Literal('HOLD_LINKS') },
      { description: 'Hold when title or body contains a link (http(s)://, www., or a bare domain).' },
    ),
    Type.Object(
      { type: Type.Literal('HOLD_REPORTED_AUTHOR'), minReports: MinReports },
      { description: "Hold when the author's open abuse reports reach a threshold." },
    ),
  ],
  { description: 'A moderation rule; the first rule that matches decides.' },
);
export type ModerationRule = Static<typeof ModerationRule>;

/**
 * A rule as submitted: `type` plus the fields of every type, all optional. The service checks which fields the
 * type requires and allows, so one request lists every violation with its exact path (a JSON-schema union would
 * report each mismatch once per branch).
 */
export const ModerationRuleInput = Type.Object(
  {
    type: Type.Union(
      [
        Type.Literal('APPROVE_ALL'),
        Type.Literal('HOLD_ALL'),
        Type.Literal('HOLD_RATINGS'),
        Type.Literal('HOLD_MEDIA'),
        Type.Literal('HOLD_BLOCKED_WORDS'),
        Type.Literal('HOLD_LINKS'),
        Type.Literal('HOLD_REPORTED_AUTHOR'),
      ],
      { description: 'Rule type.' },
    ),
    ratings: Type.Optional(RatingSet),
    words: Type.Optional(BlockedWords),
    minReports: Type.Optional(MinReports),
  },
  {
    description:
      'A moderation rule: `ratings` for HOLD_RATINGS, `words` for HOLD_BLOCKED_WORDS, `minReports` for HOLD_REPORTED_AUTHOR.',
  },
);
export type ModerationRuleInput = Static<typeof ModerationRuleInput>;

export const ModerationRules = Type.Object({
  namespace: Namespace,
  rules: Type.Array(ModerationRule, { maxItems: MODERATION_LIMITS.maxRules }),
  version: Type.Integer({
    minimum: 0,
    description: 'Increases by 1 on every replace; 0 while the namespace has no rules of its own.',
    examples: [3],
  }),
  source: Type.Union([Type.Literal('RULES'), Type.Literal('SITE_SETTINGS')], {
    description:
      'SITE_SETTINGS: no rules were saved for this namespace; they are derived from the site moderation setting.',
  }),
  updatedDate: Type.Union([Type.String(), Type.Null()], { description: 'When the rules were last replaced.' }),
});
export type ModerationRules = Static<typeof ModerationRules>;

export const GetModerationRulesQuery = Type.Object({ namespace: Namespace });
export const UpdateModerationRulesRequest = Type.Object({
  namespace: Namespace,
  rules: Type.Array(ModerationRuleInput, { maxItems: MODERATION_LIMITS.maxRules }),
  expectedVersion: Type.Optional(
    Type.Integer({
      minimum: 0,
      description: 'Replace only if the stored version is this one; else 409 REVISION_MISMATCH.',
    }),
  ),
});
export type UpdateModerationRulesRequest = Static<typeof UpdateModerationRulesRequest>;
export const ModerationRulesResponse = Type.Object({ rules: ModerationRules });

export const AuditActorKind = Type.Union(
  [
    Type.Literal('ADMIN'),
    Type.Literal('APP'),
    Type.Literal('MEMBER'),
    Type.Literal('VISITOR'),
    Type.Literal('JOB'),
    Type.Literal('USER'),
  ],
  {
    description:
      'Who decided: the calling principal (USER: a dashboard user), or the bulk job that applied a decision.',
  },
);
export type AuditActorKind = Static<typeof AuditActorKind>;

export const AuditActor = Type.Object({
  kind: AuditActorKind,
  id: Type.Optional(
    Type.String({ description: 'API key id, contact id, dashboard user id, or job id (never a secret).' }),
  ),
});
export type AuditActor = Static<typeof AuditActor>;

export const ModerationAuditEntry = Type.Object({
  id: Type.String(),
  reviewId: Type.String(),
  actor: AuditActor,
  from: ModerationStatus,
  to: ModerationStatus,
  reason: Type.String({
    description: '`RULE:<type>` or `NO_RULE_MATCHED` (automatic), `MANUAL`, `BULK_JOB:<jobId>`.',
    examples: ['RULE:HOLD_RATINGS'],
  }),
  createdDate: Type.String(),
});
export type ModerationAuditEntry = Static<typeof ModerationAuditEntry>;

export const ModerationAuditQuery = Type.Object({
  reviewId: Type.Optional(Type.String({ maxLength: 36, description: 'Only the entries of this review.' })),
  from: Type.Optional(
    Type.String({
      format: 'date-time',
      maxLength: 40,
      description: 'Entries at or after this ISO-8601 time.',
      examples: ['2026-11-01T00:00:00Z'],
    }),
  ),
  to: Type.Optional(
    Type.String({
      format: 'date-time',
      maxLength: 40,
      description: 'Entries before this ISO-8601 time.',
      examples: ['2026-12-01T00:00:00Z'],
    }),
  ),
  limit: Type.Optional(Type.String({ pattern: '^(100|[1-9][0-9]?)$', description: '1-100, default 50.' })),
  cursor: Type.Optional(Type.String({ maxLength: 500, description: '`metadata.cursors.next` of the previous page.' })),
});
export type ModerationAuditQuery = Static<typeof ModerationAuditQuery>;

export const ModerationAuditResponse = Type.Object({
  entries: Type.Array(ModerationAuditEntry, { description: 'Oldest first.' }),
  metadata: Type.Object({
    count: Type.Integer(),
    cursors: Type.Object({ next: Type.Union([Type.String(), Type.Null()]) }),
  }),
});
export type ModerationAuditResponse = Static<typeof ModerationAuditResponse>;

/** A sample review for a rules preview: what the rules look at, and what is known about its author. */
export const PreviewReview = Type.Object({
  title: Type.Optional(Type.Union([Type.String({ maxLength: 3000 }), Type.Null()])),
  body: Type.Optional(Type.Union([Type.String({ maxLength: 3000 }), Type.Null()])),
  rating: Type.Integer({ minimum: 1, maximum: 5 }),
  media: Type.Optional(Type.Array(Media, { maxItems: 10 })),
  authorOpenReports: Type.Optional(
    Type.Integer({ minimum: 0, maximum: 100_000, description: 'Open abuse reports against the author (default 0).' }),
  ),
});

export const PreviewModerationRulesRequest = Type.Object({
  namespace: Namespace,
  rules: Type.Optional(
    Type.Array(ModerationRuleInput, {
      maxItems: MODERATION_LIMITS.maxRules,
      description: "Rules to try; the namespace's current rules when absent.",
    }),
  ),
  review: PreviewReview,
});
export type PreviewModerationRulesRequest = Static<typeof PreviewModerationRulesRequest>;

export const ModerationPreview = Type.Object({
  status: Type.Union([Type.Literal('APPROVED'), Type.Literal('IN_MODERATION')], {
    description: 'The status the review would enter.',
  }),
  reason: Type.String({ description: 'The audit reason it would get: `RULE:<type>` or `NO_RULE_MATCHED`.' }),
  matchedRule: Type.Union([Type.Object({ index: Type.Integer({ minimum: 0 }), rule: ModerationRule }), Type.Null()], {
    description: 'The first rule that matched (its position in the list), or null.',
  }),
  rules: Type.Array(ModerationRule, { description: 'The rules evaluated.' }),
  source: Type.Union([Type.Literal('REQUEST'), Type.Literal('RULES'), Type.Literal('SITE_SETTINGS')], {
    description:
      "REQUEST: the rules given; RULES: the namespace's saved rules; SITE_SETTINGS: derived from the site setting.",
  }),
});
export type ModerationPreview = Static<typeof ModerationPreview>;
export const ModerationPreviewResponse = Type.Object({ preview: ModerationPreview });

export const ModerationRulesVersionSummary = Type.Object({
  version: Type.Integer({ minimum: 1 }),
  ruleCount: Type.Integer(),
  actor: Type.Union([AuditActor, Type.Null()], { description: 'Who saved it; null when not recorded.' }),
  createdDate: Type.String(),
});
export type ModerationRulesVersionSummary = Static<typeof ModerationRulesVersionSummary>;
export const ModerationRulesVersion = Type.Object({
  namespace: Namespace,
  version: Type.Integer({ minimum: 1 }),
  rules: Type.Array(ModerationRule),
  actor: Type.Union([AuditActor, Type.Null()], { description: 'Who saved it; null when not recorded.' }),
  createdDate: Type.String(),
});
export type ModerationRulesVersion = Static<typeof ModerationRulesVersion>;

export const ListModerationRuleVersionsQuery = Type.Object({
  namespace: Namespace,
  before: Type.Optional(
    Type.String({
      pattern: '^[1-9][0-9]{0,8}$',
      description: 'Only versions older than this one (kept for older clients; `cursor` pages on).',
    }),
  ),
  limit: PageLimit(MODERATION_LIMITS.auditDefaultLimit),
  cursor: PageCursor,
});
export type ListModerationRuleVersionsQuery = Static<typeof ListModerationRuleVersionsQuery>;
export const ListModerationRuleVersionsResponse = Type.Object({
  versions: Type.Array(ModerationRulesVersionSummary, { description: 'Newest first.' }),
  metadata: PageMetadata,
});
export const ModerationRulesVersionParams = Type.Object({
  // Like an id: a value that is not a version number names no version (404), before anything is read.
  version: Type.String({
    pattern: '^[1-9][0-9]{0,8}$',
    description: 'A version number, from listModerationRuleVersions.',
    examples: ['3'],
    [NOT_FOUND_KEYWORD]: {
      code: 'MODERATION_RULES_VERSION_NOT_FOUND',
      message: 'No such version of these moderation rules',
    } satisfies NotFoundAnswer,
  }),
});
export const GetModerationRulesVersionQuery = Type.Object({ namespace: Namespace });
export const ModerationRulesVersionResponse = Type.Object({ version: ModerationRulesVersion });
