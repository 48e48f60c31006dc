/**
 * Turns Ajv validation errors into Wix field violations: one violation per problem, dotted paths, and union
 * branches folded into one readable rule ("must be one of APPROVED, REJECTED"). Also the checks that run before
 * validation, because what they refuse must never reach Ajv, a recursive walk or the database: the nesting depth of
 * a JSON body, and path parameters (an id that is not in the id format names nothing; a NUL is refused).
 */
import type { FastifySchemaValidationError } from 'fastify/types/schema.js';
import { type FieldViolation, NOT_FOUND_KEYWORD, type NotFoundAnswer } from '../../contract/index.ts';
import { AppError, invalid } from '../errors.ts';

/**
 * The deepest JSON body accepted (arrays and objects nested in one another). The deepest valid request, a filter
 * nested to its own cap inside a query, needs about 25; deeper bodies are refused before anything walks them.
 */
export const MAX_BODY_DEPTH = 64;

/**
 * Whether the JSON text nests arrays and objects deeper than `max`. One pass over the characters, skipping string
 * contents, with no recursion: safe on any input, and run before the text is parsed.
 */
export function jsonDepthExceeds(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return false;
}

/** The 400 for a body nested deeper than `MAX_BODY_DEPTH`. */
export const tooDeep = (): AppError =>
  invalid([
    { field: 'body', description: `must not nest deeper than ${MAX_BODY_DEPTH} levels`, violatedRule: 'MAX_DEPTH' },
  ]);

/** An id path parameter of a route: its name, the id format and the answer when a value is not in it. */
export interface PathIdSpec {
  name: string;
  format: RegExp;
  notFound: NotFoundAnswer;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isNotFoundAnswer(v: unknown): v is NotFoundAnswer {
  return isRecord(v) && typeof v.code === 'string' && typeof v.message === 'string';
}

/** The id parameters (`IdParam` in the contract) a route's params schema declares. */
export function pathIdSpecs(params: unknown): PathIdSpec[] {
  if (!isRecord(params) || !isRecord(params.properties)) return [];
  const out: PathIdSpec[] = [];
  for (const [name, schema] of Object.entries(params.properties)) {
    if (!isRecord(schema)) continue;
    const notFound = schema[NOT_FOUND_KEYWORD];
    if (isNotFoundAnswer(notFound) && typeof schema.pattern === 'string') {
      out.push({ name, format: new RegExp(schema.pattern), notFound });
    }
  }
  return out;
}

/**
 * Checks a request's path parameters before validation. An id parameter whose value is not in the id format
 * names nothing and gets its 404 (the first such parameter, in declaration order); any other parameter holding a
 * NUL character gets a 400 naming it. Null when every parameter may go on.
 */
export function checkPathParams(params: unknown, ids: readonly PathIdSpec[]): AppError | null {
  if (!isRecord(params)) return null;
  for (const id of ids) {
    const value = params[id.name];
    if (typeof value === 'string' && !id.format.test(value)) {
      return new AppError('not_found', id.notFound.code, id.notFound.message);
    }
  }
  const violations: FieldViolation[] = [];
  for (const [name, value] of Object.entries(params)) {
    if (typeof value === 'string' && value.includes('\u0000')) {
      violations.push({
        field: `params.${name}`,
        description: 'must not contain NUL characters',
        violatedRule: 'INVALID_CHARACTER',
      });
    }
  }
  return violations.length > 0 ? invalid(violations) : null;
}

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
  const parts = instancePath
    .split('/')
    .filter(Boolean)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  let out = prefix;
  for (const p of parts) out += /^\d+$/.test(p) ? `[${p}]` : out ? `.${p}` : p;
  return out;
}

function describeUnion(err: AjvError): { description: string; violatedRule: string } {
  const branches = err.parentSchema?.anyOf ?? [];
  if (branches.length > 0 && branches.every((b) => b.const !== undefined)) {
    return {
      description: `must be one of ${branches.map((b) => String(b.const)).join(', ')}`,
      violatedRule: 'INVALID_ENUM_VALUE',
    };
  }
  const types = branches.map((b) => b.type ?? 'object').filter((t, i, all) => all.indexOf(t) === i);
  return {
    description: types.length > 0 ? `must be ${types.join(' or ')}` : 'has an invalid value',
    violatedRule: 'TYPE',
  };
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
  if (e.keyword === 'additionalProperties') {
    const unknown = String((e.params as { additionalProperty?: unknown }).additionalProperty ?? '');
    const base = fieldPath(e.instancePath, prefix);
    return {
      field: base ? `${base}.${unknown}` : unknown,
      description: 'is not a known field',
      violatedRule: 'UNKNOWN_FIELD',
    };
  }
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
