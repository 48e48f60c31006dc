import { describe, expect, it } from 'vitest';
import { relevanceAt } from '../reviews/reviews.rules.ts';
import type { FilterNode } from './filter.ts';
import { resolveAt } from './relevance.ts';

/** Evaluates a resolved filter on one review's stored rank (the only field these filters name). */
function holds(node: FilterNode, rank: number): boolean {
  switch (node.op) {
    case 'and':
      return node.nodes.every((n) => holds(n, rank));
    case 'or':
      return node.nodes.some((n) => holds(n, rank));
    case 'not':
      return !holds(node.node, rank);
    case 'rank':
      return node.bound === '$gte' ? rank >= node.value : rank < node.value;
    default:
      throw new Error(`unresolved node ${JSON.stringify(node)}`);
  }
}

const CMP = {
  $eq: (s: number, x: number) => s === x,
  $ne: (s: number, x: number) => s !== x,
  $lt: (s: number, x: number) => s < x,
  $lte: (s: number, x: number) => s <= x,
  $gt: (s: number, x: number) => s > x,
  $gte: (s: number, x: number) => s >= x,
} as const;

describe('relevanceScore filters resolved at an instant', () => {
  const now = new Date('2027-03-04T05:06:07.000Z');
  const today = Math.floor(now.getTime() / 86_400_000) / 365;
  // Ranks around today's term: scores from 0 to 1 and beyond, including exact level boundaries.
  let seed = 11;
  const random = () => {
    seed = (seed * 16807) % 2147483647;
    return seed / 2147483647;
  };
  const ranks = Array.from({ length: 3000 }, () => today - random() * 30 + (random() < 0.05 ? 2 : 0));
  ranks.push(today - 128, today, today + 1);
  const scores = ranks.map((r) => relevanceAt(r, now));
  const values = [
    ...scores.slice(0, 200),
    ...scores.slice(0, 100).map((s) => s + 4e-7),
    ...scores.slice(0, 100).map((s) => s - 6e-7),
    0,
    1,
    5e-7,
    4.9e-7,
    0.9999995,
    -3,
    7,
    1e308,
    -1e308,
  ];

  it('match exactly the ranks whose score at that instant satisfies the comparison', () => {
    for (const x of values) {
      for (const [cmp, test] of Object.entries(CMP) as [keyof typeof CMP, (s: number, x: number) => boolean][]) {
        const node = resolveAt({ op: 'cmp', field: 'relevanceScore', cmp, value: x }, now);
        const wrong = ranks.findIndex((rank, i) => holds(node, rank) !== test(scores[i] as number, x));
        expect(wrong === -1 ? null : `${cmp} ${x} on score ${scores[wrong]}`).toBeNull();
      }
    }
  });

  it('resolve $in as any of its values, and leave every other field as it was', () => {
    const picked = [scores[0] as number, scores[1] as number, 0.123];
    const node = resolveAt(
      {
        op: 'and',
        nodes: [
          { op: 'cmp', field: 'entityId', cmp: '$eq', value: 'p' },
          { op: 'in', field: 'relevanceScore', values: picked },
        ],
      },
      now,
    );
    expect(node.op === 'and' && node.nodes[0]).toEqual({ op: 'cmp', field: 'entityId', cmp: '$eq', value: 'p' });
    const inPart = node.op === 'and' ? (node.nodes[1] as FilterNode) : node;
    const wrong = ranks.findIndex((rank, i) => holds(inPart, rank) !== picked.includes(scores[i] as number));
    expect(wrong).toBe(-1);
  });
});
