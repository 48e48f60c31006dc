/**
 * Filters on `relevanceScore` at one instant. The score decays with age and is not stored: the column holds the
 * rank, which does not decay (reviews.rules.ts). At a given instant the score is a non-decreasing step function of
 * the rank — level k (the score k / 1e6) from `relevanceBound(k, now)` on — so every comparison with a score is a
 * comparison of the rank with one bound, and the same reviews match that `relevanceAt` would score so. Pure.
 */
import { RELEVANCE_LEVELS, relevanceBound } from '../reviews/reviews.rules.ts';
import type { FilterNode, Scalar } from './filter.ts';
import { FIELDS } from './query.fields.ts';

/** Matches every review / no review (compiled as `1 = 1` / `1 = 0`). */
const ALL: FilterNode = { op: 'and', nodes: [] };
const NONE: FilterNode = { op: 'or', nodes: [] };

/**
 * The lowest level whose score is above `x` (`strict`) or at least `x`; RELEVANCE_LEVELS + 1 when there is none.
 * Scores are compared as the numbers `level / 1e6` the wire carries, so a boundary falls exactly where it does for
 * a client comparing the scores it was sent.
 */
function firstLevel(x: number, strict: boolean): number {
  const passes = (level: number) => (strict ? level / RELEVANCE_LEVELS > x : level / RELEVANCE_LEVELS >= x);
  let level = Math.min(RELEVANCE_LEVELS + 1, Math.max(0, Math.floor(x * RELEVANCE_LEVELS)));
  while (level > 0 && passes(level - 1)) level--;
  while (level <= RELEVANCE_LEVELS && !passes(level)) level++;
  return level;
}

/** Reviews whose score at `now` is at level `level` or higher. */
function atLeast(level: number, now: Date): FilterNode {
  if (level <= 0) return ALL;
  if (level > RELEVANCE_LEVELS) return NONE;
  return { op: 'rank', bound: '$gte', value: relevanceBound(level, now) };
}

/** Reviews whose score at `now` is below level `level`. */
function below(level: number, now: Date): FilterNode {
  if (level <= 0) return NONE;
  if (level > RELEVANCE_LEVELS) return ALL;
  return { op: 'rank', bound: '$lt', value: relevanceBound(level, now) };
}

function equalTo(x: number, now: Date): FilterNode {
  const from = firstLevel(x, false);
  const to = firstLevel(x, true);
  return from >= to ? NONE : { op: 'and', nodes: [atLeast(from, now), below(to, now)] };
}

function compare(cmp: Extract<FilterNode, { op: 'cmp' }>['cmp'], x: number, now: Date): FilterNode {
  switch (cmp) {
    case '$gt':
      return atLeast(firstLevel(x, true), now);
    case '$gte':
      return atLeast(firstLevel(x, false), now);
    case '$lt':
      return below(firstLevel(x, false), now);
    case '$lte':
      return below(firstLevel(x, true), now);
    case '$eq':
      return equalTo(x, now);
    case '$ne':
      return { op: 'not', node: equalTo(x, now) };
  }
}

const numeric = (v: Scalar): number => {
  // The parser admits only finite numbers for a decaying field; anything else here is a programming error.
  if (typeof v !== 'number') throw new Error(`a relevanceScore filter value must be a number, got ${String(v)}`);
  return v;
};

/**
 * `node` with every condition on a decaying field (`relevanceScore`) rewritten as bounds on the stored rank at `now`,
 * everything else unchanged. Every filter is resolved once per request, at the request's clock reading, before it
 * is compiled; `compileFilter` refuses a decaying field that was not.
 */
export function resolveAt(node: FilterNode, now: Date): FilterNode {
  switch (node.op) {
    case 'and':
    case 'or':
      return { op: node.op, nodes: node.nodes.map((n) => resolveAt(n, now)) };
    case 'not':
      return { op: 'not', node: resolveAt(node.node, now) };
    case 'cmp':
      return FIELDS[node.field]?.decays ? compare(node.cmp, numeric(node.value), now) : node;
    case 'in':
      return FIELDS[node.field]?.decays ? { op: 'or', nodes: node.values.map((v) => equalTo(numeric(v), now)) } : node;
    case 'isEmpty':
    case 'positive':
    case 'rank':
      return node;
  }
}
