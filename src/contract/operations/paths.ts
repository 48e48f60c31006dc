/**
 * Paths of the catalogue's operations as plain data: the shape of a route row, the API prefixes with the aliases
 * they are also served under, and how a request path is built from a route and its inputs. No TypeBox: the
 * browser clients import this.
 */

/** The HTTP methods the API uses. */
export type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

/** Where one operation is served: its method and canonical path (a Fastify template, `:name` per parameter). */
export interface OperationRoute {
  readonly method: Method;
  readonly path: string;
}

/**
 * Prefixes an API is served under, canonical first. Reviews: the www.wixapis.com paths, the paths the official SDK
 * uses on a custom host (`/_api/…`) and the `/reviews/api/v1` alias of the REST reference (docs/wix-api.md §13).
 * Contacts: the www.wixapis.com path, the Wix-site path, and the bare `/v4/contacts` the official contacts SDK
 * requests on a custom host. Only the canonical prefix is documented in `/openapi.json`.
 */
export const API_PREFIXES = {
  reviews: ['/reviews/v1', '/_api/reviews/v1', '/reviews/api/v1', '/_api/reviews/api/v1'],
  contacts: ['/contacts/v4/contacts', '/_api/contacts/v4/contacts', '/v4/contacts'],
} as const;

/** Whether `path` starts with `prefix` at a segment boundary (`/`, `?` or its end). */
export function underPrefix(path: string, prefix: string): boolean {
  if (!path.startsWith(prefix)) return false;
  const next = path.charCodeAt(prefix.length);
  return Number.isNaN(next) || next === 0x2f || next === 0x3f;
}

/** Every path an operation answers on: its canonical path, then the same under each alias of its prefix. */
export function pathsOf(route: OperationRoute): string[] {
  for (const prefixes of Object.values(API_PREFIXES)) {
    const [canonical, ...aliases] = prefixes;
    if (underPrefix(route.path, canonical)) {
      const rest = route.path.slice(canonical.length);
      return [route.path, ...aliases.map((alias) => alias + rest)];
    }
  }
  return [route.path];
}

/** The names of a route's path parameters, in order (`:reviewId` → `reviewId`). */
export function pathParamNames(route: OperationRoute): string[] {
  return [...route.path.matchAll(/:(\w+)/g)].map((m) => m[1] ?? '');
}

/**
 * The request path (with query string) of a call: each `:name` replaced by its percent-encoded parameter, and the
 * query's defined values appended in insertion order. Throws when a path parameter is missing, so a client never
 * sends a request to a template.
 */
export function requestPath(
  route: OperationRoute,
  params?: Readonly<Record<string, string>>,
  query?: Readonly<Record<string, string | undefined>>,
): string {
  const path = route.path.replace(/:(\w+)/g, (_m, name: string) => {
    const value = params?.[name];
    if (value === undefined) throw new TypeError(`missing path parameter ${name} of ${route.method} ${route.path}`);
    return encodeURIComponent(value);
  });
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) qs.set(k, v);
  const text = qs.toString();
  return text ? `${path}?${text}` : path;
}
