/**
 * Insights for the dashboard: a namespace's (or one entity's) ratings, their course over time, the entities with
 * the most reviews and the lowest averages, and how many reviews moderation held and why.
 */
import { type Static, Type } from 'typebox';
import { EntityId, Namespace } from './review.ts';

export const INSIGHTS_LIMITS = {
  /** The widest [from, to) range, in days: a day bucket then has at most this many points. */
  maxRangeDays: 3660,
  defaultMinReviews: 5,
  defaultTop: 10,
  maxTop: 50,
} as const;

export const InsightsBucket = Type.Union([Type.Literal('day'), Type.Literal('week'), Type.Literal('month')], {
  description: 'The width of a point of ratingsOverTime (weeks start on Monday; all in UTC).',
});
export type InsightsBucket = Static<typeof InsightsBucket>;

export const InsightsQuery = Type.Object({
  namespace: Namespace,
  entityId: Type.Optional(EntityId),
  from: Type.String({
    format: 'date-time',
    maxLength: 40,
    description: 'Start of the period (inclusive), ISO-8601.',
    examples: ['2026-01-01T00:00:00Z'],
  }),
  to: Type.String({
    format: 'date-time',
    maxLength: 40,
    description: 'End of the period (exclusive), ISO-8601; at most 3660 days after from.',
    examples: ['2026-07-01T00:00:00Z'],
  }),
  bucket: Type.Optional(InsightsBucket),
  minReviews: Type.Optional(
    Type.String({
      pattern: '^[1-9][0-9]{0,5}$',
      description: 'lowestAverages: entities with at least this many reviews (default 5).',
    }),
  ),
  top: Type.Optional(
    Type.String({ pattern: '^([1-9]|[1-4][0-9]|50)$', description: 'Entities per list, 1-50 (default 10).' }),
  ),
});
export type InsightsQuery = Static<typeof InsightsQuery>;

const Histogram = Type.Object(
  { '1': Type.Integer(), '2': Type.Integer(), '3': Type.Integer(), '4': Type.Integer(), '5': Type.Integer() },
  { description: 'Published reviews per star.' },
);
const EntityRating = Type.Object({
  entityId: Type.String(),
  count: Type.Integer({ description: 'Published reviews.' }),
  average: Type.Number(),
});
export type EntityRating = Static<typeof EntityRating>;

export const RatingPoint = Type.Object({
  at: Type.String({ description: 'Start of the bucket (UTC date, YYYY-MM-DD).' }),
  count: Type.Integer({ description: 'Published reviews dated in the bucket.' }),
  average: Type.Number({ description: 'Their average rating; 0 when there are none.' }),
});
export type RatingPoint = Static<typeof RatingPoint>;

export const Insights = Type.Object({
  summary: Type.Object(
    { count: Type.Integer(), average: Type.Number() },
    { description: 'Published reviews of the namespace (or entity), all time, and their average.' },
  ),
  histogram: Histogram,
  ratingsOverTime: Type.Array(RatingPoint, {
    description: 'Published reviews by review date within [from, to), one point per bucket (empty buckets too).',
  }),
  mostReviewed: Type.Array(EntityRating, { description: 'Entities of the namespace with the most published reviews.' }),
  lowestAverages: Type.Array(EntityRating, {
    description: 'Entities with at least minReviews published reviews, lowest average first.',
  }),
  held: Type.Object({
    submitted: Type.Integer({ description: 'Reviews submitted in the period (imports excluded).' }),
    total: Type.Integer({ description: 'Times a review was held for moderation in the period.' }),
    share: Type.Number({ description: 'total / submitted (0 when nothing was submitted).' }),
    pending: Type.Integer({ description: 'Reviews awaiting moderation now.' }),
    byReason: Type.Array(
      Type.Object({
        reason: Type.String({
          description: '`RULE:<type>` of the rule that held it, `MANUAL`, `REPORTED`, …',
          examples: ['RULE:HOLD_RATINGS'],
        }),
        count: Type.Integer(),
      }),
      { description: 'Most frequent first.' },
    ),
  }),
});
export type Insights = Static<typeof Insights>;

export const InsightsResponse = Type.Object({ insights: Insights });
