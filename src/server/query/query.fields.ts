/**
 * The Wix Reviews query-language field matrix (docs/wix-api.md §7.2): which operators each field allows, whether it
 * sorts, and the column and value type behind it.
 */
export type Operator = '$eq' | '$ne' | '$in' | '$lt' | '$lte' | '$gt' | '$gte' | '$isEmpty';
export type ValueType =
  | 'string'
  | 'guid'
  | 'int'
  | 'number'
  | 'date'
  | 'bool'
  | 'status'
  | 'origin'
  | 'media'
  /** A count filtered as a boolean: true matches a count above zero, false a count of zero. */
  | 'count';
export type Column =
  | 'id'
  | 'namespace'
  | 'entity_id'
  | 'contact_id'
  | 'moderation_status'
  | 'rating'
  | 'created_at'
  | 'review_date'
  | 'updated_at'
  | 'helpfulness'
  | 'relevance_rank'
  | 'verified'
  | 'origin_type'
  | 'media_json'
  | 'open_reports';

export interface FieldSpec {
  column: Column;
  type: ValueType;
  operators: readonly Operator[];
  sortable: boolean;
  nullable: boolean;
  /**
   * The field's value depends on the instant it is read at, and the column holds something else from which it is
   * derived: a filter on it is rewritten for one instant (`relevance.ts`) before it is compiled.
   */
  decays?: true;
  /**
   * Only callers that may read abuse reports (`listReviewReports`: the owner, moderators, apps that moderate or
   * manage) may filter on the field; to anyone else it is an unknown field.
   */
  reports?: true;
}

const EQ: readonly Operator[] = ['$eq', '$ne', '$in'];
const RANGE: readonly Operator[] = ['$eq', '$ne', '$in', '$lt', '$lte', '$gt', '$gte'];

export const FIELDS: Record<string, FieldSpec> = {
  id: { column: 'id', type: 'string', operators: EQ, sortable: false, nullable: false },
  namespace: { column: 'namespace', type: 'string', operators: EQ, sortable: false, nullable: false },
  entityId: { column: 'entity_id', type: 'string', operators: EQ, sortable: false, nullable: false },
  'author.contactId': { column: 'contact_id', type: 'string', operators: EQ, sortable: false, nullable: true },
  'moderation.moderationStatus': {
    column: 'moderation_status',
    type: 'status',
    operators: EQ,
    sortable: false,
    nullable: false,
  },
  'content.rating': { column: 'rating', type: 'int', operators: RANGE, sortable: true, nullable: false },
  createdDate: { column: 'created_at', type: 'date', operators: RANGE, sortable: true, nullable: false },
  helpfulness: { column: 'helpfulness', type: 'int', operators: RANGE, sortable: true, nullable: false },
  // Sorted by the stored rank, which orders reviews exactly as their scores do at every instant (reviews.rules.ts).
  relevanceScore: {
    column: 'relevance_rank',
    type: 'number',
    operators: RANGE,
    sortable: true,
    nullable: false,
    decays: true,
  },
  verified: { column: 'verified', type: 'bool', operators: ['$eq', '$ne'], sortable: true, nullable: false },
  'origin.type': { column: 'origin_type', type: 'origin', operators: ['$eq', '$ne'], sortable: true, nullable: false },
  'content.media': { column: 'media_json', type: 'media', operators: ['$isEmpty'], sortable: false, nullable: false },
  // Verdict extensions: Wix rejects filters on these fields, so accepting them changes no Wix-valid query.
  reviewDate: { column: 'review_date', type: 'date', operators: RANGE, sortable: false, nullable: false },
  updatedDate: { column: 'updated_at', type: 'date', operators: RANGE, sortable: false, nullable: false },
  // Whether the review has an open abuse report: moderation material, for the callers that may read reports.
  reported: {
    column: 'open_reports',
    type: 'count',
    operators: ['$eq', '$ne'],
    sortable: false,
    nullable: false,
    reports: true,
  },
};

/** Velo/SDK names the SDK may send unrenamed. */
export const ALIASES: Record<string, string> = { _id: 'id', _createdDate: 'createdDate', _updatedDate: 'updatedDate' };

export const resolveField = (name: string): string => ALIASES[name] ?? name;
