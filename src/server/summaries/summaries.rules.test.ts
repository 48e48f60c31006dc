import { describe, expect, it } from 'vitest';
import { contribution, mergeDeltas, summaryDeltas, toSummary } from './summaries.rules.ts';

const row = (over: Partial<Parameters<typeof contribution>[0]> = {}) => ({
  namespace: 'stores',
  entity_id: 'p1',
  rating: 4,
  moderation_status: 'APPROVED',
  deleted_at: null,
  ...over,
});

describe('summary rules', () => {
  it('counts only live approved reviews', () => {
    expect(contribution(row())).toEqual({ namespace: 'stores', entityId: 'p1', rating: 4 });
    expect(contribution(row({ moderation_status: 'IN_MODERATION' }))).toBeNull();
    expect(contribution(row({ deleted_at: '2026-01-01T00:00:00.000Z' }))).toBeNull();
  });

  it('moves a rating between stars on a rating change, and between entities on an entity change', () => {
    expect(summaryDeltas(contribution(row()), contribution(row({ rating: 2 })))).toEqual([
      { namespace: 'stores', entityId: 'p1', count: 0, sum: -2, stars: [0, 1, 0, -1, 0] },
    ]);
    expect(summaryDeltas(contribution(row()), contribution(row({ entity_id: 'p2' })))).toEqual([
      { namespace: 'stores', entityId: 'p1', count: -1, sum: -4, stars: [0, 0, 0, -1, 0] },
      { namespace: 'stores', entityId: 'p2', count: 1, sum: 4, stars: [0, 0, 0, 1, 0] },
    ]);
  });

  it('has no delta when nothing that counts changes', () => {
    expect(summaryDeltas(contribution(row()), contribution(row()))).toEqual([]);
    expect(summaryDeltas(null, null)).toEqual([]);
  });

  it('reports zeros, never NaN, for an entity without reviews', () => {
    expect(toSummary('stores', 'none', undefined)).toEqual({
      namespace: 'stores',
      entityId: 'none',
      count: 0,
      average: 0,
      histogram: { '1': 0, '2': 0, '3': 0, '4': 0, '5': 0 },
    });
  });

  it('merges deltas per entity in first-seen order and drops those that cancel out', () => {
    const add = (entityId: string, rating: number) => summaryDeltas(null, { namespace: 'stores', entityId, rating });
    const remove = (entityId: string, rating: number) => summaryDeltas({ namespace: 'stores', entityId, rating }, null);
    const merged = mergeDeltas([
      ...add('b', 5),
      ...add('a', 1),
      ...add('b', 3),
      ...remove('c', 2),
      ...add('c', 2),
      ...add('b', 5),
    ]);
    expect(merged).toEqual([
      { namespace: 'stores', entityId: 'b', count: 3, sum: 13, stars: [0, 0, 1, 0, 2] },
      { namespace: 'stores', entityId: 'a', count: 1, sum: 1, stars: [1, 0, 0, 0, 0] },
    ]);
    const other = mergeDeltas([
      ...add('a', 4),
      ...summaryDeltas(null, { namespace: 'blog', entityId: 'a', rating: 4 }),
    ]);
    expect(other.map((d) => [d.namespace, d.count])).toEqual([
      ['stores', 1],
      ['blog', 1],
    ]);
  });
});
