/**
 * Parses a Wix query-language filter into a validated AST, collecting every violation (unknown field, operator
 * not allowed for the field, wrong value type, `$in` over 100 values, nesting too deep). Pure.
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
  | { op: 'isEmpty'; field: string; value: boolean };

export const MAX_FILTER_DEPTH = 8;
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
      return typeof value === 'number' && Number.isInteger(value)
        ? { ok: true, value }
        : { ok: false, why: 'must be an integer' };
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
  }
}

export interface ParsedFilter {
  node: FilterNode | null;
  violations: FieldViolation[];
}

/** Parses `filter`; `path` prefixes violation fields (e.g. `query.filter`). */
export function parseFilter(filter: unknown, path: string): ParsedFilter {
  const violations: FieldViolation[] = [];
  const bad = (field: string, description: string, violatedRule = 'INVALID_ARGUMENT') =>
    violations.push({ field, description, violatedRule });

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
      if (key === '$and' || key === '$or') {
        if (!Array.isArray(value) || value.length === 0) {
          bad(here, 'must be a non-empty array of filters');
          continue;
        }
        const children = value
          .map((v, i) => parseObject(v, `${here}[${i}]`, depth + 1))
          .filter((n): n is FilterNode => n !== null);
        if (children.length === value.length) nodes.push({ op: key === '$and' ? 'and' : 'or', nodes: children });
        continue;
      }
      if (key === '$not') {
        const child = parseObject(value, here, depth + 1);
        if (child) nodes.push({ op: 'not', node: child });
        continue;
      }
      if (key.startsWith('$')) {
        bad(here, `unsupported operator ${key} at this level`, 'UNSUPPORTED_OPERATOR');
        continue;
      }
      const name = resolveField(key);
      const spec = FIELDS[name];
      if (!spec) {
        bad(here, `field "${key}" cannot be filtered; allowed: ${Object.keys(FIELDS).join(', ')}`, 'UNKNOWN_FIELD');
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
    if (!(spec.operators as readonly string[]).includes(op)) {
      bad(at, `operator ${op} is not supported for ${name}; allowed: ${spec.operators.join(', ')}`, 'UNSUPPORTED_OPERATOR');
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
