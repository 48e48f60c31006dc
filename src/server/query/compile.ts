/**
 * Compiles a validated filter AST and sort list into Kysely expressions over `reviews`, including the keyset
 * condition that continues after (or before) a cursor position. Every value is bound as a parameter.
 */
import { type Expression, type ExpressionBuilder, type SqlBool, sql } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { FilterNode, Scalar } from './filter.ts';
import { FIELDS } from './query.fields.ts';

type EB = ExpressionBuilder<Database, 'reviews'>;

export interface SortKey {
  field: string;
  column: 'rating' | 'created_at' | 'helpfulness' | 'relevance_rank' | 'verified' | 'origin_type' | 'id';
  order: 'ASC' | 'DESC';
}

const COMPARATORS = { $eq: '=', $ne: '<>', $lt: '<', $lte: '<=', $gt: '>', $gte: '>=' } as const;

/**
 * On a nullable column a comparison with a missing value is SQL NULL, which `$not` would keep as NULL (no match)
 * where the query language means "true". Guarding it keeps every predicate two-valued.
 */
function known(eb: EB, nullable: boolean, col: Expression<unknown>, cmp: Expression<SqlBool>): Expression<SqlBool> {
  return nullable ? eb.and([eb(col as never, 'is not', null), cmp]) : cmp;
}

export interface CompileOptions {
  /**
   * Columns whose range, `$ne` and `$in` comparisons must not choose an index (SQLite's `+column`): the query planner
   * then uses the index that serves the sort and filters on these as rows come. See `sortServingHints`.
   */
  unindexed?: ReadonlySet<string>;
}

/** The spec of a field a condition may be compiled on: a decaying field must have been resolved (`resolveAt`). */
function compilable(field: string) {
  const spec = FIELDS[field];
  if (!spec) throw new Error(`unknown field ${field}`);
  if (spec.decays) throw new Error(`a filter on ${field} must be resolved at an instant before it is compiled`);
  return spec;
}

/**
 * The SQL condition of a validated filter whose conditions on decaying fields were resolved at an instant
 * (`resolveAt` in relevance.ts); throws on one that was not, rather than compare a score with a rank.
 */
export function compileFilter(eb: EB, node: FilterNode, opts: CompileOptions = {}): Expression<SqlBool> {
  const ref = (column: string, indexable: boolean): Expression<unknown> =>
    !indexable && opts.unindexed?.has(column) ? sql`+${sql.ref(column)}` : eb.ref(column as SortKey['column']);
  switch (node.op) {
    case 'and':
      return eb.and(node.nodes.map((n) => compileFilter(eb, n, opts)));
    case 'or':
      return eb.or(node.nodes.map((n) => compileFilter(eb, n, opts)));
    case 'not':
      return eb.not(compileFilter(eb, node.node, opts));
    case 'isEmpty': {
      const col = eb.ref('media_json');
      return node.value ? eb(col, '=', '[]') : eb(col, '<>', '[]');
    }
    case 'in': {
      const spec = compilable(node.field);
      const col = ref(spec.column, node.values.length === 1);
      const present = node.values.filter((v): v is Exclude<Scalar, null> => v !== null);
      const parts: Expression<SqlBool>[] = [];
      if (present.length > 0) parts.push(known(eb, spec.nullable, col, eb(col, 'in', present)));
      if (present.length !== node.values.length) parts.push(eb(col, 'is', null));
      return parts.length === 1 && parts[0] ? parts[0] : eb.or(parts);
    }
    case 'cmp': {
      const spec = compilable(node.field);
      const col = ref(spec.column, node.cmp === '$eq');
      if (node.value === null) return node.cmp === '$eq' ? eb(col, 'is', null) : eb(col, 'is not', null);
      const cmp = eb(col, COMPARATORS[node.cmp], node.value);
      // Wix semantics: "not equal" also matches a missing value.
      if (node.cmp === '$ne' && spec.nullable) return eb.or([eb(col, 'is', null), cmp]);
      return known(eb, spec.nullable, col, cmp);
    }
    case 'rank':
      return eb(ref('relevance_rank', false), node.bound === '$gte' ? '>=' : '<', node.value);
    case 'positive': {
      // Zero is a literal, not a bound value: SQLite uses a partial index (`open_reports > 0`) only when the query
      // holds the index's own condition.
      const col = eb.ref(compilable(node.field).column as 'open_reports');
      return node.value ? eb(col, '>', sql.lit(0)) : eb(col, '=', sql.lit(0));
    }
  }
}

/**
 * Rows strictly after `values` in the order `keys` (direction 'next'), or strictly before it ('prev').
 * When every key runs the same way this is one row-value comparison, `(k1, k2, id) > (v1, v2, v3)`, which both
 * dialects turn into an index range. With mixed directions it is the expansion
 * (k1 > v1) OR (k1 = v1 AND k2 > v2) OR …, led by the implied bound k1 >= v1 so the scan still starts at the cursor.
 */
export function keysetCondition(
  eb: EB,
  keys: readonly SortKey[],
  values: readonly (string | number)[],
  direction: 'next' | 'prev',
): Expression<SqlBool> {
  if (values.length !== keys.length) throw new Error('cursor position does not match the sort');
  const ascending = (k: SortKey) => (k.order === 'ASC') === (direction === 'next');
  const value = (i: number) => values[i] as string | number;
  const first = keys[0];
  if (!first) throw new Error('empty sort');
  if (keys.every((k) => ascending(k) === ascending(first))) {
    return eb(
      eb.refTuple(...(keys.map((k) => k.column) as [SortKey['column'], SortKey['column']])),
      ascending(first) ? '>' : '<',
      eb.tuple(...(values as [string | number, string | number])),
    );
  }
  const branches: Expression<SqlBool>[] = keys.map((key, i) => {
    const eqs = keys.slice(0, i).map((k, j) => eb(eb.ref(k.column), '=', value(j)));
    return eb.and([...eqs, eb(eb.ref(key.column), ascending(key) ? '>' : '<', value(i))]);
  });
  return eb.and([eb(eb.ref(first.column), ascending(first) ? '>=' : '<=', value(0)), eb.or(branches)]);
}
