/** Rating summaries: count, average and 1–5 histogram of approved reviews per entity (docs/product.md §5). */
import { type Static, Type } from 'typebox';
import { EntityId, Namespace } from './review.ts';

export const RatingSummary = Type.Object({
  namespace: Type.String(),
  entityId: Type.String(),
  count: Type.Integer({ description: 'Number of approved reviews.' }),
  average: Type.Number({ description: 'Average rating of approved reviews, 0 when there are none.' }),
  histogram: Type.Object(
    { '1': Type.Integer(), '2': Type.Integer(), '3': Type.Integer(), '4': Type.Integer(), '5': Type.Integer() },
    { description: 'Approved reviews per star.' },
  ),
});
export type RatingSummary = Static<typeof RatingSummary>;

export const RatingSummaryResponse = Type.Object({ summary: RatingSummary });
export const BatchRatingSummariesRequest = Type.Object({
  namespace: Namespace,
  entityIds: Type.Array(EntityId, { minItems: 1, maxItems: 100 }),
});
export const BatchRatingSummariesResponse = Type.Object({ summaries: Type.Array(RatingSummary) });
