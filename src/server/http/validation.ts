/**
 * Turns Ajv validation errors into Wix field violations: one violation per problem, dotted paths, and union
 * branches folded into one readable rule ("must be one of APPROVED, REJECTED").
 */
import type { FastifySchemaValidationError } from 'fastify/types/schema.js';
import type { FieldViolation } from '../../contract/index.ts';

const RULES: Record<string, string> = {
  maximum: 'MAX',
  minimum: 'MIN',
  maxLength: 'MAX_LENGTH',
  minLength: 'MIN_LENGTH',
  maxItems: 'MAX_SIZE',
  minItems: 'MIN_SIZE',
  required: 'REQUIRED_FIELD',
  type: 'TYPE',
  pattern: 'PATTERN',
  format: 'FORMAT',
  const: 'INVALID_ENUM_VALUE',
  uniqueItems: 'UNIQUE',
  additionalProperties: 'UNKNOWN_FIELD',
};

type AjvError = FastifySchemaValidationError & {
  schemaPath: string;
  parentSchema?: { anyOf?: { const?: unknown; type?: string }[] };
};

/** `/review/content/0/rating` → `review.content[0].rating`, prefixed by the request part for non-body parts. */
export function fieldPath(instancePath: string, prefix: string): string {
  const parts = instancePath.split('/').filter(Boolean).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  let out = prefix;
  for (const p of parts) out += /^\d+$/.test(p) ? `[${p}]` : out ? `.${p}` : p;
  return out;
}

function describeUnion(err: AjvError): { description: string; violatedRule: string } {
  const branches = err.parentSchema?.anyOf ?? [];
  if (branches.length > 0 && branches.every((b) => b.const !== undefined)) {
    return { description: `must be one of ${branches.map((b) => String(b.const)).join(', ')}`, violatedRule: 'INVALID_ENUM_VALUE' };
  }
  const types = branches.map((b) => b.type ?? 'object').filter((t, i, all) => all.indexOf(t) === i);
  return { description: types.length > 0 ? `must be ${types.join(' or ')}` : 'has an invalid value', violatedRule: 'TYPE' };
}

export function toFieldViolations(errors: readonly FastifySchemaValidationError[], context: string): FieldViolation[] {
  const all = errors as AjvError[];
  const prefix = context === 'body' ? '' : context === 'querystring' ? 'query' : context;
  const unions = all.filter((e) => e.keyword === 'anyOf');
  const inUnion = (e: AjvError) => unions.some((u) => u !== e && e.schemaPath.startsWith(`${u.schemaPath}/`));
  const out: FieldViolation[] = [];
  const seen = new Set<string>();
  const push = (v: FieldViolation) => {
    const k = `${v.field}\u0000${v.description}`;
    if (!seen.has(k)) {
      seen.add(k);
      out.push(v);
    }
  };
  for (const e of all) {
    if (inUnion(e)) continue;
    if (e.keyword === 'anyOf') {
      const inner = all.filter(
        (b) => b.schemaPath.startsWith(`${e.schemaPath}/`) && !['type', 'const', 'anyOf'].includes(b.keyword),
      );
      if (inner.length > 0) {
        for (const b of inner) push(single(b, prefix));
      } else {
        push({ field: fieldPath(e.instancePath, prefix), ...describeUnion(e) });
      }
      continue;
    }
    push(single(e, prefix));
  }
  return out;
}

function single(e: AjvError, prefix: string): FieldViolation {
  if (e.keyword === 'required') {
    const missing = String((e.params as { missingProperty?: unknown }).missingProperty ?? '');
    const base = fieldPath(e.instancePath, prefix);
    return { field: base ? `${base}.${missing}` : missing, description: 'is required', violatedRule: 'REQUIRED_FIELD' };
  }
  return {
    field: fieldPath(e.instancePath, prefix) || prefix || 'body',
    description: e.message ?? 'is invalid',
    violatedRule: RULES[e.keyword] ?? 'INVALID_ARGUMENT',
  };
}
