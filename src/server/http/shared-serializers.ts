/**
 * Fastify's response serializers, one per distinct response schema instead of one per route and status.
 *
 * Fastify compiles a fast-json-stringify function for every status of every route that declares a response schema.
 * Every operation documents its error statuses with the same Wix error body (only the schema's `description`, which
 * names the codes, differs), and many operations answer with the same success body, so most of those functions are
 * copies: on a server with the whole route table, 469 compiled serializers kept 6 MB of generated source alone in
 * the heap, besides their code (docs/performance.md, Round 16). A serializer depends on nothing but the schema and
 * the shared schemas, so schemas equal as JSON, apart from their top-level `description`, share one.
 */

import SerializerSelector from '@fastify/fast-json-stringify-compiler';

type Factory = SerializerSelector.SerializerFactory;
type Serializer = SerializerSelector.Serializer;

/**
 * What decides a serializer: the schema as JSON without its top-level `description` (documentation only). Keys a
 * serializer never reads stay in, so two schemas that differ anywhere else are never merged.
 */
export function serializerKey(schema: unknown): string {
  if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) return JSON.stringify(schema) ?? '';
  const { description: _documentation, ...rest } = schema as Record<string, unknown>;
  return JSON.stringify(rest);
}

/** A `compilersFactory.buildSerializer` that compiles each distinct response schema once per server. */
export function sharedSerializerFactory(): Factory {
  const build = SerializerSelector();
  const compiled = new Map<string, Serializer>();
  return (externalSchemas, options) => {
    const compile = build(externalSchemas, options);
    const scope = `${JSON.stringify(externalSchemas ?? null)}\u0000${JSON.stringify(options ?? null)}\u0000`;
    return (route) => {
      const key = scope + serializerKey(route.schema);
      let serializer = compiled.get(key);
      if (serializer === undefined) {
        serializer = compile(route);
        compiled.set(key, serializer);
      }
      return serializer;
    };
  };
}
