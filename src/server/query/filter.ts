/**
 * Parses a Wix query-language filter into a validated AST, collecting every violation (unknown field, operator
 * not allowed for the field, wrong value type or a number outside the column's range, `$in` over 100 values,
 * nesting too deep, too many conditions in all). Pure.
 */
import { type FieldViolation, LIMITS } from '../../contract/index.ts';
import { FIELDS, type FieldSpec, type Operator, resolveField } from './query.fields.ts';

export type Scalar = string | number | null;

export type FilterNode =
  | { op: 'and'; nodes: FilterNode[] }
  | { op: 'or'; nodes: FilterNode[] }
  | { op: 'not'; node: FilterNode }
  | { op: 'cmp'; field: string; cmp: Exclude<Operator, '$in' | '$isEmpty'>; value: Scalar }
  | { op: 'in'; field: string; values: Scalar[] }
  | { op: 'isEmpty'; field: string; value: boolean }
  /** A count field (`reported`) above zero (true) or zero (false); the flag is part of the query's shape. */
  | { op: 'positive'; field: string; value: boolean }
  /** The stored relevance rank at least (`$gte`) or below (`$lt`) a bound: a `relevanceScore` filter at one instant. */
  | { op: 'rank'; bound: '$gte' | '$lt'; value: number };

export const MAX_FILTER_DEPTH = 8;
/**
 * The most nodes one filter may have: each branch of an `$and` or `$or`, each `$not`, each condition and each
 * `$in` value counts one. SQLite refuses an expression more than 1,000 levels deep, and a flat `$or` of n branches is n levels deep
 * there, so without this cap a valid-looking filter of 1,000 branches would fail in the database.
 */
export const MAX_FILTER_NODES = 500;
/** The range of the integer columns (`content.rating`, `helpfulness`): PostgreSQL's `integer`. */
export const INT_MIN = -2_147_483_648;
export const INT_MAX = 2_147_483_647;
const STATUSES = ['UNKNOWN', 'APPROVED', 'IN_MODERATION', 'REJECTED', 'SUBMITTED'];
const ORIGINS = ['UNKNOWN', 'ORGANIC', 'APP'];
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Checks and normalizes one value for a field; returns a violation description or the normalized value. */
function normalizeValue(spec: FieldSpec, value: unknown): { ok: true; value: Scalar } | { ok: false; why: string } {
  if (value === null) {
    return spec.nullable ? { ok: true, value: null } : { ok: false, why: 'must not be null' };
  }
  switch (spec.type) {
    case 'string':
    case 'guid':
      if (typeof value !== 'string' || value.length > 200) {
        return { ok: false, why: 'must be a string of at most 200 characters' };
      }
      // PostgreSQL refuses NUL in a text parameter; refuse it as bad input on both dialects rather than fail with a 500.
      return value.includes('\u0000') ? { ok: false, why: 'must not contain a NUL character' } : { ok: true, value };
    case 'status':
      return typeof value === 'string' && STATUSES.includes(value)
        ? { ok: true, value }
        : { ok: false, why: `must be one of ${STATUSES.join(', ')}` };
    case 'origin':
      return typeof value === 'string' && ORIGINS.includes(value)
        ? { ok: true, value }
        : { ok: false, why: `must be one of ${ORIGINS.join(', ')}` };
    case 'int':
      // An integer outside the column's range matches nothing, but PostgreSQL cannot even bind it: refuse it alike.
      return typeof value === 'number' && Number.isInteger(value) && value >= INT_MIN && value <= INT_MAX
        ? { ok: true, value }
        : { ok: false, why: `must be an integer from ${INT_MIN} to ${INT_MAX}` };
    case 'number':
      return typeof value === 'number' && Number.isFinite(value)
        ? { ok: true, value }
        : { ok: false, why: 'must be a number' };
    case 'bool':
      return typeof value === 'boolean' ? { ok: true, value: value ? 1 : 0 } : { ok: false, why: 'must be a boolean' };
    case 'date': {
      // The SDK serializes Date values as ISO strings; `{"$date": "..."}` is the Wix data-API form.
      const raw = isPlainObject(value) && typeof value.$date === 'string' ? value.$date : value;
      if (typeof raw !== 'string' || !ISO_DATE.test(raw) || Number.isNaN(Date.parse(raw))) {
        return { ok: false, why: 'must be an ISO-8601 date-time string' };
      }
      return { ok: true, value: new Date(raw).toISOString() };
    }
    case 'media':
      return { ok: false, why: 'only $isEmpty is supported' };
    case 'count':
      return typeof value === 'boolean' ? { ok: true, value: value ? 1 : 0 } : { ok: false, why: 'must be a boolean' };
  }
}

export interface ParsedFilter {
  node: FilterNode | null;
  violations: FieldViolation[];
}

export interface FilterOptions {
  /**
   * Whether the caller may filter on fields about abuse reports (`reported`); without it they are unknown fields,
   * absent from the list of allowed ones. False unless said.
   */
  reports?: boolean;
}

/** Parses `filter`; `path` prefixes violation fields (e.g. `query.filter`). */
export function parseFilter(filter: unknown, path: string, opts: FilterOptions = {}): ParsedFilter {
  const fieldOf = (name: string): FieldSpec | undefined => {
    const spec = FIELDS[name];
    return spec && (!spec.reports || opts.reports === true) ? spec : undefined;
  };
  const violations: FieldViolation[] = [];
  const bad = (field: string, description: string, violatedRule = 'INVALID_ARGUMENT') =>
    violations.push({ field, description, violatedRule });
  let counted = 0;
  /** Counts `n` nodes; false (with one violation, the first time) once the filter has more than the cap. */
  const count = (n: number, at: string): boolean => {
    const before = counted;
    counted += n;
    if (counted <= MAX_FILTER_NODES) return true;
    if (before <= MAX_FILTER_NODES) {
      bad(at, `filter has more than ${MAX_FILTER_NODES} branches, conditions and $in values in all`, 'MAX_SIZE');
    }
    return false;
  };

  function parseObject(obj: unknown, at: string, depth: number): FilterNode | null {
    if (depth > MAX_FILTER_DEPTH) {
      bad(at, `filter nesting is deeper than ${MAX_FILTER_DEPTH} levels`, 'MAX_DEPTH');
      return null;
    }
    if (!isPlainObject(obj)) {
      bad(at, 'must be an object');
      return null;
    }
    const nodes: FilterNode[] = [];
    for (const [key, value] of Object.entries(obj)) {
      const here = `${at}.${key}`;
      // Past the cap nothing more is read: the answer is a 400 already, and the rest could be large.
      if (counted > MAX_FILTER_NODES) break;
      if (key === '$and' || key === '$or') {
        if (!Array.isArray(value) || value.length === 0) {
          bad(here, 'must be a non-empty array of filters');
          continue;
        }
        const children: FilterNode[] = [];
        for (let i = 0; i < value.length && count(1, `${here}[${i}]`); i++) {
          const child = parseObject(value[i], `${here}[${i}]`, depth + 1);
          if (child) children.push(child);
        }
        if (children.length === value.length) nodes.push({ op: key === '$and' ? 'and' : 'or', nodes: children });
        continue;
      }
      if (key === '$not') {
        if (!count(1, here)) break;
        const child = parseObject(value, here, depth + 1);
        if (child) nodes.push({ op: 'not', node: child });
        continue;
      }
      if (key.startsWith('$')) {
        if (!count(1, here)) break;
        bad(here, `unsupported operator ${key} at this level`, 'UNSUPPORTED_OPERATOR');
        continue;
      }
      const name = resolveField(key);
      const spec = fieldOf(name);
      if (!spec) {
        if (!count(1, here)) break;
        const allowed = Object.keys(FIELDS).filter((k) => fieldOf(k));
        bad(here, `field "${key}" cannot be filtered; allowed: ${allowed.join(', ')}`, 'UNKNOWN_FIELD');
        continue;
      }
      const conds = parseField(name, spec, value, here);
      nodes.push(...conds);
    }
    if (nodes.length === 1 && nodes[0]) return nodes[0];
    return { op: 'and', nodes };
  }

  function parseField(name: string, spec: FieldSpec, value: unknown, at: string): FilterNode[] {
    const isOperatorObject =
      isPlainObject(value) && Object.keys(value).length > 0 && Object.keys(value).every((k) => k.startsWith('$'));
    if (!isOperatorObject || (spec.type === 'date' && isPlainObject(value) && '$date' in value)) {
      return parseOperator(name, spec, '$eq', value, at);
    }
    const out: FilterNode[] = [];
    for (const [op, operand] of Object.entries(value as Record<string, unknown>)) {
      out.push(...parseOperator(name, spec, op, operand, `${at}.${op}`));
    }
    return out;
  }

  function parseOperator(name: string, spec: FieldSpec, op: string, operand: unknown, at: string): FilterNode[] {
    if (!count(op === '$in' && Array.isArray(operand) ? Math.max(1, operand.length) : 1, at)) return [];
    if (!(spec.operators as readonly string[]).includes(op)) {
      bad(
        at,
        `operator ${op} is not supported for ${name}; allowed: ${spec.operators.join(', ')}`,
        'UNSUPPORTED_OPERATOR',
      );
      return [];
    }
    if (op === '$isEmpty') {
      if (typeof operand !== 'boolean') {
        bad(at, 'must be a boolean');
        return [];
      }
      return [{ op: 'isEmpty', field: name, value: operand }];
    }
    if (op === '$in') {
      if (!Array.isArray(operand)) {
        bad(at, 'must be an array');
        return [];
      }
      if (operand.length > LIMITS.inMaxValues) {
        bad(at, `must have at most ${LIMITS.inMaxValues} values`, 'MAX_SIZE');
        return [];
      }
      const values: Scalar[] = [];
      operand.forEach((v, i) => {
        const n = normalizeValue(spec, v);
        if (n.ok) values.push(n.value);
        else bad(`${at}[${i}]`, n.why);
      });
      return values.length === operand.length ? [{ op: 'in', field: name, values }] : [];
    }
    const n = normalizeValue(spec, operand);
    if (!n.ok) {
      bad(at, n.why);
      return [];
    }
    if (spec.type === 'count') return [{ op: 'positive', field: name, value: (n.value === 1) === (op === '$eq') }];
    if (n.value === null && op !== '$eq' && op !== '$ne') {
      bad(at, 'null can only be compared with $eq or $ne');
      return [];
    }
    return [{ op: 'cmp', field: name, cmp: op as Exclude<Operator, '$in' | '$isEmpty'>, value: n.value }];
  }

  if (filter === undefined || filter === null) return { node: null, violations };
  const node = parseObject(filter, path, 1);
  if (violations.length > 0) return { node: null, violations };
  if (node && node.op === 'and' && node.nodes.length === 0) return { node: null, violations };
  return { node, violations };
}
